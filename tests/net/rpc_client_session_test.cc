// rpc_client_session_test.cc: the socket-free client side of DCE/RPC
// (RpcClientSession) against the server's RpcSession in process, and the
// ncacn_ip_tcp target syntax. No sockets: fragments are handed across.
#include "harness/net/rpc_client_session.h"

#include <gtest/gtest.h>

#include <vector>

#include "harness/net/io/rpc_client.h"
#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_session.h"
#include "ssp/client_context.h"
#include "ssp/credentials.h"

namespace ntlm::harness::net {
namespace {

TEST(ParseRpcTarget, AcceptsHostAndPortForms) {
  struct Good {
    const char* text;
    const char* host;
    uint16_t port;
  };
  for (const Good& g : {Good{"ncacn_ip_tcp:127.0.0.1[4999]", "127.0.0.1", 4999},
                        Good{"NCACN_IP_TCP:srv.contoso.test[135]", "srv.contoso.test", 135},
                        Good{"ncacn_ip_tcp:::1[4999]", "::1", 4999},
                        Good{"ncacn_ip_tcp:[::1][65535]", "::1", 65535},
                        // No endpoint: port 0, resolved through the endpoint mapper.
                        Good{"ncacn_ip_tcp:127.0.0.1", "127.0.0.1", 0},
                        Good{"ncacn_ip_tcp:dc.contoso.test", "dc.contoso.test", 0}}) {
    std::string error;
    auto t = ParseRpcTarget(g.text, error);
    ASSERT_TRUE(t) << g.text << ": " << error;
    EXPECT_EQ(t->host, g.host) << g.text;
    EXPECT_EQ(t->port, g.port) << g.text;
  }
}

TEST(ParseRpcTarget, RefusesWhatItCannotUseAndSaysWhy) {
  struct Bad {
    const char* text;
    const char* message;
  };
  for (const Bad& b :
       {Bad{"http://127.0.0.1/", "must start with ncacn_ip_tcp:"},
        Bad{"ncacn_ip_tcp:a b", "not a name or an IPv4 address"}, Bad{"ncacn_ip_tcp:", "no host"},
        Bad{"ncacn_ip_tcp:127.0.0.1]", "']' without '['"}, Bad{"ncacn_ip_tcp:[4999]", "no host"},
        Bad{"ncacn_ip_tcp:a b[1]", "not a name or an IP address"},
        Bad{"ncacn_ip_tcp:h[]", "port '' must be 1..65535"},
        Bad{"ncacn_ip_tcp:h[0]", "port '0' must be 1..65535"},
        Bad{"ncacn_ip_tcp:h[65536]", "port '65536' must be 1..65535"},
        Bad{"ncacn_ip_tcp:h[x1]", "port 'x1' must be 1..65535"},
        Bad{"ncacn_ip_tcp:h[135,Security=Identification]", "endpoint options"}}) {
    std::string error;
    EXPECT_FALSE(ParseRpcTarget(b.text, error)) << b.text;
    EXPECT_NE(error.find(b.message), std::string::npos) << b.text << ": " << error;
  }
}

// Our client and the server's session, fragments handed across in memory.
class RpcClientSessionTest : public ::testing::TestWithParam<uint8_t> {
 protected:
  RpcClientSessionTest() : clock_(134080992000000000ULL), server_random_(Bytes{1, 2, 3}) {
    store_.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &server_random_;
  }

  ssp::ClientContext NewClient() {
    auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
    return ssp::ClientContext(std::move(*creds), ssp::ClientPolicy{}, clock_, client_random_);
  }

  // bind -> bind_ack -> auth3, then the client session's security established.
  void Handshake(rpc::RpcSession& server, rpc::RpcClientSession& session,
                 ssp::ClientContext& client) {
    auto negotiate = client.CreateNegotiate();
    ASSERT_TRUE(negotiate.ok());
    auto ack = server.OnFragment(session.Bind(*negotiate));
    ASSERT_EQ(ack.pdus.size(), 1u) << ack.reason;
    auto reply = session.OnBindReply(ack.pdus[0]);
    ASSERT_TRUE(reply.ok()) << reply.error().reason;
    ASSERT_EQ(reply->kind, rpc::ClientBindReply::Kind::kAck);
    ASSERT_TRUE(reply->context_accepted);
    auto authenticate = client.ProcessChallenge(reply->challenge);
    ASSERT_TRUE(authenticate.ok()) << authenticate.error().reason;
    auto none = server.OnFragment(session.Auth3(*authenticate));
    EXPECT_TRUE(none.pdus.empty());
    ASSERT_TRUE(server.authenticated());
    if (session.auth_level() >= rpc::kAuthLevelPktIntegrity) {
      auto security = client.CreateSessionSecurity();
      ASSERT_TRUE(security.ok());
      session.Establish(client.negotiated_flags(), std::move(*security));
    }
  }

  ssp::InMemoryCredentialStore store_;
  ssp::FixedClock clock_;
  ssp::FixedRandom server_random_;
  ssp::SecureRandom client_random_;
  FrontContext ctx_;
};

TEST_P(RpcClientSessionTest, MultiFragmentEchoRoundTripsAtEachLevel) {
  rpc::RpcSessionOptions options;
  options.max_frag = rpc::kMustRecvFragSize;  // 1432: a 5000-byte stub takes 4 fragments
  rpc::RpcSession server(ctx_, options);
  rpc::RpcClientSession session(GetParam(), rpc::kMustRecvFragSize);
  ssp::ClientContext client = NewClient();
  Handshake(server, session, client);
  if (HasFatalFailure()) return;
  for (int call = 0; call < 3; ++call) {
    Bytes message(5000);
    for (size_t i = 0; i < message.size(); ++i) message[i] = static_cast<uint8_t>(i * 7 + call);
    const Bytes stub = rpc::EncodeByteArray(message);
    auto request = session.Request(rpc::kEchoOpnum, stub);
    ASSERT_TRUE(request.ok()) << request.error().reason;
    ASSERT_GE(request->size(), 4u);
    std::vector<Bytes> response;
    for (const Bytes& fragment : *request) {
      EXPECT_LE(fragment.size(), rpc::kMustRecvFragSize);
      auto out = server.OnFragment(fragment);
      ASSERT_FALSE(out.close) << out.reason;
      response.insert(response.end(), out.pdus.begin(), out.pdus.end());
    }
    ASSERT_GE(response.size(), 4u);
    for (size_t i = 0; i < response.size(); ++i) {
      auto reply = session.OnResponseFragment(response[i]);
      ASSERT_TRUE(reply.ok()) << reply.error().reason;
      ASSERT_EQ(reply->complete, i + 1 == response.size());
      if (reply->complete) {
        EXPECT_FALSE(reply->fault);
        EXPECT_EQ(reply->stub, stub);
      }
    }
  }
}

TEST_P(RpcClientSessionTest, AlteredResponseIsRefusedWhenProtected) {
  rpc::RpcSession server(ctx_, {});
  rpc::RpcClientSession session(GetParam());
  ssp::ClientContext client = NewClient();
  Handshake(server, session, client);
  if (HasFatalFailure()) return;
  const Bytes stub = rpc::EncodeByteArray(Bytes(40, 0x41));
  auto request = session.Request(rpc::kEchoOpnum, stub);
  ASSERT_TRUE(request.ok());
  auto out = server.OnFragment(request->at(0));
  ASSERT_EQ(out.pdus.size(), 1u) << out.reason;
  Bytes response = out.pdus[0];
  response[rpc::kCommonHeaderSize + rpc::kResponseHeaderSize + 2] ^= 0x01;
  auto reply = session.OnResponseFragment(response);
  if (GetParam() >= rpc::kAuthLevelPktIntegrity) {
    ASSERT_FALSE(reply.ok());
    EXPECT_EQ(reply.status(), ssp::SecStatus::kMessageAltered) << reply.error().reason;
  } else {
    ASSERT_TRUE(reply.ok());  // connect level: nothing protects the stub
    EXPECT_NE(reply->stub, stub);
  }
}

TEST(RpcClientSession, BindNakAndFaultsAreReadAsRefusals) {
  ssp::InMemoryCredentialStore store;
  ssp::FixedClock clock(134080992000000000ULL);
  ssp::FixedRandom random(Bytes{1, 2, 3});
  FrontContext ctx;
  ctx.accounts = &store;
  ctx.clock = &clock;
  ctx.random = &random;
  rpc::RpcSessionOptions options;
  options.min_auth_level = rpc::kAuthLevelPktPrivacy;
  rpc::RpcSession server(ctx, options);
  rpc::RpcClientSession session(rpc::kAuthLevelPktIntegrity);
  ssp::SecureRandom client_random;
  auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
  ssp::ClientContext client(std::move(*creds), ssp::ClientPolicy{}, clock, client_random);
  auto out = server.OnFragment(session.Bind(*client.CreateNegotiate()));
  ASSERT_EQ(out.pdus.size(), 1u);
  auto reply = session.OnBindReply(out.pdus[0]);
  ASSERT_TRUE(reply.ok()) << reply.error().reason;
  EXPECT_EQ(reply->kind, rpc::ClientBindReply::Kind::kNak);
  EXPECT_EQ(reply->nak_reason, rpc::kNakReasonNotSpecified);
  // A reply for another call is not taken for the bind's.
  Bytes other = out.pdus[0];
  other[12] ^= 0x7F;
  EXPECT_FALSE(session.OnBindReply(other).ok());
}

INSTANTIATE_TEST_SUITE_P(Levels, RpcClientSessionTest,
                         ::testing::Values(rpc::kAuthLevelConnect, rpc::kAuthLevelPktIntegrity,
                                           rpc::kAuthLevelPktPrivacy),
                         [](const ::testing::TestParamInfo<uint8_t>& p) {
                           return std::string(rpc::AuthLevelName(p.param));
                         });

}  // namespace
}  // namespace ntlm::harness::net
