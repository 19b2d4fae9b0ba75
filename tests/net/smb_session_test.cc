// smb_session_test.cc: the socket-free SMB2/3 front (harness/net/smb_*):
// signing keys and signatures against the published 3.1.1 walkthrough, then
// whole connections driven in process by this project's NTLM client
// (ssp::ClientContext) inside SPNEGO: every dialect, signing, IPC$, refusals
// with their NTSTATUS, the log and the recorded transcript.
#include "harness/net/smb_session.h"

#include <gtest/gtest.h>

#include <variant>

#include "harness/net/smb_client.h"
#include "harness/net/smb_signing.h"
#include "harness/net/smb_status.h"
#include "harness/net/smb_wire.h"
#include "harness/net/spnego.h"
#include "harness/replay.h"
#include "ssp/client_context.h"
#include "ssp/unicode.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::harness::net::smb {
namespace {

using crypto::test_util::FromHex;
using crypto::test_util::Hex;

// From Microsoft's Open Specifications blog "SMB 2 and SMB 3 security in
// Windows 10: the anatomy of signing and cryptographic keys" (2017), appendix
// "Key derivation example for SMB 3.1.1 multichannel", first channel.
constexpr const char* kBlogNegotiateRequest =
    "FE534D4240000100000000000000800000000000000000000100000000000000FFFE000000000000"
    "00000000000000000000000000000000000000000000000024000500000000003F000000ECD86F32"
    "6276024F9F7752B89BB33F3A70000000020000000202100200030203110300000100260000000000"
    "010020000100FA49E6578F1F3A9F4CD3E9CC14A67AA884B3D05844E0E5A118225C15887F32FF0000"
    "0200060000000000020002000100";
constexpr const char* kBlogHashAfterNegotiateRequest =
    "DD94EFC5321BB618A2E208BA8920D2F422992526947A409B5037DE1E0FE8C7362B8C47122594CDE0"
    "CE26AA9DFC8BCDBDE0621957672623351A7540F1E54A0426";
constexpr const char* kBlogSessionKey = "270E1BA896585EEB7AF3472D3B4C75A7";
constexpr const char* kBlogPreauthHash =
    "0DD13628CC3ED218EF9DF9772D436D0887AB9814BFAE63A80AA845F36909DB7928622DDDAD522D97"
    "51640A459762C5A9D6BB084CBB3CE6BDADEF5D5BCE3C6C01";
constexpr const char* kBlogFinalSessionSetupResponse =
    "FE534D4240000100000000000100800009000000000000000300000000000000FFFE000000000000"
    "1900000000100000EBE146DA120BA25FC3376A49DFE31BC10900000048001D00A11B3019A0030A01"
    "00A3120410010000003B453CDC3524164200000000";

TEST(SmbSigning, PreauthHashOfTheBlogNegotiateRequest) {
  PreauthHash hash;
  hash.Update(FromHex(kBlogNegotiateRequest));
  EXPECT_EQ(Hex(hash.value()), Hex(FromHex(kBlogHashAfterNegotiateRequest)));
  auto parsed = ParseNegotiateRequest(FromHex(kBlogNegotiateRequest));
  ASSERT_TRUE(parsed.ok()) << parsed.error().reason;
  EXPECT_EQ(parsed->dialects, (std::vector<uint16_t>{0x0202, 0x0210, 0x0300, 0x0302, 0x0311}));
  ASSERT_TRUE(parsed->preauth_hash_algorithms.has_value());
  EXPECT_EQ(*parsed->preauth_hash_algorithms, std::vector<uint16_t>{kHashSha512});
  ASSERT_TRUE(parsed->ciphers.has_value());
  EXPECT_EQ(*parsed->ciphers, (std::vector<uint16_t>{2, 1}));
}

TEST(SmbSigning, Smb311KeyAndFinalSessionSetupSignatureOfTheBlog) {
  const Bytes session_key_bytes = FromHex(kBlogSessionKey);
  crypto::Key16 session_key{std::span<const uint8_t, 16>(session_key_bytes.data(), 16)};
  PreauthHashValue preauth{};
  const Bytes preauth_bytes = FromHex(kBlogPreauthHash);
  std::copy(preauth_bytes.begin(), preauth_bytes.end(), preauth.begin());
  SigningKey key = DeriveSigningKey(kDialect311, session_key, kSigningAesCmac, preauth);
  EXPECT_EQ(Hex(key.key), "73fe7a9a77bef0bde49c650d8ccb5f76");
  Bytes response = FromHex(kBlogFinalSessionSetupResponse);
  EXPECT_TRUE(VerifyMessage(key, response));
  Bytes resigned = response;
  std::fill(resigned.begin() + kSignatureOffset, resigned.begin() + kSignatureOffset + 16, 0);
  SignMessage(key, resigned);
  EXPECT_EQ(Hex(resigned), Hex(response));
  response[response.size() - 1] ^= 1;
  EXPECT_FALSE(VerifyMessage(key, response));
}

TEST(SmbSigning, Smb30AndSmb2Keys) {
  const Bytes bytes = FromHex("7CD451825D0450D235424E44BA6E78CC");
  crypto::Key16 session_key{std::span<const uint8_t, 16>(bytes.data(), 16)};
  SigningKey v30 = DeriveSigningKey(kDialect300, session_key, kSigningAesCmac, {});
  EXPECT_EQ(v30.algorithm, SigningAlgorithm::kAesCmac);
  EXPECT_EQ(Hex(v30.key), "0b7e9c5cac36c0f6ea9ab275298cedce");
  SigningKey v21 = DeriveSigningKey(kDialect210, session_key, kSigningAesCmac, {});
  EXPECT_EQ(v21.algorithm, SigningAlgorithm::kHmacSha256);
  EXPECT_EQ(Hex(v21.key), Hex(bytes));
}

TEST(SmbStatus, EverySspiRefusalHasAnNtStatus) {
  EXPECT_EQ(SessionSetupStatusFor(ssp::SecStatus::kLogonDenied), kStatusLogonFailure);
  EXPECT_EQ(SessionSetupStatusFor(ssp::SecStatus::kInvalidToken), kStatusInvalidParameter);
  EXPECT_EQ(SessionSetupStatusFor(ssp::SecStatus::kUnsupportedFunction),
            kStatusSecEUnsupportedFunction);
  EXPECT_EQ(NtStatusName(kStatusLogonFailure), "STATUS_LOGON_FAILURE");
  EXPECT_EQ(NtStatusName(0xC0001234), "0xC0001234");
}

// ------------------------------------------------------------ a test client

void Put16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

// 2026-11-25T12:00:00Z
constexpr ssp::FileTime kNow = 134400816000000000ULL;

class SmbSessionTest : public ::testing::Test {
 protected:
  SmbSessionTest() : clock_(kNow), server_random_(Bytes{0x11, 0x22, 0x33}) {
    store_.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &server_random_;
    ctx_.policy.min_server_sec = 0x20000000;
    ctx_.record = [](const Transcript&) {};
  }

  Bytes Negotiate(std::vector<uint16_t> dialects, uint16_t security_mode) {
    return builder_.Negotiate(dialects, security_mode);
  }
  Bytes SessionSetup(uint64_t session_id, const Bytes& token, uint8_t security_mode) {
    return builder_.SessionSetup(session_id, token, security_mode);
  }
  Bytes TreeConnect(uint64_t session_id, const std::string& path) {
    return builder_.TreeConnect(session_id, path);
  }
  Bytes Simple(Command command, uint64_t session_id, uint32_t tree_id) {
    return builder_.Simple(command, session_id, tree_id);
  }

  static Header Parse(const Bytes& reply) {
    auto header = ParseHeader(reply);
    EXPECT_TRUE(header.ok());
    return header.ok() ? *header : Header{};
  }

  static Bytes SecurityBuffer(const Bytes& reply) {
    auto buffer = ResponseSecurityBuffer(reply);
    EXPECT_TRUE(buffer.ok());
    return buffer.ok() ? *buffer : Bytes{};
  }

  struct LogonResult {
    uint32_t status = 0;
    uint64_t session_id = 0;
    Bytes final_reply;
    std::unique_ptr<ssp::ClientContext> client;
  };

  // NEGOTIATE then the SPNEGO session setup legs with our NTLM client.
  LogonResult Logon(SmbSession& session, uint16_t dialect, const std::string& password,
                    uint8_t setup_security_mode = kSigningEnabled, bool negotiate = true) {
    LogonResult result;
    if (negotiate) {
      auto negotiated = session.OnMessage(Negotiate({dialect}, kSigningEnabled));
      EXPECT_FALSE(negotiated.close) << negotiated.reason;
      EXPECT_EQ(Parse(negotiated.reply).status, kStatusSuccess);
    }
    auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", password, "WS01");
    result.client =
        std::make_unique<ssp::ClientContext>(*creds, ssp::ClientPolicy{}, clock_, client_random_);
    NegTokenInit init;
    init.mech_types = {Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end())};
    init.mech_token = *result.client->CreateNegotiate();
    auto first = session.OnMessage(SessionSetup(0, EncodeNegTokenInit(init), setup_security_mode));
    Header h1 = Parse(first.reply);
    result.status = h1.status;
    result.session_id = h1.session_id;
    result.final_reply = first.reply;
    if (h1.status != kStatusMoreProcessingRequired) return result;
    auto resp = DecodeNegotiationToken(SecurityBuffer(first.reply));
    EXPECT_TRUE(resp.ok());
    const auto& challenge = std::get<NegTokenResp>(*resp);
    NegTokenResp answer;
    answer.response_token = *result.client->ProcessChallenge(*challenge.response_token);
    auto second = session.OnMessage(
        SessionSetup(h1.session_id, EncodeNegTokenResp(answer), setup_security_mode));
    result.final_reply = second.reply;
    result.status = Parse(second.reply).status;
    return result;
  }

  ssp::InMemoryCredentialStore store_;
  ssp::FixedClock clock_;
  ssp::FixedRandom server_random_;
  ssp::SecureRandom client_random_;
  FrontContext ctx_;
  SmbRequestBuilder builder_;
};

TEST_F(SmbSessionTest, EveryDialectLogsOnSignsAndConnectsIpc) {
  for (uint16_t dialect : {kDialect202, kDialect210, kDialect300, kDialect302, kDialect311}) {
    SCOPED_TRACE(DialectName(dialect));
    builder_.set_next_message_id(0);
    SmbSession session(ctx_, {}, "127.0.0.1:1", 1);
    auto logon = Logon(session, dialect, "Passw0rd!", kSigningEnabled | kSigningRequired);
    ASSERT_EQ(logon.status, kStatusSuccess);
    EXPECT_TRUE(session.handshake_complete());
    // The final response is signed with the key of the dialect.
    crypto::Key16 key = logon.client->exported_session_key();
    PreauthHashValue unused{};
    // (3.1.1's hash is the server's; verify the others directly.)
    if (dialect != kDialect311) {
      EXPECT_TRUE(VerifyMessage(DeriveSigningKey(dialect, key, kSigningAesCmac, unused),
                                logon.final_reply));
    }
    EXPECT_TRUE(Parse(logon.final_reply).flags & kFlagSigned);
    // Unsigned requests are refused on a session that requires signing.
    auto unsigned_tree = session.OnMessage(TreeConnect(logon.session_id, "\\\\srv\\IPC$"));
    EXPECT_EQ(Parse(unsigned_tree.reply).status, kStatusAccessDenied);
    auto logs = session.TakeAuthLog();
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_TRUE(logs[0].accepted);
    EXPECT_EQ(logs[0].front, "smb");
    EXPECT_EQ(logs[0].user, "alice");
  }
}

TEST_F(SmbSessionTest, SignedTreeConnectEchoTreeDisconnectAndLogoff) {
  SmbSession session(ctx_, {}, "127.0.0.1:1", 1);
  auto logon = Logon(session, kDialect210, "Passw0rd!");
  ASSERT_EQ(logon.status, kStatusSuccess);
  SigningKey key =
      DeriveSigningKey(kDialect210, logon.client->exported_session_key(), kSigningAesCmac, {});
  auto send_signed = [&](Bytes message) {
    SignMessage(key, message);
    auto out = session.OnMessage(message);
    EXPECT_FALSE(out.close) << out.reason;
    EXPECT_TRUE(VerifyMessage(key, out.reply));
    return out.reply;
  };
  Bytes tree = send_signed(TreeConnect(logon.session_id, "\\\\127.0.0.1\\ipc$"));
  ASSERT_EQ(Parse(tree).status, kStatusSuccess);
  EXPECT_EQ(tree[kHeaderSize + 2], kShareTypePipe);
  const uint32_t tree_id = Parse(tree).tree_id;
  EXPECT_EQ(Parse(send_signed(Simple(Command::kEcho, logon.session_id, 0))).status, kStatusSuccess);
  EXPECT_EQ(Parse(send_signed(Simple(Command::kQueryInfo, logon.session_id, tree_id))).status,
            kStatusNotSupported);
  EXPECT_EQ(Parse(send_signed(TreeConnect(logon.session_id, "\\\\srv\\C$"))).status,
            kStatusBadNetworkName);
  EXPECT_EQ(Parse(send_signed(Simple(Command::kTreeDisconnect, logon.session_id, tree_id))).status,
            kStatusSuccess);
  EXPECT_EQ(Parse(send_signed(Simple(Command::kTreeDisconnect, logon.session_id, tree_id))).status,
            kStatusNetworkNameDeleted);
  // A tampered signature is refused.
  Bytes tampered = Simple(Command::kEcho, logon.session_id, 0);
  SignMessage(key, tampered);
  tampered[kSignatureOffset] ^= 1;
  EXPECT_EQ(Parse(session.OnMessage(tampered).reply).status, kStatusAccessDenied);
  EXPECT_EQ(Parse(send_signed(Simple(Command::kLogoff, logon.session_id, 0))).status,
            kStatusSuccess);
  EXPECT_EQ(Parse(session.OnMessage(Simple(Command::kEcho, logon.session_id, 0)).reply).status,
            kStatusSuccess);  // ECHO needs no session
  EXPECT_EQ(Parse(session.OnMessage(TreeConnect(logon.session_id, "\\\\s\\IPC$")).reply).status,
            kStatusUserSessionDeleted);
}

TEST_F(SmbSessionTest, WrongPasswordIsLogonFailureAndTheTranscriptReplays) {
  std::vector<Transcript> recorded;
  ctx_.record = [&](const Transcript& t) { recorded.push_back(t); };
  SmbSession session(ctx_, {}, "127.0.0.1:1", 1);
  auto logon = Logon(session, kDialect311, "wrong");
  EXPECT_EQ(logon.status, kStatusLogonFailure);
  auto logs = session.TakeAuthLog();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_FALSE(logs[0].accepted);
  EXPECT_EQ(logs[0].status, ssp::SecStatus::kLogonDenied);
  auto transcripts = session.TakeTranscripts();
  ASSERT_EQ(transcripts.size(), 1u);
  ASSERT_FALSE(transcripts[0].accounts.empty());
  auto replayed = ReplayServerSide(transcripts[0]);
  EXPECT_FALSE(FirstDifference(transcripts[0], replayed).has_value());
}

TEST_F(SmbSessionTest, PolicyRefusalAtTheNegotiateKeepsTheConnection) {
  ctx_.policy.min_server_sec = 0x20080030;
  SmbSession session(ctx_, {}, "127.0.0.1:1", 1);
  ASSERT_FALSE(session.OnMessage(Negotiate({kDialect210}, kSigningEnabled)).close);
  ssp::ClientPolicy policy;
  policy.requested_flags &= ~0x00000020u;  // no SEAL
  auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
  ssp::ClientContext client(*creds, policy, clock_, client_random_);
  NegTokenInit init;
  init.mech_types = {Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end())};
  init.mech_token = *client.CreateNegotiate();
  auto out = session.OnMessage(SessionSetup(0, EncodeNegTokenInit(init), kSigningEnabled));
  EXPECT_FALSE(out.close);
  EXPECT_EQ(Parse(out.reply).status, kStatusSecEUnsupportedFunction);
  auto logs = session.TakeAuthLog();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].status, ssp::SecStatus::kUnsupportedFunction);
  // The connection stays usable: a good logon follows.
  auto good = Logon(session, kDialect210, "Passw0rd!", kSigningEnabled, /*negotiate=*/false);
  EXPECT_EQ(good.status, kStatusSuccess);
}

TEST_F(SmbSessionTest, ProtocolViolationsCloseTheConnection) {
  {
    SmbSession session(ctx_, {}, "c", 1);
    auto out = session.OnMessage(Simple(Command::kEcho, 0, 0));
    EXPECT_TRUE(out.close);  // before NEGOTIATE
  }
  {
    builder_.set_next_message_id(0);
    SmbSession session(ctx_, {}, "c", 1);
    ASSERT_FALSE(session.OnMessage(Negotiate({kDialect300}, kSigningEnabled)).close);
    EXPECT_TRUE(session.OnMessage(Negotiate({kDialect300}, kSigningEnabled)).close);
  }
  {
    builder_.set_next_message_id(0);
    SmbSession session(ctx_, {}, "c", 1);
    ASSERT_FALSE(session.OnMessage(Negotiate({kDialect300}, kSigningEnabled)).close);
    builder_.set_next_message_id(100000);  // far beyond the granted credits
    EXPECT_TRUE(session.OnMessage(Simple(Command::kEcho, 0, 0)).close);
  }
  {
    // A MessageId skipped for good: the connection closes before the set of
    // used ids outgrows the credit limit.
    builder_.set_next_message_id(0);
    SmbSession session(ctx_, {}, "c", 1);
    ASSERT_FALSE(session.OnMessage(Negotiate({kDialect300}, kSigningEnabled)).close);
    builder_.set_next_message_id(2);
    bool closed = false;
    for (int i = 0; i < 2000 && !closed; ++i) {
      closed = session.OnMessage(Simple(Command::kEcho, 0, 0)).close;
    }
    EXPECT_TRUE(closed);
  }
  {
    SmbSession session(ctx_, {}, "c", 1);
    EXPECT_TRUE(session.OnMessage(FromHex("FE534D4240")).close);
    EXPECT_TRUE(session.OnMessage(FromHex("FF534D4273")).close);
  }
  {
    builder_.set_next_message_id(0);
    SmbSession session(ctx_, {}, "c", 1);
    auto out = session.OnMessage(Negotiate({0x0311}, kSigningEnabled));
    EXPECT_FALSE(out.close);  // our test client sends the contexts
    EXPECT_EQ(Parse(out.reply).status, kStatusSuccess);
  }
}

TEST_F(SmbSessionTest, Smb1NegotiateIsAnsweredWithTheWildcard) {
  // SMB1 header (32 bytes), WordCount 0, ByteCount, "\x02SMB 2.002\0\x02SMB 2.???\0".
  Bytes smb1 = {0xFF, 'S', 'M', 'B', 0x72};
  smb1.resize(32, 0);
  smb1.push_back(0);
  std::string dialects = std::string("\x02SMB 2.002\0\x02SMB 2.???\0", 22);
  Put16(smb1, static_cast<uint16_t>(dialects.size()));
  smb1.insert(smb1.end(), dialects.begin(), dialects.end());
  SmbSession session(ctx_, {}, "c", 1);
  auto out = session.OnMessage(smb1);
  ASSERT_FALSE(out.close) << out.reason;
  EXPECT_EQ(out.reply[kHeaderSize + 4] | (out.reply[kHeaderSize + 5] << 8), kDialectWildcard);
  builder_.set_next_message_id(1);
  auto again = session.OnMessage(Negotiate({kDialect210}, kSigningEnabled));
  EXPECT_FALSE(again.close) << again.reason;
  EXPECT_EQ(session.dialect(), kDialect210);
  for (int i = 0; i < 1000; ++i) {  // MessageId 0 counts as used: the window moves on
    auto echo = session.OnMessage(Simple(Command::kEcho, 0, 0));
    ASSERT_FALSE(echo.close) << echo.reason;
  }
}

}  // namespace
}  // namespace ntlm::harness::net::smb
