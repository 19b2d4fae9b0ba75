#include "harness/token_input.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace ntlm::harness {
namespace {

constexpr std::string_view kSignature("NTLMSSP\0", 8);

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Only hex digits (with optional 0x, whitespace and ':'): hex, whatever the
// parity, so an odd digit count is reported as such. Base64 NTLMSSP tokens
// start "TlRM", which is not hex, so the two never collide in practice.
bool LooksLikeHex(std::string_view s) {
  size_t digits = 0;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  for (char c : s) {
    if (HexValue(c) >= 0) {
      ++digits;
    } else if (!std::isspace(static_cast<unsigned char>(c)) && c != ':') {
      return false;
    }
  }
  return digits > 0;
}

}  // namespace

std::optional<Bytes> DecodeBase64(std::string_view text, std::string& error) {
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  size_t symbols = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad > 0) {
      error = "base64: data after '=' padding at offset " + std::to_string(i);
      return std::nullopt;
    }
    int v = Base64Value(c);
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
  std::string_view s = Trim(text);
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  Bytes out;
  int high = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c)) || c == ':') continue;
    int v = HexValue(c);
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

std::string EncodeHex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::optional<TokenInput> ParseTokenInput(std::string_view text, TokenInputError& error) {
  TokenInput result;
  // Raw binary first: it may contain anything, so no trimming.
  if (text.size() >= kSignature.size() && text.substr(0, kSignature.size()) == kSignature) {
    result.bytes.assign(text.begin(), text.end());
    result.form = "raw";
    return result;
  }
  if (!text.empty()) {
    // DER SPNEGO: NegTokenInit (0x60 '`', which starts no base64, hex or
    // header) or NegTokenResp/Init choices (0xa0, 0xa1).
    auto first = static_cast<unsigned char>(text[0]);
    if ((first == 0x60 || first == 0xa0 || first == 0xa1) && text.size() > 1) {
      result.bytes.assign(text.begin(), text.end());
      result.form = "raw";
      return result;
    }
  }
  std::string_view s = Trim(text);
  if (s.empty()) {
    error.message = "no token given (empty input)";
    return std::nullopt;
  }
  // "Header-Name: Scheme value" or "Scheme value".
  if (auto colon = s.find(':'); colon != std::string_view::npos && colon < 64 &&
                                s.substr(0, colon).find(' ') == std::string_view::npos &&
                                !LooksLikeHex(s)) {
    result.header = std::string(Trim(s.substr(0, colon)));
    s = Trim(s.substr(colon + 1));
  }
  if (auto space = s.find_first_of(" \t"); space != std::string_view::npos) {
    std::string_view scheme = s.substr(0, space);
    if (IEquals(scheme, "NTLM") || IEquals(scheme, "Negotiate")) {
      result.scheme = IEquals(scheme, "NTLM") ? "NTLM" : "Negotiate";
      s = Trim(s.substr(space + 1));
    } else if (!result.header.empty()) {
      error.message = "header '" + result.header + "': unknown authentication scheme '" +
                      std::string(scheme) + "' (expected NTLM or Negotiate)";
      return std::nullopt;
    }
  } else if (IEquals(s, "NTLM") || IEquals(s, "Negotiate")) {
    error.message = "header names the " + std::string(s) + " scheme but carries no token";
    return std::nullopt;
  }
  std::string why;
  if (result.header.empty() && result.scheme.empty() && LooksLikeHex(s)) {
    auto hex = DecodeHex(s, why);
    if (!hex) {
      error.message = why;
      return std::nullopt;
    }
    result.bytes = std::move(*hex);
    result.form = "hex";
    return result;
  }
  if (auto b64 = DecodeBase64(s, why)) {
    result.bytes = std::move(*b64);
    result.form = (!result.header.empty() || !result.scheme.empty()) ? "header" : "base64";
    if (result.bytes.empty()) {
      error.message = "token decodes to zero bytes";
      return std::nullopt;
    }
    return result;
  }
  error.message = "input is not a header line, raw NTLMSSP, hex or base64: " + why;
  return std::nullopt;
}

}  // namespace ntlm::harness
