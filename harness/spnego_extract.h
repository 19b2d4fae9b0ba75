// spnego_extract.h: finds the NTLMSSP message inside a SPNEGO token.
//
// `decode` accepts what a user pastes from a "Negotiate" header: a DER
// NegTokenInit (0x60 ...) or NegTokenResp (0xa1 ...) carrying NTLMSSP as its
// mechToken/responseToken OCTET STRING. This walks every OCTET STRING whose
// DER length is well formed and in bounds and returns the first whose content
// starts with "NTLMSSP\0". (The full SPNEGO codec belongs to the network
// front; this is enough to decode.)
#pragma once

#include <optional>

#include "crypto/bytes.h"

namespace ntlm::harness {

// The NTLMSSP message inside `der`, or nullopt when there is none.
std::optional<ByteSpan> ExtractNtlmFromSpnego(ByteSpan der);

}  // namespace ntlm::harness
