#include "harness/token_input.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "harness/ascii.h"
#include "harness/ntlm_sniff.h"

namespace ntlm::harness {
namespace {

// Only hex digits (with optional 0x, whitespace and ':'): hex, whatever the
// parity, so an odd digit count is reported as such. Base64 NTLMSSP tokens
// start "TlRM", which is not hex, so the two never collide in practice.
bool LooksLikeHex(std::string_view s) {
  size_t digits = 0;
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  for (char c : s) {
    if (ssp::HexDigitValue(c) >= 0) {
      ++digits;
    } else if (!std::isspace(static_cast<unsigned char>(c)) && c != ':') {
      return false;
    }
  }
  return digits > 0;
}

}  // namespace

std::optional<TokenInput> ParseTokenInput(std::string_view text, TokenInputError& error) {
  TokenInput result;
  // Raw binary first: it may contain anything, so no trimming.
  if (StartsWithNtlmSignature(
          ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()))) {
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
  std::string_view s = ssp::TrimSpace(text);
  if (s.empty()) {
    error.message = "no token given (empty input)";
    return std::nullopt;
  }
  // "Header-Name: Scheme value" or "Scheme value".
  if (auto colon = s.find(':'); colon != std::string_view::npos && colon < 64 &&
                                s.substr(0, colon).find(' ') == std::string_view::npos &&
                                !LooksLikeHex(s)) {
    result.header = std::string(ssp::TrimSpace(s.substr(0, colon)));
    s = ssp::TrimSpace(s.substr(colon + 1));
  }
  if (auto space = s.find_first_of(" \t"); space != std::string_view::npos) {
    std::string_view scheme = s.substr(0, space);
    if (EqualsIgnoreAsciiCase(scheme, "NTLM") || EqualsIgnoreAsciiCase(scheme, "Negotiate")) {
      result.scheme = EqualsIgnoreAsciiCase(scheme, "NTLM") ? "NTLM" : "Negotiate";
      s = ssp::TrimSpace(s.substr(space + 1));
    } else if (!result.header.empty()) {
      error.message = "header '" + result.header + "': unknown authentication scheme '" +
                      std::string(scheme) + "' (expected NTLM or Negotiate)";
      return std::nullopt;
    }
  } else if (EqualsIgnoreAsciiCase(s, "NTLM") || EqualsIgnoreAsciiCase(s, "Negotiate")) {
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
