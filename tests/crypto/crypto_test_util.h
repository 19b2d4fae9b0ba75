// crypto_test_util.h: hex helpers shared by the crypto_*_test.cc files.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/bytes.h"

namespace ntlm::crypto::test_util {

// Hex renders bytes as lowercase hex, for readable EXPECT_EQ failures.
inline std::string Hex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 0xf];
  }
  return s;
}

// FromHex parses lowercase/uppercase hex, ignoring spaces (vectors are copied
// from the RFCs with their spacing).
inline Bytes FromHex(std::string_view hex) {
  auto nibble = [](char c) -> uint8_t {
    if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
    return static_cast<uint8_t>(c - 'A' + 10);
  };
  Bytes out;
  int pending = -1;
  for (char c : hex) {
    if (c == ' ') continue;
    if (pending < 0) {
      pending = nibble(c);
    } else {
      out.push_back(static_cast<uint8_t>((pending << 4) | nibble(c)));
      pending = -1;
    }
  }
  return out;
}

// Str views a string's characters as bytes.
inline ByteSpan Str(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace ntlm::crypto::test_util
