// smb_signing.cc: SMB2/3 keys and signatures (see smb_signing.h).
#include "harness/net/smb_signing.h"

#include <algorithm>
#include <string_view>

#include "crypto/smb_mac.h"
#include "harness/net/smb_wire.h"

namespace ntlm::harness::net::smb {
namespace {

// Labels and contexts of [MS-SMB2] 3.2.5.3.1, terminating NUL included.
ByteSpan Literal(std::string_view text_with_nul) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(text_with_nul.data()), text_with_nul.size());
}

std::shared_ptr<crypto::KeyedMac> PrepareMac(const SigningKey& key) {
  return crypto::KeyedMac::Create(key.algorithm == SigningAlgorithm::kAesCmac
                                      ? crypto::KeyedMac::Algorithm::kAesCmac128
                                      : crypto::KeyedMac::Algorithm::kHmacSha256,
                                  key.key);
}

// The 16-byte signature of `message` with its Signature field taken as zero.
std::array<uint8_t, kSignatureSize> Compute(const SigningKey& key, ByteSpan message) {
  static constexpr std::array<uint8_t, kSignatureSize> kZero{};
  ByteSpan before = message.first(kSignatureOffset);
  ByteSpan after = message.subspan(kSignatureOffset + kSignatureSize);
  std::array<uint8_t, kSignatureSize> signature{};
  // DeriveSigningKey prepared the MAC; without one (OpenSSL failed then,
  // crypto::HasFailed() tells) the signature stays zero and verifies nothing.
  if (!key.mac) return signature;
  if (key.algorithm == SigningAlgorithm::kAesCmac) {
    key.mac->Compute({before, kZero, after}, signature);
  } else {
    crypto::SecretArray<crypto::kHmacSha256Size> full;
    key.mac->Compute({before, kZero, after}, full.span());
    std::copy_n(full.data(), kSignatureSize, signature.begin());
  }
  return signature;
}

}  // namespace

void PreauthHash::Update(ByteSpan message) {
  PreauthHashValue next{};
  crypto::Sha512({value_, message}, next);
  value_ = next;
}

SigningKey DeriveSigningKey(uint16_t dialect, const crypto::Key16& session_key,
                            uint16_t signing_algorithm_id, const PreauthHashValue& preauth_hash) {
  SigningKey out;
  if (!IsSmb3(dialect)) {
    out.algorithm = SigningAlgorithm::kHmacSha256;
    out.key = session_key;
  } else if (dialect == kDialect311) {
    out.algorithm = signing_algorithm_id == kSigningHmacSha256 ? SigningAlgorithm::kHmacSha256
                                                               : SigningAlgorithm::kAesCmac;
    crypto::KdfCounterHmacSha256(session_key, Literal(std::string_view("SMBSigningKey\0", 14)),
                                 preauth_hash, out.key.span());
  } else {
    out.algorithm = SigningAlgorithm::kAesCmac;
    crypto::KdfCounterHmacSha256(session_key, Literal(std::string_view("SMB2AESCMAC\0", 12)),
                                 Literal(std::string_view("SmbSign\0", 8)), out.key.span());
  }
  out.mac = PrepareMac(out);
  return out;
}

void SignMessage(const SigningKey& key, MutableByteSpan message) {
  if (message.size() < kHeaderSize) return;
  message[16] |= static_cast<uint8_t>(kFlagSigned);  // Flags, low byte
  auto signature = Compute(key, message);
  std::copy(signature.begin(), signature.end(), message.begin() + kSignatureOffset);
}

bool VerifyMessage(const SigningKey& key, ByteSpan message) {
  if (message.size() < kHeaderSize) return false;
  auto expected = Compute(key, message);
  return crypto::ConstantTimeEqual(expected, message.subspan(kSignatureOffset, kSignatureSize));
}

}  // namespace ntlm::harness::net::smb
