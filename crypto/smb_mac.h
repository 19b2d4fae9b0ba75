// smb_mac.h: the MACs, hash and key derivation SMB 2/3 signing needs, over
// OpenSSL 3 EVP_MAC / EVP_KDF / EVP_MD on the private library context of
// crypto/init.h. No I/O.
//
//   HMAC-SHA256 ([RFC2104], [RFC4231]): SMB 2.0.2 / 2.1 signatures, the first
//     16 bytes ([MS-SMB2] 3.1.4.1).
//   AES-128-CMAC ([RFC4493]): SMB 3.x signatures ([MS-SMB2] 3.1.4.1).
//   SHA-512: the SMB 3.1.1 preauthentication integrity hash ([MS-SMB2] 3.2.5.2,
//     3.3.5.4): H' = SHA-512(H || message).
//   SP800-108 KDF in counter mode with HMAC-SHA256, r = 32, L = 128
//     ([SP800-108] 5.1, [MS-SMB2] 3.1.4.2): the SMB 3.x keys.
//
// Each function takes its message as a list of pieces (hashed in order, as if
// concatenated). On an OpenSSL failure the output is zeroed, the function
// returns false and crypto::HasFailed() becomes true.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>

#include "crypto/bytes.h"

struct evp_mac_ctx_st;  // OpenSSL's EVP_MAC_CTX

namespace ntlm::crypto {

inline constexpr size_t kSha512Size = 64;
inline constexpr size_t kHmacSha256Size = 32;
inline constexpr size_t kAesCmacSize = 16;

// A MAC under one key, prepared once (the algorithm and the cipher fetched,
// the key scheduled) and then computed for any number of messages: an SMB
// session's signing key. Not for concurrent use. OpenSSL cleanses the key
// material when the object is destroyed.
class KeyedMac {
 public:
  enum class Algorithm { kHmacSha256, kAesCmac128 };

  // nullptr, with crypto::HasFailed(), when OpenSSL fails or an AES-128-CMAC
  // key is not 16 bytes.
  static std::unique_ptr<KeyedMac> Create(Algorithm algorithm, ByteSpan key);
  ~KeyedMac();
  KeyedMac(const KeyedMac&) = delete;
  KeyedMac& operator=(const KeyedMac&) = delete;

  // MAC(key, pieces...) into `out`, which must be the MAC's size (16 bytes
  // for AES-128-CMAC, 32 for HMAC-SHA256); on failure `out` is zeroed and
  // the result false.
  bool Compute(std::initializer_list<ByteSpan> pieces, MutableByteSpan out);

 private:
  explicit KeyedMac(evp_mac_ctx_st* ctx) : ctx_(ctx) {}
  evp_mac_ctx_st* ctx_;
};

// HMAC-SHA256(key, pieces...).
bool HmacSha256(ByteSpan key, std::initializer_list<ByteSpan> pieces,
                std::span<uint8_t, kHmacSha256Size> out);

// AES-128-CMAC(key, pieces...); `key` must be 16 bytes (else false).
bool AesCmac128(ByteSpan key, std::initializer_list<ByteSpan> pieces,
                std::span<uint8_t, kAesCmacSize> out);

// SHA-512(pieces...).
bool Sha512(std::initializer_list<ByteSpan> pieces, std::span<uint8_t, kSha512Size> out);

// SP800-108 counter-mode KDF, PRF HMAC-SHA256, 32-bit counter, then
// Label || 0x00 || Context || L (32-bit big-endian, bits of `out`), which is
// exactly the SMB 3.x KDF ([MS-SMB2] 3.1.4.2). `out` is 1..64 bytes.
bool KdfCounterHmacSha256(ByteSpan key, ByteSpan label, ByteSpan context, MutableByteSpan out);

}  // namespace ntlm::crypto
