// md5_steps.h: the 64 MD5 steps ([RFC1321] 3.4) as one macro with a hook
// after every step, so that a caller can interleave independent work (one RC4
// byte per step in crypto/rc4_md5_stitched.cc) into the same instruction
// stream. Internal to crypto/.
//
// G is computed as (c & ~d) + (b & d) (disjoint bits, so + equals |): the
// term that does not depend on b, the word produced by the previous step,
// is then off the critical path.
#pragma once

#include <bit>
#include <cstdint>

namespace ntlm::crypto::internal {
// Md5Rotl<S>: the step rotation; crypto/md5_multibuffer.cc adds an overload
// for its 8-lane vectors so the same step list serves both.
template <int S>
inline uint32_t Md5Rotl(uint32_t v) {
  return std::rotl(v, S);
}
}  // namespace ntlm::crypto::internal

#define NTLM_MD5_STEP_F(a, b, c, d, x, t, s)    \
  a += (x) + (t) + ((d) ^ ((b) & ((c) ^ (d)))); \
  a = ::ntlm::crypto::internal::Md5Rotl<s>(a) + (b);
#define NTLM_MD5_STEP_G(a, b, c, d, x, t, s)   \
  a += (x) + (t) + ((c) & ~(d)) + ((b) & (d)); \
  a = ::ntlm::crypto::internal::Md5Rotl<s>(a) + (b);
#define NTLM_MD5_STEP_H(a, b, c, d, x, t, s) \
  a += (x) + (t) + ((b) ^ (c) ^ (d));        \
  a = ::ntlm::crypto::internal::Md5Rotl<s>(a) + (b);
#define NTLM_MD5_STEP_I(a, b, c, d, x, t, s) \
  a += (x) + (t) + ((c) ^ ((b) | ~(d)));     \
  a = ::ntlm::crypto::internal::Md5Rotl<s>(a) + (b);

// NTLM_MD5_STEPS(a, b, c, d, X, HOOK): the 64 steps on the uint32_t lvalues
// a..d with the message words X[0..15]; HOOK(k) runs after step k.
// clang-format off
#define NTLM_MD5_STEPS(a, b, c, d, X, HOOK) \
  NTLM_MD5_STEP_F(a, b, c, d, X[0], 0xd76aa478u, 7) HOOK(0) \
  NTLM_MD5_STEP_F(d, a, b, c, X[1], 0xe8c7b756u, 12) HOOK(1) \
  NTLM_MD5_STEP_F(c, d, a, b, X[2], 0x242070dbu, 17) HOOK(2) \
  NTLM_MD5_STEP_F(b, c, d, a, X[3], 0xc1bdceeeu, 22) HOOK(3) \
  NTLM_MD5_STEP_F(a, b, c, d, X[4], 0xf57c0fafu, 7) HOOK(4) \
  NTLM_MD5_STEP_F(d, a, b, c, X[5], 0x4787c62au, 12) HOOK(5) \
  NTLM_MD5_STEP_F(c, d, a, b, X[6], 0xa8304613u, 17) HOOK(6) \
  NTLM_MD5_STEP_F(b, c, d, a, X[7], 0xfd469501u, 22) HOOK(7) \
  NTLM_MD5_STEP_F(a, b, c, d, X[8], 0x698098d8u, 7) HOOK(8) \
  NTLM_MD5_STEP_F(d, a, b, c, X[9], 0x8b44f7afu, 12) HOOK(9) \
  NTLM_MD5_STEP_F(c, d, a, b, X[10], 0xffff5bb1u, 17) HOOK(10) \
  NTLM_MD5_STEP_F(b, c, d, a, X[11], 0x895cd7beu, 22) HOOK(11) \
  NTLM_MD5_STEP_F(a, b, c, d, X[12], 0x6b901122u, 7) HOOK(12) \
  NTLM_MD5_STEP_F(d, a, b, c, X[13], 0xfd987193u, 12) HOOK(13) \
  NTLM_MD5_STEP_F(c, d, a, b, X[14], 0xa679438eu, 17) HOOK(14) \
  NTLM_MD5_STEP_F(b, c, d, a, X[15], 0x49b40821u, 22) HOOK(15) \
  NTLM_MD5_STEP_G(a, b, c, d, X[1], 0xf61e2562u, 5) HOOK(16) \
  NTLM_MD5_STEP_G(d, a, b, c, X[6], 0xc040b340u, 9) HOOK(17) \
  NTLM_MD5_STEP_G(c, d, a, b, X[11], 0x265e5a51u, 14) HOOK(18) \
  NTLM_MD5_STEP_G(b, c, d, a, X[0], 0xe9b6c7aau, 20) HOOK(19) \
  NTLM_MD5_STEP_G(a, b, c, d, X[5], 0xd62f105du, 5) HOOK(20) \
  NTLM_MD5_STEP_G(d, a, b, c, X[10], 0x02441453u, 9) HOOK(21) \
  NTLM_MD5_STEP_G(c, d, a, b, X[15], 0xd8a1e681u, 14) HOOK(22) \
  NTLM_MD5_STEP_G(b, c, d, a, X[4], 0xe7d3fbc8u, 20) HOOK(23) \
  NTLM_MD5_STEP_G(a, b, c, d, X[9], 0x21e1cde6u, 5) HOOK(24) \
  NTLM_MD5_STEP_G(d, a, b, c, X[14], 0xc33707d6u, 9) HOOK(25) \
  NTLM_MD5_STEP_G(c, d, a, b, X[3], 0xf4d50d87u, 14) HOOK(26) \
  NTLM_MD5_STEP_G(b, c, d, a, X[8], 0x455a14edu, 20) HOOK(27) \
  NTLM_MD5_STEP_G(a, b, c, d, X[13], 0xa9e3e905u, 5) HOOK(28) \
  NTLM_MD5_STEP_G(d, a, b, c, X[2], 0xfcefa3f8u, 9) HOOK(29) \
  NTLM_MD5_STEP_G(c, d, a, b, X[7], 0x676f02d9u, 14) HOOK(30) \
  NTLM_MD5_STEP_G(b, c, d, a, X[12], 0x8d2a4c8au, 20) HOOK(31) \
  NTLM_MD5_STEP_H(a, b, c, d, X[5], 0xfffa3942u, 4) HOOK(32) \
  NTLM_MD5_STEP_H(d, a, b, c, X[8], 0x8771f681u, 11) HOOK(33) \
  NTLM_MD5_STEP_H(c, d, a, b, X[11], 0x6d9d6122u, 16) HOOK(34) \
  NTLM_MD5_STEP_H(b, c, d, a, X[14], 0xfde5380cu, 23) HOOK(35) \
  NTLM_MD5_STEP_H(a, b, c, d, X[1], 0xa4beea44u, 4) HOOK(36) \
  NTLM_MD5_STEP_H(d, a, b, c, X[4], 0x4bdecfa9u, 11) HOOK(37) \
  NTLM_MD5_STEP_H(c, d, a, b, X[7], 0xf6bb4b60u, 16) HOOK(38) \
  NTLM_MD5_STEP_H(b, c, d, a, X[10], 0xbebfbc70u, 23) HOOK(39) \
  NTLM_MD5_STEP_H(a, b, c, d, X[13], 0x289b7ec6u, 4) HOOK(40) \
  NTLM_MD5_STEP_H(d, a, b, c, X[0], 0xeaa127fau, 11) HOOK(41) \
  NTLM_MD5_STEP_H(c, d, a, b, X[3], 0xd4ef3085u, 16) HOOK(42) \
  NTLM_MD5_STEP_H(b, c, d, a, X[6], 0x04881d05u, 23) HOOK(43) \
  NTLM_MD5_STEP_H(a, b, c, d, X[9], 0xd9d4d039u, 4) HOOK(44) \
  NTLM_MD5_STEP_H(d, a, b, c, X[12], 0xe6db99e5u, 11) HOOK(45) \
  NTLM_MD5_STEP_H(c, d, a, b, X[15], 0x1fa27cf8u, 16) HOOK(46) \
  NTLM_MD5_STEP_H(b, c, d, a, X[2], 0xc4ac5665u, 23) HOOK(47) \
  NTLM_MD5_STEP_I(a, b, c, d, X[0], 0xf4292244u, 6) HOOK(48) \
  NTLM_MD5_STEP_I(d, a, b, c, X[7], 0x432aff97u, 10) HOOK(49) \
  NTLM_MD5_STEP_I(c, d, a, b, X[14], 0xab9423a7u, 15) HOOK(50) \
  NTLM_MD5_STEP_I(b, c, d, a, X[5], 0xfc93a039u, 21) HOOK(51) \
  NTLM_MD5_STEP_I(a, b, c, d, X[12], 0x655b59c3u, 6) HOOK(52) \
  NTLM_MD5_STEP_I(d, a, b, c, X[3], 0x8f0ccc92u, 10) HOOK(53) \
  NTLM_MD5_STEP_I(c, d, a, b, X[10], 0xffeff47du, 15) HOOK(54) \
  NTLM_MD5_STEP_I(b, c, d, a, X[1], 0x85845dd1u, 21) HOOK(55) \
  NTLM_MD5_STEP_I(a, b, c, d, X[8], 0x6fa87e4fu, 6) HOOK(56) \
  NTLM_MD5_STEP_I(d, a, b, c, X[15], 0xfe2ce6e0u, 10) HOOK(57) \
  NTLM_MD5_STEP_I(c, d, a, b, X[6], 0xa3014314u, 15) HOOK(58) \
  NTLM_MD5_STEP_I(b, c, d, a, X[13], 0x4e0811a1u, 21) HOOK(59) \
  NTLM_MD5_STEP_I(a, b, c, d, X[4], 0xf7537e82u, 6) HOOK(60) \
  NTLM_MD5_STEP_I(d, a, b, c, X[11], 0xbd3af235u, 10) HOOK(61) \
  NTLM_MD5_STEP_I(c, d, a, b, X[2], 0x2ad7d2bbu, 15) HOOK(62) \
  NTLM_MD5_STEP_I(b, c, d, a, X[9], 0xeb86d391u, 21) HOOK(63)
// clang-format on

#define NTLM_MD5_NO_HOOK(k)
