// Tests of the acceptor's own decisions (ssp/server_context.h): CHALLENGE
// construction, flag negotiation, NtlmMinServerSec on the NEGOTIATE, message
// order, anonymous, log hygiene. The full client-variation space runs in
// client_context_test / min_server_sec_matrix_test / deviation_test, and
// recorded clients in harness_replay_test.
#include "ssp/server_context.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
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
#include "ssp/session_security.h"
#include "ssp/text_encoding.h"
#include "tests/ssp/codec_test_util.h"

namespace ntlm::ssp {
namespace {

using testing_util::Hex;
using Sig = std::array<uint8_t, kMessageSignatureSize>;

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
    EXPECT_EQ(r.error().refusal, Refusal::kOutOfOrder);
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
    EXPECT_EQ(r.error().refusal, Refusal::kMalformedToken);
  }
}

// Heimdal 7.7's NEGOTIATE: OEM_DOMAIN_SUPPLIED with a DomainNameFields offset
// (0x18) inside the fixed header. A Windows Server 2016 DC answered it with a
// CHALLENGE (vectors/transcripts/windows/heimdal77-dc2016-...); so does the
// server, which reads only the flags and logs the field it ignored.
TEST(ServerContextTest, AnswersNegotiateWithFieldsItDoesNotRead) {
  Fixture f;
  ServerPolicy policy;
  policy.min_server_sec = 0;  // Heimdal asks for neither 128 nor 56
  ServerContext server = f.Make(policy);
  std::string why;
  const Bytes heimdal =
      *ssp::DecodeBase64("TlRMTVNTUAABAAAAAZIIQAgACAAYAAAAAAAAAAAAAABUAEUAUwBUAA==", why);
  auto token = server.AcceptNegotiate(heimdal);
  ASSERT_TRUE(token.ok()) << token.error().reason;
  auto c = DecodeChallengeMessage(*token);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->flags & kNegotiateOemDomainSupplied, 0u);
  EXPECT_EQ(server.state(), ServerState::kAwaitAuthenticate);
  bool logged = false;
  for (const auto& e : server.events()) {
    if (e.text.find("ignored: NEGOTIATE: DomainNameFields offset 0x18") != std::string::npos) {
      logged = true;
    }
  }
  EXPECT_TRUE(logged);
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

// Each AUTHENTICATE stage's refusal carries its reason (status.h Refusal),
// so tests assert the reason rather than a substring of the text.
TEST(ServerContextTest, RefusalsNameTheirReason) {
  struct Case {
    const char* sample;
    const char* password;  // the account's password in the store
    bool require_mic;
    SecStatus status;
    Refusal refusal;
  };
  const Case cases[] = {
      {"gss-seal128-kx-mic-x-micflip", "Passw0rd!", false, SecStatus::kInvalidToken,
       Refusal::kMicMismatch},
      {"impacket-seal128-kx", "Passw0rd!", true, SecStatus::kInvalidToken, Refusal::kMicRequired},
      {"gss-seal128-kx-mic", "wrong", false, SecStatus::kLogonDenied, Refusal::kResponseMismatch},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.sample);
    Sample s = LoadSample(c.sample);
    InMemoryCredentialStore store;
    store.Add(std::move(*AccountFromPassword("CONTOSO", "alice", c.password)));
    FixedClock clock{134401007644852310ULL};
    FixedRandom random{Bytes(8, 1)};
    ServerPolicy policy;
    policy.max_clock_skew_seconds.reset();
    policy.require_mic = c.require_mic;
    ServerContext server({}, policy, store, clock, random);
    ASSERT_TRUE(server.AcceptNegotiate(s.negotiate).ok());
    ASSERT_TRUE(server.AdoptChallenge(s.challenge).ok());
    auto r = server.AcceptAuthenticate(s.authenticate);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status(), c.status) << r.error().reason;
    EXPECT_EQ(r.error().refusal, c.refusal) << RefusalName(r.error().refusal);
  }
  // No such account.
  Sample s = LoadSample("gss-seal128-kx-mic");
  InMemoryCredentialStore empty;
  FixedClock clock{134401007644852310ULL};
  FixedRandom random{Bytes(8, 1)};
  ServerContext server({}, ServerPolicy{}, empty, clock, random);
  ASSERT_TRUE(server.AcceptNegotiate(s.negotiate).ok());
  ASSERT_TRUE(server.AdoptChallenge(s.challenge).ok());
  auto r = server.AcceptAuthenticate(s.authenticate);
  EXPECT_EQ(r.status(), SecStatus::kLogonDenied);
  EXPECT_EQ(r.error().refusal, Refusal::kUnknownAccount);
  EXPECT_STREQ(RefusalName(Refusal::kUnknownAccount), "unknown-account");
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
    EXPECT_EQ(r.error().refusal, Refusal::kTargetNameMismatch);
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
    if (!r.ok()) {
      EXPECT_EQ(r.error().refusal, Refusal::kChannelBindingsMismatch);
    }
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
    auto r = server.AcceptAuthenticate(s.authenticate);
    EXPECT_EQ(r.status(), SecStatus::kTimeSkew);
    EXPECT_EQ(r.error().refusal, Refusal::kTimeSkew);
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
      EXPECT_EQ(r.error().refusal, Refusal::kAnonymousRefused);
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
  auto refused = server.AcceptAuthenticate(EncodeAuthenticateMessage(auth));
  EXPECT_EQ(refused.status(), SecStatus::kUnsupportedFunction);
  EXPECT_EQ(refused.error().refusal, Refusal::kMinServerSec);
}

// A recorded anonymous NEGOTIATE / CHALLENGE / AUTHENTICATE through a server
// that allows the anonymous logon.
Result<ServerResult> AcceptRecordedAnonymous(const Bytes& negotiate, const Bytes& challenge,
                                             const Bytes& authenticate) {
  Fixture f;
  ServerPolicy policy;
  policy.allow_anonymous = true;
  policy.max_clock_skew_seconds.reset();
  ServerContext server = f.Make(policy);
  EXPECT_TRUE(server.AcceptNegotiate(negotiate).ok());
  EXPECT_TRUE(server.AdoptChallenge(challenge).ok());
  return server.AcceptAuthenticate(authenticate);
}

// Samba 4.17's NTLMSSP client (python3-samba gensec, anonymous credentials,
// FEATURE_SEAL), recorded in process against Samba's own acceptor. Samba's
// client clears ESS for the anonymous logon, sends an empty LM response and
// encrypts its random session key with KeyExchangeKey Z(16); Samba's
// acceptor unsealed its messages and sealed the reply below. This server,
// on the same bytes, must unseal both client messages and seal the reply to
// the same bytes Samba's client unsealed (docs/windows-fidelity.md, "The
// anonymous session key").
TEST(ServerContextTest, SambaAnonymousClientSealsBothWays) {
  const Bytes negotiate =
      Hex("4e544c4d53535000010000003582086200000000280000000000000028000000060100000000000f");
  const Bytes challenge =
      Hex("4e544c4d5353500002000000080008003800000035828a6207ddc5c6800b29880000000000000000"
          "3800380040000000060100000000000f460049004400320002000800460049004400320001000800"
          "4600490044003200040000000300080066006900640032000700080048a42d7bdd85dd0100000000");
  const Bytes authenticate =
      Hex("4e544c4d535350000300000000000000580000000000000058000000000000005800000000000000"
          "5800000008000800580000001000100060000000358a0062060100000000000fcb5d7a03dfbeb91a"
          "c5e327e7100b45e24600490044003200e6941be248953ea8d6f7c8332d4c57fe");
  // gensec wrap output: the 16-byte signature, then the sealed bytes.
  const Bytes hello = Hex("0100000020d2f5d7a1a9f412bffc213b58865b8908");
  const Bytes reply =
      Hex("01000000061ce4d73bd03f3bd5dccf168344960d12af4de540c2be84db74eb150999118466");
  const Bytes second =
      Hex("01000000ec33404a2e7646cd5fdfa705d8bc219150376175aadb09c625f6e09e1bf2514136");
  auto r = AcceptRecordedAnonymous(negotiate, challenge, authenticate);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_TRUE(r->anonymous);
  EXPECT_EQ(HexBytes(r->exported_session_key), "388c92a3eba263925cf1d6547a22c593");
  SessionSecurity ss(r->negotiated_flags, r->exported_session_key, /*is_server=*/true);
  auto unseal = [&](const Bytes& wrapped) {
    Sig sig{};
    std::copy_n(wrapped.begin(), 16, sig.begin());
    Bytes plain(wrapped.size() - 16);
    Status st = ss.Unseal(ByteSpan(wrapped).subspan(16), sig, plain);
    EXPECT_TRUE(st.ok()) << st.error().reason;
    return std::string(plain.begin(), plain.end());
  };
  EXPECT_EQ(unseal(hello), "hello");
  const std::string text = "reply from the server";
  Bytes sealed(text.size());
  Sig sig{};
  ASSERT_TRUE(ss.Seal(Bytes(text.begin(), text.end()), sealed, sig).ok());
  Bytes wrapped(sig.begin(), sig.end());
  wrapped.insert(wrapped.end(), sealed.begin(), sealed.end());
  // Without ESS the signature's RandomPad (bytes 4..7) is not checked by
  // either side (3.4.4.1); this server writes 0 there (session_security.h),
  // Samba its RC4-encrypted pad. Every other byte is Samba's.
  std::copy_n(reply.begin() + 4, 4, wrapped.begin() + 4);
  EXPECT_EQ(HexBytes(wrapped), HexBytes(reply));
  EXPECT_EQ(unseal(second), "second client message");
}

// The same Samba client's AUTHENTICATE with ESS set in its flags (the CHALLENGE
// offered ESS): Samba's acceptor still takes KeyExchangeKey = Z(16), not the
// NTLMv1-with-ESS HMAC over the server challenge, and exported the session
// key below; this server exports the same key.
TEST(ServerContextTest, AnonymousWithEssExportsSambasKey) {
  const Bytes negotiate =
      Hex("4e544c4d53535000010000003582086200000000280000000000000028000000060100000000000f");
  const Bytes challenge =
      Hex("4e544c4d5353500002000000080008003800000035828a626e93ed456443374a0000000000000000"
          "3800380040000000060100000000000f460049004400320002000800460049004400320001000800"
          "46004900440032000400000003000800660069006400320007000800d8c87a88dd85dd0100000000");
  const Bytes authenticate =
      Hex("4e544c4d535350000300000000000000580000000000000058000000000000005800000000000000"
          "5800000008000800580000001000100060000000358a0862060100000000000f4c1a42a5438cfac3"
          "cf610b3367255c83460049004400320012a8706de69c7b0c02ca5b181443a26c");
  auto r = AcceptRecordedAnonymous(negotiate, challenge, authenticate);
  ASSERT_TRUE(r.ok()) << r.error().reason;
  EXPECT_NE(r->negotiated_flags & kNegotiateEss, 0u);
  EXPECT_EQ(HexBytes(r->exported_session_key), "ccb0f92c45ab263688cc457f432d3001");
}

// An AUTHENTICATE whose NT response is empty and whose LM field holds LMv2
// or LM (v1), answering the Fixture's server challenge.
Bytes LmOnlyAuthenticate(bool lm_v2) {
  const Challenge8 sc = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  const Challenge8 cc = {9, 8, 7, 6, 5, 4, 3, 2};
  AuthenticateMessage auth;
  auth.user = "alice";
  auth.domain = "CONTOSO";
  auth.flags = kNegotiateUnicode | kNegotiateNtlm | kNegotiateAlwaysSign;
  if (lm_v2) {
    const auto key = NtOwfV2(*NtOwfV1("Passw0rd!"), "alice", "CONTOSO");
    const auto lm = LmV2Response(*key, sc, cc);
    auth.lm_challenge_response.assign(lm.begin(), lm.end());
  } else {
    const auto lm = LmV1Response(*LmOwfV1("Passw0rd!"), sc);
    auth.lm_challenge_response.assign(lm.begin(), lm.end());
  }
  return EncodeAuthenticateMessage(auth);
}

// `authenticate` answering the Fixture's server challenge, through a server
// at LmCompatibilityLevel `level` with no NtlmMinServerSec.
Result<ServerResult> AcceptAtLevel(int level, const Bytes& authenticate) {
  Fixture f;
  ServerPolicy policy;
  policy.min_server_sec = 0;
  policy.lm_compat_level = level;
  ServerContext server = f.Make(policy);
  EXPECT_TRUE(server.AcceptNegotiate(Negotiate(kModernClient)).ok());
  return server.AcceptAuthenticate(authenticate);
}

// LmCompatibilityLevel through the acceptor, as Microsoft documents it for a
// server that is its own authority ("Network security: LAN Manager
// authentication level"): 0-3 accept LM, NTLM and NTLMv2; 4 refuses LM; 5
// refuses LM and NTLM. LMv2 is part of NTLMv2: accepted at every level.
TEST(ServerContextTest, LmOnlyResponsesPerLmCompatibilityLevel) {
  for (int level = 0; level <= 5; ++level) {
    for (bool lm_v2 : {true, false}) {
      SCOPED_TRACE(std::to_string(level) + (lm_v2 ? " LMv2" : " LM"));
      auto r = AcceptAtLevel(level, LmOnlyAuthenticate(lm_v2));
      if (lm_v2 || level <= 3) {
        ASSERT_TRUE(r.ok()) << r.error().reason;
        EXPECT_EQ(r->kind, ResponseKind::kLm);
      } else {
        EXPECT_EQ(r.status(), SecStatus::kLogonDenied);
        EXPECT_EQ(r.error().refusal, Refusal::kLmCompatLevel);
      }
    }
  }
}

// An NTLMv1 AUTHENTICATE (no ESS) whose NT response does not verify but whose
// LM response does: 3.2.5.1.2 accepts when either matches, so the LM
// response of an NTLMv1 client is verified too, as LM: accepted at levels
// 0-3, refused at 4 and 5 (LM refused). With a wrong LM too: refused.
TEST(ServerContextTest, NtlmV1LogonVerifiesTheLmResponseToo) {
  const Challenge8 sc = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};
  for (bool lm_right : {true, false}) {
    for (int level = 0; level <= 5; ++level) {
      SCOPED_TRACE(std::to_string(level) + (lm_right ? " LM right" : " LM wrong"));
      AuthenticateMessage auth;
      auth.user = "alice";
      auth.domain = "CONTOSO";
      auth.flags = kNegotiateUnicode | kNegotiateNtlm | kNegotiateAlwaysSign;
      const auto nt = NtlmV1Response(*NtOwfV1("not-the-password"), sc);
      auth.nt_challenge_response.assign(nt.begin(), nt.end());
      const auto lm = LmV1Response(*LmOwfV1(lm_right ? "Passw0rd!" : "wrong"), sc);
      auth.lm_challenge_response.assign(lm.begin(), lm.end());
      auto r = AcceptAtLevel(level, EncodeAuthenticateMessage(auth));
      if (lm_right && level <= 3) {
        ASSERT_TRUE(r.ok()) << r.error().reason;
        EXPECT_EQ(r->kind, ResponseKind::kNtlmV1);
      } else if (lm_right && level == 4) {
        EXPECT_EQ(r.error().refusal, Refusal::kLmCompatLevel);
      } else {
        EXPECT_EQ(r.status(), SecStatus::kLogonDenied);
      }
    }
  }
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
