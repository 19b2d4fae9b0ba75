// flags.h: NEGOTIATE flags ([MS-NLMP] 2.2.2.5) and NtlmMinServerSec bits.
//
// Bit values and full names follow vectors/ms-nlmp-4.2.json
// `negotiate_flag_bits` (MS-NLMP / Wireshark naming).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ntlm::ssp {

// --- NEGOTIATE flags, [MS-NLMP] 2.2.2.5 (letter = the spec's bit name) -----
inline constexpr uint32_t kNegotiateUnicode = 0x00000001;                  // A
inline constexpr uint32_t kNegotiateOem = 0x00000002;                      // B
inline constexpr uint32_t kRequestTarget = 0x00000004;                     // C
inline constexpr uint32_t kNegotiateSign = 0x00000010;                     // D
inline constexpr uint32_t kNegotiateSeal = 0x00000020;                     // E
inline constexpr uint32_t kNegotiateDatagram = 0x00000040;                 // F
inline constexpr uint32_t kNegotiateLmKey = 0x00000080;                    // G
inline constexpr uint32_t kNegotiateNtlm = 0x00000200;                     // H
inline constexpr uint32_t kNegotiateAnonymous = 0x00000800;                // J
inline constexpr uint32_t kNegotiateOemDomainSupplied = 0x00001000;        // K
inline constexpr uint32_t kNegotiateOemWorkstationSupplied = 0x00002000;   // L
inline constexpr uint32_t kNegotiateAlwaysSign = 0x00008000;               // M
inline constexpr uint32_t kTargetTypeDomain = 0x00010000;                  // N
inline constexpr uint32_t kTargetTypeServer = 0x00020000;                  // O
inline constexpr uint32_t kNegotiateExtendedSessionSecurity = 0x00080000;  // P
inline constexpr uint32_t kNegotiateIdentify = 0x00100000;                 // Q
inline constexpr uint32_t kRequestNonNtSessionKey = 0x00400000;            // R
inline constexpr uint32_t kNegotiateTargetInfo = 0x00800000;               // S
inline constexpr uint32_t kNegotiateVersion = 0x02000000;                  // T
inline constexpr uint32_t kNegotiate128 = 0x20000000;                      // U
inline constexpr uint32_t kNegotiateKeyExch = 0x40000000;                  // V
inline constexpr uint32_t kNegotiate56 = 0x80000000;                       // W
/// Short alias used throughout the code base.
inline constexpr uint32_t kNegotiateEss = kNegotiateExtendedSessionSecurity;

/// One named flag bit.
struct FlagName {
  uint32_t bit;
  std::string_view name;
};

/// Every defined NEGOTIATE flag, lowest bit first, with its full MS-NLMP name
/// (e.g. {0x1, "NTLMSSP_NEGOTIATE_UNICODE"}, {0x2, "NTLM_NEGOTIATE_OEM"}).
std::span<const FlagName> NegotiateFlagTable();

/// Full name of one defined bit, or empty for an undefined/reserved bit.
std::string_view NegotiateFlagName(uint32_t bit);

/// "NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_REQUEST_TARGET | ..." lowest bit
/// first; reserved bits appear as "0x00000100"; 0 gives "0".
std::string FlagNames(uint32_t flags);

/// One flag from its name, case-insensitive: full names (MS-NLMP and
/// Wireshark spellings, e.g. NTLM_NEGOTIATE_OEM or NTLMSSP_NEGOTIATE_OEM),
/// short names (UNICODE, OEM, REQUEST_TARGET, SIGN, SEAL, DATAGRAM, LM_KEY,
/// NTLM, ANONYMOUS, OEM_DOMAIN_SUPPLIED, OEM_WORKSTATION_SUPPLIED,
/// ALWAYS_SIGN, TARGET_TYPE_DOMAIN, TARGET_TYPE_SERVER, ESS /
/// EXTENDED_SESSIONSECURITY / NTLM2, IDENTIFY, NON_NT_SESSION_KEY,
/// TARGET_INFO, VERSION, 128, KEY_EXCH, 56) or a hex value ("0x20").
std::optional<uint32_t> ParseFlagName(std::string_view name);

/// A set of flags: names or hex values separated by '|', ',', '+' or
/// whitespace ("SIGN|SEAL|128", "0xe2088235"). nullopt if any part is unknown.
std::optional<uint32_t> ParseFlagList(std::string_view text);

/// Whether the EncryptedRandomSessionKey is used: KEY_EXCH together with SIGN
/// or SEAL ([MS-NLMP] 3.2.5.1.2, 2.2.2.5 V). Without SIGN/SEAL Windows
/// exports KeyExchangeKey and never reads the field (docs/windows-fidelity.md).
inline bool KeyExchangeInEffect(uint32_t flags) {
  return (flags & kNegotiateKeyExch) != 0 && (flags & (kNegotiateSign | kNegotiateSeal)) != 0;
}

// --- NtlmMinServerSec / NtlmMinClientSec bits ([MS-NLMP] 3.1.1.1, 3.2.5.1.1)
// Same values as the NEGOTIATE flags they require.
inline constexpr uint32_t kMinSecIntegrity = 0x00000010;        // requires SIGN
inline constexpr uint32_t kMinSecConfidentiality = 0x00000020;  // requires SEAL
inline constexpr uint32_t kMinSecNtlmV2Session = 0x00080000;    // requires ESS
inline constexpr uint32_t kMinSec128Bit = 0x20000000;           // requires 128
inline constexpr uint32_t kMinSecKnownBits =
    kMinSecIntegrity | kMinSecConfidentiality | kMinSecNtlmV2Session | kMinSec128Bit;

/// The four policy bits with their policy-message names: 0x10 "integrity
/// (SIGN)", 0x20 "confidentiality (SEAL)", 0x80000 "NTLMv2 session security
/// (ESS)", 0x20000000 "128-bit".
std::span<const FlagName> MinSecTable();

/// "integrity (SIGN) | 128-bit"; other bits as "0x..."; 0 gives "none".
std::string MinSecNames(uint32_t min_sec);

}  // namespace ntlm::ssp
