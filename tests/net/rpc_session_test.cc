// rpc_session_test.cc: the DCE/RPC association state machine, driven by a
// client built from this project's real NTLMSSP initiator (ssp::ClientContext)
// and PDU encoder: three- and four-leg binds, integrity/privacy calls with
// fragmented requests and responses, every refusal path.
#include "harness/net/rpc_session.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <variant>

#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_pdu.h"
#include "harness/net/rpc_rpcecho_interface.h"
#include "harness/net/spnego.h"
#include "ssp/client_context.h"
#include "ssp/credentials.h"
#include "ssp/flags.h"

namespace ntlm::harness::net::rpc {
namespace {

constexpr ssp::FileTime kNow = 134080992000000000ULL;  // 2025-11-25

// The client side of one association.
class TestClient {
 public:
  TestClient(std::string password, ssp::ClientPolicy policy, const ssp::Clock& clock,
             ssp::RandomSource& random)
      : ntlm_(*ssp::ClientCredentials::FromPassword("alice", "CONTOSO", password, "WS01"), policy,
              clock, random) {}

  Bytes Bind(uint8_t level, uint8_t type = kPfcFirstFrag | kPfcLastFrag, bool with_auth = true,
             std::vector<ContextElement> contexts = {}) {
    level_ = level;
    if (contexts.empty()) contexts.push_back({0, EchoInterfaceSyntax(), {NdrTransferSyntax()}});
    BindBody body{4280, 4280, 0, contexts};
    CommonHeader h;
    h.type = static_cast<uint8_t>(PduType::kBind);
    h.pfc_flags = type;
    h.call_id = 1;
    if (!with_auth) return EncodeFragment(h, EncodeBindBody(body), nullptr);
    Bytes negotiate = *ntlm_.CreateNegotiate();
    Verifier v{SecTrailer{kAuthTypeWinNt, level, 0, 0, 79231}, negotiate};
    return EncodeFragment(h, EncodeBindBody(body), &v, 0, 4);
  }

  // AUTHENTICATE from the bind_ack's CHALLENGE, in auth3 or alter_context.
  Bytes Authenticate(const Bytes& bind_ack, bool alter) {
    auto f = ParseFragment(bind_ack, 65535);
    EXPECT_TRUE(f.ok());
    auto ack = ParseBindAckBody(*f);
    EXPECT_TRUE(ack.ok());
    max_xmit_ = ack->max_recv_frag;
    header_sign_ = (f->header.pfc_flags & kPfcSupportHeaderSign) != 0;
    auto authenticate = ntlm_.ProcessChallenge(f->auth_value);
    EXPECT_TRUE(authenticate.ok()) << authenticate.error().reason;
    if (ntlm_.complete()) {
      auto security = ntlm_.CreateSessionSecurity();
      EXPECT_TRUE(security.ok());
      security_.emplace(std::move(*security));
    }
    CommonHeader h;
    h.call_id = 1;
    Verifier v{SecTrailer{kAuthTypeWinNt, level_, 0, 0, 79231}, *authenticate};
    if (alter) {
      h.type = static_cast<uint8_t>(PduType::kAlterContext);
      BindBody body{4280, 4280, 0, {{0, EchoInterfaceSyntax(), {NdrTransferSyntax()}}}};
      return EncodeFragment(h, EncodeBindBody(body), &v, 0, 4);
    }
    h.type = static_cast<uint8_t>(PduType::kAuth3);
    const uint8_t pad[4] = {0x20, 0x20, 0x20, 0x20};
    return EncodeFragment(h, ByteSpan(pad), &v, 0, 4);
  }

  // A bind whose verifier is a SPNEGO NegTokenInit (auth_type 9) around the
  // NEGOTIATE, NTLM the only mech.
  // With `kerberos_first`, NTLM comes second and no mechToken is sent.
  Bytes SpnegoBind(uint8_t level, bool kerberos_first = false) {
    level_ = level;
    auth_type_ = kAuthTypeSpnego;
    NegTokenInit init;
    init.mech_types = {Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end())};
    if (kerberos_first) {
      // 1.2.840.113554.1.2.2 (Kerberos 5)
      init.mech_types.insert(init.mech_types.begin(),
                             Bytes{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02});
    } else {
      init.mech_token = *ntlm_.CreateNegotiate();
    }
    mech_types_der_ = EncodeMechTypeList(init.mech_types);
    BindBody body{4280, 4280, 0, {{0, EchoInterfaceSyntax(), {NdrTransferSyntax()}}}};
    CommonHeader h;
    h.type = static_cast<uint8_t>(PduType::kBind);
    h.call_id = 1;
    const Bytes token = EncodeNegTokenInit(init);
    Verifier v{SecTrailer{kAuthTypeSpnego, level, 0, 0, 79231}, token};
    return EncodeFragment(h, EncodeBindBody(body), &v, 0, 4);
  }

  // The alter_context with NegTokenResp{AUTHENTICATE, mechListMIC} answering
  // the bind_ack's NegTokenResp{CHALLENGE}; `corrupt_mic` flips a MIC bit.
  // The alter_context carrying NegTokenResp{NEGOTIATE} after the bind_ack
  // selected NTLM without a token (request-mic).
  Bytes SpnegoNegotiate(const Bytes& bind_ack) {
    auto f = ParseFragment(bind_ack, 65535);
    EXPECT_TRUE(f.ok());
    auto token = DecodeNegotiationToken(f->auth_value);
    EXPECT_TRUE(token.ok());
    const auto& resp = std::get<NegTokenResp>(*token);
    EXPECT_EQ(resp.neg_state, NegState::kRequestMic);
    EXPECT_TRUE(resp.supported_mech && IsNtlmMech(*resp.supported_mech));
    EXPECT_FALSE(resp.response_token);
    NegTokenResp out;
    out.response_token = *ntlm_.CreateNegotiate();
    const Bytes value = EncodeNegTokenResp(out);
    CommonHeader h;
    h.type = static_cast<uint8_t>(PduType::kAlterContext);
    h.call_id = 2;
    BindBody body{4280, 4280, 0, {{0, EchoInterfaceSyntax(), {NdrTransferSyntax()}}}};
    Verifier v{SecTrailer{kAuthTypeSpnego, level_, 0, 0, 79231}, value};
    return EncodeFragment(h, EncodeBindBody(body), &v, 0, 4);
  }

  // `first`: the reply is the acceptor's first NegTokenResp (supportedMech).
  Bytes SpnegoAuthenticate(const Bytes& bind_ack, bool corrupt_mic, bool first = true) {
    auto f = ParseFragment(bind_ack, 65535);
    EXPECT_TRUE(f.ok());
    EXPECT_EQ(f->trailer->auth_type, kAuthTypeSpnego);
    auto token = DecodeNegotiationToken(f->auth_value);
    EXPECT_TRUE(token.ok());
    const auto& resp = std::get<NegTokenResp>(*token);
    EXPECT_EQ(resp.neg_state, NegState::kAcceptIncomplete);
    EXPECT_EQ(resp.supported_mech.has_value(), first);
    auto authenticate = ntlm_.ProcessChallenge(*resp.response_token);
    EXPECT_TRUE(authenticate.ok()) << authenticate.error().reason;
    auto security = ntlm_.CreateSessionSecurity();
    EXPECT_TRUE(security.ok());
    security_.emplace(std::move(*security));
    std::array<uint8_t, 16> mic{};
    EXPECT_TRUE(security_->Sign(mech_types_der_, mic).ok());
    if (corrupt_mic) mic[15] ^= 1;
    NegTokenResp out;
    out.response_token = *authenticate;
    out.mech_list_mic = Bytes(mic.begin(), mic.end());
    const Bytes value = EncodeNegTokenResp(out);
    CommonHeader h;
    h.type = static_cast<uint8_t>(PduType::kAlterContext);
    h.call_id = 2;
    BindBody body{4280, 4280, 0, {{0, EchoInterfaceSyntax(), {NdrTransferSyntax()}}}};
    Verifier v{SecTrailer{kAuthTypeSpnego, level_, 0, 0, 79231}, value};
    return EncodeFragment(h, EncodeBindBody(body), &v, 0, 4);
  }

  // Checks the alter_context_resp's NegTokenResp{accept-completed,
  // mechListMIC} and re-keys RC4 as MS-SPNG 3.2.5.1 requires.
  ::testing::AssertionResult SpnegoComplete(const Bytes& alter_resp) {
    auto f = ParseFragment(alter_resp, 65535);
    if (!f.ok() || !f->trailer) return ::testing::AssertionFailure() << "no verifier";
    auto token = DecodeNegotiationToken(f->auth_value);
    if (!token.ok()) return ::testing::AssertionFailure() << token.error().reason;
    const auto* resp = std::get_if<NegTokenResp>(&*token);
    if (!resp || resp->neg_state != NegState::kAcceptCompleted || !resp->mech_list_mic) {
      return ::testing::AssertionFailure() << "not accept-completed with a mechListMIC";
    }
    auto st = security_->Verify(mech_types_der_, ssp::SignatureIn(resp->mech_list_mic->data(), 16));
    if (!st.ok()) return ::testing::AssertionFailure() << st.error().reason;
    security_->ResetSealingState();
    return ::testing::AssertionSuccess();
  }

  // A request, split into fragments of at most `chunk` stub bytes, each with
  // its own verifier (at integrity/privacy).
  std::vector<Bytes> Request(uint32_t call_id, uint16_t opnum, ByteSpan stub, size_t chunk,
                             uint16_t context_id = 0) {
    std::vector<Bytes> out;
    size_t offset = 0;
    do {
      const size_t n = std::min(chunk, stub.size() - offset);
      CommonHeader h;
      h.type = static_cast<uint8_t>(PduType::kRequest);
      h.pfc_flags = static_cast<uint8_t>((offset == 0 ? kPfcFirstFrag : 0) |
                                         (offset + n == stub.size() ? kPfcLastFrag : 0));
      h.call_id = call_id;
      Bytes body =
          EncodeRequestHeader(static_cast<uint32_t>(stub.size() - offset), context_id, opnum);
      body.insert(body.end(), stub.begin() + offset, stub.begin() + offset + n);
      offset += n;
      out.push_back(Protect(h, body));
    } while (offset < stub.size());
    return out;
  }

  // Verifies/unseals response fragments and returns the reassembled stub.
  ::testing::AssertionResult ReadResponse(const std::vector<Bytes>& pdus, Bytes& stub) {
    stub.clear();
    for (size_t i = 0; i < pdus.size(); ++i) {
      Bytes bytes = pdus[i];
      if (bytes.size() > max_xmit_) return ::testing::AssertionFailure() << "fragment too big";
      auto f = ParseFragment(bytes, 65535);
      if (!f.ok()) return ::testing::AssertionFailure() << f.error().reason;
      if (f->header.type != static_cast<uint8_t>(PduType::kResponse)) {
        return ::testing::AssertionFailure() << "not a response: " << PduTypeName(f->header.type);
      }
      const bool first = f->header.pfc_flags & kPfcFirstFrag;
      const bool last = f->header.pfc_flags & kPfcLastFrag;
      if (first != (i == 0) || last != (i + 1 == pdus.size())) {
        return ::testing::AssertionFailure() << "fragment flags wrong at " << i;
      }
      const size_t begin = kCommonHeaderSize + kResponseHeaderSize;
      size_t end = f->trailer_offset;
      if (level_ >= kAuthLevelPktIntegrity) {
        if (!f->trailer || f->auth_value.size() != 16) {
          return ::testing::AssertionFailure() << "no verifier";
        }
        if ((end - begin) % 16 != 0) return ::testing::AssertionFailure() << "pad not to 16";
        auto st = Unprotect(bytes, begin, end, f->auth_value);
        if (!st.ok()) return ::testing::AssertionFailure() << st.error().reason;
        end -= f->trailer->auth_pad_length;
      }
      stub.insert(stub.end(), bytes.begin() + begin, bytes.begin() + end);
    }
    return ::testing::AssertionSuccess();
  }

  ssp::SessionSecurity& security() { return *security_; }
  uint8_t level() const { return level_; }

 private:
  bool Covered() const { return header_sign_ || security_->extended_session_security(); }

  Bytes Protect(const CommonHeader& h, const Bytes& body) {
    if (level_ < kAuthLevelPktIntegrity) return EncodeFragment(h, body, nullptr);
    const uint8_t zeros[16] = {};
    Verifier v{SecTrailer{auth_type_, level_, 0, 0, 79231}, ByteSpan(zeros)};
    Bytes f = EncodeFragment(h, body, &v, 24, 16);
    const size_t trailer = f.size() - 24;
    MutableByteSpan all(f);
    const bool covered = Covered();
    auto edge = [&](ByteSpan b) {
      return covered ? ssp::WrapBuffer::SignOnly(b) : ssp::WrapBuffer::ReadOnly(b);
    };
    const MutableByteSpan data = all.subspan(24, trailer - 24);
    const ssp::WrapBuffer buffers[] = {edge(ByteSpan(all).first(24)),
                                       level_ == kAuthLevelPktPrivacy
                                           ? ssp::WrapBuffer::EncryptInPlace(data)
                                           : ssp::WrapBuffer::SignOnly(data),
                                       edge(ByteSpan(all).subspan(trailer, 8))};
    EXPECT_TRUE(security_->SealEx(buffers, ssp::SignatureOut(all.data() + trailer + 8, 16)).ok());
    return f;
  }

  ssp::Status Unprotect(Bytes& bytes, size_t begin, size_t end, ByteSpan signature) {
    MutableByteSpan all(bytes);
    const bool covered = Covered();
    auto edge = [&](ByteSpan b) {
      return covered ? ssp::WrapBuffer::SignOnly(b) : ssp::WrapBuffer::ReadOnly(b);
    };
    const MutableByteSpan data = all.subspan(begin, end - begin);
    const ssp::WrapBuffer buffers[] = {edge(ByteSpan(all).first(begin)),
                                       level_ == kAuthLevelPktPrivacy
                                           ? ssp::WrapBuffer::EncryptInPlace(data)
                                           : ssp::WrapBuffer::SignOnly(data),
                                       edge(ByteSpan(all).subspan(end, 8))};
    Bytes sig(signature.begin(), signature.end());
    return security_->UnsealEx(buffers, ssp::SignatureIn(sig.data(), 16));
  }

  ssp::ClientContext ntlm_;
  std::optional<ssp::SessionSecurity> security_;
  uint8_t level_ = kAuthLevelNone;
  uint8_t auth_type_ = kAuthTypeWinNt;
  Bytes mech_types_der_;
  uint16_t max_xmit_ = 4280;
  bool header_sign_ = false;
};

class RpcSessionTest : public ::testing::Test {
 protected:
  RpcSessionTest() : clock_(kNow), random_(Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9}) {
    store_.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &random_;
  }

  RpcSession MakeSession(RpcSessionOptions options = {}) { return RpcSession(ctx_, options); }
  TestClient MakeClient(std::string password = "Passw0rd!", ssp::ClientPolicy policy = {}) {
    return TestClient(std::move(password), policy, clock_, client_random_);
  }

  static PduType TypeOf(const Bytes& pdu) { return static_cast<PduType>(pdu.at(2)); }
  static uint32_t FaultStatus(const Bytes& pdu) {
    auto f = ParseFragment(pdu, 65535);
    EXPECT_TRUE(f.ok());
    return *ParseFaultStatus(*f);
  }
  static uint16_t NakReason(const Bytes& pdu) {
    auto f = ParseFragment(pdu, 65535);
    EXPECT_TRUE(f.ok());
    return *ParseBindNakReason(*f);
  }

  // Binds and authenticates; returns the bind_ack.
  Bytes Establish(RpcSession& session, TestClient& client, uint8_t level, bool alter = false) {
    auto out = session.OnFragment(client.Bind(level));
    EXPECT_EQ(out.pdus.size(), 1u);
    EXPECT_FALSE(out.close) << out.reason;
    EXPECT_EQ(TypeOf(out.pdus[0]), PduType::kBindAck);
    Bytes ack = out.pdus[0];
    auto leg3 = session.OnFragment(client.Authenticate(ack, alter));
    EXPECT_FALSE(leg3.close) << leg3.reason;
    if (alter) {
      EXPECT_EQ(leg3.pdus.size(), 1u);
      if (!leg3.pdus.empty()) {
        EXPECT_EQ(TypeOf(leg3.pdus[0]), PduType::kAlterContextResp);
      }
    } else {
      EXPECT_TRUE(leg3.pdus.empty());
    }
    EXPECT_TRUE(session.authenticated());
    return ack;
  }

  void EchoRoundTrip(RpcSession& session, TestClient& client, size_t size, size_t chunk,
                     uint32_t call_id) {
    Bytes payload(size);
    for (size_t i = 0; i < size; ++i) payload[i] = static_cast<uint8_t>(i * 31 + 7);
    const Bytes stub = EncodeByteArray(payload);
    auto fragments = client.Request(call_id, kEchoOpnum, stub, chunk);
    RpcSession::Output out;
    for (size_t i = 0; i < fragments.size(); ++i) {
      out = session.OnFragment(fragments[i]);
      ASSERT_FALSE(out.close) << out.reason;
      if (i + 1 < fragments.size()) {
        ASSERT_TRUE(out.pdus.empty());
      }
    }
    Bytes answer;
    ASSERT_TRUE(client.ReadResponse(out.pdus, answer));
    EXPECT_EQ(answer, stub);
  }

  ssp::InMemoryCredentialStore store_;
  ssp::FixedClock clock_;
  ssp::FixedRandom random_;
  ssp::FixedRandom client_random_{Bytes{9, 8, 7, 6, 5}};
  FrontContext ctx_;
};

TEST_F(RpcSessionTest, ThreeLegPrivacyEchoWithFragmentedRequestAndResponse) {
  auto session = MakeSession();
  auto client = MakeClient();
  Establish(session, client, kAuthLevelPktPrivacy);
  EchoRoundTrip(session, client, 0, 4000, 2);
  EchoRoundTrip(session, client, 1, 4000, 3);
  EchoRoundTrip(session, client, 10000, 1000, 4);  // 11 request, 3 response fragments
  EchoRoundTrip(session, client, 65536, 4096, 5);
  auto outcome = session.TakeAuthOutcome();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->accepted);
  EXPECT_EQ(outcome->user, "alice");
  EXPECT_EQ(outcome->workstation, "WS01");
  EXPECT_FALSE(session.TakeAuthOutcome().has_value());  // reported once
}

TEST_F(RpcSessionTest, FourLegAlterContextIntegrityEcho) {
  auto session = MakeSession();
  auto client = MakeClient();
  Establish(session, client, kAuthLevelPktIntegrity, /*alter=*/true);
  EchoRoundTrip(session, client, 3000, 1024, 2);
}

TEST_F(RpcSessionTest, WhoAmIReportsUserFlagsAndLevel) {
  auto session = MakeSession();
  auto client = MakeClient();
  Establish(session, client, kAuthLevelPktPrivacy);
  auto out = session.OnFragment(client.Request(2, kWhoAmIOpnum, {}, 100)[0]);
  Bytes answer;
  ASSERT_TRUE(client.ReadResponse(out.pdus, answer));
  auto text = DecodeByteArray(answer);
  ASSERT_TRUE(text.ok());
  const std::string s(text->begin(), text->end());
  EXPECT_EQ(s.rfind("CONTOSO\\alice flags=0x", 0), 0u) << s;
  EXPECT_NE(s.find("level=pkt_privacy"), std::string::npos) << s;
}

TEST_F(RpcSessionTest, ConnectLevelCallsCarryNoVerifier) {
  auto session = MakeSession();
  auto client = MakeClient();
  Establish(session, client, kAuthLevelConnect);
  EchoRoundTrip(session, client, 100, 4000, 2);
  // At connect level neither the request nor the response carries an auth
  // verifier: auth_length 0 and the fragment ends with the stub.
  const Bytes stub = EncodeByteArray(Bytes(100, 0x5a));
  const auto fragments = client.Request(3, kEchoOpnum, stub, 4000);
  ASSERT_EQ(fragments.size(), 1u);
  auto request = ParseCommonHeader(fragments[0], 4280);
  ASSERT_TRUE(request.ok()) << request.error().reason;
  EXPECT_EQ(request->auth_length, 0u);
  EXPECT_EQ(request->frag_length, fragments[0].size());
  auto out = session.OnFragment(fragments[0]);
  ASSERT_FALSE(out.close) << out.reason;
  ASSERT_EQ(out.pdus.size(), 1u);
  auto response = ParseCommonHeader(out.pdus[0], 4280);
  ASSERT_TRUE(response.ok()) << response.error().reason;
  EXPECT_EQ(TypeOf(out.pdus[0]), PduType::kResponse);
  EXPECT_EQ(response->auth_length, 0u);
  Bytes answer;
  ASSERT_TRUE(client.ReadResponse(out.pdus, answer));
  EXPECT_EQ(answer, stub);
}

TEST_F(RpcSessionTest, WithoutEssHeaderSigningDecidesWhatTheSignatureCovers) {
  ssp::ClientPolicy policy;
  policy.requested_flags &= ~ssp::kNegotiateEss;
  policy.lm_compat_level = 1;
  for (uint8_t flags : {uint8_t{kPfcFirstFrag | kPfcLastFrag},
                        uint8_t{kPfcFirstFrag | kPfcLastFrag | kPfcSupportHeaderSign}}) {
    auto session = MakeSession();
    auto client = MakeClient("Passw0rd!", policy);
    auto out = session.OnFragment(client.Bind(kAuthLevelPktPrivacy, flags));
    ASSERT_EQ(TypeOf(out.pdus.at(0)), PduType::kBindAck);
    EXPECT_EQ(out.pdus[0][3] & kPfcSupportHeaderSign, flags & kPfcSupportHeaderSign);
    EXPECT_TRUE(session.OnFragment(client.Authenticate(out.pdus[0], false)).pdus.empty());
    ASSERT_TRUE(session.authenticated()) << session.TakeAuthOutcome()->reason;
    EXPECT_FALSE(client.security().extended_session_security());
    EchoRoundTrip(session, client, 5000, 2000, 2);
  }
}

TEST_F(RpcSessionTest, TamperedRequestFaultsWithSspiStatusAndCloses) {
  auto session = MakeSession();
  auto client = MakeClient();
  Establish(session, client, kAuthLevelPktIntegrity);
  const Bytes stub = EncodeByteArray(Bytes{1, 2, 3});
  Bytes request = client.Request(2, kEchoOpnum, stub, 100)[0];
  request[26] ^= 0x01;  // a stub byte
  auto out = session.OnFragment(request);
  ASSERT_EQ(out.pdus.size(), 1u);
  EXPECT_EQ(TypeOf(out.pdus[0]), PduType::kFault);
  EXPECT_EQ(FaultStatus(out.pdus[0]), static_cast<uint32_t>(ssp::SecStatus::kMessageAltered));
  EXPECT_TRUE(out.close);
  auto t = session.BuildTranscript("t", "d");
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(t->expect.accept);
  EXPECT_EQ(t->expect.status, ssp::SecStatus::kMessageAltered);
  EXPECT_EQ(t->expect.at, std::optional<size_t>(3));
}

TEST_F(RpcSessionTest, ReplayedRequestIsOutOfSequence) {
  auto session = MakeSession();
  auto client = MakeClient();
  Establish(session, client, kAuthLevelPktIntegrity);
  const Bytes request = client.Request(2, kEchoOpnum, EncodeByteArray(Bytes{1}), 100)[0];
  ASSERT_EQ(TypeOf(session.OnFragment(request).pdus.at(0)), PduType::kResponse);
  auto out = session.OnFragment(request);
  EXPECT_EQ(FaultStatus(out.pdus.at(0)), static_cast<uint32_t>(ssp::SecStatus::kOutOfSequence));
  EXPECT_TRUE(out.close);
}

TEST_F(RpcSessionTest, WrongPasswordAuth3ThenFirstRequestAccessDenied) {
  auto session = MakeSession();
  auto client = MakeClient("wrong");
  auto bind = session.OnFragment(client.Bind(kAuthLevelPktPrivacy));
  auto leg3 = session.OnFragment(client.Authenticate(bind.pdus.at(0), false));
  EXPECT_TRUE(leg3.pdus.empty());
  EXPECT_FALSE(leg3.close);
  auto outcome = session.TakeAuthOutcome();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(outcome->accepted);
  EXPECT_EQ(outcome->status, ssp::SecStatus::kLogonDenied);
  auto out = session.OnFragment(client.Request(2, kEchoOpnum, EncodeByteArray({}), 100)[0]);
  ASSERT_EQ(out.pdus.size(), 1u);
  EXPECT_EQ(FaultStatus(out.pdus[0]), kFaultAccessDenied);
  EXPECT_EQ(out.pdus[0][3] & kPfcDidNotExecute, kPfcDidNotExecute);
  EXPECT_TRUE(out.close);
}

TEST_F(RpcSessionTest, WrongPasswordInAlterContextFaultsAtOnce) {
  auto session = MakeSession();
  auto client = MakeClient("wrong");
  auto bind = session.OnFragment(client.Bind(kAuthLevelPktIntegrity));
  auto out = session.OnFragment(client.Authenticate(bind.pdus.at(0), true));
  ASSERT_EQ(out.pdus.size(), 1u);
  EXPECT_EQ(TypeOf(out.pdus[0]), PduType::kFault);
  EXPECT_EQ(FaultStatus(out.pdus[0]), kFaultAccessDenied);
  EXPECT_TRUE(out.close);
}

TEST_F(RpcSessionTest, MinServerSecRefusalAtNegotiateIsBindNakInvalidChecksum) {
  ctx_.policy.min_server_sec = 0x20;  // SEAL required by NTLM
  ssp::ClientPolicy policy;
  policy.requested_flags &= ~ssp::kNegotiateSeal;
  auto session = MakeSession();
  auto client = MakeClient("Passw0rd!", policy);
  auto out = session.OnFragment(client.Bind(kAuthLevelPktPrivacy));
  ASSERT_EQ(out.pdus.size(), 1u);
  EXPECT_EQ(TypeOf(out.pdus[0]), PduType::kBindNak);
  EXPECT_EQ(NakReason(out.pdus[0]), kNakInvalidChecksum);
  EXPECT_TRUE(out.close);
  auto outcome = session.TakeAuthOutcome();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status, ssp::SecStatus::kUnsupportedFunction);
  auto t = session.BuildTranscript("t", "d");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->expect.at, std::optional<size_t>(0));
}

TEST_F(RpcSessionTest, LevelBelowMinimumIsBindNak) {
  ctx_.policy.min_server_sec = 0x20;
  RpcSessionOptions options;
  options.min_auth_level = MinAuthLevelForPolicy(ctx_.policy);
  EXPECT_EQ(options.min_auth_level, kAuthLevelPktPrivacy);
  auto session = MakeSession(options);
  auto client = MakeClient();
  auto out = session.OnFragment(client.Bind(kAuthLevelPktIntegrity));
  EXPECT_EQ(TypeOf(out.pdus.at(0)), PduType::kBindNak);
  EXPECT_EQ(NakReason(out.pdus[0]), kNakReasonNotSpecified);
  EXPECT_NE(out.reason.find("below the minimum pkt_privacy"), std::string::npos) << out.reason;
  EXPECT_FALSE(session.TakeAuthOutcome().has_value());  // NTLM never ran
}

TEST_F(RpcSessionTest, UnauthenticatedBindRefusedByDefaultAllowedAtLevelNone) {
  {
    auto session = MakeSession();
    auto out = session.OnFragment(MakeClient().Bind(kAuthLevelNone, 3, /*with_auth=*/false));
    EXPECT_EQ(TypeOf(out.pdus.at(0)), PduType::kBindNak);
  }
  RpcSessionOptions open;
  open.min_auth_level = kAuthLevelNone;
  auto session = MakeSession(open);
  auto client = MakeClient();
  auto out = session.OnFragment(client.Bind(kAuthLevelNone, 3, false));
  EXPECT_EQ(TypeOf(out.pdus.at(0)), PduType::kBindAck);
  EchoRoundTrip(session, client, 10, 100, 2);
  EXPECT_FALSE(session.BuildTranscript("t", "d").has_value());
}

TEST_F(RpcSessionTest, OtherAuthTypeIsBindNakAuthTypeNotRecognized) {
  BindBody body{4280, 4280, 0, {{0, EchoInterfaceSyntax(), {NdrTransferSyntax()}}}};
  CommonHeader h;
  h.type = static_cast<uint8_t>(PduType::kBind);
  const uint8_t token[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  {
    auto session = MakeSession();
    Verifier v{SecTrailer{16 /* Kerberos */, kAuthLevelPktPrivacy, 0, 0, 1}, ByteSpan(token)};
    auto out = session.OnFragment(EncodeFragment(h, EncodeBindBody(body), &v, 0, 4));
    EXPECT_EQ(NakReason(out.pdus.at(0)), kNakAuthenticationTypeNotRecognized);
  }
  {  // SPNEGO whose token is not SPNEGO: refused like a failed first leg
    auto session = MakeSession();
    Verifier v{SecTrailer{kAuthTypeSpnego, kAuthLevelPktPrivacy, 0, 0, 1}, ByteSpan(token)};
    auto out = session.OnFragment(EncodeFragment(h, EncodeBindBody(body), &v, 0, 4));
    EXPECT_EQ(NakReason(out.pdus.at(0)), kNakInvalidChecksum);
    EXPECT_TRUE(out.close);
  }
}

TEST_F(RpcSessionTest, SpnegoFourLegsWithMechListMicThenSealedCalls) {
  auto session = MakeSession();
  auto client = MakeClient();
  auto ack = session.OnFragment(client.SpnegoBind(kAuthLevelPktPrivacy));
  ASSERT_EQ(TypeOf(ack.pdus.at(0)), PduType::kBindAck);
  auto resp = session.OnFragment(client.SpnegoAuthenticate(ack.pdus.at(0), false));
  ASSERT_EQ(TypeOf(resp.pdus.at(0)), PduType::kAlterContextResp) << resp.reason;
  ASSERT_TRUE(client.SpnegoComplete(resp.pdus.at(0)));
  EXPECT_TRUE(session.authenticated());
  auto outcome = session.TakeAuthOutcome();
  ASSERT_TRUE(outcome && outcome->accepted);
  EXPECT_EQ(outcome->auth_type, kAuthTypeSpnego);
  EchoRoundTrip(session, client, 3000, 1000, 3);
}

TEST_F(RpcSessionTest, SpnegoSelectsNtlmWhenItIsNotTheFirstMech) {
  auto session = MakeSession();
  auto client = MakeClient();
  auto ack = session.OnFragment(client.SpnegoBind(kAuthLevelPktIntegrity, true));
  ASSERT_EQ(TypeOf(ack.pdus.at(0)), PduType::kBindAck) << ack.reason;
  auto challenge = session.OnFragment(client.SpnegoNegotiate(ack.pdus.at(0)));
  ASSERT_EQ(TypeOf(challenge.pdus.at(0)), PduType::kAlterContextResp) << challenge.reason;
  auto resp =
      session.OnFragment(client.SpnegoAuthenticate(challenge.pdus.at(0), false, /*first=*/false));
  ASSERT_EQ(TypeOf(resp.pdus.at(0)), PduType::kAlterContextResp) << resp.reason;
  ASSERT_TRUE(client.SpnegoComplete(resp.pdus.at(0)));
  EXPECT_TRUE(session.authenticated());
  EchoRoundTrip(session, client, 100, 1000, 3);
}

TEST_F(RpcSessionTest, SpnegoWrongMechListMicIsAccessDenied) {
  auto session = MakeSession();
  auto client = MakeClient();
  auto ack = session.OnFragment(client.SpnegoBind(kAuthLevelPktIntegrity));
  auto resp = session.OnFragment(client.SpnegoAuthenticate(ack.pdus.at(0), true));
  ASSERT_EQ(TypeOf(resp.pdus.at(0)), PduType::kFault);
  EXPECT_EQ(FaultStatus(resp.pdus.at(0)), kFaultAccessDenied);
  EXPECT_TRUE(resp.close);
  EXPECT_NE(resp.reason.find("mechListMIC"), std::string::npos) << resp.reason;
  auto outcome = session.TakeAuthOutcome();
  ASSERT_TRUE(outcome);
  EXPECT_FALSE(outcome->accepted);
}

TEST_F(RpcSessionTest, TestSleepIsDeferredAndBounded) {
  RpcSessionOptions options;
  options.min_auth_level = kAuthLevelNone;
  auto session = MakeSession(options);
  auto client = MakeClient();
  auto ack =
      session.OnFragment(client.Bind(kAuthLevelNone, kPfcFirstFrag | kPfcLastFrag, false,
                                     {{0, RpcEchoInterfaceSyntax(), {NdrTransferSyntax()}}}));
  ASSERT_EQ(TypeOf(ack.pdus.at(0)), PduType::kBindAck);
  std::vector<DeferredCall> held;
  for (uint32_t call = 1; call <= kMaxDeferredCalls + 1; ++call) {
    auto out = session.OnFragment(
        client.Request(call, static_cast<uint16_t>(RpcEchoOp::kTestSleep), EncodeUint32(1), 64)
            .at(0));
    if (call <= kMaxDeferredCalls) {
      EXPECT_TRUE(out.pdus.empty());
      ASSERT_EQ(out.deferred.size(), 1u);
      EXPECT_EQ(out.deferred[0].delay_seconds, 1u);
      held.push_back(out.deferred[0]);
    } else {  // one too many: refused at once, the association stays
      ASSERT_EQ(out.pdus.size(), 1u);
      EXPECT_EQ(FaultStatus(out.pdus[0]), kFaultServerTooBusy);
      EXPECT_FALSE(out.close);
    }
  }
  // Other calls are answered while the sleeps wait.
  auto add = session.OnFragment(
      client.Request(20, static_cast<uint16_t>(RpcEchoOp::kAddOne), EncodeUint32(41), 64).at(0));
  Bytes answer;
  ASSERT_TRUE(client.ReadResponse(add.pdus, answer));
  EXPECT_EQ(answer, EncodeUint32(42));
  EXPECT_EQ(session.deferred_outstanding(), kMaxDeferredCalls);
  ASSERT_TRUE(client.ReadResponse(session.Reply(held.back()), answer));
  EXPECT_EQ(answer, EncodeUint32(1));
  EXPECT_EQ(session.deferred_outstanding(), kMaxDeferredCalls - 1);
}

TEST_F(RpcSessionTest, PresentationContextResults) {
  auto session = MakeSession();
  auto client = MakeClient();
  const SyntaxId other{*ParseUuid("12345778-1234-abcd-ef00-0123456789ab"), 1, 0};
  const SyntaxId ndr64{*ParseUuid("71710533-beba-4937-8319-b5dbef9ccc36"), 1, 0};
  auto out =
      session.OnFragment(client.Bind(kAuthLevelPktPrivacy, 3, true,
                                     {{0, other, {NdrTransferSyntax()}},
                                      {1, EchoInterfaceSyntax(), {ndr64}},
                                      {2, EchoInterfaceSyntax(), {ndr64, NdrTransferSyntax()}}}));
  auto f = ParseFragment(out.pdus.at(0), 65535);
  ASSERT_TRUE(f.ok());
  auto ack = ParseBindAckBody(*f);
  ASSERT_TRUE(ack.ok());
  ASSERT_EQ(ack->results.size(), 3u);
  EXPECT_EQ(ack->results[0].result, kResultProviderRejection);
  EXPECT_EQ(ack->results[0].reason, kReasonAbstractSyntaxNotSupported);
  EXPECT_EQ(ack->results[1].result, kResultProviderRejection);
  EXPECT_EQ(ack->results[1].reason, kReasonTransferSyntaxesNotSupported);
  EXPECT_EQ(ack->results[2].result, kResultAcceptance);
  EXPECT_EQ(ack->results[2].transfer_syntax, NdrTransferSyntax());
  EXPECT_EQ(ack->max_xmit_frag, 4280);
  // A call on the rejected context 0 faults; the accepted context 2 works.
  EXPECT_TRUE(session.OnFragment(client.Authenticate(out.pdus[0], false)).pdus.empty());
  auto rejected = session.OnFragment(client.Request(2, kEchoOpnum, EncodeByteArray({}), 100, 0)[0]);
  EXPECT_EQ(FaultStatus(rejected.pdus.at(0)), kFaultUnknownInterface);
  auto accepted = session.OnFragment(client.Request(3, kEchoOpnum, EncodeByteArray({}), 100, 2)[0]);
  EXPECT_EQ(TypeOf(accepted.pdus.at(0)), PduType::kResponse);
}

TEST_F(RpcSessionTest, CallLevelFaultsKeepTheAssociation) {
  auto session = MakeSession();
  auto client = MakeClient();
  Establish(session, client, kAuthLevelPktPrivacy);
  auto op = session.OnFragment(client.Request(2, 7, {}, 100)[0]);
  EXPECT_EQ(FaultStatus(op.pdus.at(0)), kFaultOpRangeError);
  EXPECT_FALSE(op.close);
  const uint8_t bad[] = {5, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4, 5};  // max_count != length
  auto stub = session.OnFragment(client.Request(3, kEchoOpnum, bad, 100)[0]);
  EXPECT_EQ(FaultStatus(stub.pdus.at(0)), kFaultBadStubData);
  EXPECT_FALSE(stub.close);
  auto ctx = session.OnFragment(client.Request(4, kEchoOpnum, EncodeByteArray({}), 100, 5)[0]);
  EXPECT_EQ(FaultStatus(ctx.pdus.at(0)), kFaultUnknownInterface);
  EchoRoundTrip(session, client, 20, 100, 5);
}

TEST_F(RpcSessionTest, OversizedRequestFaultsRemoteNoMemory) {
  RpcSessionOptions options;
  options.max_request_bytes = 4096;
  auto session = MakeSession(options);
  auto client = MakeClient();
  Establish(session, client, kAuthLevelPktPrivacy);
  auto fragments = client.Request(2, kEchoOpnum, EncodeByteArray(Bytes(5000)), 2000);
  RpcSession::Output out;
  for (const Bytes& f : fragments) {
    out = session.OnFragment(f);
    if (!out.pdus.empty()) break;
  }
  EXPECT_EQ(FaultStatus(out.pdus.at(0)), kFaultRemoteNoMemory);
  EXPECT_TRUE(out.close);
}

TEST_F(RpcSessionTest, ProtocolViolations) {
  {
    auto session = MakeSession();
    auto out = session.OnFragment(MakeClient().Request(1, 0, {}, 10)[0]);
    EXPECT_EQ(FaultStatus(out.pdus.at(0)), kFaultProtocolError);  // request before bind
    EXPECT_TRUE(out.close);
  }
  {
    auto session = MakeSession();
    auto client = MakeClient();
    Establish(session, client, kAuthLevelPktIntegrity);
    auto again = session.OnFragment(MakeClient().Bind(kAuthLevelPktIntegrity));
    EXPECT_EQ(TypeOf(again.pdus.at(0)), PduType::kBindNak);  // second bind
  }
  {
    auto session = MakeSession();
    CommonHeader h;
    h.type = static_cast<uint8_t>(PduType::kResponse);
    auto out = session.OnFragment(EncodeFragment(h, Bytes(8), nullptr));
    EXPECT_TRUE(out.close);
    EXPECT_NE(out.reason.find("unexpected PDU type response"), std::string::npos);
  }
  {
    auto session = MakeSession();
    Bytes header = MakeClient().Bind(kAuthLevelPktPrivacy);
    header[8] = 0xFF;  // frag_length 0x..FF != size
    auto out = session.OnFragment(header);
    EXPECT_EQ(TypeOf(out.pdus.at(0)), PduType::kBindNak);
    EXPECT_TRUE(out.close);
  }
}

TEST_F(RpcSessionTest, TranscriptOfASuccessfulSessionNamesUserAndFlags) {
  auto session = MakeSession();
  auto client = MakeClient();
  Establish(session, client, kAuthLevelPktPrivacy);
  EchoRoundTrip(session, client, 100, 4000, 2);
  auto t = session.BuildTranscript("rpc-1", "desc");
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->exchange.size(), 5u);  // NEGOTIATE, CHALLENGE, AUTHENTICATE, request, response
  EXPECT_EQ(t->exchange[3].type, EntryType::kSeal);
  EXPECT_EQ(t->exchange[3].dir, EntryDir::kClientToServer);
  EXPECT_EQ(t->exchange[4].dir, EntryDir::kServerToClient);
  ASSERT_TRUE(t->exchange[3].signed_bytes.has_value());
  EXPECT_EQ(t->exchange[3].signed_bytes->size(), t->exchange[3].plaintext.size() + 24 + 8);
  EXPECT_TRUE(t->expect.accept);
  EXPECT_EQ(t->expect.user, std::optional<std::string>("CONTOSO\\alice"));
  // The named account's NT hash, as the HTTP front records it, so replay and
  // profile judge the exchange (issue 17: it used to be `accounts: []`).
  ASSERT_EQ(t->accounts.size(), 1u);
  EXPECT_EQ(t->accounts[0].user, "alice");
  EXPECT_TRUE(t->accounts[0].nt_hash.has_value());
  EXPECT_FALSE(t->accounts[0].password.has_value());
  EXPECT_EQ(t->server.clock, std::optional<ssp::FileTime>(kNow));
}

}  // namespace
}  // namespace ntlm::harness::net::rpc
