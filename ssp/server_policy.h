// server_policy.h: the acceptor's policy and the pure checks that apply it.
//
// The policy is data (one struct) and every decision is a pure function of
// the policy and what the client sent, so each rule is table-tested. Section
// numbers refer to [MS-NLMP].
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace ntlm::ssp {

// Windows 7 / Server 2008 R2 and later ship NtlmMinServerSec = 0x20000000
// ("Require 128-bit encryption") on new installations; the registry's
// documented default when the value is absent is 0. Our server defaults to
// the shipped Windows value so that an out-of-the-box Windows server is what
// a user measures against; replay uses 0 when a transcript names no minimum
// (see spec/transcript-format.md).
inline constexpr uint32_t kDefaultMinServerSec = 0x20000000;
// LmCompatibilityLevel default on Windows Vista and later is 3.
inline constexpr int kDefaultLmCompatLevel = 3;
// MS-NLMP 3.1.1.1 MaxLifetime as Windows XP .. 2008 R2 apply it (36 hours).
inline constexpr uint64_t kDefaultMaxClockSkewSeconds = 129600;

// How the server treats MsvAvChannelBindings (MS-NLMP 3.2.1.2,
// 3.2.5.1.2; interop-pitfalls 5 and 6).
enum class ChannelBindingMode {
  kNever,          // not checked
  kWhenSupported,  // checked when the client sent a non-zero value
  kRequired,       // must be present and equal
};

struct ServerPolicy {
  // NtlmMinServerSec: any combination of 0x10, 0x20, 0x80000, 0x20000000.
  // Other bits are ignored (they have no defined meaning).
  uint32_t min_server_sec = kDefaultMinServerSec;
  // LmCompatibilityLevel of a server that is its own authority: 0..3 accept
  // LM, NTLMv1 and NTLMv2 responses, 4 refuses LM, 5 refuses LM and NTLMv1
  // (NTLMv1 with ESS counts as NTLMv1).
  int lm_compat_level = kDefaultLmCompatLevel;
  // Fail an AUTHENTICATE without a MIC (MsvAvFlags 0x2 absent).
  bool require_mic = false;
  // Expected SPN in MsvAvTargetName; unset: not checked.
  std::optional<std::string> target_name;
  // Expected MsvAvChannelBindings (MD5 of gss_channel_bindings_struct).
  std::optional<std::array<uint8_t, 16>> channel_bindings_md5;
  ChannelBindingMode channel_binding_mode = ChannelBindingMode::kWhenSupported;
  // Maximum distance of the NTLMv2 timestamp from the server clock; unset:
  // the timestamp is not checked.
  std::optional<uint64_t> max_clock_skew_seconds = kDefaultMaxClockSkewSeconds;
  // Accept the ANONYMOUS logon (empty user and responses, 3.2.5.1.2).
  bool allow_anonymous = false;
  // Capabilities the server offers (intersected with the client's request).
  bool offer_key_exchange = true;
  bool offer_56bit = true;
  bool offer_128bit = true;
  bool offer_lm_key = false;  // only meaningful without ESS at lm level <= 2
};

// Bits of `min_server_sec` that `flags` lacks (0 when satisfied):
// (min & (0x10|0x20|0x80000|0x20000000)) & ~flags.
uint32_t MissingMinSecBits(uint32_t min_server_sec, uint32_t flags);

// The log/error text for a refusal: "negotiated 0x... minimum 0x...
// missing: confidentiality (SEAL) | 128-bit".
std::string DescribeMinSecFailure(uint32_t min_server_sec, uint32_t flags);

// The response kinds the server distinguishes (3.2.5.1.2).
enum class ResponseKind {
  kAnonymous,
  kLm,         // LM response only (NT response empty)
  kNtlmV1,     // 24-byte NT response
  kNtlmV1Ess,  // 24-byte NT response with ESS and CC||Z(16) in the LM field
  kNtlmV2,     // NT response longer than 24 bytes
};
const char* ResponseKindName(ResponseKind kind);

// Whether `lm_compat_level` lets the server accept `kind` (0..3 all, 4 no
// LM, 5 neither LM nor NTLMv1), as Microsoft documents LmCompatibilityLevel
// for domain controllers ("Network security: LAN Manager authentication
// level": 4 refuses LM, 5 refuses LM and NTLM, accepting only NTLMv2).
// kLm here is an LM (v1) response; an LM field that verifies as LMv2 is
// NTLMv2 and allowed at every level (the acceptor decides after verifying).
// Anonymous is judged by allow_anonymous.
bool LmCompatAllows(int lm_compat_level, ResponseKind kind);

}  // namespace ntlm::ssp
