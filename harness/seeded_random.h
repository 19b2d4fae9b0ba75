// seeded_random.h: a reproducible RandomSource for `matrix --seed`.
//
// SplitMix64 (Steele, Lea, Flood 2014): not a CSPRNG. It exists so that a
// matrix run can be repeated byte for byte; production paths (serve) use
// ssp::SecureRandom.
#pragma once

#include <cstdint>
#include <string_view>

#include "ssp/environment.h"

namespace ntlm::harness {

class SeededRandom final : public ssp::RandomSource {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  bool Fill(MutableByteSpan out) override {
    for (size_t i = 0; i < out.size(); i += 8) {
      uint64_t v = Next();
      for (size_t j = 0; j < 8 && i + j < out.size(); ++j) {
        out[i + j] = static_cast<uint8_t>(v >> (8 * j));
      }
    }
    return true;
  }

 private:
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t state_;
};

// FNV-1a of `text` mixed with `seed`: a per-cell seed that does not change
// when other cells are added.
inline uint64_t DeriveSeed(uint64_t seed, std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (char c : text) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace ntlm::harness
