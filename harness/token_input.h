// token_input.h: turns what a user pastes into NTLMSSP token bytes.
//
// Accepted forms (auto-detected, in this order):
//  - an HTTP header line: "Authorization: NTLM <b64>", "WWW-Authenticate:
//    Negotiate <b64>", "Proxy-Authorization: ...", or just "NTLM <b64>";
//  - raw bytes that start with "NTLMSSP\0" (or a DER SPNEGO token, 0x60/0xa0/0xa1);
//  - hex (whitespace, ':' and a leading 0x allowed);
//  - base64 (standard or URL-safe, padding optional).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "ssp/text_encoding.h"

namespace ntlm::harness {

struct TokenInput {
  Bytes bytes;
  std::string form;    // "header", "raw", "hex", "base64"
  std::string scheme;  // "NTLM" or "Negotiate" when a header named one
  std::string header;  // header name when present, e.g. "Authorization"
};

struct TokenInputError {
  std::string message;
};

// Parses `text` (which may be binary). On failure `error` names what was
// wrong and where.
std::optional<TokenInput> ParseTokenInput(std::string_view text, TokenInputError& error);

// The strict decoders and encoders live in ssp/text_encoding.h.
using ssp::DecodeBase64;
using ssp::DecodeHex;
using ssp::EncodeBase64;
using ssp::EncodeHex;

}  // namespace ntlm::harness
