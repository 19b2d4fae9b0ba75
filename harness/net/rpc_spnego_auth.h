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
// (or auth3 with that NegTokenResp, which has no reply). When NTLM is not the
// initiator's first mech, or its NEGOTIATE is not in the NegTokenInit, the
// bind_ack selects NTLM (supportedMech, negState request-mic or
// accept-incomplete, no token), the next alter_context carries the
// NEGOTIATE and its alter_context_resp the CHALLENGE, and the mechListMIC
// is then required. A NegTokenInit without NTLM among its mechs is refused.
#pragma once

#include <optional>

#include "crypto/bytes.h"
#include "harness/net/spnego.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

struct SpnegoInitLeg {
  // The NTLM NEGOTIATE (mechToken) when NTLM is the first mech and the
  // token came; otherwise the acceptor selects NTLM and asks for it.
  std::optional<Bytes> negotiate;
  Bytes mech_types_der;  // what the mechListMICs cover
  bool ntlm_preferred = true;
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
