// Every named client deviation (ssp/client_deviation.h) against our server:
// the exact status of the table "Which status for which failure" in
// docs/transcript-format.md, and where the exchange stops (0 NEGOTIATE, 1 the
// client refused the CHALLENGE, 2 AUTHENTICATE). Also the deviation table and
// its text form.
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/client_context.h"
#include "ssp/client_deviation.h"
#include "ssp/credentials.h"
#include "ssp/flags.h"
#include "ssp/keys.h"
#include "ssp/ntlmv2_response.h"
#include "ssp/server_context.h"

namespace ntlm::ssp {
namespace {

constexpr FileTime kNow = kFileTimeUnixEpoch + 1795608000ULL * kFileTimeTicksPerSecond;
constexpr char kSpn[] = "HTTP/srv01.contoso.test";

std::array<uint8_t, 16> RealBindings() {
  const Bytes data = {'t', 'l', 's', '-', 'u', 'n', 'i', 'q', 'u', 'e', ':', 0xde, 0xad};
  return ChannelBindingsHash(data);
}

struct Outcome {
  SecStatus status = SecStatus::kOk;
  int at = 2;
  std::string reason;
  uint32_t client_flags = 0;
  uint32_t server_flags = 0;
  bool keys_agree = false;
};

Outcome Exchange(const ClientPolicy& cp, const ServerPolicy& sp) {
  InMemoryCredentialStore store;
  store.Add(AccountFromPassword("CONTOSO", "alice", "Passw0rd!").value());
  store.Add(AccountFromPassword("CONTOSO", "bob", "B0b-Secret").value());
  FixedClock clock(kNow);
  FixedRandom server_random(Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef});
  FixedRandom client_random(Bytes{0xaa, 0xbb, 0xcc});
  ServerContext server(ServerIdentity{}, sp, store, clock, server_random);
  ClientContext client(
      ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01").value(), cp, clock,
      client_random);
  Outcome out;
  auto negotiate = client.CreateNegotiate();
  if (!negotiate.ok()) return {negotiate.status(), 0, "client: " + negotiate.error().reason};
  auto challenge = server.AcceptNegotiate(*negotiate);
  if (!challenge.ok()) return {challenge.status(), 0, challenge.error().reason};
  auto authenticate = client.ProcessChallenge(*challenge);
  if (!authenticate.ok()) return {authenticate.status(), 1, authenticate.error().reason};
  auto verdict = server.AcceptAuthenticate(*authenticate);
  if (!verdict.ok()) return {verdict.status(), 2, verdict.error().reason};
  out.client_flags = client.negotiated_flags();
  out.server_flags = verdict->negotiated_flags;
  out.keys_agree = verdict->exported_session_key == client.exported_session_key();
  return out;
}

ServerPolicy OpenServer() {
  ServerPolicy sp;
  sp.min_server_sec = 0;
  sp.lm_compat_level = 3;
  return sp;
}

struct Case {
  const char* name;
  std::function<void(ClientPolicy&)> client;
  std::function<void(ServerPolicy&)> server;
  SecStatus status;
  int at;
};

void NoChange(ServerPolicy&) {}

Key16 BobsHash() { return NtOwfV1("B0b-Secret").value(); }

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      // --- Flags ------------------------------------------------------------
      {"strip_negotiate_seal_min_seal",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::StripNegotiateFlags(kNegotiateSeal));
       },
       [](ServerPolicy& s) { s.min_server_sec = kMinSecConfidentiality; },
       SecStatus::kUnsupportedFunction, 0},
      {"strip_negotiate_128_min_128",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::StripNegotiateFlags(kNegotiate128));
       },
       [](ServerPolicy& s) { s.min_server_sec = kMinSec128Bit; }, SecStatus::kUnsupportedFunction,
       0},
      {"strip_negotiate_seal_min_none",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::StripNegotiateFlags(kNegotiateSeal));
       },
       NoChange, SecStatus::kOk, 2},
      {"strip_authenticate_seal_min_seal",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::StripAuthenticateFlags(kNegotiateSeal));
       },
       [](ServerPolicy& s) { s.min_server_sec = kMinSecConfidentiality; },
       SecStatus::kUnsupportedFunction, 2},
      {"strip_authenticate_ess_min_ess",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::StripAuthenticateFlags(kNegotiateEss));
       },
       [](ServerPolicy& s) { s.min_server_sec = kMinSecNtlmV2Session; },
       SecStatus::kUnsupportedFunction, 2},
      {"strip_authenticate_seal_min_none",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::StripAuthenticateFlags(kNegotiateSeal));
       },
       NoChange, SecStatus::kOk, 2},
      {"strip_authenticate_seal_stale_mic_min_none",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::StripAuthenticateFlagsStaleMic(kNegotiateSeal));
       },
       NoChange, SecStatus::kInvalidToken, 2},
      {"strip_authenticate_seal_stale_mic_min_seal",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::StripAuthenticateFlagsStaleMic(kNegotiateSeal));
       },
       [](ServerPolicy& s) { s.min_server_sec = kMinSecConfidentiality; },
       SecStatus::kUnsupportedFunction, 2},
      // --- MIC ----------------------------------------------------------------
      {"omit_mic", [](ClientPolicy& c) { c.deviations.push_back(Deviation::OmitMic()); }, NoChange,
       SecStatus::kOk, 2},
      {"omit_mic_require_mic",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::OmitMic()); },
       [](ServerPolicy& s) { s.require_mic = true; }, SecStatus::kInvalidToken, 2},
      {"zero_mic", [](ClientPolicy& c) { c.deviations.push_back(Deviation::ZeroMic()); }, NoChange,
       SecStatus::kInvalidToken, 2},
      {"corrupt_mic", [](ClientPolicy& c) { c.deviations.push_back(Deviation::CorruptMic()); },
       NoChange, SecStatus::kInvalidToken, 2},
      {"remove_mic_keep_avflags",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::RemoveMicKeepAvFlags()); }, NoChange,
       SecStatus::kInvalidToken, 2},
      // --- Relay tooling --------------------------------------------------------
      {"relay_remove_mic",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::RelayRemoveMic()); }, NoChange,
       SecStatus::kInvalidToken, 2},
      {"relay_remove_mic_min_sign",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::RelayRemoveMic()); },
       [](ServerPolicy& s) { s.min_server_sec = kMinSecIntegrity; },
       SecStatus::kUnsupportedFunction, 2},
      // NTLMv1 has no MsvAvFlags: removing the MIC is undetectable
      // (interop-pitfalls #3).
      {"relay_remove_mic_ntlmv1_undetectable",
       [](ClientPolicy& c) {
         c.lm_compat_level = 2;
         c.deviations.push_back(Deviation::RelayRemoveMic());
       },
       NoChange, SecStatus::kOk, 2},
      {"relay_remove_sign_seal",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::RelayRemoveSignSeal()); }, NoChange,
       SecStatus::kInvalidToken, 2},
      {"relay_remove_sign_seal_min_seal",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::RelayRemoveSignSeal()); },
       [](ServerPolicy& s) { s.min_server_sec = kMinSecConfidentiality; },
       SecStatus::kUnsupportedFunction, 2},
      // Without a MIC nothing protects the flags.
      {"relay_remove_sign_seal_no_mic_undetectable",
       [](ClientPolicy& c) {
         c.send_mic = false;
         c.deviations.push_back(Deviation::RelayRemoveSignSeal());
       },
       NoChange, SecStatus::kOk, 2},
      // --- Credentials ---------------------------------------------------------
      {"wrong_password_ntlmv2",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::WrongPassword()); }, NoChange,
       SecStatus::kLogonDenied, 2},
      {"wrong_password_ntlmv1",
       [](ClientPolicy& c) {
         c.lm_compat_level = 2;
         c.deviations.push_back(Deviation::WrongPassword());
       },
       NoChange, SecStatus::kLogonDenied, 2},
      {"wrong_password_ntlmv1_ess",
       [](ClientPolicy& c) {
         c.lm_compat_level = 1;
         c.deviations.push_back(Deviation::WrongPassword());
       },
       NoChange, SecStatus::kLogonDenied, 2},
      {"other_user_hash",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::OtherUserHash(BobsHash())); },
       NoChange, SecStatus::kLogonDenied, 2},
      // --- NTLMv2 blob ----------------------------------------------------------
      {"shift_timestamp_minus_2_days",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::ShiftTimestamp(-172800)); },
       NoChange, SecStatus::kTimeSkew, 2},
      {"shift_timestamp_plus_2_days",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::ShiftTimestamp(172800)); }, NoChange,
       SecStatus::kTimeSkew, 2},
      {"shift_timestamp_minus_1_hour_within_skew",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::ShiftTimestamp(-3600)); }, NoChange,
       SecStatus::kOk, 2},
      {"shift_timestamp_minus_1_hour_skew_5_min",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::ShiftTimestamp(-3600)); },
       [](ServerPolicy& s) { s.max_clock_skew_seconds = 300; }, SecStatus::kTimeSkew, 2},
      {"shift_timestamp_unchecked",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::ShiftTimestamp(-172800)); },
       [](ServerPolicy& s) { s.max_clock_skew_seconds.reset(); }, SecStatus::kOk, 2},
      {"alter_target_info_nb_computer_name",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::AlterTargetInfo(uint16_t(AvId::kNbComputerName)));
       },
       NoChange, SecStatus::kLogonDenied, 2},
      {"alter_target_info_timestamp",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::AlterTargetInfo(uint16_t(AvId::kTimestamp)));
       },
       NoChange, SecStatus::kLogonDenied, 2},
      {"drop_target_info_dns_computer_name",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::DropTargetInfoPair(uint16_t(AvId::kDnsComputerName)));
       },
       NoChange, SecStatus::kLogonDenied, 2},
      {"drop_target_info_timestamp",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::DropTargetInfoPair(uint16_t(AvId::kTimestamp)));
       },
       NoChange, SecStatus::kLogonDenied, 2},
      {"wrong_channel_bindings",
       [](ClientPolicy& c) {
         c.channel_bindings_md5 = RealBindings();
         c.deviations.push_back(Deviation::WrongChannelBindings());
       },
       [](ServerPolicy& s) { s.channel_bindings_md5 = RealBindings(); }, SecStatus::kBadBindings,
       2},
      {"wrong_channel_bindings_server_without_bindings",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::WrongChannelBindings()); }, NoChange,
       SecStatus::kOk, 2},
      {"zero_channel_bindings_when_supported",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::ZeroChannelBindings()); },
       [](ServerPolicy& s) {
         s.channel_bindings_md5 = RealBindings();
         s.channel_binding_mode = ChannelBindingMode::kWhenSupported;
       },
       SecStatus::kBadBindings, 2},
      {"wrong_spn",
       [](ClientPolicy& c) {
         c.target_name = kSpn;
         c.deviations.push_back(Deviation::WrongSpn());
       },
       [](ServerPolicy& s) { s.target_name = kSpn; }, SecStatus::kBadBindings, 2},
      {"wrong_spn_server_without_target_name",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::WrongSpn()); }, NoChange,
       SecStatus::kOk, 2},
      // --- Message structure ---------------------------------------------------
      {"session_key_length_0",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::SessionKeyLength(0)); }, NoChange,
       SecStatus::kInvalidToken, 2},
      {"session_key_length_1",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::SessionKeyLength(1)); }, NoChange,
       SecStatus::kInvalidToken, 2},
      {"session_key_length_15",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::SessionKeyLength(15)); }, NoChange,
       SecStatus::kInvalidToken, 2},
      {"session_key_length_16",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::SessionKeyLength(16)); }, NoChange,
       SecStatus::kOk, 2},
      {"session_key_length_17",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::SessionKeyLength(17)); }, NoChange,
       SecStatus::kInvalidToken, 2},
      // KEY_EXCH without SIGN/SEAL: the field is not used (3.2.5.1.2).
      {"session_key_length_1_without_sign_seal",
       [](ClientPolicy& c) {
         c.requested_flags &= ~(kNegotiateSign | kNegotiateSeal);
         c.deviations.push_back(Deviation::SessionKeyLength(1));
       },
       NoChange, SecStatus::kOk, 2},
      {"truncate_authenticate_header",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::TruncateAuthenticate(40)); },
       NoChange, SecStatus::kInvalidToken, 2},
      {"truncate_authenticate_payload",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::TruncateAuthenticate(150)); },
       NoChange, SecStatus::kInvalidToken, 2},
      // --- Check order (docs/transcript-format.md) -------------------------------
      {"order_wrong_password_before_time_skew",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::WrongPassword());
         c.deviations.push_back(Deviation::ShiftTimestamp(-172800));
       },
       NoChange, SecStatus::kLogonDenied, 2},
      {"order_time_skew_before_mic",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::ShiftTimestamp(-172800));
         c.deviations.push_back(Deviation::CorruptMic());
       },
       NoChange, SecStatus::kTimeSkew, 2},
      {"order_mic_before_bindings",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::CorruptMic());
         c.deviations.push_back(Deviation::WrongSpn());
       },
       [](ServerPolicy& s) { s.target_name = kSpn; }, SecStatus::kInvalidToken, 2},
      {"order_invalid_session_key_before_policy",
       [](ClientPolicy& c) {
         c.deviations.push_back(Deviation::SessionKeyLength(15));
         c.deviations.push_back(Deviation::StripAuthenticateFlags(kNegotiate128));
       },
       [](ServerPolicy& s) { s.min_server_sec = kMinSec128Bit; }, SecStatus::kInvalidToken, 2},
      // --- Responses: an LM field alone (LmCompatibilityLevel through the acceptor)
      {"lm_only_level0_client_server_level3",
       [](ClientPolicy& c) {
         c.lm_compat_level = 0;
         c.deviations.push_back(Deviation::LmOnly());
       },
       NoChange, SecStatus::kOk, 2},
      {"lm_only_server_level4_refuses_lm",
       [](ClientPolicy& c) {
         c.lm_compat_level = 0;
         c.deviations.push_back(Deviation::LmOnly());
       },
       [](ServerPolicy& s) { s.lm_compat_level = 4; }, SecStatus::kLogonDenied, 2},
      {"lmv2_only_server_level5_accepts",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::LmV2Only()); },
       [](ServerPolicy& s) { s.lm_compat_level = 5; }, SecStatus::kOk, 2},
      {"drop_nt_response_ntlmv2_leaves_z24",
       [](ClientPolicy& c) { c.deviations.push_back(Deviation::DropNtResponse()); }, NoChange,
       SecStatus::kLogonDenied, 2},
      {"drop_nt_response_level0_client_is_lm",
       [](ClientPolicy& c) {
         c.lm_compat_level = 0;
         c.deviations.push_back(Deviation::DropNtResponse());
       },
       [](ServerPolicy& s) { s.lm_compat_level = 2; }, SecStatus::kOk, 2},
      // --- Client policy ---------------------------------------------------------
      {"min_client_sec_128_weak_challenge",
       [](ClientPolicy& c) { c.min_client_sec = kMinSec128Bit; },
       [](ServerPolicy& s) { s.offer_128bit = false; }, SecStatus::kUnsupportedFunction, 1},
      {"min_client_sec_ess_weak_challenge",
       [](ClientPolicy& c) {
         c.requested_flags &= ~kNegotiateEss;
         c.min_client_sec = kMinSecNtlmV2Session;
         c.deviations.push_back(Deviation::StripNegotiateFlags(kNegotiateEss));
       },
       NoChange, SecStatus::kUnsupportedFunction, 1},
  };
  return cases;
}

class DeviationAgainstServer : public testing::TestWithParam<size_t> {};

TEST_P(DeviationAgainstServer, GivesTheTableStatus) {
  const Case& c = Cases()[GetParam()];
  ClientPolicy cp;
  c.client(cp);
  ServerPolicy sp = OpenServer();
  c.server(sp);
  const Outcome out = Exchange(cp, sp);
  EXPECT_EQ(out.status, c.status) << "got " << StatusName(out.status) << " at " << out.at << ": "
                                  << out.reason;
  EXPECT_EQ(out.at, c.at) << out.reason;
  if (c.status == SecStatus::kOk && out.status == SecStatus::kOk) {
    EXPECT_EQ(out.client_flags, out.server_flags);
    // A relay that clears KEY_EXCH makes the server use KXKEY while the
    // client holds its random key: the logon passes, the session does not.
    const bool relay = std::string(c.name).rfind("relay_", 0) == 0;
    EXPECT_EQ(out.keys_agree, !relay);
  }
}

INSTANTIATE_TEST_SUITE_P(Deviations, DeviationAgainstServer,
                         testing::Range(size_t{0}, Cases().size()),
                         [](const testing::TestParamInfo<size_t>& param) {
                           return std::string(Cases()[param.param].name);
                         });

// Every deviation in the table has at least one case above.
TEST(DeviationTable, EveryDeviationIsExercised) {
  std::set<DeviationKind> used;
  for (const Case& c : Cases()) {
    ClientPolicy cp;
    c.client(cp);
    for (const Deviation& d : cp.deviations) used.insert(d.kind);
  }
  for (const DeviationInfo& info : DeviationTable()) {
    EXPECT_TRUE(used.count(info.kind)) << info.name << " has no test case";
  }
}

// The server's answers at LmCompatibilityLevel 0-2 to a level 0 client that
// asks for LM_KEY or REQUEST_NON_NT_SESSION_KEY (no ESS): the CHALLENGE grants
// the flag (LM_KEY only with offer_lm_key), the keys derive from the LM hash
// (3.4.5.1 KXKEY) on both sides and agree, with both responses and with the
// LM response alone. From level 3 on the server grants neither.
TEST(DeviationLmLevels, LmKeyAndNonNtSessionKeyAnswers) {
  for (const uint32_t flag : {kNegotiateLmKey, kRequestNonNtSessionKey}) {
    for (int level = 0; level <= 4; ++level) {
      for (bool lm_only : {false, true}) {
        SCOPED_TRACE(FlagNames(flag) + " level " + std::to_string(level) +
                     (lm_only ? " lm-only" : ""));
        ClientPolicy cp;
        cp.lm_compat_level = 0;
        cp.requested_flags = (cp.requested_flags & ~kNegotiateEss) | flag;
        if (lm_only) cp.deviations.push_back(Deviation::LmOnly());
        ServerPolicy sp = OpenServer();
        sp.lm_compat_level = level;
        sp.offer_lm_key = true;
        const Outcome out = Exchange(cp, sp);
        if (lm_only && level >= 4) {
          EXPECT_EQ(out.status, SecStatus::kLogonDenied) << out.reason;
          continue;
        }
        ASSERT_EQ(out.status, SecStatus::kOk) << out.reason;
        EXPECT_EQ((out.server_flags & flag) != 0, level <= 2) << FlagNames(out.server_flags);
        EXPECT_EQ(out.server_flags & kNegotiateEss, 0u);
        EXPECT_TRUE(out.keys_agree);
      }
    }
  }
}

// --- What the deviations put on the wire -----------------------------------

struct Wire {
  AuthenticateMessage auth;
  Bytes token;
};

Wire Authenticate(const ClientPolicy& cp) {
  InMemoryCredentialStore store;
  store.Add(AccountFromPassword("CONTOSO", "alice", "Passw0rd!").value());
  FixedClock clock(kNow);
  FixedRandom server_random(Bytes{1});
  FixedRandom client_random(Bytes{2});
  ServerContext server(ServerIdentity{}, OpenServer(), store, clock, server_random);
  ClientContext client(
      ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01").value(), cp, clock,
      client_random);
  auto challenge = server.AcceptNegotiate(client.CreateNegotiate().value()).value();
  Wire w;
  w.token = client.ProcessChallenge(challenge).value();
  w.auth = DecodeAuthenticateMessage(w.token).value();
  return w;
}

uint32_t BlobAvFlags(const AuthenticateMessage& auth) {
  auto v2 = DecodeNtlmV2Response(auth.nt_challenge_response).value();
  return v2.client.av_pairs->Flags().value_or(0);
}

TEST(DeviationWire, MicVariants) {
  ClientPolicy cp;
  Wire normal = Authenticate(cp);
  EXPECT_TRUE(normal.auth.has_mic_field);
  EXPECT_EQ(BlobAvFlags(normal.auth), kAvFlagMicPresent);

  cp.deviations = {Deviation::OmitMic()};
  Wire omit = Authenticate(cp);
  EXPECT_FALSE(omit.auth.has_mic_field);
  EXPECT_EQ(BlobAvFlags(omit.auth), 0u);

  cp.deviations = {Deviation::ZeroMic()};
  Wire zero = Authenticate(cp);
  EXPECT_TRUE(zero.auth.has_mic_field);
  EXPECT_EQ(zero.auth.mic, (std::array<uint8_t, 16>{}));
  EXPECT_EQ(BlobAvFlags(zero.auth), kAvFlagMicPresent);

  cp.deviations = {Deviation::CorruptMic()};
  Wire corrupt = Authenticate(cp);
  EXPECT_EQ(corrupt.auth.mic[0], normal.auth.mic[0] ^ 0x80);
  EXPECT_TRUE(std::equal(corrupt.auth.mic.begin() + 1, corrupt.auth.mic.end(),
                         normal.auth.mic.begin() + 1));

  cp.deviations = {Deviation::RemoveMicKeepAvFlags()};
  Wire removed = Authenticate(cp);
  EXPECT_FALSE(removed.auth.has_mic_field);
  EXPECT_TRUE(removed.auth.has_version);
  EXPECT_EQ(BlobAvFlags(removed.auth), kAvFlagMicPresent);
}

TEST(DeviationWire, RelayRemoveMicLooksLikeNtlmrelayx) {
  ClientPolicy cp;
  cp.deviations = {Deviation::RelayRemoveMic()};
  Wire w = Authenticate(cp);
  EXPECT_FALSE(w.auth.has_mic_field);
  EXPECT_FALSE(w.auth.has_version);
  EXPECT_EQ(w.auth.flags &
                (kNegotiateSign | kNegotiateAlwaysSign | kNegotiateKeyExch | kNegotiateVersion),
            0u);
  EXPECT_NE(w.auth.flags & kNegotiateSeal, 0u);  // --remove-mic leaves SEAL
  EXPECT_EQ(BlobAvFlags(w.auth), kAvFlagMicPresent);
  // The lowest payload offset is 64: no Version, no MIC slot.
  EXPECT_EQ(w.token[32] | w.token[33] << 8, 64);  // DomainNameFields.Offset
}

TEST(DeviationWire, RelayRemoveSignSeal) {
  ClientPolicy cp;
  cp.deviations = {Deviation::RelayRemoveSignSeal()};
  Wire w = Authenticate(cp);
  EXPECT_EQ(
      w.auth.flags & (kNegotiateSign | kNegotiateSeal | kNegotiateAlwaysSign | kNegotiateKeyExch),
      0u);
  EXPECT_TRUE(w.auth.has_mic_field);
}

TEST(DeviationWire, TimestampShiftChangesOnlyTheBlobTimeStamp) {
  ClientPolicy cp;
  cp.deviations = {Deviation::ShiftTimestamp(-60)};
  Wire w = Authenticate(cp);
  auto v2 = DecodeNtlmV2Response(w.auth.nt_challenge_response).value();
  EXPECT_EQ(v2.client.timestamp, kNow - 60 * kFileTimeTicksPerSecond);
  EXPECT_EQ(v2.client.av_pairs->Timestamp(), kNow);  // MsvAvTimestamp echoed
}

TEST(DeviationWire, SessionKeyLengthAndTruncation) {
  for (size_t n : {0u, 1u, 15u, 17u}) {
    ClientPolicy cp;
    cp.deviations = {Deviation::SessionKeyLength(n)};
    EXPECT_EQ(Authenticate(cp).auth.encrypted_random_session_key.size(), n);
  }
  ClientPolicy cp;
  cp.deviations = {Deviation::TruncateAuthenticate(40)};
  InMemoryCredentialStore store;
  FixedClock clock(kNow);
  FixedRandom r1(Bytes{1});
  FixedRandom r2(Bytes{2});
  ServerContext server(ServerIdentity{}, OpenServer(), store, clock, r1);
  ClientContext client(
      ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01").value(), cp, clock,
      r2);
  auto challenge = server.AcceptNegotiate(client.CreateNegotiate().value()).value();
  EXPECT_EQ(client.ProcessChallenge(challenge).value().size(), 40u);
}

TEST(DeviationWire, NtlmV2OnlyDeviationsNeedNtlmV2) {
  ClientPolicy cp;
  cp.lm_compat_level = 2;
  cp.deviations = {Deviation::CorruptMic()};
  const Outcome out = Exchange(cp, OpenServer());
  EXPECT_EQ(out.status, SecStatus::kInvalidParameter);
  EXPECT_EQ(out.at, 1);
  EXPECT_NE(out.reason.find("corrupt-mic"), std::string::npos) << out.reason;
}

// --- Names and text form ---------------------------------------------------

// lm-only and lmv2-only put the response the server verifies in the LM field
// and leave the NT response empty; drop-nt-response leaves the LM field as
// computed (Z(24) for NTLMv2 when the CHALLENGE has a timestamp).
TEST(DeviationWire, LmFieldAlone) {
  const Challenge8 sc = {0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01};  // FixedRandom{1}
  ClientPolicy lm;
  lm.lm_compat_level = 0;
  lm.deviations.push_back(Deviation::LmOnly());
  Wire w = Authenticate(lm);
  EXPECT_TRUE(w.auth.nt_challenge_response.empty());
  const auto expected = LmV1Response(LmOwfV1("Passw0rd!").value(), sc);
  EXPECT_EQ(w.auth.lm_challenge_response, Bytes(expected.begin(), expected.end()));
  EXPECT_FALSE(w.auth.has_mic_field);

  ClientPolicy v2;
  v2.deviations.push_back(Deviation::LmV2Only());
  w = Authenticate(v2);
  EXPECT_TRUE(w.auth.nt_challenge_response.empty());
  ASSERT_EQ(w.auth.lm_challenge_response.size(), 24u);
  const auto key = NtOwfV2(NtOwfV1("Passw0rd!").value(), "alice", "CONTOSO").value();
  Challenge8 cc;
  std::copy_n(w.auth.lm_challenge_response.begin() + 16, 8, cc.begin());
  const auto lmv2 = LmV2Response(key, sc, cc);
  EXPECT_EQ(w.auth.lm_challenge_response, Bytes(lmv2.begin(), lmv2.end()));

  ClientPolicy drop;
  drop.deviations.push_back(Deviation::DropNtResponse());
  w = Authenticate(drop);
  EXPECT_TRUE(w.auth.nt_challenge_response.empty());
  EXPECT_EQ(w.auth.lm_challenge_response, Bytes(24, 0));
}

TEST(DeviationNames, StableAndUnique) {
  const std::vector<std::string> expected = {"strip-negotiate-flags",
                                             "strip-authenticate-flags",
                                             "strip-authenticate-flags-stale-mic",
                                             "omit-mic",
                                             "zero-mic",
                                             "corrupt-mic",
                                             "remove-mic-keep-avflags",
                                             "relay-remove-mic",
                                             "relay-remove-sign-seal",
                                             "wrong-password",
                                             "other-user-hash",
                                             "shift-timestamp",
                                             "alter-target-info",
                                             "drop-target-info-pair",
                                             "wrong-channel-bindings",
                                             "zero-channel-bindings",
                                             "wrong-spn",
                                             "session-key-length",
                                             "truncate-authenticate",
                                             "lm-only",
                                             "lmv2-only",
                                             "drop-nt-response"};
  ASSERT_EQ(DeviationTable().size(), expected.size());
  std::set<std::string> seen;
  for (size_t i = 0; i < expected.size(); ++i) {
    const DeviationInfo& info = DeviationTable()[i];
    EXPECT_EQ(info.name, expected[i]);
    EXPECT_EQ(static_cast<size_t>(info.kind), i);
    EXPECT_EQ(DeviationName(info.kind), info.name);
    EXPECT_FALSE(DeviationDescription(info.kind).empty());
    EXPECT_EQ(DeviationKindFromName(info.name), info.kind);
    EXPECT_TRUE(seen.insert(std::string(info.name)).second);
  }
  EXPECT_EQ(DeviationKindFromName("CORRUPT-MIC"), DeviationKind::kCorruptMic);
  EXPECT_FALSE(DeviationKindFromName("no-such-thing").has_value());
}

TEST(DeviationNames, ParseAndPrint) {
  auto d = ParseDeviation("strip-authenticate-flags=SEAL|SIGN");
  ASSERT_TRUE(d.ok()) << d.error().reason;
  EXPECT_EQ(d->kind, DeviationKind::kStripAuthenticateFlags);
  EXPECT_EQ(d->flags, kNegotiateSeal | kNegotiateSign);
  EXPECT_EQ(DeviationToString(*d),
            "strip-authenticate-flags=NTLMSSP_NEGOTIATE_SIGN | NTLMSSP_NEGOTIATE_SEAL");

  d = ParseDeviation("shift-timestamp=-7200");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->seconds, -7200);
  EXPECT_EQ(DeviationToString(*d), "shift-timestamp=-7200");

  d = ParseDeviation("session-key-length=15");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->length, 15u);

  d = ParseDeviation("drop-target-info-pair=MsvAvTimestamp");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->av_id, 7);
  d = ParseDeviation("alter-target-info");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->av_id, 1);

  d = ParseDeviation("other-user-hash=a4f49c406510bdcab6824ee7c30fd852");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->nt_hash.has_value());
  EXPECT_TRUE(*d->nt_hash == NtOwfV1("Password").value());
  EXPECT_EQ(DeviationToString(*d), "other-user-hash=<redacted>");

  d = ParseDeviation("wrong-password=hunter2");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->text, "hunter2");
  EXPECT_EQ(DeviationToString(*d), "wrong-password=<redacted>");

  d = ParseDeviation("wrong-spn");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->text, "HTTP/wrong.example.test");
  EXPECT_EQ(DeviationToString(*d), "wrong-spn=HTTP/wrong.example.test");

  EXPECT_EQ(ParseDeviation("corrupt-mic").value().kind, DeviationKind::kCorruptMic);
  for (const char* bad :
       {"nope", "corrupt-mic=1", "strip-negotiate-flags", "strip-negotiate-flags=BOGUS",
        "shift-timestamp=soon", "session-key-length=-1", "drop-target-info-pair=MsvAvNothing"}) {
    auto r = ParseDeviation(bad);
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status(), SecStatus::kInvalidParameter) << bad;
  }
}

}  // namespace
}  // namespace ntlm::ssp
