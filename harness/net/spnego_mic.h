// spnego_mic.h: the SPNEGO mechListMIC with NTLM (RFC 4178 5, [MS-SPNG]
// 3.2.5.1, 3.3.5.1): the acceptor's side, shared by every front that speaks
// SPNEGO (HTTP Negotiate, DCE/RPC auth_type 9, SMB), and the initiator's,
// shared by the SMB clients (probe smb://, the load generator).
#pragma once

#include <optional>

#include "crypto/bytes.h"
#include "ssp/client_context.h"
#include "ssp/session_security.h"
#include "ssp/status.h"

namespace ntlm::harness::net {

// After NTLM accepted the AUTHENTICATE: verifies the initiator's mechListMIC
// over `mech_types_der` (the DER MechTypeList of its NegTokenInit) with
// `security` (the server's session security of the NTLM context), signs the
// acceptor's mechListMIC, then re-keys the RC4 handles as MS-SPNG 3.2.5.1
// requires (sequence numbers go on). Returns the acceptor's mechListMIC, or
// nullopt when the initiator sent none and none was needed (NTLM was its
// first mech). Errors: a MIC that is not 16 bytes or does not verify, or no
// MIC although NTLM was not the initiator's first choice.
ssp::Result<std::optional<Bytes>> AnswerMechListMic(ssp::SessionSecurity& security,
                                                    ByteSpan mech_types_der,
                                                    const std::optional<Bytes>& initiator_mic,
                                                    bool ntlm_preferred);

// The initiator's mechListMIC over the MechTypeList {NTLM} of its
// NegTokenInit, signed with `client`'s session security after its
// AUTHENTICATE; nullopt when the NTLM session cannot sign (no key).
std::optional<Bytes> InitiatorMechListMic(const ssp::ClientContext& client);

}  // namespace ntlm::harness::net
