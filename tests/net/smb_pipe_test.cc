// smb_pipe_test.cc: named pipes on IPC$ (harness/net/smb_pipes.h) driven in
// process: an SMB 3.1.1 session (SmbLogonClient, signed), TREE_CONNECT IPC$,
// CREATE \pipe\rpcecho, a DCE/RPC association with NTLM at pkt_privacy
// carried by WRITE/READ and FSCTL_PIPE_TRANSCEIVE, a sealed echo call, CLOSE;
// and the refusals (unknown pipe, empty pipe, closed file, short READ).
#include <gtest/gtest.h>

#include "harness/net/rpc_client_session.h"
#include "harness/net/rpc_probe_interface.h"
#include "harness/net/smb_logon_client.h"
#include "harness/net/smb_pipe_client.h"
#include "harness/net/smb_pipes.h"
#include "harness/net/smb_session.h"
#include "harness/net/smb_status.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net::smb {
namespace {

constexpr ssp::FileTime kNow = 134400816000000000ULL;  // 2026-11-25T12:00:00Z

class SmbPipeTest : public ::testing::Test {
 protected:
  SmbPipeTest()
      : clock_(kNow),
        session_(ctx_, {}, "127.0.0.1:1", 1),
        client_([this](const Bytes& m) { return RoundTrip(m); }, kDialect311) {
    store_.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &random_;
  }

  SmbAnswer RoundTrip(const Bytes& request) {
    SmbAnswer answer;
    auto out = session_.OnMessage(request);
    answer.reply = std::move(out.reply);
    answer.closed = answer.reply.empty() && out.close;
    return answer;
  }

  std::unique_ptr<ssp::ClientContext> NewNtlmClient() {
    auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
    return std::make_unique<ssp::ClientContext>(*creds, ssp::ClientPolicy{}, clock_, random_);
  }

  // Logs on, connects IPC$; the pipe requests of that tree.
  SmbPipeRequests LogOnToIpc() {
    std::string error;
    EXPECT_TRUE(client_.Negotiate(error)) << error;
    auto ntlm = NewNtlmClient();
    Bytes challenge, last;
    EXPECT_EQ(client_.SessionSetup(*ntlm->CreateNegotiate(), challenge).header.status,
              kStatusMoreProcessingRequired);
    EXPECT_EQ(client_.SessionSetup(*ntlm->ProcessChallenge(challenge), last).header.status,
              kStatusSuccess);
    client_.Establish(ntlm->exported_session_key());
    auto tree = Send(client_.builder().TreeConnect(client_.session_id(), "\\\\127.0.0.1\\IPC$"));
    EXPECT_EQ(tree.header.status, kStatusSuccess);
    return SmbPipeRequests(client_.builder(), client_.session_id(), tree.header.tree_id);
  }

  SmbAnswer Send(Bytes request) {
    SmbAnswer answer = client_.Send(client_.Signed(std::move(request)));
    EXPECT_TRUE(answer.error.empty()) << answer.error;
    EXPECT_FALSE(answer.closed);
    return answer;
  }

  ssp::InMemoryCredentialStore store_;
  ssp::FixedClock clock_;
  ssp::SecureRandom random_;
  FrontContext ctx_;
  SmbSession session_;
  SmbLogonClient client_;
};

TEST_F(SmbPipeTest, SealedRpcEchoOverThePipe) {
  SmbPipeRequests pipe = LogOnToIpc();
  auto created = Send(pipe.Create("rpcecho"));
  ASSERT_EQ(created.header.status, kStatusSuccess);
  const FileId file = *CreateResponseFileId(created.reply);

  // bind (NEGOTIATE) by WRITE, bind_ack (CHALLENGE) by READ.
  auto ntlm = NewNtlmClient();
  rpc::RpcClientSession rpc(rpc::kAuthLevelPktPrivacy, 4280,
                            rpc::ProbeInterfaceSyntax(rpc::ProbeInterface::kRpcEcho));
  ASSERT_EQ(Send(pipe.Write(file, rpc.Bind(*ntlm->CreateNegotiate()))).header.status,
            kStatusSuccess);
  auto bind_ack = Send(pipe.Read(file, 4280));
  ASSERT_EQ(bind_ack.header.status, kStatusSuccess);
  auto reply = rpc.OnBindReply(*ResponseData(bind_ack.reply));
  ASSERT_TRUE(reply.ok()) << reply.error().reason;
  ASSERT_EQ(reply->kind, rpc::ClientBindReply::Kind::kAck);
  // alter_context (AUTHENTICATE) by FSCTL_PIPE_TRANSCEIVE.
  auto authenticate = ntlm->ProcessChallenge(reply->challenge);
  ASSERT_TRUE(authenticate.ok());
  auto altered = Send(pipe.Transceive(file, rpc.AlterContext(*authenticate), 4280));
  ASSERT_EQ(altered.header.status, kStatusSuccess);
  auto alter_resp = rpc.OnBindReply(*ResponseData(altered.reply));
  ASSERT_TRUE(alter_resp.ok()) << alter_resp.error().reason;
  EXPECT_EQ(alter_resp->kind, rpc::ClientBindReply::Kind::kAck);
  // A sealed EchoData call.
  auto security = ntlm->CreateSessionSecurity();
  ASSERT_TRUE(security.ok());
  rpc.Establish(ntlm->negotiated_flags(), std::move(*security));
  const rpc::ProbeCall call = rpc::MakeProbeCall(rpc::ProbeInterface::kRpcEcho, "over a pipe");
  auto request = rpc.Request(call.opnum, call.stub);
  ASSERT_TRUE(request.ok());
  ASSERT_EQ(request->size(), 1u);
  auto echoed = Send(pipe.Transceive(file, request->front(), 4280));
  ASSERT_EQ(echoed.header.status, kStatusSuccess);
  auto response = rpc.OnResponseFragment(*ResponseData(echoed.reply));
  ASSERT_TRUE(response.ok()) << response.error().reason;
  EXPECT_TRUE(response->complete);
  EXPECT_FALSE(response->fault);
  EXPECT_EQ(response->stub, call.expected_response);
  // Nothing left to read; CLOSE; the file is gone.
  EXPECT_EQ(Send(pipe.Read(file, 4280)).header.status, kStatusPipeEmpty);
  EXPECT_EQ(Send(pipe.Close(file)).header.status, kStatusSuccess);
  EXPECT_EQ(Send(pipe.Read(file, 4280)).header.status, kStatusFileClosed);
}

TEST_F(SmbPipeTest, UnknownPipeShortReadsAndUnsignedRequests) {
  SmbPipeRequests pipe = LogOnToIpc();
  EXPECT_EQ(Send(pipe.Create("\\pipe\\lsarpc")).header.status, kStatusObjectNameNotFound);
  auto created = Send(pipe.Create("\\pipe\\ntlmssp-harness"));
  ASSERT_EQ(created.header.status, kStatusSuccess);
  const FileId file = *CreateResponseFileId(created.reply);
  auto ntlm = NewNtlmClient();
  rpc::RpcClientSession rpc(rpc::kAuthLevelConnect);
  const Bytes bind = rpc.Bind(*ntlm->CreateNegotiate());
  ASSERT_EQ(Send(pipe.Write(file, bind)).header.status, kStatusSuccess);
  // A READ shorter than the bind_ack: STATUS_BUFFER_OVERFLOW, the rest follows.
  auto first = Send(pipe.Read(file, 16));
  EXPECT_EQ(first.header.status, kStatusBufferOverflow);
  Bytes whole = *ResponseData(first.reply);
  EXPECT_EQ(whole.size(), 16u);
  auto rest = Send(pipe.Read(file, 4280));
  EXPECT_EQ(rest.header.status, kStatusSuccess);
  const Bytes tail = *ResponseData(rest.reply);
  whole.insert(whole.end(), tail.begin(), tail.end());
  auto reply = rpc.OnBindReply(whole);
  ASSERT_TRUE(reply.ok()) << reply.error().reason;
  EXPECT_EQ(reply->kind, rpc::ClientBindReply::Kind::kAck);
  // The session requires signing: an unsigned pipe request is refused.
  auto unsigned_read = client_.Send(pipe.Read(file, 4280));
  EXPECT_EQ(unsigned_read.header.status, kStatusAccessDenied);
}

}  // namespace
}  // namespace ntlm::harness::net::smb
