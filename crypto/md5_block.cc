// md5_block.cc: MD5 compression, incremental MD5 and HMAC-MD5 keyed states.
#include "crypto/md5_block.h"

#include <bit>
#include <cstring>

#include "crypto/bytes.h"
#include "crypto/internal/md5_steps.h"
#include "crypto/internal/wipe.h"
#include "crypto/secret.h"

static_assert(std::endian::native == std::endian::little,
              "crypto/md5_block.cc loads MD5 words with memcpy (little-endian hosts only)");

namespace ntlm::crypto {

void Md5CompressBlock(uint32_t h[4], const uint8_t* block) {
  uint32_t x[16];
  std::memcpy(x, block, sizeof x);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
  NTLM_MD5_STEPS(a, b, c, d, x, NTLM_MD5_NO_HOOK)
  h[0] += a;
  h[1] += b;
  h[2] += c;
  h[3] += d;
}

void Md5Stream::Reset() {
  h[0] = 0x67452301u;
  h[1] = 0xefcdab89u;
  h[2] = 0x98badcfeu;
  h[3] = 0x10325476u;
  bytes = 0;
}

void Md5Stream::Update(const uint8_t* data, size_t n) {
  size_t used = buffered();
  bytes += n;
  if (used != 0) {
    const size_t take = n < kMd5Block - used ? n : kMd5Block - used;
    std::memcpy(buf + used, data, take);
    data += take;
    n -= take;
    if (used + take < kMd5Block) return;
    Md5CompressBlock(h, buf);
  }
  for (; n >= kMd5Block; n -= kMd5Block, data += kMd5Block) Md5CompressBlock(h, data);
  if (n != 0) std::memcpy(buf, data, n);
}

size_t Md5PadBlocks(const uint8_t* tail, size_t tail_len, uint64_t total_bytes, uint8_t out[128]) {
  const size_t blocks = tail_len < 56 ? 1 : 2;
  std::memset(out, 0, blocks * kMd5Block);
  if (tail_len != 0) std::memcpy(out, tail, tail_len);
  out[tail_len] = 0x80;
  const uint64_t bits = total_bytes << 3;
  std::memcpy(out + blocks * kMd5Block - 8, &bits, 8);
  return blocks;
}

void Md5DigestBytes(const uint32_t h[4], uint8_t out[16]) { std::memcpy(out, h, 16); }

void Md5Stream::Final(uint8_t out[16]) {
  uint8_t pad[128];
  const size_t blocks = Md5PadBlocks(buf, buffered(), bytes, pad);
  for (size_t i = 0; i < blocks; ++i) Md5CompressBlock(h, pad + i * kMd5Block);
  Md5DigestBytes(h, out);
  internal::WipeInline(pad, sizeof pad);
}

void Md5Stream::Wipe() { internal::WipeInline(this, sizeof(*this)); }

void Md5OuterBlock(const uint8_t inner_digest[16], uint8_t block[kMd5Block]) {
  std::memset(block, 0, kMd5Block);
  std::memcpy(block, inner_digest, 16);
  block[16] = 0x80;
  const uint64_t bits = uint64_t{kMd5Block + 16} << 3;
  std::memcpy(block + kMd5Block - 8, &bits, 8);
}

HmacMd5Key::~HmacMd5Key() {
  internal::WipeInline(inner_, sizeof inner_);
  internal::WipeInline(outer_, sizeof outer_);
}

void HmacMd5Key::SetKey(const uint8_t* key, size_t key_len) {
  SecretArray<kMd5Block> k0;  // K0, zero-padded
  if (key_len > kMd5Block) {
    Md5Stream s;
    s.Reset();
    s.Update(key, key_len);
    s.Final(k0.data());
    s.Wipe();
  } else if (key_len != 0) {
    std::memcpy(k0.data(), key, key_len);
  }
  SecretArray<kMd5Block> pad;
  Md5Stream s;
  for (size_t i = 0; i < kMd5Block; ++i) pad[i] = k0[i] ^ 0x36;
  s.Reset();
  Md5CompressBlock(s.h, pad.data());
  std::memcpy(inner_, s.h, sizeof inner_);
  for (size_t i = 0; i < kMd5Block; ++i) pad[i] = k0[i] ^ 0x5c;
  s.Reset();
  Md5CompressBlock(s.h, pad.data());
  std::memcpy(outer_, s.h, sizeof outer_);
  s.Wipe();
}

void HmacMd5Key::Begin(Md5Stream& s) const {
  std::memcpy(s.h, inner_, sizeof inner_);
  s.bytes = kMd5Block;
}

void HmacMd5Key::Finish(Md5Stream& s, uint8_t out[16]) const {
  uint8_t inner_digest[16];
  s.Final(inner_digest);
  uint8_t block[kMd5Block];
  Md5OuterBlock(inner_digest, block);
  uint32_t h[4] = {outer_[0], outer_[1], outer_[2], outer_[3]};
  Md5CompressBlock(h, block);
  Md5DigestBytes(h, out);
  internal::WipeInline(block, sizeof block);
  internal::WipeInline(inner_digest, sizeof inner_digest);
  internal::WipeInline(h, sizeof h);
  s.Wipe();
}

}  // namespace ntlm::crypto
