// authenticate_message.h: AUTHENTICATE_MESSAGE codec ([MS-NLMP] 2.2.1.3).
//
// Fixed header: Signature (8), MessageType (4), LmChallengeResponseFields,
// NtChallengeResponseFields, DomainNameFields, UserNameFields,
// WorkstationFields, EncryptedRandomSessionKeyFields (8 each), NegotiateFlags
// (4) = 64 bytes; then Version (8) -> 72; then MIC (16) -> 88.
//
// Header length: decided from the lowest offset of the non-empty payload
// fields (the token size when all are empty): >= 88 -> Version and MIC
// field, >= 72 -> Version only, else neither. Real clients send all three
// forms (impacket/curl: 64, MS-NLMP 4.2 examples: 72, Windows/Samba/
// gss-ntlmssp/ntlm-auth with MIC: 88). The MIC is always at offset 72
// (interop-pitfalls #2); whether a MIC is *required* is decided by the server
// from MsvAvFlags, not here. The NEGOTIATE_VERSION flag is not consulted
// (curl sets it with a 64-byte header).
//
// Strings (domain, user, workstation) are UTF-16LE when this message's own
// NegotiateFlags has NTLMSSP_NEGOTIATE_UNICODE, else OEM (Latin-1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "ssp/byte_writer.h"
#include "ssp/status.h"
#include "ssp/version.h"

namespace ntlm::ssp {

inline constexpr size_t kAuthenticateHeaderSize = 64;
inline constexpr size_t kAuthenticateHeaderWithVersionSize = 72;
inline constexpr size_t kAuthenticateHeaderWithMicSize = 88;
/// The MIC field's offset whenever it is present ([MS-NLMP] 2.2.1.3).
inline constexpr size_t kAuthenticateMicOffset = 72;
inline constexpr size_t kMicSize = 16;

/// [MS-NLMP] 2.2.1.3 AUTHENTICATE_MESSAGE.
struct AuthenticateMessage {
  Bytes lm_challenge_response;
  Bytes nt_challenge_response;
  /// DomainName, UserName, Workstation as UTF-8.
  std::string domain;
  std::string user;
  std::string workstation;
  Bytes encrypted_random_session_key;
  uint32_t flags = 0;
  /// Version field on the wire / to be written.
  bool has_version = false;
  Version version;
  /// MIC field on the wire / to be written. Encoding a MIC field always
  /// writes the Version slot too (8 zero bytes when has_version is false).
  bool has_mic_field = false;
  /// kAuthenticateMicOffset (72) when has_mic_field, else 0.
  size_t mic_offset = 0;
  std::array<uint8_t, kMicSize> mic{};
  /// Set by Decode: why a field was not read. Only the
  /// EncryptedRandomSessionKey field can be ignored: when the flags do not put
  /// key exchange in effect (KeyExchangeInEffect) no server reads it, so a
  /// malformed one does not fail the decode; it is left empty and listed.
  std::vector<std::string> ignored_fields;
  /// Set by Decode (fields in declaration order: Lm, Nt, Domain, User,
  /// Workstation, EncryptedRandomSessionKey) so Encode reproduces the token
  /// byte for byte while field sizes and the header form are unchanged.
  std::optional<PayloadLayout> layout;

  /// The MIC when the field is present.
  std::optional<std::array<uint8_t, kMicSize>> GetMic() const {
    if (!has_mic_field) return std::nullopt;
    return mic;
  }
};

/// Decodes and validates an AUTHENTICATE_MESSAGE (minimum 64 bytes). Errors
/// are SEC_E_INVALID_TOKEN, e.g. "AUTHENTICATE: NtChallengeResponseFields
/// offset 0x1234 + length 24 past end of token (200 bytes)". The NT response
/// is not parsed here (see ntlmv2_response.h).
Result<AuthenticateMessage> DecodeAuthenticateMessage(ByteSpan token);

/// Encodes an AUTHENTICATE_MESSAGE. Without a usable `layout`: 64/72/88-byte
/// header per has_version / has_mic_field, payload in the order Windows uses
/// in the MS-NLMP 4.2.2.3 example: DomainName, UserName, Workstation,
/// LmChallengeResponse, NtChallengeResponse, EncryptedRandomSessionKey;
/// MaxLen = Len; an empty field's offset is where its bytes would start.
/// Names not representable in OEM mode become '?'.
Bytes EncodeAuthenticateMessage(const AuthenticateMessage& message);

/// A copy of `token` with the 16 MIC bytes at offset 72 set to zero: the
/// AUTHENTICATE_MESSAGE input of the MIC computation ([MS-NLMP] 3.2.5.1.2).
/// The token is decoded first; an invalid token or one without a MIC field
/// is SEC_E_INVALID_TOKEN.
Result<Bytes> AuthenticateWithZeroedMic(ByteSpan token);

}  // namespace ntlm::ssp
