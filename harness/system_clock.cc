#include "harness/system_clock.h"

#include <chrono>

namespace ntlm::harness {

ssp::FileTime SystemClock::Now() const {
  auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  auto ticks = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count() / 100;
  if (ticks < 0) return ssp::kFileTimeUnixEpoch;
  return ssp::kFileTimeUnixEpoch + static_cast<ssp::FileTime>(ticks);
}

}  // namespace ntlm::harness
