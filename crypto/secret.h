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
#include <vector>

#include "crypto/bytes.h"

namespace ntlm::crypto {

// Wipes `data` in a way the compiler may not optimise away.
void SecureZero(MutableByteSpan data);

// Constant-time equality: false when lengths differ (the length is not secret).
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);

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

using Key16 = SecretArray<16>;

class SecretBuffer {
 public:
  SecretBuffer() = default;
  explicit SecretBuffer(size_t n) : bytes_(n, 0) {}
  explicit SecretBuffer(ByteSpan src) : bytes_(src.begin(), src.end()) {}
  SecretBuffer(const SecretBuffer& other) : bytes_(other.bytes_) {}
  SecretBuffer& operator=(const SecretBuffer& other);
  SecretBuffer(SecretBuffer&& other) noexcept : bytes_(std::move(other.bytes_)) { other.bytes_.clear(); }
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
  // Wipes the old contents before resizing so no copy is left behind.
  void Assign(ByteSpan src);
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
