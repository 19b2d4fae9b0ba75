// md5_multibuffer.h: eight independent MD5 computations side by side, one
// per 32-bit lane of an AVX2 register, each stitched with its own RC4 stream
// (the batched seal, ssp/seal_batch.h).
//
// MD5 cannot be vectorised within one message (every step depends on the
// previous one), but eight messages of eight sessions can: one vector
// instruction then advances eight chains. While the vector unit runs the MD5
// steps, the integer/load/store units run eight RC4 streams, whose chains
// are independent of each other and of MD5: when all eight lanes have a
// stream (the hot case) two streams at a time; on x86-64 sixteen bytes of
// each after every fourth MD5 step, as the asm steps of
// crypto/internal/rc4_asm_step.h (full blocks, and the 60-byte first block
// of a seal after its SeqNum), elsewhere eight bytes of each after every
// other step, full blocks only; otherwise one byte per lane per step.
//
// Runtime dispatch: the kernels are compiled with target attributes (no
// global -mavx2) and chosen once with __builtin_cpu_supports: the AVX-512VL
// build (same eight lanes; VPROLD, VPTERNLOGD), else the AVX2 build, else
// the portable kernel (the scalar stitched block per lane). All are
// bit-exact with crypto::Md5BlockRc4 (tests/ssp/seal_batch_test.cc).
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/rc4_md5_stitched.h"

namespace ntlm::crypto {

inline constexpr size_t kMd5Lanes = 8;

// The chaining values of eight MD5 computations, transposed: a[lane], ...
struct alignas(32) Md5Lanes {
  uint32_t a[kMd5Lanes];
  uint32_t b[kMd5Lanes];
  uint32_t c[kMd5Lanes];
  uint32_t d[kMd5Lanes];

  void Set(size_t lane, const uint32_t h[4]);
  void Get(size_t lane, uint32_t h[4]) const;
};

// One lane's work in Md5x8BlockRc4: the 64-byte block MD5 absorbs, and the
// RC4 stream (nullptr: none) applied to in[0..n) -> out[0..n).
struct Md5LaneInput {
  const uint8_t* block = nullptr;
  Rc4State* rc4 = nullptr;
  const uint8_t* in = nullptr;
  uint8_t* out = nullptr;
};

// For every lane: absorbs lanes[i].block into lane i of `state` and, when
// lanes[i].rc4 is set, writes out = RC4(in) over n <= 64 bytes. Every lane's
// block is read before any output byte is written (out may overlap block).
// Dispatches to the AVX2 kernel when the CPU has AVX2.
void Md5x8BlockRc4(Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n);

// The two kernels, for tests and benchmarks. The AVX2 one must only be
// called when Md5x8HasAvx2().
void Md5x8BlockRc4Portable(Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n);
void Md5x8BlockRc4Avx2(Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n);
bool Md5x8HasAvx2();
// The same kernel compiled for AVX-512F+VL (still eight 32-bit lanes, in YMM
// registers: VPROLD rotations, VPTERNLOGD step functions). Only when
// Md5x8HasAvx512().
void Md5x8BlockRc4Avx512(Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n);
bool Md5x8HasAvx512();

}  // namespace ntlm::crypto
