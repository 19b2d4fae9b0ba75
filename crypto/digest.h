// digest.h: MD4, MD5 and HMAC-MD5 over OpenSSL 3 EVP.
//
// One-shot functions write exactly 16 bytes. The incremental classes keep an
// EVP context; HmacMd5 precomputes the keyed inner and outer states once so a
// per-message MAC costs only the message blocks (Reset() restores the keyed
// state without re-deriving it). None of these allocate per call after
// construction.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "crypto/bytes.h"

namespace ntlm::crypto {

inline constexpr size_t kDigest16 = 16;
using Out16 = std::span<uint8_t, 16>;

void Md4(ByteSpan data, Out16 out);
void Md5(ByteSpan data, Out16 out);
void HmacMd5(ByteSpan key, ByteSpan data, Out16 out);

class Md5Hasher {
 public:
  Md5Hasher();
  ~Md5Hasher();
  Md5Hasher(Md5Hasher&&) noexcept;
  Md5Hasher& operator=(Md5Hasher&&) noexcept;
  Md5Hasher(const Md5Hasher&) = delete;
  Md5Hasher& operator=(const Md5Hasher&) = delete;

  void Update(ByteSpan data);
  void Final(Out16 out);  // also resets to the empty state

 private:
  struct State;
  std::unique_ptr<State> state_;
};

class HmacMd5Hasher {
 public:
  explicit HmacMd5Hasher(ByteSpan key);
  ~HmacMd5Hasher();  // wipes the keyed states
  HmacMd5Hasher(HmacMd5Hasher&&) noexcept;
  HmacMd5Hasher& operator=(HmacMd5Hasher&&) noexcept;
  HmacMd5Hasher(const HmacMd5Hasher&) = delete;
  HmacMd5Hasher& operator=(const HmacMd5Hasher&) = delete;

  void Update(ByteSpan data);
  void Final(Out16 out);  // then ready for the next message under the same key
  void Reset();           // drop a partial message

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ntlm::crypto
