// spnego_target.cc: the strict SPNEGO DER codec of the HTTP Negotiate front
// (harness/net/spnego.h): InitialContextToken / NegTokenInit / NegTokenResp.
//
// Input: byte 0 selects the mechTypes bound (1 + byte % 64), the rest is the
// DER token. A decoded token must respect the bound, re-encode, decode again
// to the same fields (encode -> decode round trip), and its re-encoding must
// be a fixed point; the MechTypeList it carries must be the DER the encoder
// writes for its mechTypes (what a mechListMIC covers).
#include <variant>

#include "harness/net/spnego.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

using harness::net::NegotiationToken;
using harness::net::NegTokenInit;
using harness::net::NegTokenResp;

bool SameInit(const NegTokenInit& a, const NegTokenInit& b) {
  return a.mech_types == b.mech_types && a.req_flags == b.req_flags &&
         a.mech_token == b.mech_token && a.mech_list_mic == b.mech_list_mic;
}

bool SameResp(const NegTokenResp& a, const NegTokenResp& b) {
  return a.neg_state == b.neg_state && a.supported_mech == b.supported_mech &&
         a.response_token == b.response_token && a.mech_list_mic == b.mech_list_mic;
}

void CheckInit(const NegTokenInit& init, size_t max_elements) {
  FuzzCheck(init.mech_types.size() <= max_elements, "spnego: more mechTypes than allowed");
  for (const Bytes& oid : init.mech_types) {
    FuzzCheck(!harness::net::OidToString(oid).empty(), "spnego: OID text empty");
    (void)harness::net::IsNtlmMech(oid);
  }
  FuzzCheck(init.mech_types_der == harness::net::EncodeMechTypeList(init.mech_types),
            "spnego: MechTypeList DER differs from its re-encoding");
  const Bytes der = harness::net::EncodeNegTokenInit(init);
  auto again = harness::net::DecodeNegotiationToken(der, max_elements);
  FuzzCheck(again.ok(), "spnego: re-encoded NegTokenInit does not decode");
  FuzzCheck(std::holds_alternative<NegTokenInit>(*again), "spnego: NegTokenInit became a Resp");
  const auto& init2 = std::get<NegTokenInit>(*again);
  FuzzCheck(SameInit(init, init2), "spnego: NegTokenInit round trip changed a field");
  FuzzCheck(harness::net::EncodeNegTokenInit(init2) == der,
            "spnego: NegTokenInit not a fixed point");
}

void CheckResp(const NegTokenResp& resp) {
  if (resp.neg_state) {
    FuzzCheck(static_cast<uint8_t>(*resp.neg_state) <= 3, "spnego: negState out of range");
    FuzzCheck(harness::net::NegStateName(*resp.neg_state) != nullptr, "spnego: negState name");
  }
  if (resp.supported_mech) (void)harness::net::OidToString(*resp.supported_mech);
  const Bytes der = harness::net::EncodeNegTokenResp(resp);
  auto again = harness::net::DecodeNegotiationToken(der);
  FuzzCheck(again.ok(), "spnego: re-encoded NegTokenResp does not decode");
  FuzzCheck(std::holds_alternative<NegTokenResp>(*again), "spnego: NegTokenResp became an Init");
  const auto& resp2 = std::get<NegTokenResp>(*again);
  FuzzCheck(SameResp(resp, resp2), "spnego: NegTokenResp round trip changed a field");
  FuzzCheck(harness::net::EncodeNegTokenResp(resp2) == der,
            "spnego: NegTokenResp not a fixed point");
}

}  // namespace

int FuzzSpnego(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const size_t max_elements = 1 + in.TakeU8() % 64;
  const ByteSpan der = in.TakeRest();
  (void)harness::net::OidToString(der);
  auto token = harness::net::DecodeNegotiationToken(der, max_elements);
  if (!token.ok()) {
    FuzzCheck(!token.error().reason.empty(), "spnego: refusal without a reason");
    return 0;
  }
  if (const auto* init = std::get_if<NegTokenInit>(&*token)) {
    CheckInit(*init, max_elements);
  } else {
    CheckResp(std::get<NegTokenResp>(*token));
  }
  return 0;
}

}  // namespace ntlm::fuzz
