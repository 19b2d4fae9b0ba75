// system_clock.h: the real clock the network fronts give the SSP (ssp/ reads
// no clock itself; see ssp/environment.h).
#pragma once

#include "ssp/environment.h"

namespace ntlm::harness {

// The system's UTC time as a FILETIME.
class SystemClock final : public ssp::Clock {
 public:
  ssp::FileTime Now() const override;
};

}  // namespace ntlm::harness
