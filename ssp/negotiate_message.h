// negotiate_message.h: NEGOTIATE_MESSAGE codec ([MS-NLMP] 2.2.1.1).
//
// Wire forms accepted by DecodeNegotiateMessage:
//   16 bytes   Signature, MessageType, NegotiateFlags only (old clients);
//   17-31      the same with trailing bytes (the field headers are incomplete);
//   32 bytes+  + DomainNameFields, WorkstationFields, no Version;
//   40 bytes+  + Version (8).
// Whether the Version field is present is decided from the lowest offset of
// the well-formed non-empty payload fields (or the token size when there are
// none): >= 40 means a Version field, as Samba/gss-ntlmssp do. The
// NEGOTIATE_VERSION flag is not consulted (curl sets it without a Version).
// DomainName and WorkstationName are always OEM (2.2.1.1), decoded as Latin-1.
//
// Leniency (docs/windows-fidelity.md): a server reads only the NegotiateFlags
// of a NEGOTIATE. A Windows Server 2016 DC answered Heimdal 7.7's NEGOTIATE
// whose DomainNameFields offset (0x18) points inside the fixed header, and
// Samba's server parses only "NTLMSSP", MessageType and NegotiateFlags. So a
// DomainName or Workstation field that is truncated, lies inside the header
// or runs past the token does not fail the decode: the field is left empty,
// listed in `ignored_fields` (for `decode` to flag) and reproduced by Encode.
#pragma once

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

/// Header sizes of the three NEGOTIATE forms.
inline constexpr size_t kNegotiateShortHeaderSize = 16;
inline constexpr size_t kNegotiateHeaderSize = 32;
inline constexpr size_t kNegotiateHeaderWithVersionSize = 40;

/// [MS-NLMP] 2.2.1.1 NEGOTIATE_MESSAGE.
struct NegotiateMessage {
  uint32_t flags = 0;
  /// DomainName / WorkstationName (OEM on the wire, UTF-8 here).
  std::string domain;
  std::string workstation;
  /// Version field present on the wire (decode) / to be written (encode).
  bool has_version = false;
  Version version;
  /// The 16-byte form without DomainNameFields/WorkstationFields. Encode
  /// honours it only when domain and workstation are empty and there is no
  /// Version; otherwise the 32/40-byte form is written.
  bool short_form = false;
  /// Set by Decode: one reason per DomainName/Workstation field that is
  /// malformed and was therefore not read ("NEGOTIATE: DomainNameFields
  /// offset 0x18 (length 8) lies inside the fixed header (32 bytes)").
  std::vector<std::string> ignored_fields;
  /// Set by Decode: the exact wire layout (fields: DomainName, Workstation),
  /// so Encode reproduces the token byte for byte while field sizes and the
  /// header form are unchanged. Reset it to get a fresh, canonical layout.
  std::optional<PayloadLayout> layout;
};

/// Decodes a NEGOTIATE_MESSAGE. Errors (SEC_E_INVALID_TOKEN, reason
/// "NEGOTIATE: <field> at offset 0x..: ...") only for what a server reads:
/// size cap, Signature, MessageType, NegotiateFlags, and a Version field
/// that the payload offsets place but the token does not hold. Malformed
/// DomainName/Workstation fields are listed in `ignored_fields` instead.
Result<NegotiateMessage> DecodeNegotiateMessage(ByteSpan token);

/// Encodes a NEGOTIATE_MESSAGE. With a usable `layout`, the decoded bytes are
/// reproduced; otherwise the payload follows the header in the order
/// DomainName, WorkstationName with MaxLen = Len (an empty field's offset is
/// where its bytes would start). Flags are written as given (the
/// OEM_*_SUPPLIED bits are not adjusted). Names that are not Latin-1 become '?'.
Bytes EncodeNegotiateMessage(const NegotiateMessage& message);

}  // namespace ntlm::ssp
