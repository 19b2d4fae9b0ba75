// environment.h: what the SSP needs from the outside world, injected.
//
// ssp/ reads no clock and owns no entropy source: the server and client take
// a Clock and a RandomSource, so tests and replays are deterministic and
// production code passes the system clock (harness/) and the CSPRNG.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "crypto/bytes.h"

namespace ntlm::ssp {

// Windows FILETIME: 100 ns intervals since 1601-01-01 UTC.
using FileTime = uint64_t;
inline constexpr FileTime kFileTimeUnixEpoch = 116444736000000000ULL;
inline constexpr FileTime kFileTimeTicksPerSecond = 10000000ULL;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual FileTime Now() const = 0;
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(FileTime now) : now_(now) {}
  FileTime Now() const override { return now_; }
  void Set(FileTime now) { now_ = now; }

 private:
  FileTime now_;
};

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // Fills `out`; false when no randomness could be had (the caller fails).
  virtual bool Fill(MutableByteSpan out) = 0;
};

// The CSPRNG (crypto::RandomBytes).
class SecureRandom final : public RandomSource {
 public:
  bool Fill(MutableByteSpan out) override;
};

// Replays a fixed byte string, then repeats it (deterministic mode).
class FixedRandom final : public RandomSource {
 public:
  explicit FixedRandom(Bytes bytes) : bytes_(std::move(bytes)) {}
  bool Fill(MutableByteSpan out) override {
    if (bytes_.empty()) return false;
    for (auto& b : out) {
      b = bytes_[pos_];
      pos_ = (pos_ + 1) % bytes_.size();
    }
    return true;
  }

 private:
  Bytes bytes_;
  size_t pos_ = 0;
};

}  // namespace ntlm::ssp
