// unicode.h: UTF-8 <-> UTF-16LE and the upper-casing NTOWFv2 needs.
#pragma once

#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "ssp/status.h"

namespace ntlm::ssp {

// UTF-8 text to UTF-16LE bytes. Invalid UTF-8 is an error naming the offset.
Result<Bytes> Utf8ToUtf16Le(std::string_view utf8);
// UTF-16LE bytes to UTF-8. Odd length or an unpaired surrogate is an error.
Result<std::string> Utf16LeToUtf8(ByteSpan utf16le);
// OEM strings (NTLM_NEGOTIATE_OEM): treated as Latin-1 on decode; on encode
// characters above U+00FF are an error.
std::string OemToUtf8(ByteSpan oem);
Result<Bytes> Utf8ToOem(std::string_view utf8);

// Unicode simple upper-case mapping (what Windows applies to the user name
// in NTOWFv2 and to names it compares case-insensitively). Input must be
// valid UTF-8; invalid input is returned unchanged.
std::string ToUpperUtf8(std::string_view utf8);
// Case-insensitive equality by ToUpperUtf8.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// THE ASCII-only case-insensitive equality (names, keywords): bytes outside
// A-Z/a-z compare exactly.
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);

}  // namespace ntlm::ssp
