// smb_pipe_test.cc: named pipes on IPC$ (harness/net/smb_pipes.h) driven in
// process: an SMB 3.1.1 session (SmbLogonClient, signed), TREE_CONNECT IPC$,
// CREATE \pipe\rpcecho, a DCE/RPC association with NTLM at pkt_privacy
// carried by WRITE/READ and FSCTL_PIPE_TRANSCEIVE, a sealed echo call, CLOSE;
// and the refusals (unknown pipe, closed file, short READ). Asynchronous
// reads ([MS-SMB2] 3.3.4.2): a READ or FSCTL_PIPE_TRANSCEIVE on an empty pipe
// gets an interim response and later its final one (a deferred rpcecho
// TestSleep reply, a WRITE), or ends by CANCEL, CLOSE or LOGOFF; the bound on
// waiting operations per connection.
#include <gtest/gtest.h>

#include "harness/net/rpc_client_session.h"
#include "harness/net/rpc_probe_interface.h"
#include "harness/net/rpc_rpcecho_interface.h"
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

  // The session's reply to `request`; its completions and deferred replies
  // are kept. An empty request returns the next kept completion (so the
  // client verifies its signature).
  SmbAnswer RoundTrip(const Bytes& request) {
    SmbAnswer answer;
    if (request.empty()) {
      if (completions_.empty()) return answer;
      answer.reply = completions_.front();
      completions_.erase(completions_.begin());
      return answer;
    }
    auto out = session_.OnMessage(request);
    Keep(out);
    answer.reply = std::move(out.reply);
    answer.closed = answer.reply.empty() && out.close;
    return answer;
  }

  void Keep(SmbSession::Output& out) {
    completions_.insert(completions_.end(), out.completions.begin(), out.completions.end());
    deferred_.insert(deferred_.end(), out.deferred.begin(), out.deferred.end());
  }

  // The next final response, its signature verified.
  SmbAnswer NextCompletion() {
    EXPECT_FALSE(completions_.empty());
    SmbAnswer answer = client_.Send({});
    EXPECT_TRUE(answer.error.empty()) << answer.error;
    EXPECT_TRUE(answer.header.flags & kFlagAsyncCommand);
    EXPECT_EQ(answer.header.credits, 0u);  // granted with the interim response
    return answer;
  }

  // The deferred reply `index` is due.
  void Due(size_t index) {
    ASSERT_LT(index, deferred_.size());
    auto out = session_.OnDeferredDue(deferred_[index].id);
    Keep(out);
  }

  // Sends `request` (signed), expects an interim response; its AsyncId.
  uint64_t ExpectInterim(Bytes request) {
    SmbAnswer interim = Send(std::move(request));
    EXPECT_EQ(interim.header.status, kStatusPending);
    EXPECT_TRUE(interim.header.flags & kFlagAsyncCommand);
    EXPECT_FALSE(interim.header.flags & kFlagSigned);  // 3.3.4.2: SHOULD NOT sign
    EXPECT_GT(interim.header.credits, 0u);
    EXPECT_NE(interim.header.async_id, 0u);
    return interim.header.async_id;
  }

  // A CANCEL of the request with `async_id` (async form, [MS-SMB2] 2.2.30).
  Bytes Cancel(uint64_t async_id) {
    Header h;
    h.command = static_cast<uint16_t>(Command::kCancel);
    h.flags = kFlagAsyncCommand;
    h.async_id = async_id;
    h.session_id = client_.session_id();
    Bytes request;
    AppendHeader(request, h);
    request.insert(request.end(), {4, 0, 0, 0});
    return request;
  }

  // CREATE \pipe\rpcecho and an rpcecho association with NTLM at
  // pkt_privacy (bind by WRITE/READ, alter_context by FSCTL_PIPE_TRANSCEIVE).
  FileId OpenSealedRpcEcho(SmbPipeRequests& pipe, rpc::RpcClientSession& rpc) {
    auto created = Send(pipe.Create("rpcecho"));
    EXPECT_EQ(created.header.status, kStatusSuccess);
    auto id = CreateResponseFileId(created.reply);
    EXPECT_TRUE(id.ok());
    const FileId file = id.ok() ? *id : FileId{};
    auto ntlm = NewNtlmClient();
    EXPECT_EQ(Send(pipe.Write(file, rpc.Bind(*ntlm->CreateNegotiate()))).header.status,
              kStatusSuccess);
    auto bind_ack = Send(pipe.Read(file, 4280));
    EXPECT_EQ(bind_ack.header.status, kStatusSuccess);
    auto ack_data = ResponseData(bind_ack.reply);
    auto reply = rpc.OnBindReply(ack_data.ok() ? *ack_data : Bytes{});
    EXPECT_TRUE(reply.ok() && reply->kind == rpc::ClientBindReply::Kind::kAck);
    if (!reply.ok()) return file;
    auto authenticate = ntlm->ProcessChallenge(reply->challenge);
    EXPECT_TRUE(authenticate.ok());
    if (!authenticate.ok()) return file;
    auto altered = Send(pipe.Transceive(file, rpc.AlterContext(*authenticate), 4280));
    EXPECT_EQ(altered.header.status, kStatusSuccess);
    auto alter_data = ResponseData(altered.reply);
    auto alter_resp = rpc.OnBindReply(alter_data.ok() ? *alter_data : Bytes{});
    EXPECT_TRUE(alter_resp.ok() && alter_resp->kind == rpc::ClientBindReply::Kind::kAck);
    auto security = ntlm->CreateSessionSecurity();
    EXPECT_TRUE(security.ok());
    if (security.ok()) rpc.Establish(ntlm->negotiated_flags(), std::move(*security));
    return file;
  }

  // An rpcecho TestSleep(seconds) request (one fragment).
  static Bytes TestSleep(rpc::RpcClientSession& rpc, uint32_t seconds) {
    const Bytes stub = {static_cast<uint8_t>(seconds), 0, 0, 0};
    auto request = rpc.Request(static_cast<uint16_t>(rpc::RpcEchoOp::kTestSleep), stub);
    EXPECT_TRUE(request.ok() && request->size() == 1u);
    return request.ok() && !request->empty() ? request->front() : Bytes{};
  }

  // The call_id of a DCE/RPC PDU ([C706] 12.6.3.1, offset 12).
  static uint32_t CallId(ByteSpan pdu) {
    return pdu.size() < 16 ? 0 : pdu[12] | pdu[13] << 8 | pdu[14] << 16 | uint32_t{pdu[15]} << 24;
  }

  std::unique_ptr<ssp::ClientContext> NewNtlmClient() {
    auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
    return std::make_unique<ssp::ClientContext>(*creds, ssp::ClientPolicy{}, clock_, random_);
  }

  std::vector<Bytes> completions_;
  std::vector<SmbSession::DeferredReply> deferred_;

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
  // Nothing left to read: the READ waits; CLOSE ends it with
  // STATUS_PIPE_BROKEN; the file is gone.
  const uint64_t read_id = client_.builder().next_message_id();
  const uint64_t async_id = ExpectInterim(pipe.Read(file, 4280));
  EXPECT_TRUE(completions_.empty());
  EXPECT_EQ(session_.pending_operations(), 1u);
  EXPECT_EQ(Send(pipe.Close(file)).header.status, kStatusSuccess);
  SmbAnswer ended = NextCompletion();
  EXPECT_EQ(ended.header.status, kStatusPipeBroken);
  EXPECT_EQ(ended.header.message_id, read_id);
  EXPECT_EQ(ended.header.async_id, async_id);
  EXPECT_EQ(session_.pending_operations(), 0u);
  EXPECT_EQ(Send(pipe.Read(file, 4280)).header.status, kStatusFileClosed);
}

TEST_F(SmbPipeTest, TestSleepRepliesCompletePendingReadsInTheOrderTheyAreDue) {
  SmbPipeRequests pipe = LogOnToIpc();
  rpc::RpcClientSession rpc(rpc::kAuthLevelPktPrivacy, 4280,
                            rpc::ProbeInterfaceSyntax(rpc::ProbeInterface::kRpcEcho));
  const FileId file = OpenSealedRpcEcho(pipe, rpc);
  // TestSleep(2) by FSCTL_PIPE_TRANSCEIVE: the reply is deferred, so the
  // IOCTL waits; TestSleep(1) by WRITE, then a READ that waits too.
  const Bytes first = TestSleep(rpc, 2);
  const uint64_t first_async = ExpectInterim(pipe.Transceive(file, first, 4280));
  const Bytes second = TestSleep(rpc, 1);
  EXPECT_EQ(Send(pipe.Write(file, second)).header.status, kStatusSuccess);
  const uint64_t read_message = client_.builder().next_message_id();
  const uint64_t read_async = ExpectInterim(pipe.Read(file, 4280));
  EXPECT_NE(first_async, read_async);
  ASSERT_EQ(deferred_.size(), 2u);
  EXPECT_EQ(deferred_[0].delay_seconds, 2u);
  EXPECT_EQ(deferred_[1].delay_seconds, 1u);
  EXPECT_EQ(session_.deferred_outstanding(), 2u);
  // The 1-second reply is due first: it completes the first waiting
  // operation (the IOCTL), as a pipe hands messages to reads in order.
  Due(1);
  SmbAnswer ioctl = NextCompletion();
  EXPECT_EQ(ioctl.header.status, kStatusSuccess);
  EXPECT_EQ(ioctl.header.command, static_cast<uint16_t>(Command::kIoctl));
  EXPECT_EQ(ioctl.header.async_id, first_async);
  EXPECT_TRUE(ioctl.header.flags & kFlagSigned);
  EXPECT_EQ(CallId(*ResponseData(ioctl.reply)), CallId(second));
  Due(0);
  SmbAnswer read = NextCompletion();
  EXPECT_EQ(read.header.status, kStatusSuccess);
  EXPECT_EQ(read.header.message_id, read_message);
  EXPECT_EQ(read.header.async_id, read_async);
  EXPECT_EQ(CallId(*ResponseData(read.reply)), CallId(first));
  EXPECT_EQ(session_.pending_operations(), 0u);
  EXPECT_EQ(session_.deferred_outstanding(), 0u);
}

TEST_F(SmbPipeTest, CancelWriteAndLogoffEndPendingReads) {
  SmbPipeRequests pipe = LogOnToIpc();
  auto created = Send(pipe.Create("rpcecho"));
  const FileId file = *CreateResponseFileId(created.reply);
  // CANCEL (not answered itself): the READ ends with STATUS_CANCELLED.
  const uint64_t cancelled = ExpectInterim(pipe.Read(file, 4280));
  auto none = session_.OnMessage(Cancel(cancelled));
  EXPECT_TRUE(none.reply.empty());
  EXPECT_FALSE(none.close);
  Keep(none);
  EXPECT_EQ(NextCompletion().header.status, kStatusCancelled);
  // A CANCEL of an unknown AsyncId changes nothing.
  auto ignored = session_.OnMessage(Cancel(cancelled));
  EXPECT_TRUE(ignored.reply.empty() && ignored.completions.empty());
  // A WRITE fills the pipe: the waiting READ gets the bind_ack.
  const uint64_t waiting = ExpectInterim(pipe.Read(file, 4280));
  auto ntlm = NewNtlmClient();
  rpc::RpcClientSession rpc(rpc::kAuthLevelConnect);
  EXPECT_EQ(Send(pipe.Write(file, rpc.Bind(*ntlm->CreateNegotiate()))).header.status,
            kStatusSuccess);
  SmbAnswer filled = NextCompletion();
  EXPECT_EQ(filled.header.async_id, waiting);
  auto reply = rpc.OnBindReply(*ResponseData(filled.reply));
  ASSERT_TRUE(reply.ok()) << reply.error().reason;
  EXPECT_EQ(reply->kind, rpc::ClientBindReply::Kind::kAck);
  // LOGOFF ends a waiting READ (STATUS_PIPE_BROKEN, signed with the
  // session's key before it goes).
  const uint64_t orphan = ExpectInterim(pipe.Read(file, 4280));
  EXPECT_EQ(Send(client_.builder().Simple(Command::kLogoff, client_.session_id(), 0)).header.status,
            kStatusSuccess);
  SmbAnswer ended = NextCompletion();
  EXPECT_EQ(ended.header.async_id, orphan);
  EXPECT_EQ(ended.header.status, kStatusPipeBroken);
  EXPECT_TRUE(ended.header.flags & kFlagSigned);
  EXPECT_EQ(session_.pending_operations(), 0u);
}

TEST_F(SmbPipeTest, WaitingOperationsAreBoundedPerConnection) {
  SmbPipeRequests pipe = LogOnToIpc();
  auto created = Send(pipe.Create("rpcecho"));
  const FileId file = *CreateResponseFileId(created.reply);
  for (size_t i = 0; i < kMaxPendingOperations; ++i) ExpectInterim(pipe.Read(file, 4280));
  EXPECT_EQ(session_.pending_operations(), kMaxPendingOperations);
  EXPECT_EQ(Send(pipe.Read(file, 4280)).header.status, kStatusInsufficientResources);
  // A deferred reply due after its pipe closed is dropped.
  EXPECT_EQ(Send(pipe.Close(file)).header.status, kStatusSuccess);
  EXPECT_EQ(completions_.size(), kMaxPendingOperations);
  EXPECT_EQ(session_.pending_operations(), 0u);
  EXPECT_TRUE(session_.OnDeferredDue(12345).completions.empty());
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
