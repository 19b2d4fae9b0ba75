// Tests of the acceptor's own decisions (ssp/server_context.h): CHALLENGE
// construction, flag negotiation, NtlmMinServerSec on the NEGOTIATE, message
// order, anonymous, log hygiene. The full client-variation space runs in
// client_context_test / min_server_sec_matrix_test / deviation_test, and
// recorded clients in harness_replay_test.
#include "ssp/server_context.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/challenge_message.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/keys.h"
#include "ssp/negotiate_message.h"
#include "ssp/text_encoding.h"

namespace ntlm::ssp {
namespace {

constexpr uint32_t kModernClient = kNegotiateUnicode | kRequestTarget | kNegotiateSign |
                                   kNegotiateSeal | kNegotiateNtlm | kNegotiateAlwaysSign |
                                   kNegotiateEss | kNegotiateVersion | kNegotiate128 |
                                   kNegotiateKeyExch | kNegotiate56;

Bytes Negotiate(uint32_t flags) {
  NegotiateMessage m;
  m.flags = flags;
  return EncodeNegotiateMessage(m);
}

struct Fixture {
  InMemoryCredentialStore store;
  FixedClock clock{134401007644852310ULL};  // 2026-11-25T17:19:24Z
  FixedRandom random{Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}};
  Fixture() {
    auto a = AccountFromPassword("CONTOSO", "alice", "Passw0rd!");
    store.Add(std::move(*a));
  }
  ServerContext Make(ServerPolicy policy = {}, ServerIdentity identity = {}) {
    return ServerContext(identity, policy, store, clock, random);
  }
};

// Expected CHALLENGE flags for a client's NEGOTIATE flags, written from
// MS-NLMP 2.2.2.5 / 3.2.5.1.1 by hand (default policy, level 3).
struct FlagCase {
  const char* name;
  uint32_t client;
  uint32_t expected;  // without TARGET_TYPE_*
};

class NegotiateResponseFlagsTest : public ::testing::TestWithParam<FlagCase> {};

TEST_P(NegotiateResponseFlagsTest, FollowsEchoRules) {
  const FlagCase& c = GetParam();
  EXPECT_EQ(Hex32(ServerContext::NegotiateResponseFlags(c.client, ServerPolicy{})),
            Hex32(c.expected))
      << FlagNames(ServerContext::NegotiateResponseFlags(c.client, ServerPolicy{}));
}

INSTANTIATE_TEST_SUITE_P(
    EchoRules, NegotiateResponseFlagsTest,
    ::testing::Values(
        // A modern client gets everything it asked for, plus TARGET_INFO.
        FlagCase{"modern", kModernClient, kModernClient | kNegotiateTargetInfo},
        // gss-ntlmssp's NEGOTIATE 0xe2088237 (UNICODE and OEM both): UNICODE wins.
        FlagCase{"gss", 0xe2088237, 0xe28a8235 & ~kTargetTypeServer},
        // ntlm-auth's NEGOTIATE 0xe288b036: OEM only, no NTLM bit; the answer is
        // OEM, NTLM is always set, OEM_*_SUPPLIED (NEGOTIATE-only) are dropped.
        FlagCase{"oem_only", 0xe288b036, 0xe2888236},
        // curl: no SIGN/SEAL, no 128: none of 128/56 comes back; ESS does.
        FlagCase{"curl", 0x00088206, 0x028a8206 & ~kTargetTypeServer},
        // 128 and 56 without SIGN or SEAL are still echoed, as Windows, Samba
        // and gss-ntlmssp do (2.2.2.5 U, W require it only with SIGN/SEAL).
        FlagCase{"128_without_sign",
                 kNegotiateUnicode | kNegotiateNtlm | kNegotiate128 | kNegotiate56,
                 kNegotiateUnicode | kNegotiateNtlm | kNegotiate128 | kNegotiate56 |
                     kNegotiateTargetInfo | kNegotiateVersion},
        // Windows' HTTP NEGOTIATE (0xa2088207): 128 and 56 without SIGN/SEAL
        // come back; KEY_EXCH was not asked for.
        FlagCase{"windows_http", 0xa2088207, 0xa28a8205 & ~kTargetTypeServer},
        // ESS and LM_KEY together: ESS wins, LM_KEY is dropped.
        FlagCase{
            "ess_over_lmkey",
            kNegotiateUnicode | kNegotiateNtlm | kNegotiateSign | kNegotiateEss | kNegotiateLmKey,
            kNegotiateUnicode | kNegotiateNtlm | kNegotiateSign | kNegotiateEss |
                kNegotiateTargetInfo | kNegotiateVersion},
        // LM_KEY is not offered by default (offer_lm_key false).
        FlagCase{"lmkey_not_offered",
                 kNegotiateUnicode | kNegotiateNtlm | kNegotiateSeal | kNegotiateLmKey,
                 kNegotiateUnicode | kNegotiateNtlm | kNegotiateSeal | kNegotiateTargetInfo |
                     kNegotiateVersion},
        // DATAGRAM, IDENTIFY and ANONYMOUS are never echoed.
        FlagCase{"no_datagram",
                 kNegotiateUnicode | kNegotiateDatagram | kNegotiateIdentify | kNegotiateAnonymous |
                     kNegotiateSign,
                 kNegotiateUnicode | kNegotiateNtlm | kNegotiateSign | kNegotiateTargetInfo |
                     kNegotiateVersion}),
    [](const ::testing::TestParamInfo<FlagCase>& p) { return std::string(p.param.name); });

TEST(ServerContextTest, ChallengeCarriesIdentityTimestampAndNoAvFlags) {
  Fixture f;
  ServerContext server = f.Make();
  auto token = server.AcceptNegotiate(Negotiate(kModernClient));
  ASSERT_TRUE(token.ok()) << token.error().reason;
  auto c = DecodeChallengeMessage(*token);
  ASSERT_TRUE(c.ok()) << c.error().reason;
  EXPECT_EQ(c->target_name, "CONTOSO");
  EXPECT_TRUE(c->flags & kTargetTypeDomain);
  EXPECT_FALSE(c->flags & kTargetTypeServer);
  EXPECT_TRUE(c->has_version);
  EXPECT_EQ(HexBytes(c->server_challenge), "0123456789abcdef");
  ASSERT_TRUE(c->target_info.has_value());
  std::vector<uint16_t> ids;
  for (const auto& p : c->target_info->pairs) ids.push_back(p.id);
  // Windows Server order: NbDomain, NbComputer, DnsDomain, DnsComputer, DnsTree, Timestamp
  // (the decoder keeps MsvAvEOL out of `pairs`).
  EXPECT_EQ(ids, (std::vector<uint16_t>{2, 1, 4, 3, 5, 7}));
  EXPECT_EQ(c->target_info->Timestamp(), f.clock.Now());
  EXPECT_FALSE(c->target_info->Has(AvId::kFlags));  // interop-pitfalls 1
  EXPECT_EQ(*c->target_info->GetString(AvId::kNbComputerName), "SRV01");
  EXPECT_EQ(server.state(), ServerState::kAwaitAuthenticate);
}

TEST(ServerContextTest, StandaloneServerNamesItself) {
  Fixture f;
  ServerIdentity id;
  id.domain_member = false;
  ServerContext server = f.Make({}, id);
  auto token = server.AcceptNegotiate(Negotiate(kModernClient));
  ASSERT_TRUE(token.ok());
  auto c = DecodeChallengeMessage(*token);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->target_name, "SRV01");
  EXPECT_TRUE(c->flags & kTargetTypeServer);
  EXPECT_FALSE(c->target_info->Has(AvId::kDnsTreeName));
  EXPECT_EQ(*c->target_info->GetString(AvId::kNbDomainName), "SRV01");
}

TEST(ServerContextTest, MinServerSecRefusesNegotiateLackingEachBit) {
  struct Bit {
    uint32_t min;
    uint32_t strip;
    const char* name;
  };
  const Bit bits[] = {{0x10, kNegotiateSign | kNegotiateSeal, "integrity (SIGN)"},
                      {0x20, kNegotiateSeal, "confidentiality (SEAL)"},
                      {0x80000, kNegotiateEss, "NTLMv2 session security (ESS)"},
                      {0x20000000, kNegotiate128, "128-bit"}};
  for (const auto& b : bits) {
    SCOPED_TRACE(b.name);
    Fixture f;
    ServerPolicy policy;
    policy.min_server_sec = b.min;
    ServerContext server = f.Make(policy);
    auto token = server.AcceptNegotiate(Negotiate(kModernClient & ~b.strip));
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.status(), SecStatus::kUnsupportedFunction);
    EXPECT_NE(token.error().reason.find(b.name), std::string::npos) << token.error().reason;
    EXPECT_NE(token.error().reason.find("minimum " + Hex32(b.min)), std::string::npos);
    EXPECT_EQ(server.state(), ServerState::kFailed);
    ASSERT_FALSE(server.events().empty());
    EXPECT_EQ(server.events().back().kind, "policy_refused");
    // The same client with the bit passes.
    Fixture g;
    ServerContext ok = g.Make(policy);
    EXPECT_TRUE(ok.AcceptNegotiate(Negotiate(kModernClient)).ok());
  }
}

TEST(ServerContextTest, DefaultPolicyIsWindowsShipped128Bit) {
  EXPECT_EQ(ServerPolicy{}.min_server_sec, 0x20000000u);
  EXPECT_EQ(ServerPolicy{}.lm_compat_level, 3);
  Fixture f;
  ServerContext server = f.Make();
  // curl-like: no 128 requested -> refused under the shipped default.
  auto token = server.AcceptNegotiate(Negotiate(0x00088206));
  EXPECT_EQ(token.status(), SecStatus::kUnsupportedFunction);
}

TEST(ServerContextTest, MessagesOutOfOrderAreInvalidTokens) {
  Fixture f;
  {
    ServerContext server = f.Make();
    AuthenticateMessage auth;
    auth.user = "alice";
    auto r = server.Step(EncodeAuthenticateMessage(auth));
    EXPECT_EQ(r.status(), SecStatus::kInvalidToken);
    EXPECT_NE(r.error().reason.find("expected NEGOTIATE"), std::string::npos) << r.error().reason;
  }
  {
    ServerContext server = f.Make();
    ASSERT_TRUE(server.Step(Negotiate(kModernClient)).ok());
    auto again = server.Step(Negotiate(kModernClient));
    EXPECT_EQ(again.status(), SecStatus::kInvalidToken);
    // A failed context refuses everything afterwards.
    EXPECT_EQ(server.Step(Negotiate(kModernClient)).status(), SecStatus::kInvalidToken);
    EXPECT_EQ(server.state(), ServerState::kFailed);
  }
  {
    ServerContext server = f.Make();
    EXPECT_EQ(server.Step(Bytes{'h', 'e', 'l', 'l', 'o'}).status(), SecStatus::kInvalidToken);
  }
  {
    ServerContext server = f.Make();
    Bytes truncated = Negotiate(kModernClient);
    truncated.resize(14);
    auto r = server.AcceptNegotiate(truncated);
    EXPECT_EQ(r.status(), SecStatus::kInvalidToken);
  }
}

// The gss-ntlmssp sample: NEGOTIATE, recorded CHALLENGE, AUTHENTICATE.
struct Sample {
  Bytes negotiate, challenge, authenticate;
  std::string session_key;
  FileTime clock = 0;
};

Sample LoadSample(const std::string& name) {
  std::ifstream in(std::string(NTLM_SOURCE_DIR) + "/vectors/transcripts/" + name + ".json");
  auto j = nlohmann::json::parse(in);
  std::string why;
  Sample s;
  s.negotiate = *ssp::DecodeBase64(j["exchange"][0]["token"].get<std::string>(), why);
  s.challenge = *ssp::DecodeBase64(j["exchange"][1]["token"].get<std::string>(), why);
  s.authenticate = *ssp::DecodeBase64(j["exchange"][2]["token"].get<std::string>(), why);
  if (j["expect"].contains("session_key")) s.session_key = j["expect"]["session_key"];
  return s;
}

TEST(ServerContextTest, AcceptsRecordedGssClientAndLogsNoSecrets) {
  Fixture f;
  Sample s = LoadSample("gss-seal128-kx-mic");
  ServerPolicy policy;
  policy.max_clock_skew_seconds.reset();
  ServerContext server = f.Make(policy);
  ASSERT_TRUE(server.AcceptNegotiate(s.negotiate).ok());
  ASSERT_TRUE(server.AdoptChallenge(s.challenge).ok());
  auto r = server.AcceptAuthenticate(s.authenticate);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_EQ(r->QualifiedUser(), "CONTOSO\\alice");
  EXPECT_EQ(r->workstation, "GSSWKS");
  EXPECT_TRUE(r->mic_verified);
  EXPECT_EQ(r->kind, ResponseKind::kNtlmV2);
  EXPECT_EQ(HexBytes(r->exported_session_key), s.session_key);
  ASSERT_TRUE(r->client_target_name.has_value());
  EXPECT_EQ(*r->client_target_name, "HTTP/server.contoso.test");
  auto nt = NtOwfV1("Passw0rd!");
  for (const auto& ev : server.events()) {
    EXPECT_EQ(ev.text.find("Passw0rd!"), std::string::npos) << ev.text;
    EXPECT_EQ(ev.text.find(HexBytes(*nt)), std::string::npos) << ev.text;
    EXPECT_EQ(ev.text.find(s.session_key), std::string::npos) << ev.text;
  }
  EXPECT_EQ(server.state(), ServerState::kAuthenticated);
}

TEST(ServerContextTest, RequiredTargetNameAndBindings) {
  Sample s = LoadSample("gss-seal128-kx-mic");
  {
    Fixture f;
    ServerPolicy policy;
    policy.max_clock_skew_seconds.reset();
    policy.target_name = "http/SERVER.contoso.test";  // case-insensitive match
    ServerContext server = f.Make(policy);
    ASSERT_TRUE(server.AcceptNegotiate(s.negotiate).ok());
    ASSERT_TRUE(server.AdoptChallenge(s.challenge).ok());
    EXPECT_TRUE(server.AcceptAuthenticate(s.authenticate).ok());
  }
  {
    Fixture f;
    ServerPolicy policy;
    policy.max_clock_skew_seconds.reset();
    policy.target_name = "HTTP/other.contoso.test";
    ServerContext server = f.Make(policy);
    ASSERT_TRUE(server.AcceptNegotiate(s.negotiate).ok());
    ASSERT_TRUE(server.AdoptChallenge(s.challenge).ok());
    auto r = server.AcceptAuthenticate(s.authenticate);
    EXPECT_EQ(r.status(), SecStatus::kBadBindings);
  }
  for (auto mode : {ChannelBindingMode::kRequired, ChannelBindingMode::kWhenSupported}) {
    // The gss sample carries no MsvAvChannelBindings: required fails, when-supported passes.
    Fixture f;
    ServerPolicy policy;
    policy.max_clock_skew_seconds.reset();
    policy.channel_bindings_md5 = std::array<uint8_t, 16>{1, 2, 3};
    policy.channel_binding_mode = mode;
    ServerContext server = f.Make(policy);
    ASSERT_TRUE(server.AcceptNegotiate(s.negotiate).ok());
    ASSERT_TRUE(server.AdoptChallenge(s.challenge).ok());
    auto r = server.AcceptAuthenticate(s.authenticate);
    EXPECT_EQ(r.status(),
              mode == ChannelBindingMode::kRequired ? SecStatus::kBadBindings : SecStatus::kOk);
  }
}

TEST(ServerContextTest, ClockSkewIsCheckedBothWays) {
  Sample s = LoadSample("gss-seal128-kx-mic");
  for (int64_t hours : {-37, 37}) {
    Fixture f;
    f.clock.Set(134401007644852310ULL + static_cast<uint64_t>(hours * 3600LL * 10000000LL));
    ServerPolicy policy;
    policy.min_server_sec = 0;
    ServerContext server = f.Make(policy);
    ASSERT_TRUE(server.AcceptNegotiate(s.negotiate).ok());
    ASSERT_TRUE(server.AdoptChallenge(s.challenge).ok());
    EXPECT_EQ(server.AcceptAuthenticate(s.authenticate).status(), SecStatus::kTimeSkew);
  }
  Fixture f;
  f.clock.Set(134401007644852310ULL + 35ULL * 3600 * 10000000);
  ServerPolicy policy;
  policy.min_server_sec = 0;
  ServerContext server = f.Make(policy);
  ASSERT_TRUE(server.AcceptNegotiate(s.negotiate).ok());
  ASSERT_TRUE(server.AdoptChallenge(s.challenge).ok());
  EXPECT_TRUE(server.AcceptAuthenticate(s.authenticate).ok());
}

TEST(ServerContextTest, AnonymousFollowsPolicyAndMinServerSec) {
  for (bool allow : {false, true}) {
    Fixture f;
    ServerPolicy policy;
    policy.min_server_sec = 0;
    policy.allow_anonymous = allow;
    ServerContext server = f.Make(policy);
    ASSERT_TRUE(server.AcceptNegotiate(Negotiate(kModernClient)).ok());
    AuthenticateMessage auth;
    auth.flags = (kModernClient | kNegotiateAnonymous) & ~kNegotiateKeyExch;
    auth.lm_challenge_response = Bytes{0};
    auth.has_version = true;
    auto r = server.AcceptAuthenticate(EncodeAuthenticateMessage(auth));
    if (allow) {
      ASSERT_TRUE(r.ok()) << r.error().reason;
      EXPECT_TRUE(r->anonymous);
      EXPECT_EQ(r->kind, ResponseKind::kAnonymous);
    } else {
      EXPECT_EQ(r.status(), SecStatus::kLogonDenied);
    }
  }
  // Anonymous is not exempt from NtlmMinServerSec (MS-NLMP 3.2.5.1.2).
  Fixture f;
  ServerPolicy policy;
  policy.min_server_sec = 0x20;
  policy.allow_anonymous = true;
  ServerContext server = f.Make(policy);
  ASSERT_TRUE(server.AcceptNegotiate(Negotiate(kModernClient)).ok());
  AuthenticateMessage auth;
  auth.flags = kNegotiateUnicode | kNegotiateNtlm | kNegotiateAnonymous;
  auth.lm_challenge_response = Bytes{0};
  EXPECT_EQ(server.AcceptAuthenticate(EncodeAuthenticateMessage(auth)).status(),
            SecStatus::kUnsupportedFunction);
}

TEST(ServerPolicyTest, MissingBitsAndDescription) {
  EXPECT_EQ(MissingMinSecBits(0x20080030, 0xe2088235), 0u);
  EXPECT_EQ(MissingMinSecBits(0x20080030, 0x00088215), 0x20000020u);
  EXPECT_EQ(MissingMinSecBits(0x00000001, 0), 0u);  // unknown bits are ignored
  const std::string text = DescribeMinSecFailure(0x20000020, 0x00088215);
  EXPECT_NE(text.find("negotiated 0x00088215"), std::string::npos) << text;
  EXPECT_NE(text.find("minimum 0x20000020"), std::string::npos) << text;
  EXPECT_NE(text.find("confidentiality (SEAL)"), std::string::npos) << text;
  EXPECT_NE(text.find("128-bit"), std::string::npos) << text;
}

TEST(ServerPolicyTest, LmCompatLevels) {
  for (int level = 0; level <= 5; ++level) {
    SCOPED_TRACE(level);
    EXPECT_TRUE(LmCompatAllows(level, ResponseKind::kNtlmV2));
    EXPECT_EQ(LmCompatAllows(level, ResponseKind::kLm), level <= 3);
    EXPECT_EQ(LmCompatAllows(level, ResponseKind::kNtlmV1), level <= 4);
    EXPECT_EQ(LmCompatAllows(level, ResponseKind::kNtlmV1Ess), level <= 4);
  }
}

}  // namespace
}  // namespace ntlm::ssp
