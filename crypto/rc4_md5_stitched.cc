// rc4_md5_stitched.cc: RC4 and the stitched RC4+MD5 block function.
#include "crypto/rc4_md5_stitched.h"

#include <cstring>

#include "crypto/internal/md5_steps.h"
#include "crypto/internal/rc4_asm_step.h"
#include "crypto/internal/rc4_steps.h"
#include "crypto/internal/wipe.h"

namespace ntlm::crypto {

using internal::Rc4Next;
using internal::Rc4Next8;

namespace {

// The stitched block; kFull: all 64 RC4 bytes (the hot case), otherwise the
// first n. Two instantiations so the full one has no per-step guard and its
// own register allocation (measured: sharing one body cost ~15%).
template <bool kFull>
__attribute__((always_inline)) inline void StitchedBlock(uint32_t h[4], const uint8_t* block,
                                                         Rc4State& rc4, const uint8_t* in,
                                                         uint8_t* out, size_t n) {
  uint32_t w[16];
  std::memcpy(w, block, sizeof w);  // before any RC4 byte is written
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  auto rx = static_cast<uint8_t>(rc4.x), ry = static_cast<uint8_t>(rc4.y);
  uint32_t* box = rc4.s;
  // One keystream byte per MD5 step, XORed and stored at once (measured:
  // gathering 8 keystream bytes into a 64-bit word first costs more ALU work
  // than the 8 byte stores it saves, and this loop is ALU-bound).
#define NTLM_RC4_HOOK(k) \
  if (kFull || (k) < n) out[k] = static_cast<uint8_t>(in[k] ^ Rc4Next8(box, rx, ry));
  NTLM_MD5_STEPS(a, b, c, d, w, NTLM_RC4_HOOK)
#undef NTLM_RC4_HOOK
  rc4.x = rx;
  rc4.y = ry;
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

#if NTLM_RC4_ASM
// The hot case on x86-64: one RC4 byte per MD5 step as
// internal::Rc4StepAsm, the keystream gathered 16 bytes at a time in two
// vector registers and XORed into the message with one 16-byte load and
// store per 16 steps (crypto/internal/rc4_asm_step.h says why).
// h, rx and ry are the caller's locals, so that a loop over blocks keeps them
// in registers.
__attribute__((always_inline)) inline void StitchedFullBlockAsm(uint32_t (&h)[4], uint32_t* box,
                                                                uint64_t& rx, uint64_t& ry,
                                                                const uint8_t* block,
                                                                const uint8_t* in, uint8_t* out) {
  uint32_t w[16];
  std::memcpy(w, block, sizeof w);  // before any RC4 byte is written
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  __m128i even = _mm_setzero_si128();
  __m128i odd = _mm_setzero_si128();
#define NTLM_RC4_HOOK(k)                                                    \
  if (((k)&15) == 0) {                                                      \
    even = _mm_setzero_si128(); /* breaks PINSRW's merge dependency */      \
    odd = _mm_setzero_si128();                                              \
  }                                                                         \
  internal::Rc4StepAsm<((k)&15) / 2>(box, rx, ry, ((k)&1) ? odd : even);    \
  if (((k)&15) == 15) {                                                     \
    internal::Rc4Flush<16>(even, odd, in + ((k) & ~15), out + ((k) & ~15)); \
  }
  NTLM_MD5_STEPS(a, b, c, d, w, NTLM_RC4_HOOK)
#undef NTLM_RC4_HOOK
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}
#endif

// The hot case: `count` consecutive full blocks (block, in and out each
// advance by 64; out may overlap the block being hashed, not a later one).
// Built twice: for x86-64-v3 (BMI1/BMI2: ANDN, RORX, SHLX in the MD5 steps)
// and for the baseline; the loader picks one (GCC function multi-versioning).
__attribute__((target_clones("arch=x86-64-v3", "default"))) void StitchedFullBlocks(
    uint32_t h[4], const uint8_t* block, Rc4State& rc4, const uint8_t* in, uint8_t* out,
    size_t count) {
#if NTLM_RC4_ASM
  uint32_t hv[4] = {h[0], h[1], h[2], h[3]};
  uint64_t rx = rc4.x, ry = rc4.y;
  for (size_t i = 0; i < count; ++i) {
    const size_t off = i * kMd5Block;
    StitchedFullBlockAsm(hv, rc4.s, rx, ry, block + off, in + off, out + off);
  }
  rc4.x = static_cast<uint32_t>(rx);
  rc4.y = static_cast<uint32_t>(ry);
  std::memcpy(h, hv, sizeof hv);
#else
  for (size_t i = 0; i < count; ++i) {
    const size_t off = i * kMd5Block;
    StitchedBlock<true>(h, block + off, rc4, in + off, out + off, kMd5Block);
  }
#endif
}

// The unseal's first block when the MD5 buffer already holds `used` bytes
// (a multiple of 4, 4..60; the SeqNum): words used/4..15 are the next
// 64 - used ciphertext bytes decrypted. MD5 round 1 reads the words in order,
// so word j+1 is decrypted right after step j: the RC4 chain runs during the
// first round instead of before the whole block.
void DecryptIntoBlock(uint32_t h[4], const uint8_t* buf, size_t used, Rc4State& rc4,
                      const uint8_t* in, uint8_t* out) {
  uint32_t w[16];
  std::memcpy(w, buf, used);
  const size_t first = used / 4;
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  uint32_t rx = rc4.x, ry = rc4.y;
  uint32_t* box = rc4.s;
  // A macro, not a lambda: captured-by-reference indices would live in memory.
#define NTLM_RC4_HOOK(k)                                     \
  if ((k) < 15 && (k) + 1 >= first) {                        \
    uint32_t ks = Rc4Next(box, rx, ry);                      \
    ks |= Rc4Next(box, rx, ry) << 8;                         \
    ks |= Rc4Next(box, rx, ry) << 16;                        \
    ks |= Rc4Next(box, rx, ry) << 24;                        \
    uint32_t c32;                                            \
    std::memcpy(&c32, in + 4 * ((k) + 1) - used, 4);         \
    w[(k) + 1] = c32 ^ ks;                                   \
    std::memcpy(out + 4 * ((k) + 1) - used, &w[(k) + 1], 4); \
  }
  NTLM_MD5_STEPS(a, b, c, d, w, NTLM_RC4_HOOK)
#undef NTLM_RC4_HOOK
  rc4.x = rx;
  rc4.y = ry;
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

}  // namespace

void Md5BlockRc4(uint32_t h[4], const uint8_t* block, Rc4State& rc4, const uint8_t* in,
                 uint8_t* out, size_t n) {
  if (n == kMd5Block) {
    StitchedFullBlocks(h, block, rc4, in, out, 1);
  } else {
    StitchedBlock<false>(h, block, rc4, in, out, n);
  }
}

void Md5ThenRc4Update(Md5Stream& md5, Rc4State& rc4, const uint8_t* in, uint8_t* out, size_t n) {
  const size_t used = md5.buffered();
  md5.bytes += n;
  size_t i = 0;
  if (used != 0) {
    const size_t take = n < kMd5Block - used ? n : kMd5Block - used;
    std::memcpy(md5.buf + used, in, take);  // copied before RC4 may overwrite it in place
    if (used + take < kMd5Block) {
      rc4.Apply(in, out, take);
      return;
    }
    Md5BlockRc4(md5.h, md5.buf, rc4, in, out, take);
    i = take;
  }
  const size_t full = (n - i) / kMd5Block;
  StitchedFullBlocks(md5.h, in + i, rc4, in + i, out + i, full);
  i += full * kMd5Block;
  if (i < n) {
    std::memcpy(md5.buf, in + i, n - i);
    rc4.Apply(in + i, out + i, n - i);
  }
}

void Rc4ThenMd5Update(Md5Stream& md5, Rc4State& rc4, const uint8_t* in, uint8_t* out, size_t n) {
  const size_t used = md5.buffered();
  md5.bytes += n;
  // [hashed, done): plaintext in `out` not yet absorbed by MD5; RC4 runs one
  // block ahead of MD5, so each block is hashed while the next is decrypted.
  size_t done = 0;
  size_t hashed = 0;
  if (used != 0) {
    const size_t take = n < kMd5Block - used ? n : kMd5Block - used;
    if (used + take < kMd5Block) {
      rc4.Apply(in, out, take);
      std::memcpy(md5.buf + used, out, take);
      return;
    }
    if (used % 4 == 0) {
      // Word-aligned head (a message after its SeqNum): decrypted within the
      // block's first MD5 round.
      DecryptIntoBlock(md5.h, md5.buf, used, rc4, in, out);
      done = take;
      hashed = take;
    } else {
      rc4.Apply(in, out, take);
      std::memcpy(md5.buf + used, out, take);
      done = take;
      hashed = take;
      const size_t next = n - done < kMd5Block ? n - done : kMd5Block;
      Md5BlockRc4(md5.h, md5.buf, rc4, in + done, out + done, next);
      done += next;
    }
  }
  if (done == hashed) {
    const size_t first = n - done < kMd5Block ? n - done : kMd5Block;
    rc4.Apply(in + done, out + done, first);
    done += first;
  }
  while (done - hashed == kMd5Block) {
    if (const size_t full = (n - done) / kMd5Block; full != 0) {
      StitchedFullBlocks(md5.h, out + hashed, rc4, in + done, out + done, full);
      hashed += full * kMd5Block;
      done += full * kMd5Block;
      continue;
    }
    const size_t next = n - done;
    Md5BlockRc4(md5.h, out + hashed, rc4, in + done, out + done, next);
    hashed += kMd5Block;
    done += next;
  }
  if (hashed < n) std::memcpy(md5.buf, out + hashed, n - hashed);
}

}  // namespace ntlm::crypto
