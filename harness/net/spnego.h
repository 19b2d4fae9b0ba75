// spnego.h: the SPNEGO tokens that carry NTLMSSP on HTTP "Negotiate"
// (RFC 4178, [MS-SPNG] 2.2), decoded and encoded as DER.
//
// Untrusted input is read through ssp::ByteReader: every length is checked
// against what remains, indefinite (BER) lengths and lengths over 4 bytes are
// refused, context tags must come in increasing order, and nothing may trail a
// structure. Errors are SEC_E_INVALID_TOKEN with a reason naming the field and
// the offset. (harness/spnego_extract.h stays the lenient "find the NTLMSSP
// inside whatever was pasted" helper of `decode`; this is the strict codec the
// network front answers with.)
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "crypto/bytes.h"
#include "ssp/status.h"

namespace ntlm::harness::net {

// DER contents (no tag, no length) of the mechanism OIDs.
// 1.3.6.1.4.1.311.2.2.10: NTLMSSP ([MS-NLMP] 1.9).
inline constexpr std::array<uint8_t, 10> kNtlmMechOid = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                                         0x82, 0x37, 0x02, 0x02, 0x0a};
// 1.3.6.1.5.5.2: SPNEGO itself (the InitialContextToken's thisMech).
inline constexpr std::array<uint8_t, 6> kSpnegoMechOid = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};

// RFC 4178 4.2.2 negState.
enum class NegState : uint8_t {
  kAcceptCompleted = 0,
  kAcceptIncomplete = 1,
  kReject = 2,
  kRequestMic = 3,
};
const char* NegStateName(NegState state);

// RFC 4178 4.2.1 NegTokenInit (and the client-side reading of [MS-SPNG]
// NegTokenInit2: [3] is mechListMIC when it is an OCTET STRING).
struct NegTokenInit {
  std::vector<Bytes> mech_types;  // OID contents, the initiator's preference first
  // The DER MechTypeList (SEQUENCE tag and length included): what the
  // mechListMIC covers (RFC 4178 5, [MS-SPNG] 3.1.5.1).
  Bytes mech_types_der;
  std::optional<Bytes> req_flags;  // BIT STRING contents, unused-bits octet first
  std::optional<Bytes> mech_token;
  std::optional<Bytes> mech_list_mic;
};

// RFC 4178 4.2.2 NegTokenResp.
struct NegTokenResp {
  std::optional<NegState> neg_state;
  std::optional<Bytes> supported_mech;  // OID contents
  std::optional<Bytes> response_token;
  std::optional<Bytes> mech_list_mic;
};

using NegotiationToken = std::variant<NegTokenInit, NegTokenResp>;

// Decodes an InitialContextToken (0x60: thisMech must be SPNEGO, then
// [0] NegTokenInit), a bare [0] NegTokenInit (0xa0) or a [1] NegTokenResp
// (0xa1). `max_elements` bounds the number of mechTypes accepted.
ssp::Result<NegotiationToken> DecodeNegotiationToken(ByteSpan der, size_t max_elements = 32);

// DER of a [1] NegTokenResp; absent fields are omitted.
Bytes EncodeNegTokenResp(const NegTokenResp& token);
// DER of an InitialContextToken (0x60, SPNEGO OID, [0] NegTokenInit). The
// mechTypes are encoded from `mech_types` (mech_types_der is ignored).
Bytes EncodeNegTokenInit(const NegTokenInit& token);
// The DER MechTypeList for `mech_types` (what the mechListMIC covers).
Bytes EncodeMechTypeList(const std::vector<Bytes>& mech_types);

// Dotted text of OID contents ("1.3.6.1.4.1.311.2.2.10"); "invalid OID" when
// the contents are not a well-formed OID.
std::string OidToString(ByteSpan oid);
bool IsNtlmMech(ByteSpan oid);

}  // namespace ntlm::harness::net
