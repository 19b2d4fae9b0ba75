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

namespace ntlm::crypto {
namespace {

using internal::V8;

inline uint8_t Rc4NextByte(uint32_t* s, uint32_t& x, uint32_t& y) {
  x = (x + 1) & 0xff;
  const uint32_t tx = s[x];
  y = (y + tx) & 0xff;
  const uint32_t ty = s[y];
  s[x] = ty;
  s[y] = tx;
  return static_cast<uint8_t>(s[(tx + ty) & 0xff]);
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

__attribute__((target("avx2"))) void Md5x8BlockRc4Avx2(Md5Lanes& state,
                                                       const Md5LaneInput lanes[kMd5Lanes],
                                                       size_t n) {
  // All lanes' message words first (so outputs may overwrite the blocks).
  V8 w[16];
  {
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
  V8 a, b, c, d;
  std::memcpy(&a, state.a, 32);
  std::memcpy(&b, state.b, 32);
  std::memcpy(&c, state.c, 32);
  std::memcpy(&d, state.d, 32);
  const V8 a0 = a, b0 = b, c0 = c, d0 = d;
#define NTLM_RC4X8_HOOK(k)                                                            \
  if ((k) < n) {                                                                      \
    for (size_t l = 0; l < active; ++l) {                                             \
      out[l][k] = static_cast<uint8_t>(in[l][k] ^ Rc4NextByte(box[l], rx[l], ry[l])); \
    }                                                                                 \
  }
  NTLM_MD5_STEPS(a, b, c, d, w, NTLM_RC4X8_HOOK)
#undef NTLM_RC4X8_HOOK
  a += a0;
  b += b0;
  c += c0;
  d += d0;
  std::memcpy(state.a, &a, 32);
  std::memcpy(state.b, &b, 32);
  std::memcpy(state.c, &c, 32);
  std::memcpy(state.d, &d, 32);
  for (size_t l = 0, k = 0; l < kMd5Lanes; ++l) {
    if (lanes[l].rc4 == nullptr || n == 0) continue;
    lanes[l].rc4->x = rx[k];
    lanes[l].rc4->y = ry[k];
    ++k;
  }
}

bool Md5x8HasAvx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

void Md5x8BlockRc4(Md5Lanes& state, const Md5LaneInput lanes[kMd5Lanes], size_t n) {
  if (Md5x8HasAvx2()) {
    Md5x8BlockRc4Avx2(state, lanes, n);
  } else {
    Md5x8BlockRc4Portable(state, lanes, n);
  }
}

}  // namespace ntlm::crypto
