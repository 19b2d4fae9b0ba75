// hex.h: hex formatting for log and error text (no secrets go through it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/secret.h"

namespace ntlm::ssp {

// "0x0000abcd" (lower case, eight digits) as flags are shown everywhere.
std::string Hex32(uint32_t value);
// Lower-case hex of `bytes`, no separators.
std::string HexBytes(ByteSpan bytes);

// THE parser of a 16-byte key or hash given as 32 hex digits (either case),
// for NT/LM hashes in user files, credentials and deviations. False (and
// `out` untouched) for anything else.
bool ParseKey16Hex(std::string_view hex, crypto::Key16& out);

}  // namespace ntlm::ssp
