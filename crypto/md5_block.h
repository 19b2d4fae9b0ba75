// md5_block.h: our own MD5 ([RFC1321]) compression function, an inline
// incremental MD5 and keyed HMAC-MD5 ([RFC2104]) states, for the per-message
// session-security hot path (MS-NLMP 3.4.4.2: one HMAC-MD5 per message).
//
// Why not OpenSSL here: on that path a message is a few 64-byte blocks, and
// the EVP/low-level MD5 calls cost as much again in dispatch, copies and
// buffering as the compression itself; and the stitched seal
// (crypto/rc4_md5_stitched.h) must interleave the MD5 rounds with RC4 inside
// one function, which OpenSSL does not offer for NTLM's layout. Everything
// here is bit-exact with OpenSSL's MD5 (tests/ssp/stitched_seal_test.cc
// checks it over random lengths 0..70000). Nothing allocates; the structures
// wipe themselves on destruction.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ntlm::crypto {

inline constexpr size_t kMd5Block = 64;

// Md5CompressBlock absorbs one 64-byte block into the chaining value h.
void Md5CompressBlock(uint32_t h[4], const uint8_t* block);

// Md5Stream is an incremental MD5 held inline (no heap): chaining value,
// byte count and the partial block. Trivially copyable on purpose: a keyed
// HMAC state is started by a struct copy. Wiped by Wipe() / ~Md5Stream.
struct Md5Stream {
  uint32_t h[4];
  uint64_t bytes;  // message bytes absorbed so far (buffered ones included)
  uint8_t buf[kMd5Block];

  void Reset();
  void Update(const uint8_t* data, size_t n);
  // Writes MD5 of the message to out[16]; the stream is left in an undefined
  // state (Reset() or reassign before reuse).
  void Final(uint8_t out[16]);
  void Wipe();
  size_t buffered() const { return static_cast<size_t>(bytes % kMd5Block); }
};

// HmacMd5Key holds the two keyed MD5 chaining values of HMAC-MD5 (after the
// ipad and the opad block), computed once per key. Inline, no heap; wiped on
// destruction.
class HmacMd5Key {
 public:
  HmacMd5Key() = default;
  explicit HmacMd5Key(const uint8_t* key, size_t key_len) { SetKey(key, key_len); }
  HmacMd5Key(const HmacMd5Key&) = default;
  HmacMd5Key& operator=(const HmacMd5Key&) = default;
  ~HmacMd5Key();

  // Keys longer than 64 bytes are replaced by MD5(key) ([RFC2104] 2).
  void SetKey(const uint8_t* key, size_t key_len);
  // Starts a message: `s` becomes the inner hash after the ipad block.
  void Begin(Md5Stream& s) const;
  // Finishes the message started with Begin(): writes the 16-byte MAC and
  // wipes `s`.
  void Finish(Md5Stream& s, uint8_t out[16]) const;
  // The outer hash of an inner digest (exposed for the multi-lane batch).
  const uint32_t* inner_state() const { return inner_; }
  const uint32_t* outer_state() const { return outer_; }

 private:
  uint32_t inner_[4] = {};
  uint32_t outer_[4] = {};
};

// HmacMd5Stream is one HMAC-MD5 computation held inline: keyed, fed, then
// finished (for the handshake's one-off MACs: NTOWFv2, the session base key,
// KXKEY, the MIC). Wiped on destruction.
class HmacMd5Stream {
 public:
  HmacMd5Stream(const uint8_t* key, size_t key_len) : key_(key, key_len) { key_.Begin(stream_); }
  ~HmacMd5Stream() { stream_.Wipe(); }
  HmacMd5Stream(const HmacMd5Stream&) = delete;
  HmacMd5Stream& operator=(const HmacMd5Stream&) = delete;

  void Update(const uint8_t* data, size_t n) { stream_.Update(data, n); }
  // Writes the 16-byte MAC; call once.
  void Final(uint8_t out[16]) { key_.Finish(stream_, out); }

 private:
  HmacMd5Key key_;
  Md5Stream stream_;
};

// Md5PadBlocks writes the final padding of a message of `total_bytes` bytes
// whose last `tail_len` (= total_bytes % 64) bytes are `tail`: one or two
// blocks into out[128]; returns the number of blocks (1 or 2).
size_t Md5PadBlocks(const uint8_t* tail, size_t tail_len, uint64_t total_bytes, uint8_t out[128]);

// Md5DigestBytes writes the chaining value as the 16-byte digest.
void Md5DigestBytes(const uint32_t h[4], uint8_t out[16]);

// Md5OuterBlock builds HMAC's outer block: inner digest, padding and the
// length of opad block + 16 bytes.
void Md5OuterBlock(const uint8_t inner_digest[16], uint8_t block[kMd5Block]);

}  // namespace ntlm::crypto
