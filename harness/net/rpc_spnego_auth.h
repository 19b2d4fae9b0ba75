// rpc_spnego_auth.h: NTLMSSP inside SPNEGO on DCE/RPC (auth_type 9,
// RPC_C_AUTHN_GSS_NEGOTIATE), socket-free. The SPNEGO codec is spnego.h; this
// is only what the DCE/RPC server does with it.
//
// The legs, as Samba's client and Windows clients run them:
//   bind(NegTokenInit{mechTypes, mechToken = NEGOTIATE})
//     -> bind_ack(NegTokenResp{accept-incomplete, supportedMech NTLM,
//                              responseToken = CHALLENGE})
//   alter_context(NegTokenResp{responseToken = AUTHENTICATE, mechListMIC})
//     -> alter_context_resp(NegTokenResp{accept-completed, mechListMIC})
// (or auth3 with that NegTokenResp, which has no reply). NTLM must be the
// initiator's first mech and the NegTokenInit must carry its NEGOTIATE
// (an optimistic token); otherwise the bind is refused with a reason saying
// so (selecting NTLM in a further leg is not served).
#pragma once

#include <optional>

#include "crypto/bytes.h"
#include "harness/net/spnego.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

struct SpnegoInitLeg {
  Bytes negotiate;       // the NTLM NEGOTIATE (mechToken)
  Bytes mech_types_der;  // what the mechListMICs cover
};
// The bind's NegTokenInit.
ssp::Result<SpnegoInitLeg> UnwrapSpnegoInit(ByteSpan token);

struct SpnegoRespLeg {
  Bytes ntlm;  // the responseToken (AUTHENTICATE)
  std::optional<Bytes> mech_list_mic;
};
// A later leg's NegTokenResp.
ssp::Result<SpnegoRespLeg> UnwrapSpnegoResp(ByteSpan token);

// The acceptor's NegTokenResp: `ntlm` as responseToken unless empty, the NTLM
// OID as supportedMech when `first`, the mechListMIC when given.
Bytes WrapSpnegoResp(NegState state, ByteSpan ntlm, bool first,
                     const std::optional<Bytes>& mech_list_mic);

}  // namespace ntlm::harness::net::rpc
