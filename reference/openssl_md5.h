// openssl_md5.h: REFERENCE ONLY (tests and benches; the product does not link
// it). MD5 and HMAC-MD5 over OpenSSL 3, the independent implementation that
// the product's inline MD5/HMAC-MD5 (crypto/md5_block.h) is checked and
// measured against. MD5 ([RFC1321], SIGNKEY/SEALKEY, [MS-NLMP] 3.4.5.2-3) and
// HMAC-MD5 ([RFC2104], NTOWFv2, NTProofStr, MIC, NTLMv2 signatures, [MS-NLMP]
// 3.3.2, 3.4.4.2). All run on the private library context of crypto/init.h.
//
// One-shot functions write exactly 16 bytes. The incremental classes keep
// their EVP contexts for their whole life; HmacMd5Hasher precomputes the keyed
// inner and outer MD5 states once, so a per-message MAC costs only the message
// blocks plus two context copies (OpenSSL 3 duplicates the provider's small
// digest state on each copy). Use one HmacMd5Hasher per signing key on hot
// paths instead of the one-shot HmacMd5().
//
// Failure (see crypto/init.h): if initialization failed or OpenSSL fails,
// every output is 16 zero bytes and crypto::HasFailed() becomes true. A
// moved-from hasher ignores Update() and writes zeros from Final().
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "crypto/bytes.h"
#include "crypto/md4.h"

namespace ntlm::reference {

using crypto::kDigest16;
using crypto::Out16;

// Md5 writes MD5(data) ([RFC1321]).
void Md5(ByteSpan data, Out16 out);
// HmacMd5 writes HMAC-MD5(key, data) ([RFC2104]; keys over 64 bytes are
// hashed first). Builds a keyed hasher per call; see HmacMd5Hasher.
void HmacMd5(ByteSpan key, ByteSpan data, Out16 out);

// Md5Hasher computes MD5 over data fed in pieces.
class Md5Hasher {
 public:
  Md5Hasher();
  ~Md5Hasher();
  Md5Hasher(Md5Hasher&&) noexcept;
  Md5Hasher& operator=(Md5Hasher&&) noexcept;
  Md5Hasher(const Md5Hasher&) = delete;
  Md5Hasher& operator=(const Md5Hasher&) = delete;

  // Update appends `data` to the message.
  void Update(ByteSpan data);
  // Final writes MD5 of the message and resets to the empty message.
  void Final(Out16 out);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// HmacMd5Hasher computes HMAC-MD5 under one key for any number of messages,
// each fed in pieces. The keyed states are derived once in the constructor.
class HmacMd5Hasher {
 public:
  // Keys the hasher; keys longer than 64 bytes are replaced by MD5(key)
  // ([RFC2104] 2). The key itself is not kept, only the keyed MD5 states.
  explicit HmacMd5Hasher(ByteSpan key);
  ~HmacMd5Hasher();  // wipes the keyed states
  HmacMd5Hasher(HmacMd5Hasher&&) noexcept;
  HmacMd5Hasher& operator=(HmacMd5Hasher&&) noexcept;
  HmacMd5Hasher(const HmacMd5Hasher&) = delete;
  HmacMd5Hasher& operator=(const HmacMd5Hasher&) = delete;

  // Update appends `data` to the current message.
  void Update(ByteSpan data);
  // Final writes the MAC of the current message; the hasher is then ready for
  // the next message under the same key.
  void Final(Out16 out);
  // Reset drops a partial message (back to the keyed empty state).
  void Reset();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace ntlm::reference
