// secret.cc: wiping and constant-time comparison for key material.
#include "crypto/secret.h"

#include <openssl/crypto.h>

#include <utility>

namespace ntlm::crypto {

void SecureZero(MutableByteSpan data) {
  if (!data.empty()) OPENSSL_cleanse(data.data(), data.size());
}

bool ConstantTimeEqual(ByteSpan a, ByteSpan b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

SecretBuffer& SecretBuffer::operator=(const SecretBuffer& other) {
  if (this != &other) Assign(other);
  return *this;
}

SecretBuffer& SecretBuffer::operator=(SecretBuffer&& other) noexcept {
  if (this != &other) {
    Wipe();  // our storage is released by the move below; leave nothing in it
    bytes_ = std::move(other.bytes_);
    other.bytes_.clear();
  }
  return *this;
}

void SecretBuffer::Assign(ByteSpan src) {
  // Copy first: `src` may point into our own storage.
  std::vector<uint8_t> fresh(src.begin(), src.end());
  Wipe();
  bytes_.swap(fresh);  // `fresh` now owns the wiped old storage and frees it
}

void SecretBuffer::Wipe() { SecureZero(span()); }

}  // namespace ntlm::crypto
