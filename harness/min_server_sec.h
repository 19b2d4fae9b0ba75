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

// The names administrators use for NtlmMinServerSec values.
struct MinServerSecPreset {
  const char* name;
  uint32_t value;
  const char* meaning;
};
// none (0), windows-default (0x20000000: the effective default since
// Windows 7 / Server 2008 R2), cis (0x20080000: "Require NTLMv2 session
// security, Require 128-bit encryption", the CIS Benchmark level-1
// recommendation) and all (0x20080030, every bit).
const std::vector<MinServerSecPreset>& MinServerSecPresets();

// The preset named `value`, or nullptr.
const MinServerSecPreset* FindMinServerSecPreset(uint32_t value);

// Parses an NtlmMinServerSec value, the one parser for every place that
// takes one (serve --min-server-sec, matrix/profile --policy, the config
// file): a preset name (above), a number (hex "0x20000030" or decimal) or
// flag names joined by '|' ("SEAL|128|ESS", "SIGN", full NTLMSSP names too).
// Only the four policy bits are allowed: anything else is an error naming the
// bits. nullopt + `error` on failure.
std::optional<uint32_t> ParseMinServerSec(const std::string& text, std::string& error);

// How reports name a value: "0x20080000 (NTLMv2 session security (ESS) |
// 128-bit, preset cis)", or without ", preset NAME" when no preset has it.
std::string MinServerSecText(uint32_t value);

}  // namespace ntlm::harness
