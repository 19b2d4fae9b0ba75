// flags.cc: names of NEGOTIATE flags and NtlmMinServerSec bits.
#include "ssp/flags.h"

#include <array>
#include <cctype>
#include <cstdio>

namespace ntlm::ssp {
namespace {

constexpr std::array<FlagName, 22> kFlagTable = {{
    {kNegotiateUnicode, "NTLMSSP_NEGOTIATE_UNICODE"},
    {kNegotiateOem, "NTLM_NEGOTIATE_OEM"},
    {kRequestTarget, "NTLMSSP_REQUEST_TARGET"},
    {kNegotiateSign, "NTLMSSP_NEGOTIATE_SIGN"},
    {kNegotiateSeal, "NTLMSSP_NEGOTIATE_SEAL"},
    {kNegotiateDatagram, "NTLMSSP_NEGOTIATE_DATAGRAM"},
    {kNegotiateLmKey, "NTLMSSP_NEGOTIATE_LM_KEY"},
    {kNegotiateNtlm, "NTLMSSP_NEGOTIATE_NTLM"},
    {kNegotiateAnonymous, "NTLMSSP_ANONYMOUS"},
    {kNegotiateOemDomainSupplied, "NTLMSSP_NEGOTIATE_OEM_DOMAIN_SUPPLIED"},
    {kNegotiateOemWorkstationSupplied, "NTLMSSP_NEGOTIATE_OEM_WORKSTATION_SUPPLIED"},
    {kNegotiateAlwaysSign, "NTLMSSP_NEGOTIATE_ALWAYS_SIGN"},
    {kTargetTypeDomain, "NTLMSSP_TARGET_TYPE_DOMAIN"},
    {kTargetTypeServer, "NTLMSSP_TARGET_TYPE_SERVER"},
    {kNegotiateExtendedSessionSecurity, "NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY"},
    {kNegotiateIdentify, "NTLMSSP_NEGOTIATE_IDENTIFY"},
    {kRequestNonNtSessionKey, "NTLMSSP_REQUEST_NON_NT_SESSION_KEY"},
    {kNegotiateTargetInfo, "NTLMSSP_NEGOTIATE_TARGET_INFO"},
    {kNegotiateVersion, "NTLMSSP_NEGOTIATE_VERSION"},
    {kNegotiate128, "NTLMSSP_NEGOTIATE_128"},
    {kNegotiateKeyExch, "NTLMSSP_NEGOTIATE_KEY_EXCH"},
    {kNegotiate56, "NTLMSSP_NEGOTIATE_56"},
}};

// Additional spellings (upper case, prefix already stripped by Normalize).
constexpr std::array<FlagName, 9> kAliases = {{
    {kNegotiateExtendedSessionSecurity, "ESS"},
    {kNegotiateExtendedSessionSecurity, "NTLM2"},
    {kNegotiateExtendedSessionSecurity, "EXTENDED_SECURITY"},
    {kNegotiateExtendedSessionSecurity, "EXTENDED_SESSION_SECURITY"},
    {kRequestNonNtSessionKey, "NON_NT_SESSION_KEY"},
    {kNegotiateKeyExch, "KEY_EXCHANGE"},
    {kNegotiateAnonymous, "J"},
    {kNegotiateOemDomainSupplied, "DOMAIN_SUPPLIED"},
    {kNegotiateOemWorkstationSupplied, "WORKSTATION_SUPPLIED"},
}};

constexpr std::array<FlagName, 4> kMinSecTable = {{
    {kMinSecIntegrity, "integrity (SIGN)"},
    {kMinSecConfidentiality, "confidentiality (SEAL)"},
    {kMinSecNtlmV2Session, "NTLMv2 session security (ESS)"},
    {kMinSec128Bit, "128-bit"},
}};

std::string Hex8(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", value);
  return buf;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// Upper-cases and strips the known prefixes, so that every spelling of a
// name reduces to its short form ("NTLMSSP_NEGOTIATE_SIGN" -> "SIGN").
// A trailing " (J)" (the spec's bit letter, as in the vectors file) is dropped.
std::string Normalize(std::string_view name) {
  if (auto paren = name.find(" ("); paren != std::string_view::npos) name = name.substr(0, paren);
  std::string s = Upper(name);
  for (std::string_view prefix :
       {"NTLMSSP_NEGOTIATE_", "NTLM_NEGOTIATE_", "NTLMSSP_", "NEGOTIATE_"}) {
    if (s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0) {
      return s.substr(prefix.size());
    }
  }
  return s;
}

std::optional<uint32_t> ParseHex(std::string_view s) {
  if (s.size() < 3 || s.size() > 10 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (char c : s.substr(2)) {
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    value = (value << 4) | static_cast<uint32_t>(digit);
  }
  return value;
}

}  // namespace

std::span<const FlagName> NegotiateFlagTable() { return kFlagTable; }

std::string_view NegotiateFlagName(uint32_t bit) {
  for (const FlagName& f : kFlagTable) {
    if (f.bit == bit) return f.name;
  }
  return {};
}

std::string FlagNames(uint32_t flags) {
  if (flags == 0) return "0";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    const uint32_t bit = uint32_t{1} << i;
    if ((flags & bit) == 0) continue;
    if (!out.empty()) out += " | ";
    std::string_view name = NegotiateFlagName(bit);
    out += name.empty() ? Hex8(bit) : std::string(name);
  }
  return out;
}

std::optional<uint32_t> ParseFlagName(std::string_view name) {
  if (name.empty()) return std::nullopt;
  if (auto hex = ParseHex(name)) return hex;
  const std::string wanted = Normalize(name);
  for (const FlagName& f : kFlagTable) {
    if (Normalize(f.name) == wanted) return f.bit;
  }
  for (const FlagName& f : kAliases) {
    if (f.name == wanted) return f.bit;
  }
  return std::nullopt;
}

std::optional<uint32_t> ParseFlagList(std::string_view text) {
  uint32_t flags = 0;
  bool any = false;
  size_t i = 0;
  auto is_sep = [](char c) {
    return c == '|' || c == ',' || c == '+' || std::isspace(static_cast<unsigned char>(c));
  };
  while (i < text.size()) {
    while (i < text.size() && is_sep(text[i])) ++i;
    size_t j = i;
    while (j < text.size() && !is_sep(text[j])) ++j;
    if (j > i) {
      auto bit = ParseFlagName(text.substr(i, j - i));
      if (!bit) return std::nullopt;
      flags |= *bit;
      any = true;
    }
    i = j;
  }
  if (!any) return std::nullopt;
  return flags;
}

std::span<const FlagName> MinSecTable() { return kMinSecTable; }

std::string MinSecNames(uint32_t min_sec) {
  if (min_sec == 0) return "none";
  std::string out;
  uint32_t rest = min_sec;
  for (const FlagName& f : kMinSecTable) {
    if ((min_sec & f.bit) == 0) continue;
    if (!out.empty()) out += " | ";
    out += f.name;
    rest &= ~f.bit;
  }
  for (int i = 0; i < 32; ++i) {
    const uint32_t bit = uint32_t{1} << i;
    if ((rest & bit) == 0) continue;
    if (!out.empty()) out += " | ";
    out += Hex8(bit);
  }
  return out;
}

}  // namespace ntlm::ssp
