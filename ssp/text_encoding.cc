#include "ssp/text_encoding.h"

#include <array>
#include <cctype>
#include <cstdint>

#include "ssp/hex.h"

namespace ntlm::ssp {
namespace {

// What each byte is to DecodeBase64: its 6-bit value (the standard and the
// URL-safe alphabet), white space (as std::isspace in the "C" locale), the
// '=' padding, or invalid. One table lookup per character: the decoder runs
// on every HTTP Authorization header.
constexpr int8_t kBase64Invalid = -1;
constexpr int8_t kBase64Space = -2;
constexpr int8_t kBase64Pad = -3;
constexpr std::array<int8_t, 256> kBase64Table = [] {
  std::array<int8_t, 256> t{};
  t.fill(kBase64Invalid);
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<int8_t>(i);
    t['a' + i] = static_cast<int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(52 + i);
  t['+'] = t['-'] = 62;
  t['/'] = t['_'] = 63;
  for (unsigned char c : {' ', '\t', '\n', '\v', '\f', '\r'}) t[c] = kBase64Space;
  t['='] = kBase64Pad;
  return t;
}();

}  // namespace

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<Bytes> DecodeBase64(std::string_view text, std::string& error) {
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  size_t symbols = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    const int v = kBase64Table[static_cast<unsigned char>(c)];
    if (v == kBase64Space) continue;
    if (v == kBase64Pad) {
      ++pad;
      continue;
    }
    if (pad > 0) {
      error = "base64: data after '=' padding at offset " + std::to_string(i);
      return std::nullopt;
    }
    if (v < 0) {
      error = std::string("base64: invalid character '") +
              (std::isprint(static_cast<unsigned char>(c)) ? std::string(1, c) : "?") +
              "' at offset " + std::to_string(i);
      return std::nullopt;
    }
    ++symbols;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  if (symbols % 4 == 1) {
    error = "base64: truncated input (" + std::to_string(symbols) + " symbols)";
    return std::nullopt;
  }
  if (pad > 2 || (pad > 0 && (symbols + pad) % 4 != 0)) {
    error = "base64: wrong padding";
    return std::nullopt;
  }
  return out;
}

std::optional<Bytes> DecodeHex(std::string_view text, std::string& error) {
  std::string_view s = TrimSpace(text);
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  Bytes out;
  int high = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':') continue;
    int v = HexDigitValue(c);
    if (v < 0) {
      error = "hex: invalid character at offset " + std::to_string(i);
      return std::nullopt;
    }
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  if (high >= 0) {
    error = "hex: odd number of digits";
    return std::nullopt;
  }
  return out;
}

std::string EncodeBase64(ByteSpan bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8 | bytes[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (bytes.size() - i == 1) {
    uint32_t v = uint32_t{bytes[i]} << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (bytes.size() - i == 2) {
    uint32_t v = uint32_t{bytes[i]} << 16 | uint32_t{bytes[i + 1]} << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string EncodeHex(ByteSpan bytes) { return HexBytes(bytes); }

}  // namespace ntlm::ssp
