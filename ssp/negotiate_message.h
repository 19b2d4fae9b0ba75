// negotiate_message.h: NEGOTIATE_MESSAGE codec ([MS-NLMP] 2.2.1.1).
//
// Wire forms accepted by DecodeNegotiateMessage:
//   16 bytes   Signature, MessageType, NegotiateFlags only (old clients);
//   32 bytes+  + DomainNameFields, WorkstationFields, no Version;
//   40 bytes+  + Version (8).
// Whether the Version field is present is decided from the lowest offset of
// the non-empty payload fields (or the token size when all are empty): >= 40
// means a Version field, as Samba/gss-ntlmssp do. The NEGOTIATE_VERSION flag
// is not consulted (curl sets it without sending a Version).
// DomainName and WorkstationName are always OEM (2.2.1.1), decoded as Latin-1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

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
  /// Set by Decode: the exact wire layout (fields: DomainName, Workstation),
  /// so Encode reproduces the token byte for byte while field sizes and the
  /// header form are unchanged. Reset it to get a fresh, canonical layout.
  std::optional<PayloadLayout> layout;
};

/// Decodes and validates a NEGOTIATE_MESSAGE. Every error is
/// SEC_E_INVALID_TOKEN with a reason "NEGOTIATE: <field> at offset 0x..: ...".
Result<NegotiateMessage> DecodeNegotiateMessage(ByteSpan token);

/// Encodes a NEGOTIATE_MESSAGE. With a usable `layout`, the decoded bytes are
/// reproduced; otherwise the payload follows the header in the order
/// DomainName, WorkstationName with MaxLen = Len (an empty field's offset is
/// where its bytes would start). Flags are written as given (the
/// OEM_*_SUPPLIED bits are not adjusted). Names that are not Latin-1 become '?'.
Bytes EncodeNegotiateMessage(const NegotiateMessage& message);

}  // namespace ntlm::ssp
