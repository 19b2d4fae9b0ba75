// rpc_spnego_auth.cc: SPNEGO on DCE/RPC (see rpc_spnego_auth.h).
#include "harness/net/rpc_spnego_auth.h"

#include <algorithm>
#include <string>
#include <variant>

namespace ntlm::harness::net::rpc {

using ssp::SecStatus;

ssp::Result<SpnegoInitLeg> UnwrapSpnegoInit(ByteSpan token) {
  auto decoded = DecodeNegotiationToken(token);
  if (!decoded.ok()) return decoded.error();
  const auto* init = std::get_if<NegTokenInit>(&*decoded);
  if (init == nullptr) {
    return ssp::MakeError(SecStatus::kInvalidToken,
                          "SPNEGO: the bind carries a NegTokenResp, a NegTokenInit was expected");
  }
  const auto ntlm = std::find_if(init->mech_types.begin(), init->mech_types.end(),
                                 [](const Bytes& oid) { return IsNtlmMech(oid); });
  if (ntlm == init->mech_types.end()) {
    std::string offered;
    for (const auto& oid : init->mech_types) {
      offered += (offered.empty() ? "" : ", ") + OidToString(oid);
    }
    return ssp::MakeError(SecStatus::kInvalidToken,
                          "SPNEGO: NTLM (1.3.6.1.4.1.311.2.2.10) is not among the mechTypes (" +
                              offered + "); only NTLM is served");
  }
  SpnegoInitLeg leg;
  leg.mech_types_der = init->mech_types_der;
  leg.ntlm_preferred = ntlm == init->mech_types.begin();
  if (leg.ntlm_preferred && init->mech_token) leg.negotiate = *init->mech_token;
  return leg;
}

ssp::Result<SpnegoRespLeg> UnwrapSpnegoResp(ByteSpan token) {
  auto decoded = DecodeNegotiationToken(token);
  if (!decoded.ok()) return decoded.error();
  const auto* resp = std::get_if<NegTokenResp>(&*decoded);
  if (resp == nullptr) {
    return ssp::MakeError(SecStatus::kInvalidToken,
                          "SPNEGO: a NegTokenInit in a later leg, a NegTokenResp was expected");
  }
  if (!resp->response_token) {
    return ssp::MakeError(SecStatus::kInvalidToken,
                          "SPNEGO: the NegTokenResp carries no responseToken (AUTHENTICATE)");
  }
  return SpnegoRespLeg{*resp->response_token, resp->mech_list_mic};
}

Bytes WrapSpnegoResp(NegState state, ByteSpan ntlm, bool first,
                     const std::optional<Bytes>& mech_list_mic) {
  NegTokenResp resp;
  resp.neg_state = state;
  if (first) resp.supported_mech = Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end());
  if (!ntlm.empty()) resp.response_token = Bytes(ntlm.begin(), ntlm.end());
  resp.mech_list_mic = mech_list_mic;
  return EncodeNegTokenResp(resp);
}

}  // namespace ntlm::harness::net::rpc
