// Tests for ssp::ClientContext (MS-NLMP 3.1.5): our client against our server
// in every flag profile with session security both ways, the MS-NLMP 4.2.4
// NTLMv2 example reproduced by a deterministic client, and the client's own
// decisions (flag selection, NtlmMinClientSec, responses, AV pairs).
#include "ssp/client_context.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "reference/openssl_md5.h"
#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/credentials.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/keys.h"
#include "ssp/negotiate_message.h"
#include "ssp/ntlmv2_response.h"
#include "ssp/server_context.h"
#include "ssp/session_security.h"
#include "ssp/text_encoding.h"

namespace ntlm::ssp {
namespace {

using Json = nlohmann::json;
using Sig = std::array<uint8_t, kMessageSignatureSize>;

// 2026-11-25T12:00:00Z as a FILETIME.
constexpr FileTime kNow = kFileTimeUnixEpoch + 1795608000ULL * kFileTimeTicksPerSecond;
constexpr char kPassword[] = "Passw0rd!";

Bytes Hex(std::string_view text) {
  std::string error;
  auto bytes = ssp::DecodeHex(text, error);
  EXPECT_TRUE(bytes.has_value()) << error << " in " << text;
  return bytes.value_or(Bytes{});
}

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

InMemoryCredentialStore Store() {
  InMemoryCredentialStore store;
  store.Add(AccountFromPassword("CONTOSO", "alice", kPassword).value());
  store.Add(AccountFromPassword("CONTOSO", "bob", "B0b-Secret").value());
  return store;
}

ClientCredentials Alice() {
  return ClientCredentials::FromPassword("alice", "CONTOSO", kPassword, "WS01").value();
}

ServerPolicy OpenServerPolicy() {
  ServerPolicy p;
  p.min_server_sec = 0;
  p.lm_compat_level = 3;
  return p;
}

// Where an exchange stopped: 0 NEGOTIATE, 1 the client refused the
// CHALLENGE, 2 AUTHENTICATE; status SEC_E_OK when the server accepted.
struct Outcome {
  SecStatus status = SecStatus::kOk;
  int at = 2;
  std::string reason;
};

Outcome RunExchange(ClientContext& client, ServerContext& server) {
  auto negotiate = client.CreateNegotiate();
  if (!negotiate.ok()) return {negotiate.status(), 0, "client: " + negotiate.error().reason};
  auto challenge = server.AcceptNegotiate(*negotiate);
  if (!challenge.ok()) return {challenge.status(), 0, challenge.error().reason};
  auto authenticate = client.ProcessChallenge(*challenge);
  if (!authenticate.ok()) return {authenticate.status(), 1, authenticate.error().reason};
  auto verdict = server.AcceptAuthenticate(*authenticate);
  if (!verdict.ok()) return {verdict.status(), 2, verdict.error().reason};
  return {};
}

// ---------------------------------------------------------------------------
// Every flag profile round-trips, then carries messages both ways.

enum class Auth { kNtlmV2, kNtlmV1Ess, kNtlmV1, kLm, kLmKey };
enum class Protect { kSign, kSeal, kNeither };
enum class Strength { k128, k56, k40 };

struct Profile {
  Auth auth;
  Protect protect;
  Strength strength;
  bool key_exch;
  bool version;
  bool mic;
};

std::string ProfileName(const testing::TestParamInfo<Profile>& info) {
  const Profile& p = info.param;
  std::string name;
  switch (p.auth) {
    case Auth::kNtlmV2:
      name = "NTLMv2";
      break;
    case Auth::kNtlmV1Ess:
      name = "NTLMv1_ESS";
      break;
    case Auth::kNtlmV1:
      name = "NTLMv1";
      break;
    case Auth::kLm:
      name = "LM_NTLMv1";
      break;
    case Auth::kLmKey:
      name = "NTLMv1_LM_KEY";
      break;
  }
  name += p.protect == Protect::kSign   ? "_sign"
          : p.protect == Protect::kSeal ? "_seal"
                                        : "_noprotect";
  name += p.strength == Strength::k128 ? "_128" : p.strength == Strength::k56 ? "_56" : "_40";
  name += p.key_exch ? "_kx" : "_nokx";
  name += p.version ? "_ver" : "_nover";
  if (p.auth == Auth::kNtlmV2) name += p.mic ? "_mic" : "_nomic";
  return name;
}

std::vector<Profile> AllProfiles() {
  std::vector<Profile> out;
  for (Auth auth : {Auth::kNtlmV2, Auth::kNtlmV1Ess, Auth::kNtlmV1, Auth::kLm, Auth::kLmKey}) {
    for (Protect protect : {Protect::kSign, Protect::kSeal, Protect::kNeither}) {
      for (Strength strength : {Strength::k128, Strength::k56, Strength::k40}) {
        for (bool kx : {true, false}) {
          for (bool ver : {true, false}) {
            for (bool mic : {true, false}) {
              // A MIC needs the NTLMv2 blob (3.1.5.2.1): one variant for v1.
              if (auth != Auth::kNtlmV2 && mic) continue;
              out.push_back(Profile{auth, protect, strength, kx, ver, mic});
            }
          }
        }
      }
    }
  }
  return out;
}

class ProfileTest : public testing::TestWithParam<Profile> {};

TEST_P(ProfileTest, RoundTripsAndExchangesMessages) {
  const Profile& p = GetParam();
  ClientPolicy cp;
  uint32_t flags = kNegotiateUnicode | kRequestTarget | kNegotiateNtlm | kNegotiateAlwaysSign;
  if (p.protect == Protect::kSign) flags |= kNegotiateSign;
  if (p.protect == Protect::kSeal) flags |= kNegotiateSign | kNegotiateSeal;
  if (p.strength == Strength::k128) flags |= kNegotiate128 | kNegotiate56;
  if (p.strength == Strength::k56) flags |= kNegotiate56;
  if (p.key_exch) flags |= kNegotiateKeyExch;
  if (p.version) flags |= kNegotiateVersion;
  ServerPolicy sp = OpenServerPolicy();
  ResponseKind kind = ResponseKind::kNtlmV2;
  switch (p.auth) {
    case Auth::kNtlmV2:
      cp.lm_compat_level = 3;
      flags |= kNegotiateEss;
      break;
    case Auth::kNtlmV1Ess:
      cp.lm_compat_level = 1;
      flags |= kNegotiateEss;
      kind = ResponseKind::kNtlmV1Ess;
      break;
    case Auth::kNtlmV1:
      cp.lm_compat_level = 2;
      kind = ResponseKind::kNtlmV1;
      break;
    case Auth::kLm:
      cp.lm_compat_level = 0;
      kind = ResponseKind::kNtlmV1;
      break;
    case Auth::kLmKey:
      cp.lm_compat_level = 1;
      flags |= kNegotiateLmKey;
      sp.lm_compat_level = 2;
      sp.offer_lm_key = true;
      kind = ResponseKind::kNtlmV1;
      break;
  }
  cp.requested_flags = flags;
  cp.send_mic = p.mic;

  InMemoryCredentialStore store = Store();
  FixedClock clock(kNow);
  SecureRandom client_random;
  FixedRandom server_random(Hex("0123456789abcdef"));
  ServerContext server(ServerIdentity{}, sp, store, clock, server_random);
  ClientContext client(Alice(), cp, clock, client_random);
  const Outcome outcome = RunExchange(client, server);
  ASSERT_EQ(outcome.status, SecStatus::kOk)
      << StatusName(outcome.status) << " at " << outcome.at << ": " << outcome.reason;
  ASSERT_TRUE(client.complete());
  const ServerResult& result = *server.result();

  // Both sides agree on the session.
  EXPECT_EQ(result.negotiated_flags, client.negotiated_flags());
  EXPECT_TRUE(result.exported_session_key == client.exported_session_key());
  EXPECT_EQ(result.kind, kind);
  EXPECT_EQ(client.response_kind(), kind);
  EXPECT_EQ(result.QualifiedUser(), "CONTOSO\\alice");
  EXPECT_EQ(result.workstation, "WS01");
  EXPECT_EQ(result.mic_verified, p.auth == Auth::kNtlmV2 && p.mic);
  EXPECT_EQ(client.mic_sent(), p.auth == Auth::kNtlmV2 && p.mic);

  // The session has exactly the profile's features.
  const uint32_t f = client.negotiated_flags();
  const bool sign_or_seal = p.protect != Protect::kNeither;
  EXPECT_EQ((f & kNegotiateSign) != 0, sign_or_seal) << FlagNames(f);
  EXPECT_EQ((f & kNegotiateSeal) != 0, p.protect == Protect::kSeal) << FlagNames(f);
  // 128 and 56 come back whenever asked for, also without SIGN or SEAL (as
  // Windows, Samba and gss-ntlmssp answer).
  EXPECT_EQ((f & kNegotiate128) != 0, p.strength == Strength::k128) << FlagNames(f);
  EXPECT_EQ((f & kNegotiate56) != 0, p.strength != Strength::k40) << FlagNames(f);
  // The server grants KEY_EXCH only together with SIGN or SEAL (2.2.2.5 V).
  const bool key_exch = p.key_exch && sign_or_seal;
  EXPECT_EQ((f & kNegotiateKeyExch) != 0, key_exch) << FlagNames(f);
  EXPECT_EQ((f & kNegotiateVersion) != 0, p.version) << FlagNames(f);
  EXPECT_EQ((f & kNegotiateEss) != 0, p.auth == Auth::kNtlmV2 || p.auth == Auth::kNtlmV1Ess)
      << FlagNames(f);
  EXPECT_EQ((f & kNegotiateLmKey) != 0, p.auth == Auth::kLmKey) << FlagNames(f);

  // The AUTHENTICATE's layout follows VERSION and MIC (2.2.1.3).
  auto auth = DecodeAuthenticateMessage(client.authenticate_message());
  ASSERT_TRUE(auth.ok()) << auth.error().reason;
  EXPECT_EQ(auth->has_mic_field, p.auth == Auth::kNtlmV2 && p.mic);
  EXPECT_EQ(auth->has_version, p.version || (p.auth == Auth::kNtlmV2 && p.mic));
  EXPECT_EQ(auth->encrypted_random_session_key.size(), key_exch ? 16u : 0u);

  // Messages both ways: client -> server, server -> client, twice.
  auto client_ss = client.CreateSessionSecurity();
  ASSERT_TRUE(client_ss.ok()) << client_ss.error().reason;
  SessionSecurity server_ss(result.negotiated_flags, result.exported_session_key, true);
  const std::vector<std::string> texts = {"hello from the client", "hello from the server",
                                          "second client message", "second server message"};
  for (size_t i = 0; i < texts.size(); ++i) {
    const bool from_client = i % 2 == 0;
    SessionSecurity& sender = from_client ? *client_ss : server_ss;
    SessionSecurity& receiver = from_client ? server_ss : *client_ss;
    const Bytes plain(texts[i].begin(), texts[i].end());
    Sig sig{};
    if (p.protect == Protect::kSeal) {
      Bytes cipher(plain.size());
      ASSERT_TRUE(sender.Seal(plain, cipher, sig).ok()) << i;
      EXPECT_NE(cipher, plain);
      Bytes back(cipher.size());
      Status st = receiver.Unseal(cipher, sig, back);
      ASSERT_TRUE(st.ok()) << i << ": " << st.error().reason;
      EXPECT_EQ(back, plain) << i;
    } else {
      ASSERT_TRUE(sender.Sign(plain, sig).ok()) << i;
      if (p.protect == Protect::kNeither) {
        // ALWAYS_SIGN only: the dummy signature (2.2.2.9.1, 3.4.2).
        const Sig dummy = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        EXPECT_EQ(sig, dummy);
      }
      Status st = receiver.Verify(plain, sig);
      ASSERT_TRUE(st.ok()) << i << ": " << st.error().reason;
      if (p.protect == Protect::kSign) {
        // A tampered message is refused.
        Bytes altered = plain;
        altered[0] ^= 1;
        Sig sig2{};
        ASSERT_TRUE(sender.Sign(plain, sig2).ok());
        EXPECT_EQ(receiver.Verify(altered, sig2).status(), SecStatus::kMessageAltered) << i;
        break;  // the receiving RC4 state may be spent; stop here
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllProfiles, ProfileTest, testing::ValuesIn(AllProfiles()), ProfileName);

// ---------------------------------------------------------------------------
// MS-NLMP 4.2.4: a deterministic client reproduces the NTLMv2 AUTHENTICATE.

const Json& Vectors() {
  static const Json doc = [] {
    std::ifstream in(std::string(NTLM_SOURCE_DIR) + "/vectors/ms-nlmp-4.2.json");
    return Json::parse(in);
  }();
  return doc;
}

TEST(ClientVectors, Ntlmv2Example424) {
  const Json& v = Vectors()["4.2.4_ntlmv2"];
  const Bytes challenge = Hex(v["messages"]["CHALLENGE_MESSAGE"]["hex"].get<std::string>());
  auto creds = ClientCredentials::FromPassword("User", "Domain", "Password", "COMPUTER");
  ASSERT_TRUE(creds.ok());
  ClientPolicy policy;  // the default Windows-like flags
  policy.version = MakeVersion(5, 1, 2600);
  FixedClock clock(0);  // Time = 0 (4.2.1)
  FixedRandom random(Concat({Bytes(8, 0xaa), Bytes(16, 0x55)}));
  ClientContext client(std::move(*creds), policy, clock, random);
  ASSERT_TRUE(client.CreateNegotiate().ok());
  auto authenticate = client.ProcessChallenge(challenge);
  ASSERT_TRUE(authenticate.ok()) << authenticate.error().reason;

  auto auth = DecodeAuthenticateMessage(*authenticate);
  ASSERT_TRUE(auth.ok()) << auth.error().reason;
  const Json& values = v["values"];
  EXPECT_EQ(auth->nt_challenge_response, Hex(values["NTLMv2Response"]["hex"].get<std::string>()));
  EXPECT_EQ(auth->lm_challenge_response, Hex(values["LMv2Response"]["hex"].get<std::string>()));
  EXPECT_EQ(auth->encrypted_random_session_key,
            Hex(values["EncryptedRandomSessionKey"]["hex"].get<std::string>()));
  EXPECT_EQ(auth->flags, 0xe2888235u);
  EXPECT_EQ(auth->user, "User");
  EXPECT_EQ(auth->domain, "Domain");
  EXPECT_EQ(auth->workstation, "COMPUTER");
  EXPECT_FALSE(auth->has_mic_field);  // no MsvAvTimestamp in the 4.2.4 CHALLENGE
  EXPECT_EQ(client.exported_session_key(),
            crypto::Key16(std::span<const uint8_t, 16>(Bytes(16, 0x55).data(), 16)));
  // With Version 5.1.2600 and the Windows payload order the message is the
  // 4.2.4.3 example byte for byte.
  EXPECT_EQ(*authenticate, Hex(v["messages"]["AUTHENTICATE_MESSAGE"]["hex"].get<std::string>()));

  // And the session keys are those of 4.2.4.4.
  auto ss = client.CreateSessionSecurity();
  ASSERT_TRUE(ss.ok());
  const Bytes plain =
      Hex(Vectors()["4.2.1_common_values"]["GSS_WrapEx_Plaintext"]["hex"].get<std::string>());
  Bytes cipher(plain.size());
  Sig sig{};
  ASSERT_TRUE(ss->Seal(plain, cipher, sig).ok());
  EXPECT_EQ(cipher, Hex(v["gss_wrapex"]["Ciphertext"]["hex"].get<std::string>()));
  EXPECT_EQ(Bytes(sig.begin(), sig.end()),
            Hex(v["gss_wrapex"]["Signature"]["hex"].get<std::string>()));
}

// ---------------------------------------------------------------------------
// The client's own decisions.

TEST(ClientNegotiate, DefaultIsAModernWindowsClient) {
  FixedClock clock(kNow);
  FixedRandom random(Bytes{1});
  ClientContext client(Alice(), ClientPolicy{}, clock, random);
  auto negotiate = client.CreateNegotiate();
  ASSERT_TRUE(negotiate.ok());
  auto msg = DecodeNegotiateMessage(*negotiate);
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->flags, 0xe2088235u) << FlagNames(msg->flags);
  EXPECT_EQ(msg->flags, kDefaultClientFlags);
  EXPECT_TRUE(msg->has_version);
  EXPECT_EQ(msg->version, MakeVersion(10, 0, 19041));
  EXPECT_EQ(negotiate->size(), kNegotiateHeaderWithVersionSize);
  EXPECT_EQ(client.state(), ClientState::kAwaitChallenge);
}

TEST(ClientNegotiate, NamesAndLevelZero) {
  ClientPolicy policy;
  policy.negotiate_names = true;
  policy.lm_compat_level = 0;
  policy.requested_flags &= ~kNegotiateVersion;
  FixedClock clock(kNow);
  FixedRandom random(Bytes{1});
  ClientContext client(Alice(), policy, clock, random);
  auto msg = DecodeNegotiateMessage(client.CreateNegotiate().value());
  ASSERT_TRUE(msg.ok());
  EXPECT_EQ(msg->domain, "CONTOSO");
  EXPECT_EQ(msg->workstation, "WS01");
  EXPECT_NE(msg->flags & kNegotiateOemDomainSupplied, 0u);
  EXPECT_NE(msg->flags & kNegotiateOemWorkstationSupplied, 0u);
  EXPECT_EQ(msg->flags & kNegotiateEss, 0u);  // level 0 never uses ESS
  EXPECT_FALSE(msg->has_version);
}

TEST(ClientNegotiate, MinClientSecBitsAreRequested) {
  ClientPolicy policy;
  policy.requested_flags = kNegotiateUnicode | kNegotiateNtlm;
  policy.min_client_sec = kMinSecConfidentiality | kMinSec128Bit;
  EXPECT_EQ(ClientContext::NegotiateFlagsFor(policy),
            kNegotiateUnicode | kNegotiateNtlm | kNegotiateSeal | kNegotiate128);
}

TEST(ClientSelectFlags, IntersectsWithTheChallenge) {
  ClientPolicy policy;
  // The 4.2.4 CHALLENGE flags give the 4.2.4 AUTHENTICATE flags.
  EXPECT_EQ(ClientContext::SelectFlags(0xe28a8233, policy), 0xe2888235u);
  // A server that grants SEAL without being asked does not get it.
  policy.requested_flags = kNegotiateUnicode | kNegotiateNtlm | kNegotiateSign;
  EXPECT_EQ(ClientContext::SelectFlags(kNegotiateUnicode | kNegotiateNtlm | kNegotiateSign |
                                           kNegotiateSeal | kTargetTypeServer,
                                       policy),
            kNegotiateUnicode | kNegotiateNtlm | kNegotiateSign);
}

TEST(ClientSelectFlags, CharacterSetEssAndLmKey) {
  ClientPolicy policy;
  policy.requested_flags = kDefaultClientFlags | kNegotiateOem | kNegotiateLmKey;
  policy.lm_compat_level = 1;
  // OEM-only server: OEM.
  EXPECT_EQ(ClientContext::SelectFlags(kNegotiateOem | kNegotiateNtlm, policy) &
                (kNegotiateOem | kNegotiateUnicode),
            kNegotiateOem);
  // Both ESS and LM_KEY granted: ESS wins (2.2.2.5 P).
  const uint32_t both =
      kNegotiateUnicode | kNegotiateNtlm | kNegotiateSign | kNegotiateEss | kNegotiateLmKey;
  EXPECT_EQ(ClientContext::SelectFlags(both, policy) & (kNegotiateEss | kNegotiateLmKey),
            kNegotiateEss);
  // NTLMv2 drops LM_KEY.
  policy.lm_compat_level = 3;
  EXPECT_EQ(
      ClientContext::SelectFlags(kNegotiateUnicode | kNegotiateLmKey, policy) & kNegotiateLmKey,
      0u);
  // Anonymous sets NTLMSSP_NEGOTIATE_ANONYMOUS.
  EXPECT_NE(ClientContext::SelectFlags(kNegotiateUnicode, policy, true) & kNegotiateAnonymous, 0u);
}

TEST(ClientSelectFlags, KeyExchWithoutSignOrSeal) {
  ClientPolicy policy;
  const uint32_t granted = kNegotiateUnicode | kNegotiateNtlm | kNegotiateKeyExch;
  EXPECT_NE(ClientContext::SelectFlags(granted, policy) & kNegotiateKeyExch, 0u);
  policy.key_exch_without_sign_seal = KeyExchWithoutSignSeal::kClearFlag;
  EXPECT_EQ(ClientContext::SelectFlags(granted, policy) & kNegotiateKeyExch, 0u);
}

// A server built to return weak CHALLENGE flags.
struct WeakServer {
  InMemoryCredentialStore store = Store();
  FixedClock clock{kNow};
  FixedRandom random{Bytes{7}};
  ServerContext server;
  explicit WeakServer(ServerPolicy policy)
      : server(ServerIdentity{}, std::move(policy), store, clock, random) {}
};

TEST(ClientMinClientSec, WeakChallengeIsRefusedByTheClient) {
  ServerPolicy sp = OpenServerPolicy();
  sp.offer_128bit = false;
  WeakServer weak(sp);
  ClientPolicy cp;
  cp.min_client_sec = kMinSec128Bit;
  FixedClock clock(kNow);
  FixedRandom random(Bytes{3});
  ClientContext client(Alice(), cp, clock, random);
  const Outcome outcome = RunExchange(client, weak.server);
  EXPECT_EQ(outcome.status, SecStatus::kUnsupportedFunction) << outcome.reason;
  EXPECT_EQ(outcome.at, 1);
  EXPECT_NE(outcome.reason.find("128-bit"), std::string::npos) << outcome.reason;
  EXPECT_EQ(client.state(), ClientState::kFailed);
  EXPECT_TRUE(client.authenticate_message().empty());
}

TEST(ClientMinClientSec, EveryBitIsChecked) {
  // A CHALLENGE that grants UNICODE | NTLM only, built by hand.
  ChallengeMessage weak;
  weak.flags = kNegotiateUnicode | kNegotiateNtlm | kTargetTypeServer;
  weak.server_challenge = {1, 2, 3, 4, 5, 6, 7, 8};
  const Bytes token = EncodeChallengeMessage(weak);
  struct Case {
    uint32_t min;
    const char* name;
  };
  for (const Case& c : {Case{kMinSecIntegrity, "integrity (SIGN)"},
                        Case{kMinSecConfidentiality, "confidentiality (SEAL)"},
                        Case{kMinSecNtlmV2Session, "NTLMv2 session security (ESS)"},
                        Case{kMinSec128Bit, "128-bit"}}) {
    ClientPolicy cp;
    cp.min_client_sec = c.min;
    FixedClock clock(kNow);
    FixedRandom random(Bytes{3});
    ClientContext client(Alice(), cp, clock, random);
    ASSERT_TRUE(client.CreateNegotiate().ok());
    auto r = client.ProcessChallenge(token);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status(), SecStatus::kUnsupportedFunction);
    EXPECT_NE(r.error().reason.find(c.name), std::string::npos) << r.error().reason;
  }
  // With no minimum the same CHALLENGE is answered.
  FixedClock clock(kNow);
  FixedRandom random(Bytes{3});
  ClientContext client(Alice(), ClientPolicy{}, clock, random);
  ASSERT_TRUE(client.CreateNegotiate().ok());
  EXPECT_TRUE(client.ProcessChallenge(token).ok());
}

TEST(ClientMinClientSec, LevelZeroCannotMeetEss) {
  ServerPolicy sp = OpenServerPolicy();
  WeakServer server(sp);
  ClientPolicy cp;
  cp.lm_compat_level = 0;
  cp.min_client_sec = kMinSecNtlmV2Session;
  FixedClock clock(kNow);
  FixedRandom random(Bytes{3});
  ClientContext client(Alice(), cp, clock, random);
  const Outcome outcome = RunExchange(client, server.server);
  EXPECT_EQ(outcome.status, SecStatus::kUnsupportedFunction) << outcome.reason;
  EXPECT_EQ(outcome.at, 1);
}

// KEY_EXCH granted without SIGN or SEAL ([MS-NLMP] 3.1.5.1.2 keys on KEY_EXCH
// alone, 3.2.5.1.2 also needs SIGN/SEAL; our server follows 3.2.5.1.2).
Outcome KeyExchOnlyExchange(KeyExchWithoutSignSeal mode, crypto::Key16* client_key = nullptr,
                            crypto::Key16* server_key = nullptr) {
  WeakServer server(OpenServerPolicy());
  ClientPolicy cp;
  cp.requested_flags &= ~(kNegotiateSign | kNegotiateSeal);
  cp.key_exch_without_sign_seal = mode;
  FixedClock clock(kNow);
  FixedRandom random(Concat({Bytes(8, 0xaa), Bytes(16, 0x55)}));
  ClientContext client(Alice(), cp, clock, random);
  Outcome out = RunExchange(client, server.server);
  if (client_key != nullptr) *client_key = client.exported_session_key();
  if (server_key != nullptr && server.server.result()) {
    *server_key = server.server.result()->exported_session_key;
  }
  return out;
}

TEST(ClientKeyExch, WithoutSignOrSealEveryModeIsDefined) {
  crypto::Key16 ck;
  crypto::Key16 sk;
  // Default: EncryptedRandomSessionKey = RC4K(KXKEY, KXKEY); both readings agree.
  Outcome out = KeyExchOnlyExchange(KeyExchWithoutSignSeal::kSendKeyExchangeKey, &ck, &sk);
  ASSERT_EQ(out.status, SecStatus::kOk) << out.reason;
  EXPECT_TRUE(ck == sk);
  out = KeyExchOnlyExchange(KeyExchWithoutSignSeal::kClearFlag, &ck, &sk);
  ASSERT_EQ(out.status, SecStatus::kOk) << out.reason;
  EXPECT_TRUE(ck == sk);
  // Our server does not grant KEY_EXCH without SIGN or SEAL (2.2.2.5 V), so
  // even the literal 3.1.5.1.2 reading (random key) ends with equal keys.
  out = KeyExchOnlyExchange(KeyExchWithoutSignSeal::kRandomKey, &ck, &sk);
  ASSERT_EQ(out.status, SecStatus::kOk) << out.reason;
  EXPECT_TRUE(ck == sk);
}

// A server that does grant KEY_EXCH without SIGN/SEAL (gss-ntlmssp and Samba
// do) meets the literal 3.1.5.1.2 client: its MIC is keyed with the random
// key while the server (3.2.5.1.2) uses KXKEY, so the MIC does not verify.
TEST(ClientKeyExch, LiteralRandomKeyAgainstGrantingServerFailsTheMic) {
  ServerPolicy sp = OpenServerPolicy();
  FixedClock clock(kNow);
  FixedRandom random(Concat({Bytes(8, 0xaa), Bytes(16, 0x55)}));
  ClientPolicy cp;
  cp.requested_flags &= ~(kNegotiateSign | kNegotiateSeal);
  cp.key_exch_without_sign_seal = KeyExchWithoutSignSeal::kRandomKey;
  ClientContext client(Alice(), cp, clock, random);
  WeakServer server(sp);
  auto negotiate = client.CreateNegotiate();
  ASSERT_TRUE(negotiate.ok());
  ASSERT_TRUE(server.server.AcceptNegotiate(*negotiate).ok());
  // Re-issue the server's CHALLENGE with KEY_EXCH granted, as such a server would.
  ChallengeMessage challenge = *server.server.challenge();
  challenge.flags |= kNegotiateKeyExch;
  challenge.layout.reset();
  const Bytes granted = EncodeChallengeMessage(challenge);
  ASSERT_TRUE(server.server.AdoptChallenge(granted).ok());
  auto authenticate = client.ProcessChallenge(granted);
  ASSERT_TRUE(authenticate.ok()) << authenticate.error().reason;
  EXPECT_EQ(server.server.AcceptAuthenticate(*authenticate).status(), SecStatus::kInvalidToken);
}

TEST(ClientNtlmV2, TimestampMicTargetNameAndChannelBindings) {
  ServerPolicy sp = OpenServerPolicy();
  sp.require_mic = true;
  sp.target_name = "HTTP/srv01.contoso.test";
  const Bytes app_data = {'t', 'l', 's', '-', 's', 'e', 'r', 'v', 'e', 'r',  '-',  'e',
                          'n', 'd', '-', 'p', 'o', 'i', 'n', 't', ':', 0x01, 0x02, 0x03};
  sp.channel_bindings_md5 = ChannelBindingsHash(app_data);
  sp.channel_binding_mode = ChannelBindingMode::kRequired;
  WeakServer server(sp);
  ClientPolicy cp;
  cp.target_name = "HTTP/srv01.contoso.test";
  cp.channel_bindings_md5 = ChannelBindingsHash(app_data);
  FixedClock clock(kNow + 1000);  // the client's clock is not used: the server's is copied
  FixedRandom random(Concat({Bytes(8, 0xaa), Bytes(16, 0x55)}));
  ClientContext client(Alice(), cp, clock, random);
  const Outcome outcome = RunExchange(client, server.server);
  ASSERT_EQ(outcome.status, SecStatus::kOk) << outcome.reason;
  EXPECT_TRUE(server.server.result()->mic_verified);
  EXPECT_EQ(server.server.result()->client_target_name, "HTTP/srv01.contoso.test");

  auto auth = DecodeAuthenticateMessage(client.authenticate_message());
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->lm_challenge_response, Bytes(24, 0));  // Z(24) with MsvAvTimestamp
  EXPECT_TRUE(auth->has_mic_field);
  auto v2 = DecodeNtlmV2Response(auth->nt_challenge_response);
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->client.timestamp, kNow);  // copied from the CHALLENGE
  EXPECT_EQ(v2->client.client_challenge,
            (std::array<uint8_t, 8>{0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}));
  const AvPairList& av = *v2->client.av_pairs;
  EXPECT_EQ(av.Flags(), kAvFlagMicPresent);
  EXPECT_EQ(av.ChannelBindings(), sp.channel_bindings_md5);
  EXPECT_EQ(av.GetString(AvId::kTargetName).value(), "HTTP/srv01.contoso.test");
  // Every server pair is echoed.
  for (const AvPair& pair : server.server.challenge()->target_info->pairs) {
    if (pair.id == 0) continue;
    const AvPair* back = av.Find(static_cast<AvId>(pair.id));
    ASSERT_NE(back, nullptr) << AvIdName(pair.id);
    EXPECT_EQ(back->value, pair.value) << AvIdName(pair.id);
  }
}

TEST(ClientNtlmV2, NoChannelBindingsMeansNoPair) {
  WeakServer server(OpenServerPolicy());
  FixedClock clock(kNow);
  FixedRandom random(Bytes{9});
  ClientContext client(Alice(), ClientPolicy{}, clock, random);
  ASSERT_EQ(RunExchange(client, server.server).status, SecStatus::kOk);
  auto auth = DecodeAuthenticateMessage(client.authenticate_message()).value();
  auto v2 = DecodeNtlmV2Response(auth.nt_challenge_response).value();
  EXPECT_FALSE(v2.client.av_pairs->Has(AvId::kChannelBindings));
  EXPECT_FALSE(v2.client.av_pairs->Has(AvId::kTargetName));
}

TEST(ClientNtlmV2, NoTimestampMeansLmV2AndClockTime) {
  // A CHALLENGE without MsvAvTimestamp: LMv2 is sent, no MIC, Time = now.
  ChallengeMessage c;
  c.flags = 0xe28a8233;
  c.server_challenge = {1, 2, 3, 4, 5, 6, 7, 8};
  c.target_info = AvPairList{};
  ASSERT_TRUE(c.target_info->SetString(AvId::kNbComputerName, "SRV").ok());
  FixedClock clock(kNow);
  FixedRandom random(Concat({Bytes(8, 0xaa), Bytes(16, 0x55)}));
  ClientContext client(Alice(), ClientPolicy{}, clock, random);
  ASSERT_TRUE(client.CreateNegotiate().ok());
  auto auth =
      DecodeAuthenticateMessage(client.ProcessChallenge(EncodeChallengeMessage(c)).value()).value();
  EXPECT_FALSE(auth.has_mic_field);
  EXPECT_EQ(auth.lm_challenge_response.size(), 24u);
  EXPECT_NE(auth.lm_challenge_response, Bytes(24, 0));
  auto v2 = DecodeNtlmV2Response(auth.nt_challenge_response).value();
  EXPECT_EQ(v2.client.timestamp, kNow);
  EXPECT_FALSE(v2.client.av_pairs->Flags().has_value());
}

TEST(ClientNtlmV1, LevelTwoSendsTheNtResponseTwice) {
  ServerPolicy sp = OpenServerPolicy();
  WeakServer server(sp);
  ClientPolicy cp;
  cp.lm_compat_level = 2;
  cp.requested_flags &= ~kNegotiateEss;
  FixedClock clock(kNow);
  FixedRandom random(Bytes{5});
  ClientContext client(Alice(), cp, clock, random);
  ASSERT_EQ(RunExchange(client, server.server).status, SecStatus::kOk);
  auto auth = DecodeAuthenticateMessage(client.authenticate_message()).value();
  EXPECT_EQ(auth.nt_challenge_response.size(), 24u);
  EXPECT_EQ(auth.lm_challenge_response, auth.nt_challenge_response);
}

TEST(ClientNtlmV1, LevelOneWithEssSendsClientChallenge) {
  WeakServer server(OpenServerPolicy());
  ClientPolicy cp;
  cp.lm_compat_level = 1;
  FixedClock clock(kNow);
  FixedRandom random(Bytes(8, 0xcc));
  ClientContext client(Alice(), cp, clock, random);
  ASSERT_EQ(RunExchange(client, server.server).status, SecStatus::kOk);
  auto auth = DecodeAuthenticateMessage(client.authenticate_message()).value();
  EXPECT_EQ(auth.lm_challenge_response, Concat({Bytes(8, 0xcc), Bytes(16, 0)}));
  EXPECT_EQ(server.server.result()->kind, ResponseKind::kNtlmV1Ess);
}

TEST(ClientNtlmV1, LevelOneWithoutEssSendsAnLmResponse) {
  WeakServer server(OpenServerPolicy());
  ClientPolicy cp;
  cp.lm_compat_level = 1;
  cp.requested_flags &= ~kNegotiateEss;
  FixedClock clock(kNow);
  FixedRandom random(Bytes{5});
  auto creds = Alice();
  ClientContext client(creds, cp, clock, random);
  ASSERT_EQ(RunExchange(client, server.server).status, SecStatus::kOk);
  auto auth = DecodeAuthenticateMessage(client.authenticate_message()).value();
  Challenge8 sc;
  std::copy_n(server.server.challenge()->server_challenge.begin(), 8, sc.begin());
  const auto lm = LmV1Response(*creds.lm_hash, sc);
  EXPECT_EQ(auth.lm_challenge_response, Bytes(lm.begin(), lm.end()));
}

TEST(ClientCredentialsTest, NtHashHexAndPassTheHash) {
  const Key16 nt = NtOwfV1(kPassword).value();
  auto creds = ClientCredentials::FromNtHashHex("alice", "CONTOSO",
                                                "a4f49c406510bdcab6824ee7c30fd852", "WS01");
  ASSERT_TRUE(creds.ok());
  EXPECT_TRUE(creds->nt_hash == NtOwfV1("Password").value());  // 4.2.2.1.2
  EXPECT_FALSE(creds->lm_hash.has_value());
  EXPECT_EQ(ClientCredentials::FromNtHashHex("a", "b", "xyz").status(),
            SecStatus::kInvalidParameter);
  // Pass-the-hash with the right hash authenticates.
  WeakServer server(OpenServerPolicy());
  FixedClock clock(kNow);
  FixedRandom random(Bytes{5});
  ClientContext client(ClientCredentials::FromNtHash("alice", "CONTOSO", nt, "WS01"),
                       ClientPolicy{}, clock, random);
  EXPECT_EQ(RunExchange(client, server.server).status, SecStatus::kOk);
}

TEST(ClientAnonymous, AnonymousLogon) {
  ServerPolicy sp = OpenServerPolicy();
  sp.allow_anonymous = true;
  WeakServer server(sp);
  ClientPolicy cp;
  // Without ESS or session security; AnonymousWithEss covers the default flags.
  cp.requested_flags &= ~(kNegotiateSign | kNegotiateSeal | kNegotiateKeyExch | kNegotiateEss);
  FixedClock clock(kNow);
  FixedRandom random(Bytes{5});
  ClientContext client(ClientCredentials::Anonymous("WS01"), cp, clock, random);
  const Outcome outcome = RunExchange(client, server.server);
  ASSERT_EQ(outcome.status, SecStatus::kOk) << outcome.reason;
  EXPECT_TRUE(server.server.result()->anonymous);
  EXPECT_EQ(client.response_kind(), ResponseKind::kAnonymous);
  auto auth = DecodeAuthenticateMessage(client.authenticate_message()).value();
  EXPECT_TRUE(auth.nt_challenge_response.empty());
  EXPECT_EQ(auth.lm_challenge_response, Bytes{0});
  EXPECT_NE(auth.flags & kNegotiateAnonymous, 0u);
}

// With ESS negotiated the anonymous LmChallengeResponse is Z(1) (3.2.5.1.2),
// too short for the NTLMv1-with-ESS KXKEY rule. Client and server both take
// KeyExchangeKey = Z(16) for the anonymous logon, whatever the flags (as
// Samba's and gss-ntlmssp's clients do and Samba's acceptor expects; see
// docs/windows-fidelity.md), so sealed messages cross both ways.
TEST(ClientAnonymous, AnonymousWithEssSealsBothWaysUnderZeroKeyExchangeKey) {
  ServerPolicy sp = OpenServerPolicy();
  sp.allow_anonymous = true;
  WeakServer server(sp);
  FixedClock clock(kNow);
  FixedRandom random(Bytes{5});
  ClientContext client(ClientCredentials::Anonymous("WS01"), ClientPolicy{}, clock, random);
  const Outcome outcome = RunExchange(client, server.server);
  ASSERT_EQ(outcome.status, SecStatus::kOk) << outcome.reason;
  const ServerResult& result = *server.server.result();
  const uint32_t flags = result.negotiated_flags;
  ASSERT_NE(flags & kNegotiateEss, 0u) << FlagNames(flags);
  ASSERT_NE(flags & kNegotiateKeyExch, 0u) << FlagNames(flags);
  ASSERT_NE(flags & kNegotiateSeal, 0u) << FlagNames(flags);
  // The EncryptedRandomSessionKey opens with Z(16) (3.4.5.2 over KXKEY Z(16)).
  auto auth = DecodeAuthenticateMessage(client.authenticate_message()).value();
  auto opened = ExportedSessionKey(flags, Key16{}, auth.encrypted_random_session_key);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(*opened == result.exported_session_key);

  auto client_ss = client.CreateSessionSecurity();
  ASSERT_TRUE(client_ss.ok()) << client_ss.error().reason;
  SessionSecurity server_ss(flags, result.exported_session_key, /*is_server=*/true);
  const std::vector<std::string> texts = {"anonymous client", "server reply", "client again"};
  for (size_t i = 0; i < texts.size(); ++i) {
    SessionSecurity& sender = i % 2 == 0 ? *client_ss : server_ss;
    SessionSecurity& receiver = i % 2 == 0 ? server_ss : *client_ss;
    const Bytes plain(texts[i].begin(), texts[i].end());
    Bytes cipher(plain.size());
    Bytes back(plain.size());
    Sig sig{};
    ASSERT_TRUE(sender.Seal(plain, cipher, sig).ok()) << i;
    Status st = receiver.Unseal(cipher, sig, back);
    ASSERT_TRUE(st.ok()) << i << ": " << st.error().reason;
    EXPECT_EQ(back, plain) << i;
  }
}

// Our anonymous client against Samba 4.17's acceptor, run live in process
// (python3-samba gensec server with the `anonymous` auth method, our client
// over a pipe, the same clock and randomness as here): Samba answered our
// NEGOTIATE with the CHALLENGE below, accepted the AUTHENTICATE (ESS,
// KEY_EXCH, SEAL) and exported our random session key 05..05, i.e. it opened
// the EncryptedRandomSessionKey with KeyExchangeKey Z(16); it unsealed our
// message and sealed the reply below, which our client unseals. Our client
// must still produce those bytes (docs/windows-fidelity.md).
TEST(ClientAnonymous, SambaAcceptorExchangesSealedMessagesWithOurClient) {
  const Bytes samba_challenge =
      Hex("4e544c4d5353500002000000080008003800000035828ae2042082f4343fcd790000000000000000"
          "3800380040000000060100000000000f460049004400320002000800460049004400320001000800"
          "46004900440032000400000003000800660069006400320007000800d2f11da8de85dd0100000000");
  const Bytes authenticate_samba_accepted =
      Hex("4e544c4d535350000300000001000100500000000000000051000000000000004800000000000000"
          "4800000008000800480000001000100051000000358a88e20a00614a0000000f5700530030003100"
          "00db1d8c44a632583f8f031b62526b9768");
  const Bytes sealed_samba_unsealed =
      Hex("0100000072d50dbea7707d8500000000d1a8c721a30e4d1819bb07cf3758d17197772c36f132"
          "d09e73");
  const Bytes samba_reply = Hex("01000000fe3ef1771bac10cf0000000044aac98ca4bf6565eefe8ebf233081b2");
  FixedClock clock(134401007644852310ULL);
  FixedRandom random(Bytes{5});
  ClientContext client(ClientCredentials::Anonymous("WS01"), ClientPolicy{}, clock, random);
  ASSERT_TRUE(client.CreateNegotiate().ok());
  auto authenticate = client.ProcessChallenge(samba_challenge);
  ASSERT_TRUE(authenticate.ok()) << authenticate.error().reason;
  EXPECT_EQ(HexBytes(*authenticate), HexBytes(authenticate_samba_accepted));
  EXPECT_NE(client.negotiated_flags() & kNegotiateEss, 0u);
  auto ss = client.CreateSessionSecurity();
  ASSERT_TRUE(ss.ok()) << ss.error().reason;
  const std::string text = "from our anonymous client";
  Bytes cipher(text.size());
  Sig sig{};
  ASSERT_TRUE(ss->Seal(Bytes(text.begin(), text.end()), cipher, sig).ok());
  Bytes wrapped(sig.begin(), sig.end());
  wrapped.insert(wrapped.end(), cipher.begin(), cipher.end());
  EXPECT_EQ(HexBytes(wrapped), HexBytes(sealed_samba_unsealed));
  std::copy_n(samba_reply.begin(), 16, sig.begin());
  Bytes back(samba_reply.size() - 16);
  Status st = ss->Unseal(ByteSpan(samba_reply).subspan(16), sig, back);
  ASSERT_TRUE(st.ok()) << st.error().reason;
  EXPECT_EQ(std::string(back.begin(), back.end()), "reply from samba");
}

TEST(ClientState, OrderAndInvalidTokens) {
  FixedClock clock(kNow);
  FixedRandom random(Bytes{5});
  {
    ClientContext client(Alice(), ClientPolicy{}, clock, random);
    auto r = client.ProcessChallenge(Bytes(56, 0));
    EXPECT_EQ(r.status(), SecStatus::kInvalidToken);
    EXPECT_EQ(client.state(), ClientState::kFailed);
  }
  {
    ClientContext client(Alice(), ClientPolicy{}, clock, random);
    ASSERT_TRUE(client.CreateNegotiate().ok());
    EXPECT_EQ(client.CreateNegotiate().status(), SecStatus::kInvalidToken);
  }
  {
    ClientContext client(Alice(), ClientPolicy{}, clock, random);
    ASSERT_TRUE(client.CreateNegotiate().ok());
    EXPECT_EQ(client.ProcessChallenge(Hex("4e544c4d5353500002000000")).status(),
              SecStatus::kInvalidToken);
    EXPECT_FALSE(client.CreateSessionSecurity().ok());
  }
  {
    ClientPolicy bad;
    bad.lm_compat_level = 6;
    ClientContext client(Alice(), bad, clock, random);
    EXPECT_EQ(client.CreateNegotiate().status(), SecStatus::kInvalidParameter);
  }
}

TEST(ClientStep, DrivesTheExchange) {
  InMemoryCredentialStore store = Store();
  FixedClock clock(kNow);
  FixedRandom server_random(Bytes{1, 2, 3});
  FixedRandom client_random(Bytes{4, 5, 6});
  ServerContext server(ServerIdentity{}, OpenServerPolicy(), store, clock, server_random);
  ClientContext client(Alice(), ClientPolicy{}, clock, client_random);
  Bytes token;
  while (!client.complete()) {
    auto out = client.Step(token);
    ASSERT_TRUE(out.ok()) << out.error().reason;
    auto reply = server.Step(*out);
    ASSERT_TRUE(reply.ok()) << reply.error().reason;
    token = reply->token;
  }
  EXPECT_EQ(server.state(), ServerState::kAuthenticated);
  EXPECT_FALSE(client.notes().empty());
}

TEST(ClientDeterminism, SameInputsSameTokens) {
  auto run = [] {
    InMemoryCredentialStore store = Store();
    FixedClock clock(kNow);
    FixedRandom server_random(Bytes{1, 2, 3});
    FixedRandom client_random(Bytes{4, 5, 6});
    ServerContext server(ServerIdentity{}, OpenServerPolicy(), store, clock, server_random);
    ClientContext client(Alice(), ClientPolicy{}, clock, client_random);
    EXPECT_EQ(RunExchange(client, server).status, SecStatus::kOk);
    return client.authenticate_message();
  };
  EXPECT_EQ(run(), run());
}

TEST(ClientChannelBindings, HashOfTheFlattenedStruct) {
  // 16 zero bytes (no addresses), the 32-bit length, the data (RFC 4121 4.1.1.2).
  const Bytes data = {'a', 'b', 'c'};
  Bytes flat(16, 0);
  flat.insert(flat.end(), {3, 0, 0, 0, 'a', 'b', 'c'});
  std::array<uint8_t, 16> expected{};
  reference::Md5(flat, expected);
  EXPECT_EQ(ChannelBindingsHash(data), expected);
}

}  // namespace
}  // namespace ntlm::ssp
