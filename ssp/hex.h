// hex.h: hex formatting for log and error text (no secrets go through it).
#pragma once

#include <cstdint>
#include <string>

#include "crypto/bytes.h"

namespace ntlm::ssp {

// "0x0000abcd" (lower case, eight digits) as flags are shown everywhere.
std::string Hex32(uint32_t value);
// Lower-case hex of `bytes`, no separators.
std::string HexBytes(ByteSpan bytes);

}  // namespace ntlm::ssp
