// rc4_asm_step.h: one RC4 keystream byte as an x86-64 instruction sequence
// of our own (GCC extended asm), for the stitched RC4+MD5 hot paths
// (crypto/rc4_md5_stitched.cc, crypto/md5_multibuffer.cc). Internal to
// crypto/.
//
// Why asm: the C++ step (crypto/internal/rc4_steps.h) compiles to about 15
// instructions per byte (index zero-extensions, a byte load and a byte store
// per output byte, spills), and inside a stitched MD5 block the core's integer
// ports, not the chains' latencies, are the limit. The ideas below follow the
// published design of OpenSSL's stitched RC4+MD5 (Andy Polyakov's
// rc4-md5-x86_64.pl, after Intel's white paper 323686); the sequence and its
// use here are ours:
//   - x and y live in 64-bit registers whose bits 8..63 stay zero, and are
//     advanced by byte-sized adds (INCB/ADDB): the 8-bit wrap-around is free
//     and the full register indexes the 32-bit S-box cells with no MOVZX;
//   - tx + ty is formed the same way in tx's low byte (S-box cells hold
//     values < 256, so the 32-bit loads leave bits 8..63 zero);
//   - the keystream byte is not XORed into the message one byte at a time:
//     PINSRW loads the S-box cell straight into a 16-bit lane of a vector
//     register (even bytes into one register, odd bytes into another), and
//     16 keystream bytes are combined and XORed into the message with one
//     16-byte load and one 16-byte store (Rc4Flush).
// Per byte: 3 loads (one inside PINSRW), 2 stores, 3 integer adds.
//
// Not used under AddressSanitizer or MemorySanitizer (asm memory accesses are
// not instrumented): the C++ step runs there (the sanitizer and fuzz builds),
// and on non-x86-64 hosts.
#pragma once

#include <cstdint>
#include <cstring>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define NTLM_RC4_ASM_SANITIZED 1  // clang's spelling (the fuzz build)
#endif
#endif

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(NTLM_RC4_ASM_SANITIZED)
#define NTLM_RC4_ASM 1
#include <emmintrin.h>
#else
#define NTLM_RC4_ASM 0
#endif

#if NTLM_RC4_ASM
namespace ntlm::crypto::internal {

// Advances the stream (s: 256 32-bit cells; x, y < 256) by one byte and
// writes the keystream byte into 16-bit lane kLane of `ks` (its high byte 0).
template <int kLane>
__attribute__((always_inline)) inline void Rc4StepAsm(uint32_t* s, uint64_t& x, uint64_t& y,
                                                      __m128i& ks) {
  uint64_t tx;
  uint64_t ty;
  asm("incb %b[x]\n\t"
      "movl (%[s],%[x],4), %k[tx]\n\t"
      "addb %b[tx], %b[y]\n\t"
      "movl (%[s],%[y],4), %k[ty]\n\t"
      "movl %k[tx], (%[s],%[y],4)\n\t"
      "movl %k[ty], (%[s],%[x],4)\n\t"
      "addb %b[ty], %b[tx]\n\t"
      "pinsrw %[lane], (%[s],%[tx],4), %[ks]"
      : [x] "+r"(x), [y] "+r"(y), [tx] "=&r"(tx), [ty] "=&r"(ty), [ks] "+x"(ks),
        "+m"(*reinterpret_cast<uint32_t(*)[256]>(s))
      : [s] "r"(s), [lane] "i"(kLane));
}

// out[0..kBytes) = in[0..kBytes) XOR the kBytes (16, or 12 for a short
// last chunk) keystream bytes gathered by Rc4StepAsm: byte 2i in lane i of
// `even`, byte 2i+1 in lane i of `odd`.
template <int kBytes>
__attribute__((always_inline)) inline void Rc4Flush(__m128i even, __m128i odd, const uint8_t* in,
                                                    uint8_t* out) {
  static_assert(kBytes == 16 || kBytes == 12);
  const __m128i ks = _mm_xor_si128(even, _mm_slli_epi64(odd, 8));
  if constexpr (kBytes == 16) {
    const __m128i m = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), _mm_xor_si128(m, ks));
  } else {
    uint64_t lo;
    uint32_t hi;
    std::memcpy(&lo, in, 8);
    std::memcpy(&hi, in + 8, 4);
    lo ^= static_cast<uint64_t>(_mm_cvtsi128_si64(ks));
    hi ^= static_cast<uint32_t>(_mm_cvtsi128_si32(_mm_srli_si128(ks, 8)));
    std::memcpy(out, &lo, 8);
    std::memcpy(out + 8, &hi, 4);
  }
}

}  // namespace ntlm::crypto::internal
#endif
