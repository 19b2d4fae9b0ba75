// fuzz_support.h: what every fuzz target body shares: the invariant check
// and a cursor that splits one fuzz input into fields.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "crypto/bytes.h"

namespace ntlm::fuzz {

/// A broken invariant is a finding: say which, then abort so libFuzzer keeps
/// the input (and the regression test fails loudly).
inline void FuzzCheck(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
  std::abort();
}

/// Loads the OpenSSL providers (MD4, RC4 live in `legacy`) once.
void EnsureCryptoInitialized();

/// Reads fields off the front of a fuzz input; past the end every read
/// yields zeros / empty spans, so any input is a valid field sequence.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : data_(data, size) {}

  bool empty() const { return pos_ >= data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }

  uint8_t TakeU8() { return empty() ? 0 : data_[pos_++]; }
  uint16_t TakeU16() {
    uint16_t low = TakeU8();
    return static_cast<uint16_t>(low | (TakeU8() << 8));
  }
  /// Up to `count` bytes (fewer at the end of the input).
  ByteSpan TakeBytes(size_t count) {
    count = std::min(count, remaining());
    ByteSpan out = data_.subspan(pos_, count);
    pos_ += count;
    return out;
  }
  /// A u16 little-endian length, then that many bytes (or what is left).
  ByteSpan TakeLengthPrefixed() { return TakeBytes(TakeU16()); }
  ByteSpan TakeRest() { return TakeBytes(remaining()); }

 private:
  ByteSpan data_;
  size_t pos_ = 0;
};

}  // namespace ntlm::fuzz
