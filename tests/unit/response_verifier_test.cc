// response_verifier_test.cc: the one LM/NT response verifier that the server
// and `decode` call (MS-NLMP 3.3.1, 3.3.2, 3.2.5.1.2): classification and its
// refusals, the NTOWFv2 domain variants, and each response kind.
#include "ssp/response_verifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/flags.h"
#include "ssp/keys.h"
#include "ssp/ntlmv2_response.h"
#include "ssp/status.h"

namespace ntlm::ssp {
namespace {

constexpr Challenge8 kServerChallenge = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
constexpr Challenge8 kClientChallenge = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa};

crypto::Key16 Password() { return NtOwfV1("Password").value(); }

// An NTLMv2 response for User in `computed_domain`, sent with `sent_domain`.
AuthenticateMessage NtlmV2Authenticate(const std::string& computed_domain,
                                       const std::string& sent_domain) {
  NtlmV2ClientChallenge blob;
  blob.client_challenge = kClientChallenge;
  blob.timestamp = 0x01d0000000000000ULL;
  blob.av_pairs = AvPairList{};
  const Bytes blob_bytes = EncodeNtlmV2ClientChallenge(blob);
  const crypto::Key16 key = NtOwfV2(Password(), "User", computed_domain).value();
  AuthenticateMessage auth;
  auth.user = "User";
  auth.domain = sent_domain;
  auth.flags = kNegotiateUnicode | kNegotiateNtlm | kNegotiateEss;
  const auto proof = NtProofStr(key, kServerChallenge, blob_bytes);
  auth.nt_challenge_response.assign(proof.begin(), proof.end());
  auth.nt_challenge_response.insert(auth.nt_challenge_response.end(), blob_bytes.begin(),
                                    blob_bytes.end());
  return auth;
}

TEST(ResponseVerifier, DomainVariantsAsSentUpperCasedThenEmpty) {
  EXPECT_EQ(DomainVariants("Contoso"), (std::vector<std::string>{"Contoso", "CONTOSO", ""}));
  EXPECT_EQ(DomainVariants("CONTOSO"), (std::vector<std::string>{"CONTOSO", ""}));
  EXPECT_EQ(DomainVariants(""), (std::vector<std::string>{""}));
}

// The server always tried the upper-cased domain; decode did not. Both now
// call this verifier, so both accept a client that upper-cased the domain.
TEST(ResponseVerifier, NtlmV2VerifiesWithEachDomainVariant) {
  struct Case {
    std::string computed, sent, verified_with;
  };
  for (const Case& c : {Case{"Domain", "Domain", "Domain"}, Case{"DOMAIN", "Domain", "DOMAIN"},
                        Case{"", "Domain", ""}}) {
    SCOPED_TRACE(c.computed);
    const AuthenticateMessage auth = NtlmV2Authenticate(c.computed, c.sent);
    auto classified = ClassifyResponses(auth);
    ASSERT_TRUE(classified.ok()) << classified.error().reason;
    EXPECT_EQ(classified->kind, ResponseKind::kNtlmV2);
    auto verified = VerifyResponse(auth, *classified, auth.user, auth.domain, Password(),
                                   std::nullopt, kServerChallenge);
    ASSERT_TRUE(verified.has_value());
    EXPECT_STREQ(verified->response, "NTLMv2");
    EXPECT_TRUE(verified->ntlmv2_family);
    EXPECT_EQ(verified->domain, c.verified_with);
  }
  const AuthenticateMessage other = NtlmV2Authenticate("Other", "Domain");
  auto classified = ClassifyResponses(other);
  ASSERT_TRUE(classified.ok());
  EXPECT_FALSE(VerifyResponse(other, *classified, other.user, other.domain, Password(),
                              std::nullopt, kServerChallenge)
                   .has_value());
}

TEST(ResponseVerifier, NtlmV1WithAndWithoutEss) {
  for (bool ess : {false, true}) {
    SCOPED_TRACE(ess);
    AuthenticateMessage auth;
    auth.user = "User";
    auth.domain = "Domain";
    auth.flags = kNegotiateNtlm | (ess ? kNegotiateEss : 0u);
    auth.lm_challenge_response.assign(24, 0);
    std::copy(kClientChallenge.begin(), kClientChallenge.end(), auth.lm_challenge_response.begin());
    const auto nt = ess ? NtlmV1EssResponse(Password(), kServerChallenge, kClientChallenge)
                        : NtlmV1Response(Password(), kServerChallenge);
    auth.nt_challenge_response.assign(nt.begin(), nt.end());
    auto classified = ClassifyResponses(auth);
    ASSERT_TRUE(classified.ok());
    EXPECT_EQ(classified->kind, ess ? ResponseKind::kNtlmV1Ess : ResponseKind::kNtlmV1);
    auto verified = VerifyResponse(auth, *classified, auth.user, auth.domain, Password(),
                                   std::nullopt, kServerChallenge);
    ASSERT_TRUE(verified.has_value());
    EXPECT_FALSE(verified->ntlmv2_family);
    EXPECT_STREQ(verified->response, ess ? "NTLMv1 with ESS" : "NTLMv1");
    auth.nt_challenge_response[0] ^= 1;
    EXPECT_FALSE(VerifyResponse(auth, *classified, auth.user, auth.domain, Password(), std::nullopt,
                                kServerChallenge)
                     .has_value());
  }
}

TEST(ResponseVerifier, LmOnlyIsLmV2ThenLm) {
  AuthenticateMessage auth;
  auth.user = "User";
  auth.domain = "Domain";
  const crypto::Key16 key = NtOwfV2(Password(), "User", "Domain").value();
  const auto lmv2 = LmV2Response(key, kServerChallenge, kClientChallenge);
  auth.lm_challenge_response.assign(lmv2.begin(), lmv2.end());
  auto classified = ClassifyResponses(auth);
  ASSERT_TRUE(classified.ok());
  EXPECT_EQ(classified->kind, ResponseKind::kLm);
  auto verified = VerifyResponse(auth, *classified, auth.user, auth.domain, Password(),
                                 std::nullopt, kServerChallenge);
  ASSERT_TRUE(verified.has_value());
  EXPECT_STREQ(verified->response, "LMv2");
  EXPECT_TRUE(verified->ntlmv2_family);

  const crypto::Key16 lm_hash = LmOwfV1("Password").value();
  const auto lm = LmV1Response(lm_hash, kServerChallenge);
  auth.lm_challenge_response.assign(lm.begin(), lm.end());
  // Without the account's LM hash an LM response cannot verify.
  EXPECT_FALSE(VerifyResponse(auth, *classified, auth.user, auth.domain, Password(), std::nullopt,
                              kServerChallenge)
                   .has_value());
  verified = VerifyResponse(auth, *classified, auth.user, auth.domain, Password(), lm_hash,
                            kServerChallenge);
  ASSERT_TRUE(verified.has_value());
  EXPECT_STREQ(verified->response, "LM");
  EXPECT_FALSE(verified->ntlmv2_family);
}

TEST(ResponseVerifier, ClassifyRefusesWhatCannotBeVerified) {
  struct Case {
    const char* name;
    size_t lm, nt;
    uint32_t flags;
  };
  const Case cases[] = {{"nt of 23 bytes", 24, 23, 0},
                        {"lm only, not 24 bytes", 16, 0, 0},
                        {"ess without client challenge", 4, 24, kNegotiateEss},
                        {"ntlmv2 shorter than 16 + 28", 0, 40, 0}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    AuthenticateMessage auth;
    auth.user = "User";
    auth.flags = c.flags;
    auth.lm_challenge_response.assign(c.lm, 1);
    auth.nt_challenge_response.assign(c.nt, 1);
    auto classified = ClassifyResponses(auth);
    ASSERT_FALSE(classified.ok());
    EXPECT_EQ(classified.status(), SecStatus::kInvalidToken);
    EXPECT_EQ(classified.error().refusal, Refusal::kMalformedResponse);
  }
}

TEST(ResponseVerifier, AnonymousIsClassifiedNotVerified) {
  for (const Bytes& lm : {Bytes{}, Bytes{0}}) {
    AuthenticateMessage auth;
    auth.lm_challenge_response = lm;
    auto classified = ClassifyResponses(auth);
    ASSERT_TRUE(classified.ok());
    EXPECT_TRUE(classified->anonymous);
    EXPECT_EQ(classified->kind, ResponseKind::kAnonymous);
    EXPECT_FALSE(
        VerifyResponse(auth, *classified, "", "", Password(), std::nullopt, kServerChallenge)
            .has_value());
  }
}

}  // namespace
}  // namespace ntlm::ssp
