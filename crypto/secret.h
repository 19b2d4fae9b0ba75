// secret.h: owning buffers for key material that wipe themselves.
//
// SecretArray<N> (fixed size, no heap) and SecretBuffer (variable size) clear
// their bytes with OPENSSL_cleanse on destruction and on move-from, never
// print their contents (operator<< writes "<redacted N bytes>"), and compare
// only in constant time.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <utility>
#include <vector>

#include "crypto/bytes.h"

namespace ntlm::crypto {

// SecureZero wipes `data` with OPENSSL_cleanse, which the compiler may not
// optimise away. Needs no OpenSSL provider and cannot fail.
void SecureZero(MutableByteSpan data);

// ConstantTimeEqual compares with CRYPTO_memcmp, whose running time depends
// only on the length; false when the lengths differ (the length is not
// secret); two empty spans are equal.
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);

// SecretArray holds N secret bytes inline (no heap). Copyable (each copy wipes
// itself); moving copies the bytes and wipes the source. Compares with
// ConstantTimeEqual; prints as "<redacted N bytes>".
template <size_t N>
class SecretArray {
 public:
  SecretArray() { bytes_.fill(0); }
  explicit SecretArray(std::span<const uint8_t, N> src) {
    for (size_t i = 0; i < N; ++i) bytes_[i] = src[i];
  }
  SecretArray(const SecretArray&) = default;
  SecretArray& operator=(const SecretArray&) = default;
  SecretArray(SecretArray&& other) noexcept : bytes_(other.bytes_) { other.Wipe(); }
  SecretArray& operator=(SecretArray&& other) noexcept {
    if (this != &other) {
      bytes_ = other.bytes_;
      other.Wipe();
    }
    return *this;
  }
  ~SecretArray() { Wipe(); }

  static constexpr size_t size() { return N; }
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  uint8_t& operator[](size_t i) { return bytes_[i]; }
  const uint8_t& operator[](size_t i) const { return bytes_[i]; }
  std::span<uint8_t, N> span() { return std::span<uint8_t, N>(bytes_); }
  std::span<const uint8_t, N> span() const { return std::span<const uint8_t, N>(bytes_); }
  operator ByteSpan() const { return ByteSpan(bytes_.data(), N); }  // NOLINT
  void Wipe() { SecureZero(MutableByteSpan(bytes_.data(), N)); }

  friend bool operator==(const SecretArray& a, const SecretArray& b) {
    return ConstantTimeEqual(a, b);
  }
  friend std::ostream& operator<<(std::ostream& os, const SecretArray&) {
    return os << "<redacted " << N << " bytes>";
  }

 private:
  std::array<uint8_t, N> bytes_;
};

// Key16 holds a 16-byte key or hash (NT hash, session keys, SIGNKEY/SEALKEY).
using Key16 = SecretArray<16>;

// SecretBuffer holds a variable number of secret bytes on the heap. Copies
// are deep; moving steals the storage and leaves the source empty. Wiped on
// destruction and before any assignment releases its storage. Compares with
// ConstantTimeEqual; prints as "<redacted N bytes>".
class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(size_t n) : bytes_(n, 0) {}
  explicit SecretBuffer(ByteSpan src) : bytes_(src.begin(), src.end()) {}
  SecretBuffer(const SecretBuffer& other) : bytes_(other.bytes_) {}
  SecretBuffer& operator=(const SecretBuffer& other);
  SecretBuffer(SecretBuffer&& other) noexcept : bytes_(std::move(other.bytes_)) {
    other.bytes_.clear();
  }
  SecretBuffer& operator=(SecretBuffer&& other) noexcept;
  ~SecretBuffer() { Wipe(); }

  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  uint8_t* data() { return bytes_.data(); }
  const uint8_t* data() const { return bytes_.data(); }
  uint8_t& operator[](size_t i) { return bytes_[i]; }
  const uint8_t& operator[](size_t i) const { return bytes_[i]; }
  operator ByteSpan() const { return ByteSpan(bytes_.data(), bytes_.size()); }  // NOLINT
  MutableByteSpan span() { return MutableByteSpan(bytes_.data(), bytes_.size()); }
  // Assign replaces the contents with a copy of `src` (which may alias this
  // buffer); the old storage is wiped before it is released, so no copy of
  // the previous secret is left behind.
  void Assign(ByteSpan src);
  // Wipe zeroes every byte; the size is unchanged. The destructor and the
  // assignment operators wipe too; a moved-from SecretBuffer is empty.
  void Wipe();

  friend bool operator==(const SecretBuffer& a, const SecretBuffer& b) {
    return ConstantTimeEqual(a, b);
  }
  friend std::ostream& operator<<(std::ostream& os, const SecretBuffer& s) {
    return os << "<redacted " << s.size() << " bytes>";
  }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace ntlm::crypto
