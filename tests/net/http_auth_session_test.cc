// http_auth_session_test.cc: the socket-free HTTP authentication of the serve
// front, driven by this project's NTLM client (ssp::ClientContext): NTLM and
// Negotiate (SPNEGO with and without mechListMIC, NTLM not preferred, raw
// NTLMSSP), refusals with their HTTP status and reason headers, the context
// bound to the connection, the JSON log line, and recorded transcripts that
// replay to the same verdict.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <variant>

#include "harness/net/auth_log.h"
#include "harness/net/http_auth.h"
#include "harness/net/spnego.h"
#include "harness/replay.h"
#include "harness/token_input.h"
#include "ssp/client_context.h"
#include "ssp/hex.h"
#include "ssp/session_security.h"

namespace ntlm::harness::net {
namespace {

using ssp::SecStatus;

// 2026-11-25T12:00:00Z
constexpr ssp::FileTime kNow = 134400816000000000ULL;

std::vector<std::string> HeaderValues(const HttpResponse& response, const std::string& name) {
  std::vector<std::string> out;
  for (const auto& [key, value] : response.headers) {
    if (key == name) out.push_back(value);
  }
  return out;
}

std::string Header(const HttpResponse& response, const std::string& name) {
  auto values = HeaderValues(response, name);
  return values.empty() ? "" : values[0];
}

Bytes B64(const std::string& text) {
  std::string error;
  auto bytes = DecodeBase64(text, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(Bytes{});
}

// The token of "Scheme <b64>" in the first WWW-Authenticate header.
Bytes ServerToken(const HttpResponse& response, const std::string& scheme) {
  std::string value = Header(response, "WWW-Authenticate");
  EXPECT_EQ(value.rfind(scheme + " ", 0), 0u) << value;
  return value.size() > scheme.size() + 1 ? B64(value.substr(scheme.size() + 1)) : Bytes{};
}

NegTokenResp DecodeResp(const Bytes& der) {
  auto token = DecodeNegotiationToken(der);
  EXPECT_TRUE(token.ok()) << (token.ok() ? "" : token.error().reason);
  if (!token.ok() || !std::holds_alternative<NegTokenResp>(*token)) return NegTokenResp{};
  return std::get<NegTokenResp>(*token);
}

class HttpAuthSessionTest : public ::testing::Test {
 protected:
  HttpAuthSessionTest() : clock_(kNow), server_random_(Bytes{0x11, 0x22, 0x33}) {
    store_.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &server_random_;
    ctx_.policy.min_server_sec = 0;
    ctx_.log = [this](const AuthLogRecord& record) { logs_.push_back(record); };
    ctx_.record = [this](const Transcript& transcript) { transcripts_.push_back(transcript); };
  }

  std::unique_ptr<ssp::ClientContext> Client(const std::string& password,
                                             ssp::ClientPolicy policy = {}) {
    auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", password, "WS01");
    EXPECT_TRUE(creds.ok());
    return std::make_unique<ssp::ClientContext>(*creds, policy, clock_, client_random_);
  }

  static HttpRequest Request(const std::string& authorization) {
    HttpRequest request;
    request.method = "GET";
    request.target = "/";
    request.headers.emplace_back("Host", "127.0.0.1");
    request.headers.emplace_back("User-Agent", "unit-test/1");
    if (!authorization.empty()) request.headers.emplace_back("Authorization", authorization);
    return request;
  }

  HttpAuthOutcome Send(HttpAuthSession& session, const std::string& scheme, ByteSpan token) {
    auto outcome = session.Handle(Request(scheme + " " + EncodeBase64(token)));
    if (outcome.log) ctx_.log(*outcome.log);
    if (outcome.transcript) ctx_.record(*outcome.transcript);
    return outcome;
  }

  // The recorded transcript replays to the verdict it states.
  void ExpectReplays(const Transcript& transcript) {
    ReplayOutcome replayed = ReplayServerSide(transcript);
    auto difference = FirstDifference(transcript, replayed);
    EXPECT_FALSE(difference.has_value()) << *difference;
  }

  ssp::InMemoryCredentialStore store_;
  ssp::FixedClock clock_;
  ssp::FixedRandom server_random_;
  ssp::SecureRandom client_random_;
  FrontContext ctx_;
  std::vector<AuthLogRecord> logs_;
  std::vector<Transcript> transcripts_;
};

TEST_F(HttpAuthSessionTest, WithoutAuthorizationBothSchemesAreOffered) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  auto outcome = session.Handle(Request(""));
  EXPECT_EQ(outcome.response.status, 401);
  EXPECT_EQ(HeaderValues(outcome.response, "WWW-Authenticate"),
            (std::vector<std::string>{"Negotiate", "NTLM"}));
  EXPECT_FALSE(outcome.log.has_value());
}

TEST_F(HttpAuthSessionTest, NtlmHandshakeAuthenticatesTheConnection) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 7);
  auto client = Client("Passw0rd!");
  auto challenge = Send(session, "NTLM", *client->CreateNegotiate());
  ASSERT_EQ(challenge.response.status, 401);
  auto authenticate = client->ProcessChallenge(ServerToken(challenge.response, "NTLM"));
  ASSERT_TRUE(authenticate.ok()) << authenticate.error().reason;
  auto done = Send(session, "NTLM", *authenticate);
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  EXPECT_TRUE(session.authenticated());

  auto body = nlohmann::json::parse(done.response.body);
  EXPECT_EQ(body["verdict"], "accept");
  EXPECT_EQ(body["user"], "alice");
  EXPECT_EQ(body["domain"], "CONTOSO");
  EXPECT_EQ(body["workstation"], "WS01");
  EXPECT_EQ(body["scheme"], "NTLM");
  EXPECT_EQ(body["negotiated_flags"], ssp::Hex32(client->negotiated_flags()));
  EXPECT_EQ(body["mic"], "verified");
  EXPECT_EQ(body["policy"]["min_server_sec"], "0x00000000");
  EXPECT_NE(body["flag_names"].dump().find("NTLMSSP_NEGOTIATE_SEAL"), std::string::npos);

  ASSERT_EQ(logs_.size(), 1u);
  EXPECT_TRUE(logs_[0].accepted);
  EXPECT_EQ(logs_[0].user, "alice");
  EXPECT_EQ(logs_[0].client_address, "127.0.0.1:1000");
  EXPECT_EQ(logs_[0].negotiated_flags, client->negotiated_flags());
  // The log line names no secret.
  std::string line = FormatAuthLogLine(logs_[0], kNow);
  EXPECT_EQ(line.find(EncodeHex(ByteSpan(client->exported_session_key()))), std::string::npos);
  EXPECT_EQ(line.find(EncodeHex(ByteSpan(store_.accounts()[0].nt_hash))), std::string::npos);
  EXPECT_EQ(line.find("Passw0rd"), std::string::npos);
  auto parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["verdict"], "accept");
  EXPECT_EQ(parsed["negotiated_flags"], ssp::Hex32(client->negotiated_flags()));
  EXPECT_EQ(parsed["time"], "2026-11-25T12:00:00Z");

  // Later requests on the connection need no new exchange.
  auto again = session.Handle(Request(""));
  EXPECT_EQ(again.response.status, 200);
  EXPECT_FALSE(again.log.has_value());

  ASSERT_EQ(transcripts_.size(), 1u);
  const Transcript& t = transcripts_[0];
  EXPECT_EQ(t.client, "unit-test/1");
  ASSERT_EQ(t.exchange.size(), 3u);
  EXPECT_TRUE(t.expect.accept);
  EXPECT_EQ(t.expect.user.value_or(""), "CONTOSO\\alice");
  ASSERT_EQ(t.accounts.size(), 1u);
  EXPECT_FALSE(t.accounts[0].password.has_value());
  ExpectReplays(t);
}

TEST_F(HttpAuthSessionTest, WrongPasswordIs401WithTheStatusAndReason) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  auto client = Client("wrong");
  auto challenge = Send(session, "NTLM", *client->CreateNegotiate());
  auto done =
      Send(session, "NTLM", *client->ProcessChallenge(ServerToken(challenge.response, "NTLM")));
  EXPECT_EQ(done.response.status, 401);
  EXPECT_EQ(Header(done.response, "X-NTLM-Status"), "SEC_E_LOGON_DENIED");
  EXPECT_NE(Header(done.response, "X-NTLM-Reason").find("does not verify"), std::string::npos);
  EXPECT_EQ(HeaderValues(done.response, "WWW-Authenticate").size(), 2u);
  EXPECT_FALSE(session.authenticated());
  ASSERT_EQ(logs_.size(), 1u);
  EXPECT_FALSE(logs_[0].accepted);
  EXPECT_EQ(logs_[0].status, SecStatus::kLogonDenied);
  EXPECT_EQ(logs_[0].user, "alice");
  EXPECT_EQ(logs_[0].workstation, "WS01");
  ASSERT_EQ(transcripts_.size(), 1u);
  EXPECT_FALSE(transcripts_[0].expect.accept);
  EXPECT_EQ(transcripts_[0].expect.at.value_or(99), 2u);
  ExpectReplays(transcripts_[0]);
  // Still no access on this connection.
  EXPECT_EQ(session.Handle(Request("")).response.status, 401);
}

TEST_F(HttpAuthSessionTest, PolicyRefusalIs403) {
  ctx_.policy.min_server_sec = ssp::kMinSecConfidentiality;
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  ssp::ClientPolicy policy;
  policy.requested_flags = ssp::kDefaultClientFlags & ~ssp::kNegotiateSeal;
  auto client = Client("Passw0rd!", policy);
  auto refused = Send(session, "NTLM", *client->CreateNegotiate());
  EXPECT_EQ(refused.response.status, 403);
  EXPECT_EQ(Header(refused.response, "X-NTLM-Status"), "SEC_E_UNSUPPORTED_FUNCTION");
  EXPECT_NE(Header(refused.response, "X-NTLM-Reason").find("missing: confidentiality (SEAL)"),
            std::string::npos);
  ASSERT_EQ(logs_.size(), 1u);
  EXPECT_EQ(logs_[0].min_server_sec, ssp::kMinSecConfidentiality);
  ASSERT_EQ(transcripts_.size(), 1u);
  ExpectReplays(transcripts_[0]);
}

TEST_F(HttpAuthSessionTest, ANewNegotiateRestartsTheContext) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  auto first = Client("Passw0rd!");
  auto first_challenge = Send(session, "NTLM", *first->CreateNegotiate());
  auto stale = first->ProcessChallenge(ServerToken(first_challenge.response, "NTLM"));
  auto second = Client("Passw0rd!");
  auto challenge = Send(session, "NTLM", *second->CreateNegotiate());
  ASSERT_EQ(challenge.response.status, 401);
  // The first context's AUTHENTICATE answers a CHALLENGE this context never sent.
  auto old = Send(session, "NTLM", *stale);
  EXPECT_EQ(old.response.status, 401);
  // Restart once more and finish.
  auto third = Client("Passw0rd!");
  challenge = Send(session, "NTLM", *third->CreateNegotiate());
  auto done =
      Send(session, "NTLM", *third->ProcessChallenge(ServerToken(challenge.response, "NTLM")));
  EXPECT_EQ(done.response.status, 200) << done.response.body;
}

TEST_F(HttpAuthSessionTest, AuthenticateWithoutNegotiateIsRefused) {
  HttpAuthSession other(ctx_, "127.0.0.1:1000", 1);
  auto client = Client("Passw0rd!");
  auto challenge = Send(other, "NTLM", *client->CreateNegotiate());
  auto authenticate = client->ProcessChallenge(ServerToken(challenge.response, "NTLM"));
  // The AUTHENTICATE arrives on a different connection.
  HttpAuthSession session(ctx_, "127.0.0.1:1001", 2);
  auto refused = Send(session, "NTLM", *authenticate);
  EXPECT_EQ(refused.response.status, 401);
  EXPECT_EQ(Header(refused.response, "X-NTLM-Status"), "SEC_E_INVALID_TOKEN");
  EXPECT_NE(Header(refused.response, "X-NTLM-Reason").find("bound to the TCP connection"),
            std::string::npos);
}

TEST_F(HttpAuthSessionTest, MalformedAuthorizationIs400) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  EXPECT_EQ(session.Handle(Request("NTLM")).response.status, 400);
  EXPECT_EQ(session.Handle(Request("NTLM !!!notbase64")).response.status, 400);
  EXPECT_EQ(session.Handle(Request("NTLM " + EncodeBase64(Bytes(20, 0x41)))).response.status, 400);
  Bytes challenge_type = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 2, 0, 0, 0};
  EXPECT_EQ(session.Handle(Request("NTLM " + EncodeBase64(challenge_type))).response.status, 400);
  Bytes truncated = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0, 1, 0, 0, 0, 7};
  auto bad = session.Handle(Request("NTLM " + EncodeBase64(truncated)));
  EXPECT_EQ(bad.response.status, 400);
  EXPECT_EQ(Header(bad.response, "X-NTLM-Status"), "SEC_E_INVALID_TOKEN");
  EXPECT_EQ(session.Handle(Request("Negotiate " + EncodeBase64(Bytes{0xa1, 0x80}))).response.status,
            400);
  auto basic = session.Handle(Request("Basic YWxpY2U6cA=="));
  EXPECT_EQ(basic.response.status, 401);
  EXPECT_EQ(HeaderValues(basic.response, "WWW-Authenticate").size(), 2u);
  HttpRequest twice = Request("NTLM abc");
  twice.headers.emplace_back("Authorization", "NTLM abc");
  EXPECT_EQ(session.Handle(twice).response.status, 400);
}

TEST_F(HttpAuthSessionTest, RawNtlmsspOnNegotiateIsAnsweredRaw) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  auto client = Client("Passw0rd!");
  auto challenge = Send(session, "Negotiate", *client->CreateNegotiate());
  ASSERT_EQ(challenge.response.status, 401);
  Bytes token = ServerToken(challenge.response, "Negotiate");
  ASSERT_GE(token.size(), 8u);
  EXPECT_EQ(std::string(token.begin(), token.begin() + 7), "NTLMSSP");
  auto done = Send(session, "Negotiate", *client->ProcessChallenge(token));
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  EXPECT_TRUE(HeaderValues(done.response, "WWW-Authenticate").empty());
  EXPECT_EQ(nlohmann::json::parse(done.response.body)["spnego"], false);
}

class HttpAuthSpnegoTest : public HttpAuthSessionTest {
 protected:
  const Bytes ntlm_oid_{kNtlmMechOid.begin(), kNtlmMechOid.end()};
  const Bytes krb5_oid_{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};

  // The client's mechListMIC over `mech_types`, and its session security
  // (to check the server's).
  static std::array<uint8_t, 16> Mic(ssp::SessionSecurity& security, const Bytes& mech_types) {
    std::array<uint8_t, 16> mic{};
    EXPECT_TRUE(security.Sign(EncodeMechTypeList({mech_types}), mic).ok());
    return mic;
  }
};

TEST_F(HttpAuthSpnegoTest, NegTokenInitThenNegTokenRespWithMechListMic) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  auto client = Client("Passw0rd!");
  NegTokenInit init;
  init.mech_types = {ntlm_oid_};
  init.mech_token = *client->CreateNegotiate();
  auto challenge = Send(session, "Negotiate", EncodeNegTokenInit(init));
  ASSERT_EQ(challenge.response.status, 401) << challenge.response.body;
  NegTokenResp first = DecodeResp(ServerToken(challenge.response, "Negotiate"));
  EXPECT_EQ(first.neg_state, NegState::kAcceptIncomplete);
  EXPECT_EQ(first.supported_mech, ntlm_oid_);
  ASSERT_TRUE(first.response_token.has_value());

  auto authenticate = client->ProcessChallenge(*first.response_token);
  ASSERT_TRUE(authenticate.ok());
  auto security = client->CreateSessionSecurity();
  ASSERT_TRUE(security.ok());
  Bytes mech_types = EncodeMechTypeList(init.mech_types);
  std::array<uint8_t, 16> mic{};
  ASSERT_TRUE(security->Sign(mech_types, mic).ok());
  NegTokenResp resp;
  resp.response_token = *authenticate;
  resp.mech_list_mic = Bytes(mic.begin(), mic.end());
  auto done = Send(session, "Negotiate", EncodeNegTokenResp(resp));
  ASSERT_EQ(done.response.status, 200) << done.response.body;
  auto body = nlohmann::json::parse(done.response.body);
  EXPECT_EQ(body["spnego"], true);
  EXPECT_EQ(body["mech_list_mic"], "verified");

  NegTokenResp last = DecodeResp(ServerToken(done.response, "Negotiate"));
  EXPECT_EQ(last.neg_state, NegState::kAcceptCompleted);
  EXPECT_FALSE(last.supported_mech.has_value());
  ASSERT_TRUE(last.mech_list_mic.has_value());
  ASSERT_EQ(last.mech_list_mic->size(), 16u);
  // The server's mechListMIC verifies with the client's session.
  EXPECT_TRUE(security->Verify(mech_types, ssp::SignatureIn(last.mech_list_mic->data(), 16)).ok());
  ASSERT_EQ(transcripts_.size(), 1u);
  ExpectReplays(transcripts_[0]);
}

TEST_F(HttpAuthSpnegoTest, AWrongMechListMicIsRefused) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  auto client = Client("Passw0rd!");
  NegTokenInit init;
  init.mech_types = {ntlm_oid_};
  init.mech_token = *client->CreateNegotiate();
  auto challenge = Send(session, "Negotiate", EncodeNegTokenInit(init));
  NegTokenResp first = DecodeResp(ServerToken(challenge.response, "Negotiate"));
  NegTokenResp resp;
  resp.response_token = *client->ProcessChallenge(*first.response_token);
  auto security = client->CreateSessionSecurity();
  std::array<uint8_t, 16> mic{};
  ASSERT_TRUE(security->Sign(EncodeMechTypeList({krb5_oid_, ntlm_oid_}), mic).ok());  // other list
  resp.mech_list_mic = Bytes(mic.begin(), mic.end());
  auto refused = Send(session, "Negotiate", EncodeNegTokenResp(resp));
  EXPECT_EQ(refused.response.status, 401);
  EXPECT_EQ(Header(refused.response, "X-NTLM-Status"), "SEC_E_MESSAGE_ALTERED");
  EXPECT_NE(Header(refused.response, "X-NTLM-Reason").find("mechListMIC"), std::string::npos);
  EXPECT_FALSE(session.authenticated());
  ASSERT_EQ(logs_.size(), 1u);
  EXPECT_FALSE(logs_[0].accepted);
}

TEST_F(HttpAuthSpnegoTest, NtlmNotPreferredNeedsTheMechListMic) {
  for (bool send_mic : {false, true}) {
    SCOPED_TRACE(send_mic ? "with mechListMIC" : "without mechListMIC");
    HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
    auto client = Client("Passw0rd!");
    NegTokenInit init;
    init.mech_types = {krb5_oid_, ntlm_oid_};
    init.mech_token = Bytes{0x60, 0x00};  // an optimistic Kerberos token, not used
    auto select = Send(session, "Negotiate", EncodeNegTokenInit(init));
    ASSERT_EQ(select.response.status, 401);
    NegTokenResp selected = DecodeResp(ServerToken(select.response, "Negotiate"));
    EXPECT_EQ(selected.neg_state, NegState::kRequestMic);
    EXPECT_EQ(selected.supported_mech, ntlm_oid_);
    EXPECT_FALSE(selected.response_token.has_value());

    NegTokenResp negotiate;
    negotiate.response_token = *client->CreateNegotiate();
    auto challenge = Send(session, "Negotiate", EncodeNegTokenResp(negotiate));
    ASSERT_EQ(challenge.response.status, 401);
    NegTokenResp with_challenge = DecodeResp(ServerToken(challenge.response, "Negotiate"));
    EXPECT_FALSE(with_challenge.supported_mech.has_value());
    ASSERT_TRUE(with_challenge.response_token.has_value());

    NegTokenResp resp;
    resp.response_token = *client->ProcessChallenge(*with_challenge.response_token);
    if (send_mic) {
      auto security = client->CreateSessionSecurity();
      std::array<uint8_t, 16> mic{};
      ASSERT_TRUE(security->Sign(EncodeMechTypeList(init.mech_types), mic).ok());
      resp.mech_list_mic = Bytes(mic.begin(), mic.end());
    }
    auto done = Send(session, "Negotiate", EncodeNegTokenResp(resp));
    EXPECT_EQ(done.response.status, send_mic ? 200 : 401) << done.response.body;
  }
}

TEST_F(HttpAuthSpnegoTest, NoNtlmAmongTheMechsIsRejected) {
  HttpAuthSession session(ctx_, "127.0.0.1:1000", 1);
  NegTokenInit init;
  init.mech_types = {krb5_oid_};
  init.mech_token = Bytes{0x60, 0x00};
  auto refused = Send(session, "Negotiate", EncodeNegTokenInit(init));
  EXPECT_EQ(refused.response.status, 401);
  EXPECT_EQ(DecodeResp(ServerToken(refused.response, "Negotiate")).neg_state, NegState::kReject);
  EXPECT_NE(Header(refused.response, "X-NTLM-Reason").find("1.2.840.113554.1.2.2"),
            std::string::npos);
  // A NegTokenResp without a NegTokenInit before it is out of order.
  NegTokenResp stray;
  stray.response_token = Bytes{1};
  EXPECT_EQ(Send(session, "Negotiate", EncodeNegTokenResp(stray)).response.status, 401);
}

TEST(AuthLogLine, HasEveryFieldAndEscapesNames) {
  AuthLogRecord record;
  record.front = "http";
  record.client_address = "[::1]:5000";
  record.user = "al\"ice\n";
  record.domain = "CONTOSO";
  record.workstation = std::string("W\xff", 2);  // not UTF-8
  record.negotiated_flags = 0xe2888215;
  record.min_server_sec = 0x20000000;
  record.lm_compat_level = 5;
  record.status = SecStatus::kTimeSkew;
  record.reason = "timestamp too far";
  std::string line = FormatAuthLogLine(record, kNow);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["event"], "auth");
  EXPECT_EQ(json["client"], "[::1]:5000");
  EXPECT_EQ(json["user"], "al\"ice\n");
  EXPECT_EQ(json["negotiated_flags"], "0xe2888215");
  EXPECT_EQ(json["min_server_sec"], "0x20000000");
  EXPECT_EQ(json["lm_compat_level"], 5);
  EXPECT_EQ(json["verdict"], "reject");
  EXPECT_EQ(json["status"], "SEC_E_TIME_SKEW");
  EXPECT_EQ(json["reason"], "timestamp too far");
}

// FormatAuthLogLine writes the line itself: it must be exactly nlohmann's
// compact form of the same object (same key order, same escapes, invalid
// UTF-8 replaced the same way), for plain ASCII names and for every other kind.
TEST(AuthLogLine, IsNlohmannsCompactForm) {
  const std::string names[] = {"alice",
                               "al\"ice\n",
                               std::string("W\xff", 2),
                               "back\\slash",
                               "\xc3\xa9t\xc3\xa9",
                               std::string("nul\0tab\t", 8),
                               "",
                               "~ \x7f"};
  for (const std::string& name : names) {
    AuthLogRecord record;
    record.front = "rpc";
    record.mechanism = name.empty() ? "" : "ntlmssp";
    record.client_address = "127.0.0.1:5000";
    record.user = name;
    record.domain = name;
    record.workstation = "WS";
    record.accepted = name.size() % 2 == 0;
    record.reason = name;
    const std::string line = FormatAuthLogLine(record, kNow);
    const auto parsed = nlohmann::ordered_json::parse(line);
    EXPECT_EQ(parsed.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace), line)
        << "name: "
        << nlohmann::json(name).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  }
}

}  // namespace
}  // namespace ntlm::harness::net
