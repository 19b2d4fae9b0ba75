// gss_acceptor_test.cc: our initiator (ssp::ClientContext) against
// gss-ntlmssp's acceptor (gss_accept_sec_context), in process, followed by
// gss_wrap/gss_unwrap and gss_get_mic/gss_verify_mic against our
// ssp::SessionSecurity in both directions.
//
// The acceptor finds the account in NTLM_USER_FILE and names itself with
// NETBIOS_COMPUTER_NAME / NETBIOS_DOMAIN_NAME (set by SetUpGssEnvironment).
// Its LM_COMPAT_LEVEL is read with getenv when the context is created, so a
// case scopes it around the gss_accept_sec_context calls (ScopedEnv).
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "ssp/client_context.h"
#include "ssp/client_deviation.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/server_policy.h"
#include "ssp/session_security.h"
#include "ssp/status.h"
#include "tests/interop/exchange.h"
#include "tests/interop/gss_util.h"
#include "tests/interop/interop_fixture.h"

namespace ntlm::interop {
namespace {

using ssp::ResponseKind;

constexpr std::string_view kOurWorkstation = "OURCLIENT";

constexpr uint32_t kSign = ssp::kNegotiateSign;
constexpr uint32_t kSeal = ssp::kNegotiateSeal;
constexpr uint32_t kEss = ssp::kNegotiateEss;
constexpr uint32_t kKeyExch = ssp::kNegotiateKeyExch;
constexpr uint32_t k128 = ssp::kNegotiate128;
constexpr uint32_t k56 = ssp::kNegotiate56;

std::string FlagsText(uint32_t flags) {
  return ssp::Hex32(flags) + " (" + ssp::FlagNames(flags) + ")";
}

// Our client policy for these tests: the defaults (NTLMv2, SIGN | SEAL |
// KEY_EXCH | ESS | 128 | 56, MIC) with the SPN the server would expect.
ssp::ClientPolicy BaseClientPolicy() {
  ssp::ClientPolicy policy;
  policy.target_name = std::string(kTargetSpn);
  return policy;
}

// One of our ClientContexts talking to one gss-ntlmssp acceptor context.
class OurClientSession {
 public:
  // `gss_lm_compat_level`: the acceptor's LM_COMPAT_LEVEL (unset: its
  // default, 3). `standalone`: NETBIOS_DOMAIN_NAME=WORKSTATION (gss-ntlmssp's
  // "no domain" name), which makes the acceptor a standalone server that
  // applies LM_COMPAT_LEVEL itself; with a real domain name (CONTOSO) it is
  // a domain member that leaves the LM/NTLMv1 decision to a DC and accepts
  // NTLMv1 at every level.
  OurClientSession(ssp::ClientPolicy policy, std::optional<std::string> gss_lm_compat_level,
                   bool standalone = false)
      : level_(gss_lm_compat_level),
        standalone_(standalone),
        client_(Credentials(), std::move(policy), clock_, random_) {}

  // NEGOTIATE -> gss_accept_sec_context -> CHALLENGE -> our client ->
  // AUTHENTICATE -> gss_accept_sec_context. Returns the final accept
  // outcome; a failure on our side is a test failure (GSS_S_FAILURE back).
  GssOutcome Run() {
    ScopedEnv level("LM_COMPAT_LEVEL", level_);
    ScopedEnv domain("NETBIOS_DOMAIN_NAME",
                     standalone_ ? "WORKSTATION" : std::string(kGssDomainName));
    GssOutcome failed;
    if (GssOutcome o = AcquireAcceptorCred(cred_); !o.ok()) {
      ADD_FAILURE() << "gss_acquire_cred(GSS_C_ACCEPT): " << o.Text();
      return o;
    }
    auto negotiate = client_.CreateNegotiate();
    if (!negotiate.ok()) {
      ADD_FAILURE() << "our CreateNegotiate: " << negotiate.error().reason;
      return failed;
    }
    GssOutcome first = AcceptStep(cred_, gss_, *negotiate, nullptr);
    if (first.major != GSS_S_CONTINUE_NEEDED) {
      ADD_FAILURE() << "gss_accept_sec_context(NEGOTIATE " << ssp::HexBytes(*negotiate)
                    << "): " << first.Text();
      return first;
    }
    challenge_ = first.bytes;
    auto authenticate = client_.ProcessChallenge(challenge_);
    if (!authenticate.ok()) {
      ADD_FAILURE() << "our ProcessChallenge of gss-ntlmssp's CHALLENGE: "
                    << ssp::StatusName(authenticate.status()) << ": " << authenticate.error().reason
                    << Transcript();
      return failed;
    }
    return AcceptStep(cred_, gss_, *authenticate, &src_name_, &gss_ret_flags_);
  }

  Bytes GssSessionKey() {
    GssOutcome key = SessionKey(gss_);
    EXPECT_TRUE(key.ok()) << "gss_inquire_sec_context_by_oid(GSS_C_INQ_SSPI_SESSION_KEY): "
                          << key.Text();
    return key.bytes;
  }

  std::string Transcript() const {
    return "\n  NEGOTIATE    " + ssp::HexBytes(client_.negotiate_message()) + "\n  CHALLENGE    " +
           ssp::HexBytes(challenge_) + "\n  AUTHENTICATE " +
           ssp::HexBytes(client_.authenticate_message());
  }

  const GssContext& gss() const { return gss_; }
  const ssp::ClientContext& client() const { return client_; }
  const GssName& src_name() const { return src_name_; }
  OM_uint32 gss_ret_flags() const { return gss_ret_flags_; }

 private:
  static ssp::ClientCredentials Credentials() {
    auto creds = ssp::ClientCredentials::FromPassword(kUser, kDomain, kPassword, kOurWorkstation);
    EXPECT_TRUE(creds.ok()) << creds.error().reason;
    return creds.ok() ? std::move(*creds) : ssp::ClientCredentials{};
  }

  std::optional<std::string> level_;
  bool standalone_ = false;
  SystemClock clock_;
  ssp::SecureRandom random_;
  ssp::ClientContext client_;
  GssCred cred_;
  GssContext gss_;
  GssName src_name_;
  Bytes challenge_;
  OM_uint32 gss_ret_flags_ = 0;
};

// ---------------------------------------------------------------------------
// Successful profiles, each followed by the message exchange.

struct AcceptorCase {
  const char* name;
  uint32_t clear_flags;  // removed from our client's requested_flags
  int client_lm_compat_level;
  std::optional<std::string> gss_lm_compat_level;
  bool standalone_acceptor;
  ResponseKind kind;
  bool mic;
  uint32_t must_have;  // in the negotiated (AUTHENTICATE) flags
  uint32_t must_lack;
  OM_uint32 gss_ret_flags;  // must be set in gss_accept_sec_context's ret_flags
  ExchangeOptions exchange;
  bool allow_seal_without_negotiation = false;
};

void PrintTo(const AcceptorCase& c, std::ostream* os) { *os << c.name; }

class OurClientProfiles : public GssInteropTest,
                          public ::testing::WithParamInterface<AcceptorCase> {};

TEST_P(OurClientProfiles, AuthenticatesAndExchangesMessages) {
  const AcceptorCase& c = GetParam();
  ssp::ClientPolicy policy = BaseClientPolicy();
  policy.requested_flags &= ~c.clear_flags;
  policy.lm_compat_level = c.client_lm_compat_level;
  OurClientSession session(policy, c.gss_lm_compat_level, c.standalone_acceptor);

  GssOutcome accepted = session.Run();
  ASSERT_EQ(accepted.major, static_cast<OM_uint32>(GSS_S_COMPLETE))
      << "gss-ntlmssp refused our AUTHENTICATE: " << accepted.Text() << session.Transcript();
  SCOPED_TRACE(session.Transcript());
  const ssp::ClientContext& client = session.client();
  ASSERT_TRUE(client.complete());

  EXPECT_EQ(session.src_name().Display(), kQualifiedUser);
  EXPECT_EQ(client.response_kind(), c.kind) << ssp::ResponseKindName(client.response_kind());
  EXPECT_EQ(client.mic_sent(), c.mic);
  const uint32_t flags = client.negotiated_flags();
  EXPECT_EQ(flags & c.must_have, c.must_have) << "negotiated " << FlagsText(flags);
  EXPECT_EQ(flags & c.must_lack, 0u) << "negotiated " << FlagsText(flags);
  EXPECT_EQ(session.gss_ret_flags() & c.gss_ret_flags, c.gss_ret_flags)
      << "gss_accept_sec_context ret_flags 0x" << std::hex << session.gss_ret_flags();

  const Bytes gss_key = session.GssSessionKey();
  ASSERT_EQ(gss_key.size(), 16u);
  EXPECT_TRUE(crypto::ConstantTimeEqual(gss_key, client.exported_session_key()))
      << "gss-ntlmssp and our client derived different ExportedSessionKeys (flags "
      << FlagsText(flags) << ")";

  ssp::SessionSecurity::Options options;
  options.allow_seal_without_negotiation = c.allow_seal_without_negotiation;
  auto ours = client.CreateSessionSecurity(options);
  ASSERT_TRUE(ours.ok()) << ours.error().reason;
  ExchangeMessages(session.gss(), *ours, c.exchange);
}

const ExchangeOptions kInterleaved{Ordering::kInterleaved, true, true};
const ExchangeOptions kLockstep{Ordering::kLockstep, true, true};
constexpr OM_uint32 kIntegConf = GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG;

INSTANTIATE_TEST_SUITE_P(
    OurClientToGssAcceptor, OurClientProfiles,
    ::testing::Values(
        // Our default client: NTLMv2, SIGN | SEAL | KEY_EXCH | ESS | 128, MIC
        // (gss-ntlmssp verifies it: its CHALLENGE carries MsvAvTimestamp).
        AcceptorCase{"Ntlmv2Seal128KeyExchMic", 0, 3, std::nullopt, false, ResponseKind::kNtlmV2,
                     true, kSign | kSeal | kKeyExch | kEss | k128, 0, kIntegConf, kInterleaved},
        // Sign only: no SEAL requested. gss_wrap seals regardless, so our
        // side turns on allow_seal_without_negotiation.
        AcceptorCase{"Ntlmv2SignOnly", kSeal, 3, std::nullopt, false, ResponseKind::kNtlmV2, true,
                     kSign | kKeyExch | kEss | k128, kSeal, GSS_C_INTEG_FLAG, kInterleaved, true},
        // No key exchange: ExportedSessionKey = KeyExchangeKey.
        AcceptorCase{"Ntlmv2NoKeyExch", kKeyExch, 3, std::nullopt, false, ResponseKind::kNtlmV2,
                     true, kSign | kSeal | kEss | k128, kKeyExch, kIntegConf, kInterleaved},
        // 56-bit: 128 not requested, sealing keys weakened to 7 bytes.
        AcceptorCase{"Ntlmv2Seal56", k128, 3, std::nullopt, false, ResponseKind::kNtlmV2, true,
                     kSign | kSeal | kKeyExch | kEss | k56, k128, kIntegConf, kInterleaved},
        // NTLMv1 with ESS (our LmCompatibilityLevel 2) against a standalone
        // gss-ntlmssp acceptor at LM_COMPAT_LEVEL 2 (at its default, 3, it
        // refuses NTLMv1: see Ntlmv1RefusedByStandaloneAcceptorAtLevel3).
        AcceptorCase{"Ntlmv1EssLevel2", 0, 2, "2", true, ResponseKind::kNtlmV1Ess, false,
                     kSign | kSeal | kKeyExch | kEss, 0, kIntegConf, kInterleaved},
        // NTLMv1 without ESS (our level 0 requests no ESS) against a
        // standalone gss-ntlmssp at LM_COMPAT_LEVEL 0: one RC4 handle and
        // sequence space for both directions (MS-NLMP 3.4.4.1).
        AcceptorCase{"Ntlmv1NoEssLevel0", 0, 0, "0", true, ResponseKind::kNtlmV1, false,
                     kSign | kSeal | kKeyExch, kEss, kIntegConf, kLockstep}),
    [](const ::testing::TestParamInfo<AcceptorCase>& param) { return param.param.name; });

// ---------------------------------------------------------------------------
// Single cases.

using OurClientToGssAcceptor = GssInteropTest;

// gss-ntlmssp refuses an AUTHENTICATE computed from another password.
TEST_F(OurClientToGssAcceptor, WrongPasswordRefused) {
  ssp::ClientPolicy policy = BaseClientPolicy();
  policy.deviations.push_back(ssp::Deviation::WrongPassword());
  OurClientSession session(policy, std::nullopt);
  GssOutcome accepted = session.Run();
  EXPECT_NE(accepted.major, static_cast<OM_uint32>(GSS_S_COMPLETE)) << session.Transcript();
  EXPECT_NE(accepted.major, static_cast<OM_uint32>(GSS_S_CONTINUE_NEEDED));
}

// gss-ntlmssp verifies our MIC: a MIC with one bit flipped is refused (and
// the successful profiles above therefore prove our MIC is the right one).
TEST_F(OurClientToGssAcceptor, CorruptMicRefused) {
  ssp::ClientPolicy policy = BaseClientPolicy();
  policy.deviations.push_back(ssp::Deviation::CorruptMic());
  OurClientSession session(policy, std::nullopt);
  GssOutcome accepted = session.Run();
  EXPECT_NE(accepted.major, static_cast<OM_uint32>(GSS_S_COMPLETE)) << session.Transcript();
  EXPECT_NE(accepted.major, static_cast<OM_uint32>(GSS_S_CONTINUE_NEEDED));
}

// The acceptor's LM_COMPAT_LEVEL is read per context, not cached per
// process: a standalone gss-ntlmssp acceptor at its default level 3 refuses
// our NTLMv1 response ("NTLM version 1 not allowed") after the level-2 and
// level-0 contexts above accepted it.
TEST_F(OurClientToGssAcceptor, Ntlmv1RefusedByStandaloneAcceptorAtLevel3) {
  for (int our_level : {0, 2}) {
    SCOPED_TRACE("our lm_compat_level " + std::to_string(our_level));
    ssp::ClientPolicy policy = BaseClientPolicy();
    policy.lm_compat_level = our_level;
    {
      OurClientSession accepted(policy, "2", /*standalone=*/true);
      EXPECT_EQ(accepted.Run().major, static_cast<OM_uint32>(GSS_S_COMPLETE))
          << accepted.Transcript();
    }
    OurClientSession refused(policy, "3", /*standalone=*/true);
    GssOutcome outcome = refused.Run();
    EXPECT_EQ(outcome.major, static_cast<OM_uint32>(GSS_S_FAILURE)) << outcome.Text();
    EXPECT_EQ(refused.client().response_kind(),
              our_level == 0 ? ResponseKind::kNtlmV1 : ResponseKind::kNtlmV1Ess);
  }
}

}  // namespace
}  // namespace ntlm::interop
