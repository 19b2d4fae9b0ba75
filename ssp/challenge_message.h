// challenge_message.h: CHALLENGE_MESSAGE codec ([MS-NLMP] 2.2.1.2).
//
// Fixed header: Signature (8), MessageType (4), TargetNameFields (8),
// NegotiateFlags (4), ServerChallenge (8), Reserved (8), TargetInfoFields (8)
// = 48 bytes, then Version (8) = 56 bytes. The Version field is taken to be
// present when the lowest offset of the non-empty payload fields (or the
// token size when both are empty) is >= 56. TargetName is UTF-16LE when the
// message's own NegotiateFlags has NTLMSSP_NEGOTIATE_UNICODE, else OEM
// (Latin-1). TargetInfo is parsed as an AV pair list (2.2.2.1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "ssp/av_pairs.h"
#include "ssp/byte_writer.h"
#include "ssp/status.h"
#include "ssp/version.h"

namespace ntlm::ssp {

inline constexpr size_t kChallengeHeaderSize = 48;
inline constexpr size_t kChallengeHeaderWithVersionSize = 56;

/// [MS-NLMP] 2.2.1.2 CHALLENGE_MESSAGE.
struct ChallengeMessage {
  /// TargetName as UTF-8 (UTF-16LE or OEM on the wire, per `flags`).
  std::string target_name;
  uint32_t flags = 0;
  std::array<uint8_t, 8> server_challenge{};
  /// Reserved (8 bytes, MUST be 0 but kept as read).
  std::array<uint8_t, 8> reserved{};
  /// TargetInfo; nullopt when TargetInfoFields.Len is 0.
  std::optional<AvPairList> target_info;
  bool has_version = false;
  Version version;
  /// Set by Decode (fields: TargetName, TargetInfo) so Encode reproduces the
  /// token byte for byte while field sizes and the header form are unchanged.
  std::optional<PayloadLayout> layout;
};

/// Decodes and validates a CHALLENGE_MESSAGE (minimum 48 bytes). Errors are
/// SEC_E_INVALID_TOKEN, "CHALLENGE: <field> at offset 0x..: ...".
Result<ChallengeMessage> DecodeChallengeMessage(ByteSpan token);

/// Encodes a CHALLENGE_MESSAGE. Without a usable `layout`: 48- or 56-byte
/// header (has_version), payload TargetName then TargetInfo (the order of the
/// MS-NLMP 4.2.4.3 example), MaxLen = Len; without target_info the
/// TargetInfoFields are (0, 0, 0) as in the 4.2.2.3 example. A non-Latin-1
/// TargetName in OEM mode becomes '?'.
Bytes EncodeChallengeMessage(const ChallengeMessage& message);

}  // namespace ntlm::ssp
