// smb_encryption.h: SMB 3.x encryption ([MS-SMB2] 3.1.4.3): the keys of a
// session ([MS-SMB2] 3.3.5.5.3) and the SMB2 TRANSFORM_HEADER (2.2.41) that
// carries an encrypted message. Socket-free; the ciphers are crypto/smb_aead.h.
//
//   3.0, 3.0.2  DecryptionKey (client -> server) = KDF(SessionKey, "SMB2AESCCM\0", "ServerIn \0")
//               EncryptionKey (server -> client) = KDF(SessionKey, "SMB2AESCCM\0", "ServerOut\0")
//               cipher AES-128-CCM
//   3.1.1       DecryptionKey = KDF(SessionKey, "SMBC2SCipherKey\0", PreauthIntegrityHashValue)
//               EncryptionKey = KDF(SessionKey, "SMBS2CCipherKey\0", PreauthIntegrityHashValue)
//               cipher from the encryption capabilities context (AES-128-GCM preferred,
//               then AES-128-CCM, AES-256-GCM, AES-256-CCM; the AES-256 keys are the
//               same KDF with L = 256, [MS-SMB2] 3.3.5.5.3)
//
// TRANSFORM_HEADER (52 bytes): ProtocolId 0xFD 'S' 'M' 'B', Signature (the
// AEAD tag, 16), Nonce (16: 11 used by CCM, 12 by GCM, the rest zero),
// OriginalMessageSize (4), Reserved (2), Flags (2, 0x0001 Encrypted),
// SessionId (8). The AEAD's additional data is the header from Nonce on (32
// bytes); the encrypted message follows.
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "crypto/smb_aead.h"
#include "harness/net/smb_signing.h"
#include "ssp/environment.h"
#include "ssp/status.h"

namespace ntlm::harness::net::smb {

// Cipher ids of the encryption capabilities context (2.2.3.1.2).
inline constexpr uint16_t kCipherAes128Ccm = 0x0001;
inline constexpr uint16_t kCipherAes128Gcm = 0x0002;
inline constexpr uint16_t kCipherAes256Ccm = 0x0003;
inline constexpr uint16_t kCipherAes256Gcm = 0x0004;
// SMB2_GLOBAL_CAP_ENCRYPTION (2.2.3, 2.2.4): 3.0 / 3.0.2 only.
inline constexpr uint32_t kGlobalCapEncryption = 0x00000040;
// SMB2_SESSION_FLAG_ENCRYPT_DATA (2.2.6).
inline constexpr uint16_t kSessionFlagEncryptData = 0x0004;

inline constexpr size_t kTransformHeaderSize = 52;
inline constexpr uint8_t kTransformProtocolByte = 0xFD;

struct EncryptionKeys {
  crypto::AeadCipher cipher = crypto::AeadCipher::kAes128Ccm;
  // What the client encrypts with (client -> server), and the server: the
  // first AeadKeySize(cipher) bytes of each.
  ByteSpan decrypt() const { return ByteSpan(decrypt_bytes.data(), crypto::AeadKeySize(cipher)); }
  ByteSpan encrypt() const { return ByteSpan(encrypt_bytes.data(), crypto::AeadKeySize(cipher)); }
  crypto::SecretArray<crypto::kAeadMaxKeySize> decrypt_bytes;
  crypto::SecretArray<crypto::kAeadMaxKeySize> encrypt_bytes;
};

// The AEAD of a kCipher* id; nullopt for an id this server does not know.
std::optional<crypto::AeadCipher> CipherOfId(uint16_t cipher_id);

// The keys of a session: `cipher_id` is the negotiated kCipher* (3.0/3.0.2:
// kCipherAes128Ccm); `preauth_hash` is used for 3.1.1 only.
EncryptionKeys DeriveEncryptionKeys(uint16_t dialect, const crypto::Key16& session_key,
                                    uint16_t cipher_id, const PreauthHashValue& preauth_hash);

// The SessionId of a TRANSFORM_HEADER message (to find its keys); an error
// when the header is short, its ProtocolId, Flags or OriginalMessageSize do
// not fit the message.
ssp::Result<uint64_t> TransformSessionId(ByteSpan message);

// The SMB2 message inside `message` (a TRANSFORM_HEADER and the ciphertext)
// decrypted with `key`; an error when it does not parse or its tag does
// not verify.
ssp::Result<Bytes> DecryptMessage(crypto::AeadCipher cipher, ByteSpan key, ByteSpan message);

// `plain` (one SMB2 message or compound chain) encrypted with `key` under a
// fresh nonce from `random`, behind a TRANSFORM_HEADER naming `session_id`;
// empty when no randomness or cipher was available.
Bytes EncryptMessage(crypto::AeadCipher cipher, ByteSpan key, uint64_t session_id, ByteSpan plain,
                     ssp::RandomSource& random);

}  // namespace ntlm::harness::net::smb
