// gss_initiator_test.cc: gss-ntlmssp's initiator (gss_init_sec_context)
// against our acceptor (ssp::ServerContext), in process, followed by
// gss_wrap/gss_unwrap and gss_get_mic/gss_verify_mic against our
// ssp::SessionSecurity in both directions.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "ssp/credentials.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/negotiate_message.h"
#include "ssp/server_context.h"
#include "ssp/server_policy.h"
#include "ssp/session_security.h"
#include "ssp/status.h"
#include "tests/interop/exchange.h"
#include "tests/interop/gss_util.h"
#include "tests/interop/interop_fixture.h"

namespace ntlm::interop {
namespace {

using ssp::ResponseKind;
using ssp::SecStatus;

constexpr OM_uint32 kIntegConf = GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG;

// Our acceptor's policy for these tests: the defaults (NtlmMinServerSec
// 0x20000000, LmCompatibilityLevel 3) unless a case says otherwise.
ssp::ServerPolicy BasePolicy() {
  ssp::ServerPolicy policy;
  policy.lm_compat_level = 3;
  return policy;
}

// Our account store, parsed from the same NTLM_USER_FILE text gss-ntlmssp uses.
ssp::InMemoryCredentialStore OurAccounts() {
  auto store = ssp::ParseUserFile(std::string(kDomain) + ":" + std::string(kUser) + ":" +
                                  std::string(kPassword) + "\n");
  EXPECT_TRUE(store.ok()) << store.error().reason;
  return store.ok() ? std::move(*store) : ssp::InMemoryCredentialStore{};
}

std::string FlagsText(uint32_t flags) {
  return ssp::Hex32(flags) + " (" + ssp::FlagNames(flags) + ")";
}

// One gss-ntlmssp initiator talking to one of our ServerContexts.
class GssInitiatorSession {
 public:
  explicit GssInitiatorSession(ssp::ServerPolicy policy)
      : accounts_(OurAccounts()),
        server_(ssp::ServerIdentity{}, policy, accounts_, clock_, random_) {}

  // Runs NEGOTIATE -> CHALLENGE -> AUTHENTICATE and returns our server's
  // verdict. `lm_compat_level` is the gss-ntlmssp initiator's
  // LM_COMPAT_LEVEL (unset: its default, 3). A GSSAPI failure is a test
  // failure and comes back as SEC_E_INTERNAL_ERROR.
  // Behave like SPNEGO and ask for a MIC (SpnegoRequireMic) after the
  // NEGOTIATE; without this gss-ntlmssp sends no MIC.
  void RequestMic() { request_mic_ = true; }

  ssp::Result<ssp::ServerResult> Run(OM_uint32 req_flags,
                                     std::optional<std::string> lm_compat_level = std::nullopt,
                                     std::string_view password = kPassword) {
    ScopedEnv level("LM_COMPAT_LEVEL", lm_compat_level);
    if (GssOutcome o = AcquireInitiatorCred(kQualifiedUser, password, cred_); !o.ok()) {
      return GssFailure("gss_acquire_cred_with_password", o);
    }
    if (GssOutcome o = ImportTargetName(target_); !o.ok()) {
      return GssFailure("gss_import_name", o);
    }
    GssOutcome first = InitStep(cred_, gss_, target_, req_flags, {});
    if (first.major != GSS_S_CONTINUE_NEEDED) return GssFailure("gss_init_sec_context #1", first);
    negotiate_ = first.bytes;
    if (auto decoded = ssp::DecodeNegotiateMessage(negotiate_); decoded.ok()) {
      negotiate_flags_ = decoded->flags;
    } else {
      ADD_FAILURE() << "gss-ntlmssp's NEGOTIATE does not decode: " << decoded.error().reason;
    }
    if (request_mic_) {
      if (GssOutcome o = SpnegoRequireMic(gss_); !o.ok()) {
        return GssFailure("gss_inquire_sec_context_by_oid(GSS_SPNEGO_REQUIRE_MIC_OID)", o);
      }
    }

    auto challenge = server_.AcceptNegotiate(negotiate_);
    if (!challenge.ok()) return challenge.error();
    challenge_ = *challenge;

    GssOutcome second = InitStep(cred_, gss_, target_, req_flags, challenge_, &gss_ret_flags_);
    if (second.major != GSS_S_COMPLETE) {
      return GssFailure("gss_init_sec_context #2 (CHALLENGE " + ssp::HexBytes(challenge_) + ")",
                        second);
    }
    authenticate_ = second.bytes;
    if (request_mic_) {
      GssOutcome sent = SpnegoRequireMic(gss_);
      gss_sent_mic_ = sent.ok() && sent.bytes.size() == 1 && sent.bytes[0] == 1;
    }
    return server_.AcceptAuthenticate(authenticate_);
  }

  // The ExportedSessionKey gss-ntlmssp reports for its context.
  Bytes GssSessionKey() {
    GssOutcome key = SessionKey(gss_);
    EXPECT_TRUE(key.ok()) << "gss_inquire_sec_context_by_oid(GSS_C_INQ_SSPI_SESSION_KEY): "
                          << key.Text();
    return key.bytes;
  }

  std::string Transcript() const {
    return "\n  NEGOTIATE    " + ssp::HexBytes(negotiate_) + "\n  CHALLENGE    " +
           ssp::HexBytes(challenge_) + "\n  AUTHENTICATE " + ssp::HexBytes(authenticate_);
  }

  const GssContext& gss() const { return gss_; }
  uint32_t negotiate_flags() const { return negotiate_flags_; }
  OM_uint32 gss_ret_flags() const { return gss_ret_flags_; }
  // After RequestMic(): gss-ntlmssp reports that it sent a MIC.
  bool gss_sent_mic() const { return gss_sent_mic_; }
  const ssp::ServerContext& server() const { return server_; }

 private:
  ssp::Error GssFailure(const std::string& what, const GssOutcome& o) {
    ADD_FAILURE() << what << ": " << o.Text();
    return ssp::MakeError(SecStatus::kInternalError, what + ": " + o.Text());
  }

  SystemClock clock_;
  ssp::SecureRandom random_;
  ssp::InMemoryCredentialStore accounts_;
  ssp::ServerContext server_;
  GssCred cred_;
  GssName target_;
  GssContext gss_;
  Bytes negotiate_, challenge_, authenticate_;
  uint32_t negotiate_flags_ = 0;
  OM_uint32 gss_ret_flags_ = 0;
  bool request_mic_ = false;
  bool gss_sent_mic_ = false;
};

// ---------------------------------------------------------------------------
// Successful profiles, each followed by the message exchange.

struct InitiatorCase {
  const char* name;
  OM_uint32 req_flags;
  std::optional<std::string> gss_lm_compat_level;
  std::function<void(ssp::ServerPolicy&)> policy;
  ResponseKind kind;
  uint32_t must_have;  // in the AUTHENTICATE's (negotiated) flags
  uint32_t must_lack;
  ExchangeOptions exchange;
  // gss-ntlmssp seals in gss_wrap even without NTLMSSP_NEGOTIATE_SEAL.
  bool allow_seal_without_negotiation = false;
  // Ask gss-ntlmssp for a MIC (as SPNEGO does); our server must verify it.
  bool mic = false;
};

void PrintTo(const InitiatorCase& c, std::ostream* os) { *os << c.name; }

class GssInitiatorProfiles : public GssInteropTest,
                             public ::testing::WithParamInterface<InitiatorCase> {};

TEST_P(GssInitiatorProfiles, AuthenticatesAndExchangesMessages) {
  const InitiatorCase& c = GetParam();
  ssp::ServerPolicy policy = BasePolicy();
  if (c.policy) c.policy(policy);
  GssInitiatorSession session(policy);
  if (c.mic) session.RequestMic();

  auto result = session.Run(c.req_flags, c.gss_lm_compat_level);
  ASSERT_TRUE(result.ok()) << "our server refused gss-ntlmssp: " << ssp::StatusName(result.status())
                           << ": " << result.error().reason << "\n  gss NEGOTIATE flags "
                           << FlagsText(session.negotiate_flags()) << session.Transcript();
  SCOPED_TRACE(session.Transcript());

  EXPECT_EQ(result->QualifiedUser(), kQualifiedUser);
  EXPECT_EQ(result->workstation, kGssComputerName);
  EXPECT_EQ(result->kind, c.kind) << ssp::ResponseKindName(result->kind);
  const uint32_t flags = result->negotiated_flags;
  EXPECT_EQ(flags & c.must_have, c.must_have) << "negotiated " << FlagsText(flags);
  EXPECT_EQ(flags & c.must_lack, 0u) << "negotiated " << FlagsText(flags);
  EXPECT_EQ(session.server().state(), ssp::ServerState::kAuthenticated);
  EXPECT_EQ(session.gss_sent_mic(), c.mic);
  EXPECT_EQ(result->mic_verified, c.mic) << "our server's MIC verdict";
  if (c.kind == ResponseKind::kNtlmV2) {
    // gss-ntlmssp names the service it was given as MsvAvTargetName.
    EXPECT_EQ(result->client_target_name.value_or("<none>"), kTargetSpn);
  }

  // Both ends hold the same ExportedSessionKey.
  const Bytes gss_key = session.GssSessionKey();
  ASSERT_EQ(gss_key.size(), 16u);
  EXPECT_TRUE(crypto::ConstantTimeEqual(gss_key, result->exported_session_key))
      << "gss-ntlmssp and our server derived different ExportedSessionKeys (flags "
      << FlagsText(flags) << ")";

  ssp::SessionSecurity::Options options;
  options.allow_seal_without_negotiation = c.allow_seal_without_negotiation;
  ssp::SessionSecurity ours(flags, result->exported_session_key, /*is_server=*/true, options);
  ExchangeMessages(session.gss(), ours, c.exchange);
}

const ExchangeOptions kInterleaved{Ordering::kInterleaved, true, true};
const ExchangeOptions kLockstep{Ordering::kLockstep, true, true};

constexpr uint32_t kSign = ssp::kNegotiateSign;
constexpr uint32_t kSeal = ssp::kNegotiateSeal;
constexpr uint32_t kEss = ssp::kNegotiateEss;
constexpr uint32_t kKeyExch = ssp::kNegotiateKeyExch;
constexpr uint32_t k128 = ssp::kNegotiate128;
constexpr uint32_t k56 = ssp::kNegotiate56;

INSTANTIATE_TEST_SUITE_P(
    GssInitiatorToOurServer, GssInitiatorProfiles,
    ::testing::Values(
        // GSS_C_INTEG_FLAG | GSS_C_CONF_FLAG: gss-ntlmssp asks for SIGN, SEAL,
        // KEY_EXCH, LM_KEY and ESS (NEGOTIATE 0xe2088237).
        InitiatorCase{"Ntlmv2IntegConf", kIntegConf, std::nullopt, nullptr, ResponseKind::kNtlmV2,
                      kSign | kSeal | kEss | kKeyExch | k128, 0, kInterleaved},
        // As under SPNEGO: gss-ntlmssp sends MsvAvFlags 0x2 and a MIC, and
        // our server (which here requires one) verifies it.
        InitiatorCase{"Ntlmv2IntegConfMic", kIntegConf, std::nullopt,
                      [](ssp::ServerPolicy& p) { p.require_mic = true; }, ResponseKind::kNtlmV2,
                      kSign | kSeal | kEss | kKeyExch | k128, 0, kInterleaved, false, true},
        // Everything NtlmMinServerSec can ask for: SIGN, SEAL, ESS, 128-bit.
        InitiatorCase{"Ntlmv2MinServerSecEverything", kIntegConf, std::nullopt,
                      [](ssp::ServerPolicy& p) { p.min_server_sec = 0x20080030 | 0x20000000; },
                      ResponseKind::kNtlmV2, kSign | kSeal | kEss | k128, 0, kInterleaved},
        // GSS_C_INTEG_FLAG only: no SEAL in the NEGOTIATE (0xe2088217), but
        // gss_wrap still seals, so our side needs the interop option.
        InitiatorCase{"Ntlmv2IntegOnly", GSS_C_INTEG_FLAG, std::nullopt, nullptr,
                      ResponseKind::kNtlmV2, kSign | kEss | kKeyExch | k128, kSeal, kInterleaved,
                      true},
        // Our server does not offer KEY_EXCH: ExportedSessionKey = KXKEY.
        InitiatorCase{"Ntlmv2NoKeyExchange", kIntegConf, std::nullopt,
                      [](ssp::ServerPolicy& p) { p.offer_key_exchange = false; },
                      ResponseKind::kNtlmV2, kSign | kSeal | kEss, kKeyExch, kInterleaved},
        // Our server offers no 128-bit: 56-bit sealing keys (MS-NLMP 3.4.5.3).
        InitiatorCase{"Ntlmv2Seal56", kIntegConf, std::nullopt,
                      [](ssp::ServerPolicy& p) {
                        p.offer_128bit = false;
                        p.min_server_sec = 0;
                      },
                      ResponseKind::kNtlmV2, kSign | kSeal | kEss | k56, k128, kInterleaved},
        // Our server checks MsvAvTargetName against the SPN gss-ntlmssp sends.
        InitiatorCase{"Ntlmv2TargetNameChecked", kIntegConf, std::nullopt,
                      [](ssp::ServerPolicy& p) { p.target_name = std::string(kTargetSpn); },
                      ResponseKind::kNtlmV2, kSign | kSeal | kEss, 0, kInterleaved},
        // gss-ntlmssp at LM_COMPAT_LEVEL 2: NTLMv1 with ESS.
        InitiatorCase{"Ntlmv1EssLevel2", kIntegConf, "2", nullptr, ResponseKind::kNtlmV1Ess,
                      kSign | kSeal | kEss | kKeyExch, 0, kInterleaved},
        // gss-ntlmssp at LM_COMPAT_LEVEL 0: NTLMv1 without ESS, so one RC4
        // handle for both directions (MS-NLMP 3.4.4.1).
        InitiatorCase{"Ntlmv1NoEssLevel0", kIntegConf, "0", nullptr, ResponseKind::kNtlmV1,
                      kSign | kSeal | kKeyExch, kEss, kLockstep}),
    [](const ::testing::TestParamInfo<InitiatorCase>& param) { return param.param.name; });

// ---------------------------------------------------------------------------
// Single cases.

using GssInitiatorToOurServer = GssInteropTest;

// Neither GSS_C_INTEG_FLAG nor GSS_C_CONF_FLAG: gss-ntlmssp asks for neither
// SIGN nor SEAL (NEGOTIATE 0xa2088207). No message protection is possible on
// such a context (NtlmMinServerSec 0 here; the default is covered below).
// gss-ntlmssp's initiator with GSS_C_ANON_FLAG sends the anonymous
// responses (empty NT response, LM Z(1)) but still names its credential's
// user, so it is not the ANONYMOUS logon of MS-NLMP 3.2.5.1.2 ("the user name
// and response are empty"), and gss-ntlmssp's own acceptor refuses every
// anonymous logon. Our server refuses the token as malformed even with
// allow_anonymous; the anonymous session key is settled against Samba instead
// (docs/windows-fidelity.md, "The anonymous session key").
TEST_F(GssInitiatorToOurServer, AnonymousFlagStillNamesTheUserAndIsRefused) {
  ssp::ServerPolicy policy = BasePolicy();
  policy.allow_anonymous = true;
  GssInitiatorSession session(policy);
  auto result = session.Run(kIntegConf | GSS_C_ANON_FLAG);
  ASSERT_FALSE(result.ok()) << session.Transcript();
  EXPECT_EQ(result.status(), SecStatus::kInvalidToken) << result.error().reason;
  EXPECT_EQ(result.error().refusal, ssp::Refusal::kMalformedResponse) << result.error().reason;
  EXPECT_NE(session.Transcript().find("61006c00690063006500"), std::string::npos)
      << "the AUTHENTICATE names alice (UTF-16LE)" << session.Transcript();
}

TEST_F(GssInitiatorToOurServer, NoIntegrityNoConfidentiality) {
  ssp::ServerPolicy policy = BasePolicy();
  policy.min_server_sec = 0;
  GssInitiatorSession session(policy);
  auto result = session.Run(0);
  ASSERT_TRUE(result.ok()) << ssp::StatusName(result.status()) << ": " << result.error().reason
                           << session.Transcript();
  EXPECT_EQ(session.negotiate_flags() & (kSign | kSeal), 0u)
      << FlagsText(session.negotiate_flags());
  EXPECT_EQ(result->QualifiedUser(), kQualifiedUser);
  EXPECT_EQ(result->negotiated_flags & (kSign | kSeal), 0u);
  const Bytes gss_key = session.GssSessionKey();
  EXPECT_TRUE(crypto::ConstantTimeEqual(gss_key, result->exported_session_key));
  // Neither side offers message protection on such a context.
  EXPECT_NE(Wrap(session.gss(), MessageOfSize(16, 1)).major,
            static_cast<OM_uint32>(GSS_S_COMPLETE));
  ssp::SessionSecurity ours(result->negotiated_flags, result->exported_session_key, true);
  EXPECT_FALSE(ours.can_seal());
  EXPECT_FALSE(ours.can_sign());
}

// With our default NtlmMinServerSec (0x20000000, 128-bit) the same
// gss-ntlmssp NEGOTIATE (0xa2088207: 128 | 56 but neither SIGN nor SEAL, the
// same flags as Windows' HTTP NEGOTIATE) is accepted: our server echoes
// NTLMSSP_NEGOTIATE_128 without SIGN or SEAL, as Windows, Samba and
// gss-ntlmssp do ([MS-NLMP] 2.2.2.5 U requires it only with SIGN/SEAL).
// KEY_EXCH is not granted without SIGN or SEAL.
TEST_F(GssInitiatorToOurServer, NoIntegrityNoConfidentialityAcceptedByDefaultMinServerSec) {
  GssInitiatorSession session(BasePolicy());
  auto result = session.Run(0);
  EXPECT_NE(session.negotiate_flags() & k128, 0u) << FlagsText(session.negotiate_flags());
  ASSERT_TRUE(result.ok()) << result.error().reason;
  EXPECT_NE(result->negotiated_flags & k128, 0u) << FlagsText(result->negotiated_flags);
  EXPECT_EQ(result->negotiated_flags & (kSign | kSeal), 0u) << FlagsText(result->negotiated_flags);
}

// The gss-ntlmssp initiator without GSS_C_CONF_FLAG really omits
// NTLMSSP_NEGOTIATE_SEAL, so a server requiring confidentiality (0x20)
// refuses its NEGOTIATE with SEC_E_UNSUPPORTED_FUNCTION and sends no CHALLENGE.
TEST_F(GssInitiatorToOurServer, NoConfidentialityRefusedWhenSealRequired) {
  ssp::ServerPolicy policy = BasePolicy();
  policy.min_server_sec = 0x20;
  GssInitiatorSession session(policy);
  auto result = session.Run(GSS_C_INTEG_FLAG);
  EXPECT_EQ(session.negotiate_flags() & kSeal, 0u) << FlagsText(session.negotiate_flags());
  EXPECT_NE(session.negotiate_flags() & kSign, 0u) << FlagsText(session.negotiate_flags());
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status(), SecStatus::kUnsupportedFunction) << result.error().reason;
  EXPECT_EQ(session.server().state(), ssp::ServerState::kFailed);
  EXPECT_EQ(session.server().challenge(), nullptr);
}

// Without the SPNEGO MIC request gss-ntlmssp sends no MIC, which a server
// requiring one refuses.
TEST_F(GssInitiatorToOurServer, MissingMicRefusedWhenRequired) {
  ssp::ServerPolicy policy = BasePolicy();
  policy.require_mic = true;
  GssInitiatorSession session(policy);
  auto result = session.Run(kIntegConf);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status(), SecStatus::kInvalidToken) << result.error().reason;
}

TEST_F(GssInitiatorToOurServer, WrongPasswordIsLogonDenied) {
  GssInitiatorSession session(BasePolicy());
  auto result = session.Run(kIntegConf, std::nullopt, "not-the-password");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status(), SecStatus::kLogonDenied) << result.error().reason;
}

TEST_F(GssInitiatorToOurServer, OtherTargetNameIsBadBindings) {
  ssp::ServerPolicy policy = BasePolicy();
  policy.target_name = "HTTP/other.contoso.test";
  GssInitiatorSession session(policy);
  auto result = session.Run(kIntegConf);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status(), SecStatus::kBadBindings) << result.error().reason;
}

// NTLMv1 from gss-ntlmssp (LM_COMPAT_LEVEL 2) against our server at
// LmCompatibilityLevel 5, which accepts NTLMv2 only.
TEST_F(GssInitiatorToOurServer, Ntlmv1RefusedAtLmCompatLevel5) {
  ssp::ServerPolicy policy = BasePolicy();
  policy.lm_compat_level = 5;
  GssInitiatorSession session(policy);
  auto result = session.Run(kIntegConf, "2");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status(), SecStatus::kLogonDenied) << result.error().reason;
}

}  // namespace
}  // namespace ntlm::interop
