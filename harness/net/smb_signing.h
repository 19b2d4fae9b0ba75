// smb_signing.h: SMB2/3 message signing ([MS-SMB2] 3.1.4.1) with the keys of
// [MS-SMB2] 3.1.4.2 / 3.2.5.3.1, and the 3.1.1 preauthentication integrity
// hash ([MS-SMB2] 3.3.5.4, 3.3.5.5). Socket-free; the primitives are in
// crypto/smb_mac.h.
//
//   2.0.2, 2.1  SigningKey = SessionKey;   HMAC-SHA256, first 16 bytes
//   3.0, 3.0.2  SigningKey = KDF(SessionKey, "SMB2AESCMAC\0", "SmbSign\0"); AES-128-CMAC
//   3.1.1       SigningKey = KDF(SessionKey, "SMBSigningKey\0", PreauthIntegrityHashValue);
//               AES-128-CMAC (or HMAC-SHA256 when that was negotiated)
// SessionKey is the NTLM ExportedSessionKey (16 bytes).
#pragma once

#include <array>
#include <cstdint>
#include <memory>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "crypto/smb_mac.h"

namespace ntlm::harness::net::smb {

inline constexpr size_t kPreauthHashSize = 64;
using PreauthHashValue = std::array<uint8_t, kPreauthHashSize>;

// H' = SHA-512(H || message), starting from 64 zero bytes.
class PreauthHash {
 public:
  void Update(ByteSpan message);
  const PreauthHashValue& value() const { return value_; }

 private:
  PreauthHashValue value_{};
};

enum class SigningAlgorithm { kHmacSha256, kAesCmac };

struct SigningKey {
  SigningAlgorithm algorithm = SigningAlgorithm::kHmacSha256;
  crypto::Key16 key;
  // `key` prepared once for its algorithm (DeriveSigningKey sets it; copies
  // share it: one session's messages, one thread). Null only when OpenSSL
  // failed: every signature is then zero and verifies nothing.
  std::shared_ptr<crypto::KeyedMac> mac;
};

// The signing key for `dialect`. `signing_algorithm_id` is the 3.1.1 signing
// capabilities choice (kSigningAesCmac when none was negotiated);
// `preauth_hash` is used for 3.1.1 only.
SigningKey DeriveSigningKey(uint16_t dialect, const crypto::Key16& session_key,
                            uint16_t signing_algorithm_id, const PreauthHashValue& preauth_hash);

// Sets SMB2_FLAGS_SIGNED and writes the signature of `message` (one SMB2
// message, from its header to its end, NextCommand padding included).
void SignMessage(const SigningKey& key, MutableByteSpan message);

// True when the signature in `message` is the one `key` gives (constant-time
// comparison).
bool VerifyMessage(const SigningKey& key, ByteSpan message);

}  // namespace ntlm::harness::net::smb
