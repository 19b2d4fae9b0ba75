#include "harness/min_server_sec.h"

#include <algorithm>
#include <cctype>

#include "harness/ascii.h"
#include "ssp/flags.h"
#include "ssp/hex.h"

namespace ntlm::harness {
namespace {

constexpr uint32_t kBitOrder[] = {ssp::kMinSecIntegrity, ssp::kMinSecConfidentiality,
                                  ssp::kMinSecNtlmV2Session, ssp::kMinSec128Bit};

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

}  // namespace

std::vector<uint32_t> AllMinServerSecValues() {
  std::vector<uint32_t> values;
  for (uint32_t mask = 0; mask < 16; ++mask) {
    uint32_t v = 0;
    for (int bit = 0; bit < 4; ++bit) {
      if (mask & (1u << bit)) v |= kBitOrder[bit];
    }
    values.push_back(v);
  }
  return values;
}

const std::vector<MinServerSecPreset>& MinServerSecPresets() {
  static const std::vector<MinServerSecPreset> kPresets = {
      {"none", 0, "no requirement"},
      {"windows-default", ssp::kMinSec128Bit,
       "Require 128-bit encryption, the default since Windows 7 / Server 2008 R2"},
      {"cis", ssp::kMinSecNtlmV2Session | ssp::kMinSec128Bit,
       "Require NTLMv2 session security, Require 128-bit encryption (CIS Benchmark level 1)"},
      {"all", ssp::kMinSecKnownBits, "every bit: SIGN, SEAL, ESS and 128"},
  };
  return kPresets;
}

const MinServerSecPreset* FindMinServerSecPreset(uint32_t value) {
  for (const auto& p : MinServerSecPresets()) {
    if (p.value == value) return &p;
  }
  return nullptr;
}

std::string MinServerSecText(uint32_t value) {
  std::string text = ssp::Hex32(value) + " (" + ssp::MinSecNames(value);
  if (const auto* preset = FindMinServerSecPreset(value)) {
    text += std::string(", preset ") + preset->name;
  }
  return text + ")";
}

std::optional<uint32_t> ParseMinServerSec(const std::string& raw, std::string& error) {
  const std::string text = Trim(raw);
  if (text.empty()) {
    error = "empty NtlmMinServerSec value";
    return std::nullopt;
  }
  const std::string lower = ToLowerAscii(text);
  std::optional<uint32_t> value;
  const auto& presets = MinServerSecPresets();
  if (auto p = std::find_if(
          presets.begin(), presets.end(),
          [&](const MinServerSecPreset& candidate) { return lower == candidate.name; });
      p != presets.end()) {
    value = p->value;
  } else if (std::all_of(text.begin(), text.end(),
                         [](unsigned char c) { return std::isdigit(c); })) {
    try {
      unsigned long long v = std::stoull(text);
      if (v <= 0xffffffffULL) value = static_cast<uint32_t>(v);
    } catch (...) {
    }
  } else {
    value = ssp::ParseFlagList(text);
  }
  if (!value) {
    error = "'" + text +
            "' is not an NtlmMinServerSec value (a preset: none, windows-default, cis, all; hex "
            "such as 0x20080030; or flag names such as SIGN|SEAL|ESS|128)";
    return std::nullopt;
  }
  if (uint32_t extra = *value & ~ssp::kMinSecKnownBits; extra != 0) {
    error = "'" + text + "' has " + ssp::Hex32(extra) +
            ", which is not an NtlmMinServerSec bit (allowed: 0x10 SIGN, 0x20 SEAL, 0x80000 ESS, "
            "0x20000000 128)";
    return std::nullopt;
  }
  return value;
}

}  // namespace ntlm::harness
