// smb_aead.h: the AEAD ciphers of SMB 3.x encryption ([MS-SMB2] 3.1.4.3):
// AES-128-CCM and AES-256-CCM (11-byte nonce), AES-128-GCM and AES-256-GCM
// (12-byte nonce), each with a 16-byte tag, over OpenSSL 3 EVP_CIPHER on the
// private library context of crypto/init.h. No I/O.
//
// On an OpenSSL failure the output is zeroed, the function returns false and
// crypto::HasFailed() becomes true; a tag that does not verify returns false
// without marking a failure.
#pragma once

#include <cstdint>
#include <span>

#include "crypto/bytes.h"

namespace ntlm::crypto {

enum class AeadCipher { kAes128Ccm, kAes128Gcm, kAes256Ccm, kAes256Gcm };
inline constexpr size_t kAeadTagSize = 16;
inline constexpr size_t kAeadMaxKeySize = 32;
// The nonce length each cipher uses (11 for CCM, 12 for GCM).
size_t AeadNonceSize(AeadCipher cipher);
// The key length each cipher uses (16 for AES-128, 32 for AES-256).
size_t AeadKeySize(AeadCipher cipher);

// `text` encrypted in place under `key` (AeadKeySize bytes) and `nonce`
// (AeadNonceSize bytes), authenticating `aad`; the tag in `tag`.
bool AeadSeal(AeadCipher cipher, ByteSpan key, ByteSpan nonce, ByteSpan aad, MutableByteSpan text,
              std::span<uint8_t, kAeadTagSize> tag);

// `text` decrypted in place; false (and `text` zeroed) when `tag` does not
// verify.
bool AeadOpen(AeadCipher cipher, ByteSpan key, ByteSpan nonce, ByteSpan aad, MutableByteSpan text,
              std::span<const uint8_t, kAeadTagSize> tag);

}  // namespace ntlm::crypto
