// min_server_sec.h: NtlmMinServerSec values as users write them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ntlm::harness {

// The 16 combinations of 0x10, 0x20, 0x80000 and 0x20000000, in the order
// of their S/C/E/8 bit pattern (0 first, 0x20080030 last).
std::vector<uint32_t> AllMinServerSecValues();

// Parses an NtlmMinServerSec value: a number (hex "0x20000030" or decimal)
// or flag names joined by '|' ("SEAL|128|ESS", "SIGN", full NTLMSSP names
// too); "0" or "none" is 0. Only the four policy bits are allowed: anything
// else is an error naming the bits. nullopt + `error` on failure.
std::optional<uint32_t> ParseMinServerSec(const std::string& text, std::string& error);

}  // namespace ntlm::harness
