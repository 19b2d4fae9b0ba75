// md5_multibuffer.cc: the 8-lane MD5 (+8 RC4 streams) kernels and dispatch.
#include "crypto/md5_multibuffer.h"

#include <immintrin.h>

#include <cstring>

namespace ntlm::crypto {
namespace internal {

// Eight uint32 lanes as a GCC vector; with the avx2 target below, its
// operators compile to VPADDD / VPXOR / VPAND / VPANDN / VPOR / VPSLLD.
typedef uint32_t V8 __attribute__((vector_size(32)));

template <int S>
__attribute__((always_inline, target("avx2"))) inline V8 Md5Rotl(V8 v) {
  return (v << S) | (v >> (32 - S));
}

}  // namespace internal
}  // namespace ntlm::crypto

// Included after the V8 overload so the step list finds both.
#include "crypto/internal/md5_steps.h"
#include "crypto/internal/rc4_asm_step.h"
#include "crypto/internal/rc4_steps.h"

namespace ntlm::crypto {
namespace {

using internal::V8;

inline uint8_t Rc4NextByte(uint32_t* s, uint32_t& x, uint32_t& y) {
  return static_cast<uint8_t>(internal::Rc4Next(s, x, y));
}

// Transposes eight rows of eight 32-bit words (lane-major) into eight
// columns (word-major).
__attribute__((target("avx2"))) void Transpose8(const __m256i r[8], V8 out[8]) {
  const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]);
  const __m256i t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]);
  const __m256i t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]);
  const __m256i t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]);
  const __m256i t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  const __m256i u0 = _mm256_unpacklo_epi64(t0, t2);
  const __m256i u1 = _mm256_unpackhi_epi64(t0, t2);
  const __m256i u2 = _mm256_unpacklo_epi64(t1, t3);
  const __m256i u3 = _mm256_unpackhi_epi64(t1, t3);
  const __m256i u4 = _mm256_unpacklo_epi64(t4, t6);
  const __m256i u5 = _mm256_unpackhi_epi64(t4, t6);
  const __m256i u6 = _mm256_unpacklo_epi64(t5, t7);
  const __m256i u7 = _mm256_unpackhi_epi64(t5, t7);
  out[0] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u0, u4, 0x20));
  out[1] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u1, u5, 0x20));
  out[2] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u2, u6, 0x20));
  out[3] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u3, u7, 0x20));
  out[4] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u0, u4, 0x31));
  out[5] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u1, u5, 0x31));
  out[6] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u2, u6, 0x31));
  out[7] = reinterpret_cast<V8>(_mm256_permute2x128_si256(u3, u7, 0x31));
}

}  // namespace

void Md5Lanes::Set(size_t lane, const uint32_t h[4]) {
  a[lane] = h[0];
  b[lane] = h[1];
  c[lane] = h[2];
  d[lane] = h[3];
}

void Md5Lanes::Get(size_t lane, uint32_t h[4]) const {
  h[0] = a[lane];
  h[1] = b[lane];
  h[2] = c[lane];
  h[3] = d[lane];
}

void Md5x8BlockRc4Portable(Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n) {
  for (size_t l = 0; l < kMd5Lanes; ++l) {
    uint32_t h[4];
    state.Get(l, h);
    if (lanes[l].rc4 != nullptr) {
      Md5BlockRc4(h, lanes[l].block, *lanes[l].rc4, lanes[l].in, lanes[l].out, n);
    } else {
      Md5CompressBlock(h, lanes[l].block);
    }
    state.Set(l, h);
  }
}

namespace {

#if !NTLM_RC4_ASM
// Eight bytes of each of two RC4 streams at offset `off`: the keystream
// bytes are gathered into one 64-bit word per stream (little-endian, as the
// bytes lie in memory), then XORed into the input and stored as one word. The
// two chains are independent, so their S-box loads and stores overlap; eight
// bytes of one stream in a row let the stream's indices stay in registers.
__attribute__((always_inline)) inline void Rc4PairEight(Rc4State& r0, Rc4State& r1,
                                                        const uint8_t* i0, const uint8_t* i1,
                                                        uint8_t* o0, uint8_t* o1, size_t off) {
  uint32_t* __restrict s0 = r0.s;
  uint32_t* __restrict s1 = r1.s;
  uint32_t x0 = r0.x, y0 = r0.y, x1 = r1.x, y1 = r1.y;
  uint64_t k0 = 0;
  uint64_t k1 = 0;
  for (int b = 0; b < 8; ++b) {
    k0 |= static_cast<uint64_t>(Rc4NextByte(s0, x0, y0)) << (8 * b);
    k1 |= static_cast<uint64_t>(Rc4NextByte(s1, x1, y1)) << (8 * b);
  }
  r0.x = x0;
  r0.y = y0;
  r1.x = x1;
  r1.y = y1;
  uint64_t v0, v1;
  std::memcpy(&v0, i0 + off, 8);
  std::memcpy(&v1, i1 + off, 8);
  v0 ^= k0;
  v1 ^= k1;
  std::memcpy(o0 + off, &v0, 8);
  std::memcpy(o1 + off, &v1, 8);
}
#endif

#if NTLM_RC4_ASM
// kBytes (16, or 12: the last chunk of a seal's 60-byte first block) bytes
// of each of two RC4 streams at offset `off`, as internal::Rc4StepAsm steps
// alternating between the streams (their chains are independent, so the core
// overlaps them), each stream's keystream gathered in two vector registers and
// XORed into its message with one load and store (two for 12 bytes).
// The pair's S-boxes and indices, kept in the kernel's locals (registers)
// for the pair's whole block.
struct Rc4PairRegs {
  uint32_t* s0;
  uint32_t* s1;
  uint64_t x0, y0, x1, y1;
};

template <int kBytes>
__attribute__((always_inline)) inline void Rc4PairAsm(Rc4PairRegs& r, const uint8_t* i0,
                                                      const uint8_t* i1, uint8_t* o0, uint8_t* o1,
                                                      size_t off) {
  uint32_t* s0 = r.s0;
  uint32_t* s1 = r.s1;
  uint64_t& x0 = r.x0;
  uint64_t& y0 = r.y0;
  uint64_t& x1 = r.x1;
  uint64_t& y1 = r.y1;
  __m128i e0 = _mm_setzero_si128(), d0 = _mm_setzero_si128();
  __m128i e1 = _mm_setzero_si128(), d1 = _mm_setzero_si128();
#define NTLM_RC4_PAIR_STEP(lane)                \
  if constexpr (2 * (lane) < kBytes) {          \
    internal::Rc4StepAsm<lane>(s0, x0, y0, e0); \
    internal::Rc4StepAsm<lane>(s1, x1, y1, e1); \
    internal::Rc4StepAsm<lane>(s0, x0, y0, d0); \
    internal::Rc4StepAsm<lane>(s1, x1, y1, d1); \
  }
  NTLM_RC4_PAIR_STEP(0)
  NTLM_RC4_PAIR_STEP(1)
  NTLM_RC4_PAIR_STEP(2)
  NTLM_RC4_PAIR_STEP(3)
  NTLM_RC4_PAIR_STEP(4)
  NTLM_RC4_PAIR_STEP(5)
  NTLM_RC4_PAIR_STEP(6)
  NTLM_RC4_PAIR_STEP(7)
#undef NTLM_RC4_PAIR_STEP
  internal::Rc4Flush<kBytes>(e0, d0, i0 + off, o0 + off);
  internal::Rc4Flush<kBytes>(e1, d1, i1 + off, o1 + off);
}
#endif

// Loads all lanes' message words, transposed (before any output is written,
// so outputs may overwrite the blocks).
__attribute__((always_inline, target("avx2"))) inline void LoadWords(
    const Md5LaneInput lanes[kMd5Lanes], V8 w[16]) {
  __m256i rows[8];
  for (size_t l = 0; l < kMd5Lanes; ++l) {
    rows[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes[l].block));
  }
  Transpose8(rows, w);
  for (size_t l = 0; l < kMd5Lanes; ++l) {
    rows[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(lanes[l].block + 32));
  }
  Transpose8(rows, w + 8);
}

#if NTLM_RC4_ASM
// Chunk `off` of the pair of streams whose MD5 step hook runs now: sixteen
// bytes, or the 12-byte last chunk of the 60-byte first block.
template <size_t kAll>
__attribute__((always_inline)) inline void Rc4PairChunk(Rc4PairRegs& r, const Md5LaneInput& l0,
                                                        const Md5LaneInput& l1, size_t off) {
  static_assert(kAll == kMd5Block || kAll == kMd5Block - 4);
  if (off == 0) r = {l0.rc4->s, l1.rc4->s, l0.rc4->x, l0.rc4->y, l1.rc4->x, l1.rc4->y};
  if (off + 16 <= kAll) {
    Rc4PairAsm<16>(r, l0.in, l1.in, l0.out, l1.out, off);
  } else {
    Rc4PairAsm<12>(r, l0.in, l1.in, l0.out, l1.out, off);
  }
  if (off + 16 >= kAll) {  // the pair's last chunk
    l0.rc4->x = static_cast<uint32_t>(r.x0);
    l0.rc4->y = static_cast<uint32_t>(r.y0);
    l1.rc4->x = static_cast<uint32_t>(r.x1);
    l1.rc4->y = static_cast<uint32_t>(r.y1);
  }
}
#endif

// The kernel bodies, inlined into one function per instruction set (the
// AVX2 one and the AVX-512VL one, where the compiler turns the rotations into
// VPROLD and the boolean step functions into VPTERNLOGD). kAll != 0: every
// lane has an RC4 stream and n == kAll (64: every block after a seal's first;
// 60: the first, after the SeqNum; asm builds only), each its own function so
// that it gets its own register allocation. kAll == 0: the general case.
template <size_t kAll>
__attribute__((always_inline, target("avx2"))) inline void Md5x8Kernel(
    Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n) {
  V8 w[16];
  LoadWords(lanes, w);
  V8 a, b, c, d;
  std::memcpy(&a, state.a, 32);
  std::memcpy(&b, state.b, 32);
  std::memcpy(&c, state.c, 32);
  std::memcpy(&d, state.d, 32);
  const V8 a0 = a, b0 = b, c0 = c, d0 = d;
  if constexpr (kAll != 0) {
#if NTLM_RC4_ASM
    // x86-64: every fourth step k runs sixteen bytes of streams 2p and
    // 2p+1 (p = k / 16) at offset 16 ((k % 16) / 4), as asm steps.
    Rc4PairRegs pair{};
#define NTLM_RC4PAIR_HOOK(k)                                                                  \
  if (((k)&3) == 0) {                                                                         \
    Rc4PairChunk<kAll>(pair, lanes[2 * ((k) >> 4)], lanes[2 * ((k) >> 4) + 1], 4 * ((k)&15)); \
  }
#else
    // Every even step k runs eight bytes of streams 2p and 2p+1 (p = k / 16)
    // at offset 4 (k % 16): each pair of streams over 16 steps (measured on
    // the build machine: about 1.25x the one-byte-per-lane-per-step schedule
    // of the general case).
    static_assert(kAll == kMd5Block, "the portable pair schedule needs full blocks");
#define NTLM_RC4PAIR_HOOK(k)                                                              \
  if (((k)&1) == 0) {                                                                     \
    Rc4PairEight(*lanes[2 * ((k) >> 4)].rc4, *lanes[2 * ((k) >> 4) + 1].rc4,              \
                 lanes[2 * ((k) >> 4)].in, lanes[2 * ((k) >> 4) + 1].in,                  \
                 lanes[2 * ((k) >> 4)].out, lanes[2 * ((k) >> 4) + 1].out, 4 * ((k)&15)); \
  }
#endif
    NTLM_MD5_STEPS(a, b, c, d, w, NTLM_RC4PAIR_HOOK)
#undef NTLM_RC4PAIR_HOOK
    (void)n;
  } else {
    // The RC4 streams that run alongside: state pointers and indices local.
    uint32_t* box[kMd5Lanes];
    uint32_t rx[kMd5Lanes];
    uint32_t ry[kMd5Lanes];
    const uint8_t* in[kMd5Lanes];
    uint8_t* out[kMd5Lanes];
    size_t active = 0;
    for (size_t l = 0; l < kMd5Lanes; ++l) {
      if (lanes[l].rc4 == nullptr || n == 0) continue;
      box[active] = lanes[l].rc4->s;
      rx[active] = lanes[l].rc4->x;
      ry[active] = lanes[l].rc4->y;
      in[active] = lanes[l].in;
      out[active] = lanes[l].out;
      ++active;
    }
#define NTLM_RC4X8_HOOK(k)                                                            \
  if ((k) < n) {                                                                      \
    for (size_t l = 0; l < active; ++l) {                                             \
      out[l][k] = static_cast<uint8_t>(in[l][k] ^ Rc4NextByte(box[l], rx[l], ry[l])); \
    }                                                                                 \
  }
    NTLM_MD5_STEPS(a, b, c, d, w, NTLM_RC4X8_HOOK)
#undef NTLM_RC4X8_HOOK
    for (size_t l = 0, k = 0; l < kMd5Lanes; ++l) {
      if (lanes[l].rc4 == nullptr || n == 0) continue;
      lanes[l].rc4->x = rx[k];
      lanes[l].rc4->y = ry[k];
      ++k;
    }
  }
  a += a0;
  b += b0;
  c += c0;
  d += d0;
  std::memcpy(state.a, &a, 32);
  std::memcpy(state.b, &b, 32);
  std::memcpy(state.c, &c, 32);
  std::memcpy(state.d, &d, 32);
}

// The all-lanes kernel that serves n (0: none, the general kernel runs).
size_t AllLanesKind(const Md5LaneInput lanes[kMd5Lanes], size_t n) {
  constexpr size_t kHead = NTLM_RC4_ASM ? kMd5Block - 4 : kMd5Block;
  if (n != kMd5Block && n != kHead) return 0;
  for (size_t l = 0; l < kMd5Lanes; ++l) {
    if (lanes[l].rc4 == nullptr) return 0;
  }
  return n;
}

template <size_t kAll>
__attribute__((noinline, target("avx2"))) void AllAvx2(Md5Lanes& state,
                                                       const Md5LaneInput lanes[kMd5Lanes]) {
  Md5x8Kernel<kAll>(state, lanes, kAll);
}

template <size_t kAll>
__attribute__((noinline, target("avx2,avx512f,avx512vl"))) void AllAvx512(
    Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes]) {
  Md5x8Kernel<kAll>(state, lanes, kAll);
}

using AllLanesFn = void (*)(Md5Lanes&, const Md5LaneInput*);

// Runs the all-lanes kernel that serves n (full: 64 bytes; head: 60, x86-64
// only, else nullptr) and returns true, or returns false for the general one.
bool RunAllLanes(Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n, AllLanesFn full,
                 AllLanesFn head) {
  const size_t kind = AllLanesKind(lanes, n);
  if (kind == kMd5Block) {
    full(state, lanes);
  } else if (kind != 0 && head != nullptr) {
    head(state, lanes);
  } else {
    return false;
  }
  return true;
}

#if NTLM_RC4_ASM
#define NTLM_HEAD_KERNEL(f) &f<kMd5Block - 4>
#else
#define NTLM_HEAD_KERNEL(f) nullptr
#endif

}  // namespace

__attribute__((target("avx2"))) void Md5x8BlockRc4Avx2(Md5Lanes& state,
                                                       const Md5LaneInput lanes[kMd5Lanes],
                                                       size_t n) {
  if (RunAllLanes(state, lanes, n, &AllAvx2<kMd5Block>, NTLM_HEAD_KERNEL(AllAvx2))) return;
  Md5x8Kernel<0>(state, lanes, n);
}

__attribute__((target("avx2,avx512f,avx512vl"))) void Md5x8BlockRc4Avx512(
    Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n) {
  if (RunAllLanes(state, lanes, n, &AllAvx512<kMd5Block>, NTLM_HEAD_KERNEL(AllAvx512))) return;
  Md5x8Kernel<0>(state, lanes, n);
}
#undef NTLM_HEAD_KERNEL

bool Md5x8HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

bool Md5x8HasAvx512() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("avx512f") &&
                          __builtin_cpu_supports("avx512vl");
  return has;
}

void Md5x8BlockRc4(Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n) {
  if (Md5x8HasAvx512()) {
    Md5x8BlockRc4Avx512(state, lanes, n);
  } else if (Md5x8HasAvx2()) {
    Md5x8BlockRc4Avx2(state, lanes, n);
  } else {
    Md5x8BlockRc4Portable(state, lanes, n);
  }
}

}  // namespace ntlm::crypto
