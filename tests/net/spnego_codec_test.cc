// spnego_codec_test.cc: the SPNEGO DER codec of the HTTP Negotiate front —
// a real gss-ntlmssp NegTokenInit (MIT SPNEGO), round trips, and refusal of
// every truncation, BER lengths, wrong tags, fields out of order and trailing
// bytes.
#include <gtest/gtest.h>

#include <variant>

#include "harness/net/spnego.h"
#include "harness/token_input.h"

namespace ntlm::harness::net {
namespace {

Bytes Hex(const std::string& hex) {
  std::string error;
  auto bytes = DecodeHex(hex, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(Bytes{});
}

// Recorded on this machine: python3-gssapi (MIT krb5 1.20 SPNEGO) with
// gss-ntlmssp 1.2 as the only mechanism, first step of a context for
// HTTP@127.0.0.1. Its mechToken is gss-ntlmssp's NEGOTIATE (flags 0xe2088217).
const char* kGssNegTokenInit =
    "604806062b0601050502a03e303ca00e300c060a2b06010401823702020aa22a04284e544c4d535350000100"
    "0000178208e200000000000000000000000000000000060200000000000f";

TEST(SpnegoCodec, DecodesARealGssNtlmsspNegTokenInit) {
  Bytes der = Hex(kGssNegTokenInit);
  auto token = DecodeNegotiationToken(der);
  ASSERT_TRUE(token.ok()) << token.error().reason;
  const auto* init = std::get_if<NegTokenInit>(&*token);
  ASSERT_NE(init, nullptr);
  ASSERT_EQ(init->mech_types.size(), 1u);
  EXPECT_TRUE(IsNtlmMech(init->mech_types[0]));
  EXPECT_EQ(OidToString(init->mech_types[0]), "1.3.6.1.4.1.311.2.2.10");
  EXPECT_EQ(EncodeHex(init->mech_types_der), "300c060a2b06010401823702020a");
  ASSERT_TRUE(init->mech_token.has_value());
  EXPECT_EQ(init->mech_token->size(), 40u);
  EXPECT_EQ(init->mech_token->at(8), 1);  // NEGOTIATE
  EXPECT_FALSE(init->mech_list_mic.has_value());
  EXPECT_FALSE(init->req_flags.has_value());
  // Our encoder produces the same bytes.
  EXPECT_EQ(EncodeHex(EncodeNegTokenInit(*init)), kGssNegTokenInit);
}

TEST(SpnegoCodec, NegTokenRespRoundTrips) {
  NegTokenResp resp;
  resp.neg_state = NegState::kAcceptIncomplete;
  resp.supported_mech = Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end());
  resp.response_token = Bytes(300, 0x5a);  // long form lengths (0x82)
  resp.mech_list_mic = Bytes(16, 0x01);
  Bytes der = EncodeNegTokenResp(resp);
  auto decoded = DecodeNegotiationToken(der);
  ASSERT_TRUE(decoded.ok()) << decoded.error().reason;
  const auto& back = std::get<NegTokenResp>(*decoded);
  EXPECT_EQ(back.neg_state, NegState::kAcceptIncomplete);
  EXPECT_EQ(back.supported_mech, resp.supported_mech);
  EXPECT_EQ(back.response_token, resp.response_token);
  EXPECT_EQ(back.mech_list_mic, resp.mech_list_mic);

  NegTokenResp done;
  done.neg_state = NegState::kAcceptCompleted;
  EXPECT_EQ(EncodeHex(EncodeNegTokenResp(done)), "a1073005a0030a0100");
}

TEST(SpnegoCodec, NegTokenInitWithSeveralMechsAndMicRoundTrips) {
  NegTokenInit init;
  init.mech_types = {Hex("2a864886f712010202"), Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end())};
  init.mech_token = Bytes{1, 2, 3};
  init.mech_list_mic = Bytes(16, 7);
  auto decoded = DecodeNegotiationToken(EncodeNegTokenInit(init));
  ASSERT_TRUE(decoded.ok()) << decoded.error().reason;
  const auto& back = std::get<NegTokenInit>(*decoded);
  ASSERT_EQ(back.mech_types.size(), 2u);
  EXPECT_EQ(OidToString(back.mech_types[0]), "1.2.840.113554.1.2.2");
  EXPECT_FALSE(IsNtlmMech(back.mech_types[0]));
  EXPECT_EQ(back.mech_types_der, EncodeMechTypeList(init.mech_types));
  EXPECT_EQ(back.mech_list_mic, init.mech_list_mic);
}

TEST(SpnegoCodec, EveryTruncationIsAnInvalidToken) {
  Bytes der = Hex(kGssNegTokenInit);
  for (size_t n = 0; n < der.size(); ++n) {
    auto token = DecodeNegotiationToken(ByteSpan(der.data(), n));
    ASSERT_FALSE(token.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(token.status(), ssp::SecStatus::kInvalidToken);
  }
}

struct Bad {
  std::string name;
  std::string hex;
  std::string reason_part;
};

class SpnegoCodecRefuses : public ::testing::TestWithParam<Bad> {};

TEST_P(SpnegoCodecRefuses, WithAReason) {
  auto token = DecodeNegotiationToken(Hex(GetParam().hex), 4);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status(), ssp::SecStatus::kInvalidToken);
  EXPECT_NE(token.error().reason.find(GetParam().reason_part), std::string::npos)
      << token.error().reason;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, SpnegoCodecRefuses,
    ::testing::Values(Bad{"WrongOuterTag", "300a", "neither"},
                      Bad{"IndefiniteLength", "a180", "indefinite"},
                      Bad{"FiveOctetLength", "a1850000000001", "at most 4"},
                      Bad{"LengthPastEnd", "a10a3005a0030a0100", "past end"},
                      Bad{"TrailingBytes", "a1073005a0030a010000", "trailing"},
                      Bad{"NotSpnegoMech", "600d06092a864886f712010202a000", "not SPNEGO"},
                      Bad{"NegStateOutOfRange", "a1073005a0030a0107", "negState"},
                      Bad{"FieldsOutOfOrder", "a10c300aa2030401aaa0030a0101", "out of order"},
                      Bad{"RepeatedField", "a10c300aa0030a0101a0030a0101", "out of order"},
                      Bad{"UnknownField", "a1073005a5030a0100", "unexpected tag"},
                      Bad{"MechTokenNotOctetString", "a00b3009a0023000a2030201aa", "mechToken"},
                      Bad{"NoMechTypes", "a0073005a2030401aa", "no mechTypes"},
                      Bad{"EmptyOid", "a0083006a00430020600", "OBJECT IDENTIFIER"},
                      Bad{"TooManyMechs",
                          [] {
                            std::string hex = "a01f301da01b3019";
                            for (int i = 0; i < 5; ++i) hex += "0603010203";
                            return hex;
                          }(),
                          "more than 4"},
                      Bad{"OidEndsInContinuation", "a0093007a0053003060181", "OBJECT IDENTIFIER"}),
    [](const ::testing::TestParamInfo<Bad>& param) { return param.param.name; });

TEST(SpnegoCodec, OidText) {
  EXPECT_EQ(OidToString(Bytes(kSpnegoMechOid.begin(), kSpnegoMechOid.end())), "1.3.6.1.5.5.2");
  EXPECT_EQ(OidToString(Bytes{}), "invalid OID");
  EXPECT_EQ(OidToString(Bytes{0x2b, 0x86}), "invalid OID");
}

}  // namespace
}  // namespace ntlm::harness::net
