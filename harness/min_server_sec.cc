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

std::optional<uint32_t> ParseMinServerSec(const std::string& raw, std::string& error) {
  const std::string text = Trim(raw);
  if (text.empty()) {
    error = "empty NtlmMinServerSec value";
    return std::nullopt;
  }
  const std::string lower = ToLowerAscii(text);
  std::optional<uint32_t> value;
  if (lower == "none" || lower == "0") {
    value = 0;
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
            "' is not an NtlmMinServerSec value (hex such as 0x20080030, or flag names such as "
            "SIGN|SEAL|ESS|128)";
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
