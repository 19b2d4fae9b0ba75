// smb_encryption.cc: see smb_encryption.h.
#include "harness/net/smb_encryption.h"

#include <algorithm>
#include <array>
#include <string>

#include "crypto/smb_mac.h"
#include "harness/net/smb_wire.h"
#include "ssp/byte_reader.h"

namespace ntlm::harness::net::smb {
namespace {

constexpr uint16_t kTransformFlagEncrypted = 0x0001;
constexpr size_t kNonceOffset = 20;
constexpr size_t kNonceFieldSize = 16;

// A KDF label or context with its terminating NUL.
template <size_t N>
ByteSpan WithNul(const char (&text)[N]) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(text), N);
}

void Put(Bytes& out, uint64_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

struct Transform {
  ByteSpan tag;
  ByteSpan nonce;  // the cipher's part of the Nonce field
  uint32_t original_size = 0;
  uint64_t session_id = 0;
};

ssp::Result<Transform> ParseTransform(ByteSpan message, crypto::AeadCipher cipher) {
  ssp::ByteReader reader(message);
  auto protocol = reader.ReadBytes(4, "TRANSFORM_HEADER ProtocolId");
  auto tag = reader.ReadBytes(16, "TRANSFORM_HEADER Signature");
  auto nonce = reader.ReadBytes(kNonceFieldSize, "TRANSFORM_HEADER Nonce");
  auto size = reader.ReadU32("TRANSFORM_HEADER OriginalMessageSize");
  auto reserved = reader.ReadU16("TRANSFORM_HEADER Reserved");
  auto flags = reader.ReadU16("TRANSFORM_HEADER Flags");
  auto session = reader.ReadU64("TRANSFORM_HEADER SessionId");
  if (!session.ok()) return session.error();
  const std::array<uint8_t, 4> expected = {kTransformProtocolByte, 'S', 'M', 'B'};
  auto fail = [](std::string reason) {
    return ssp::Result<Transform>(ssp::Error{ssp::SecStatus::kInvalidToken, std::move(reason)});
  };
  if (!std::equal(expected.begin(), expected.end(), protocol->begin())) {
    return fail("TRANSFORM_HEADER: ProtocolId is not 0xFD 'SMB'");
  }
  if (*flags != kTransformFlagEncrypted) {
    return fail("TRANSFORM_HEADER: Flags " + std::to_string(*flags) + " (expected 1, encrypted)");
  }
  if (*size != message.size() - kTransformHeaderSize || *size < kHeaderSize) {
    return fail("TRANSFORM_HEADER: OriginalMessageSize " + std::to_string(*size) + " for " +
                std::to_string(message.size() - kTransformHeaderSize) + " bytes of ciphertext");
  }
  (void)reserved;
  return Transform{*tag, nonce->first(crypto::AeadNonceSize(cipher)), *size, *session};
}

}  // namespace

std::optional<crypto::AeadCipher> CipherOfId(uint16_t cipher_id) {
  switch (cipher_id) {
    case kCipherAes128Ccm:
      return crypto::AeadCipher::kAes128Ccm;
    case kCipherAes128Gcm:
      return crypto::AeadCipher::kAes128Gcm;
    case kCipherAes256Ccm:
      return crypto::AeadCipher::kAes256Ccm;
    case kCipherAes256Gcm:
      return crypto::AeadCipher::kAes256Gcm;
    default:
      return std::nullopt;
  }
}

EncryptionKeys DeriveEncryptionKeys(uint16_t dialect, const crypto::Key16& session_key,
                                    uint16_t cipher_id, const PreauthHashValue& preauth_hash) {
  EncryptionKeys keys;
  keys.cipher = CipherOfId(cipher_id).value_or(crypto::AeadCipher::kAes128Ccm);
  // The KDF's L is the key's width: 128, or 256 for the AES-256 ciphers.
  const size_t width = crypto::AeadKeySize(keys.cipher);
  const MutableByteSpan decrypt(keys.decrypt_bytes.data(), width);
  const MutableByteSpan encrypt(keys.encrypt_bytes.data(), width);
  if (dialect == kDialect311) {
    crypto::KdfCounterHmacSha256(session_key, WithNul("SMBC2SCipherKey"), preauth_hash, decrypt);
    crypto::KdfCounterHmacSha256(session_key, WithNul("SMBS2CCipherKey"), preauth_hash, encrypt);
  } else {
    crypto::KdfCounterHmacSha256(session_key, WithNul("SMB2AESCCM"), WithNul("ServerIn "), decrypt);
    crypto::KdfCounterHmacSha256(session_key, WithNul("SMB2AESCCM"), WithNul("ServerOut"), encrypt);
  }
  return keys;
}

ssp::Result<uint64_t> TransformSessionId(ByteSpan message) {
  auto parsed = ParseTransform(message, crypto::AeadCipher::kAes128Gcm);
  if (!parsed.ok()) return parsed.error();
  return parsed->session_id;
}

ssp::Result<Bytes> DecryptMessage(crypto::AeadCipher cipher, ByteSpan key, ByteSpan message) {
  auto parsed = ParseTransform(message, cipher);
  if (!parsed.ok()) return parsed.error();
  Bytes plain(message.begin() + kTransformHeaderSize, message.end());
  const ByteSpan aad = message.subspan(kNonceOffset, kTransformHeaderSize - kNonceOffset);
  if (!crypto::AeadOpen(cipher, key, parsed->nonce, aad, plain,
                        std::span<const uint8_t, crypto::kAeadTagSize>(parsed->tag.data(),
                                                                       crypto::kAeadTagSize))) {
    return ssp::Error{ssp::SecStatus::kMessageAltered,
                      "TRANSFORM_HEADER: the encrypted message does not verify"};
  }
  return plain;
}

Bytes EncryptMessage(crypto::AeadCipher cipher, ByteSpan key, uint64_t session_id, ByteSpan plain,
                     ssp::RandomSource& random) {
  std::array<uint8_t, kNonceFieldSize> nonce{};
  const size_t nonce_size = crypto::AeadNonceSize(cipher);
  if (!random.Fill(MutableByteSpan(nonce).first(nonce_size))) return {};
  Bytes out = {kTransformProtocolByte, 'S', 'M', 'B'};
  out.resize(kNonceOffset);  // the tag, written last
  out.insert(out.end(), nonce.begin(), nonce.end());
  Put(out, plain.size(), 4);
  Put(out, 0, 2);
  Put(out, kTransformFlagEncrypted, 2);
  Put(out, session_id, 8);
  out.insert(out.end(), plain.begin(), plain.end());
  std::array<uint8_t, crypto::kAeadTagSize> tag{};
  const Bytes aad(out.begin() + kNonceOffset, out.begin() + kTransformHeaderSize);
  if (!crypto::AeadSeal(cipher, key, ByteSpan(nonce).first(nonce_size), aad,
                        MutableByteSpan(out).subspan(kTransformHeaderSize), tag)) {
    return {};
  }
  std::copy(tag.begin(), tag.end(), out.begin() + 4);
  return out;
}

}  // namespace ntlm::harness::net::smb
