// text_encoding.h: hex and base64 text <-> bytes. Strict decoders: an error
// names what is wrong and where (the harness's token input, configuration
// and transcripts, and the tests, read vectors with them).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"

namespace ntlm::ssp {

// `s` without leading and trailing whitespace.
std::string_view TrimSpace(std::string_view s);

// The value of one hex digit (either case), -1 for any other character.
int HexDigitValue(char c);

// Base64 (standard or URL-safe alphabet, padding optional); whitespace is skipped.
std::optional<Bytes> DecodeBase64(std::string_view text, std::string& error);
// Hex digits (optional 0x, whitespace and ':' separators), an even count.
std::optional<Bytes> DecodeHex(std::string_view text, std::string& error);
std::string EncodeBase64(ByteSpan bytes);
// Lower-case hex digits, no separators.
std::string EncodeHex(ByteSpan bytes);

}  // namespace ntlm::ssp
