// rpc_session_target.cc: the server's DCE/RPC association state machine
// (harness/net/rpc_session.h) fed a PDU sequence, framed exactly as the RPC
// front frames a TCP stream (ParseCommonHeader on 16 bytes with the
// session's max_recv_frag, then the whole fragment, or OnBadHeader).
//
// Input layout (every input is valid; missing bytes read as zero):
//   byte 0  bits 0-1 start: 0 nothing (the stream starts the association),
//           1 a real three-leg bind(NEGOTIATE)/bind_ack/auth3(AUTHENTICATE),
//           2 a real four-leg bind/alter_context, 3 an unauthenticated bind
//           (the server then admits auth level none);
//           bits 2-3 auth level of the real exchange {connect, integrity,
//           privacy, privacy}
//   records until the input ends or the server closes, each a kind byte:
//     kind % 3 == 0  raw: u16 length, that many bytes appended to the stream
//     kind % 3 == 1  a genuine request from the real client: u8 opnum (% 4),
//                    u8 context id (% 2), u8 pfc_flags, u16 length + stub;
//                    protected (signed/sealed) at the level of the exchange
//     kind % 3 == 2  the same, then (u16 offset, u8 xor) patches it (the
//                    count is kind / 3 % 4 + 1) after protection
// Invariants: the real exchange authenticates; every PDU the server sends
// parses as a fragment; a close carries a reason and nothing more is fed
// after it; on an authenticated association every response verifies (and
// unseals) at the real client.
#include <optional>

#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_pdu.h"
#include "harness/net/rpc_session.h"
#include "ssp/session_security.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/net_fuzz_env.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

namespace rpc = harness::net::rpc;

constexpr int kMaxRecords = 32;
constexpr uint32_t kAuthContextId = 79231;
constexpr uint8_t kLevels[4] = {rpc::kAuthLevelConnect, rpc::kAuthLevelPktIntegrity,
                                rpc::kAuthLevelPktPrivacy, rpc::kAuthLevelPktPrivacy};

// The client end of the association: this project's NTLM initiator and the
// PDU encoder (as in tests/net/rpc_session_test.cc).
class Client {
 public:
  Client(NetFuzzEnv& env, uint8_t level) : ntlm_(env.Client()), level_(level) {}

  Bytes Bind(bool with_auth) {
    rpc::CommonHeader h;
    h.type = static_cast<uint8_t>(rpc::PduType::kBind);
    h.pfc_flags = rpc::kPfcFirstFrag | rpc::kPfcLastFrag | rpc::kPfcSupportHeaderSign;
    h.call_id = 1;
    const Bytes body = rpc::EncodeBindBody(Contexts());
    if (!with_auth) return rpc::EncodeFragment(h, body, nullptr);
    auto negotiate = ntlm_->CreateNegotiate();
    FuzzCheck(negotiate.ok(), "rpc_session: client NEGOTIATE");
    rpc::Verifier v{rpc::SecTrailer{rpc::kAuthTypeWinNt, level_, 0, 0, kAuthContextId}, *negotiate};
    return rpc::EncodeFragment(h, body, &v, 0, 4);
  }

  Bytes Authenticate(ByteSpan bind_ack, bool alter) {
    auto f = rpc::ParseFragment(bind_ack, 65535);
    FuzzCheck(f.ok() && f->header.type == static_cast<uint8_t>(rpc::PduType::kBindAck),
              "rpc_session: the real bind was not acknowledged");
    header_sign_ = (f->header.pfc_flags & rpc::kPfcSupportHeaderSign) != 0;
    auto authenticate = ntlm_->ProcessChallenge(f->auth_value);
    FuzzCheck(authenticate.ok(), "rpc_session: the server's CHALLENGE refused by the client");
    auto security = ntlm_->CreateSessionSecurity();
    FuzzCheck(security.ok(), "rpc_session: client session security");
    security_.emplace(std::move(*security));
    rpc::CommonHeader h;
    h.call_id = 2;
    rpc::Verifier v{rpc::SecTrailer{rpc::kAuthTypeWinNt, level_, 0, 0, kAuthContextId},
                    *authenticate};
    if (alter) {
      h.type = static_cast<uint8_t>(rpc::PduType::kAlterContext);
      return rpc::EncodeFragment(h, rpc::EncodeBindBody(Contexts()), &v, 0, 4);
    }
    h.type = static_cast<uint8_t>(rpc::PduType::kAuth3);
    const uint8_t pad[4] = {0x20, 0x20, 0x20, 0x20};
    return rpc::EncodeFragment(h, ByteSpan(pad), &v, 0, 4);
  }

  // One request fragment, protected at the level of the exchange.
  Bytes Request(uint32_t call_id, uint8_t pfc_flags, uint16_t context_id, uint16_t opnum,
                ByteSpan stub) {
    rpc::CommonHeader h;
    h.type = static_cast<uint8_t>(rpc::PduType::kRequest);
    h.pfc_flags = pfc_flags;
    h.call_id = call_id;
    Bytes body = rpc::EncodeRequestHeader(static_cast<uint32_t>(stub.size()), context_id, opnum);
    body.insert(body.end(), stub.begin(), stub.end());
    if (!security_ || level_ < rpc::kAuthLevelPktIntegrity) {
      return rpc::EncodeFragment(h, body, nullptr);
    }
    const uint8_t zeros[16] = {};
    rpc::Verifier v{rpc::SecTrailer{rpc::kAuthTypeWinNt, level_, 0, 0, kAuthContextId},
                    ByteSpan(zeros)};
    Bytes f = rpc::EncodeFragment(h, body, &v, 24, 16);
    const size_t trailer = f.size() - 24;
    MutableByteSpan all(f);
    const MutableByteSpan data = all.subspan(24, trailer - 24);
    const ssp::WrapBuffer buffers[] = {Edge(ByteSpan(all).first(24)),
                                       level_ == rpc::kAuthLevelPktPrivacy
                                           ? ssp::WrapBuffer::EncryptInPlace(data)
                                           : ssp::WrapBuffer::SignOnly(data),
                                       Edge(ByteSpan(all).subspan(trailer, 8))};
    FuzzCheck(security_->SealEx(buffers, ssp::SignatureOut(all.data() + trailer + 8, 16)).ok(),
              "rpc_session: client SealEx");
    return f;
  }

  // A response fragment must verify (and unseal).
  void CheckResponse(Bytes pdu) {
    if (!security_ || level_ < rpc::kAuthLevelPktIntegrity) return;
    auto f = rpc::ParseFragment(pdu, 65535);
    FuzzCheck(f.ok() && f->trailer && f->auth_value.size() == 16,
              "rpc_session: a response without a verifier");
    const size_t begin = rpc::kCommonHeaderSize + rpc::kResponseHeaderSize;
    const size_t end = f->trailer_offset;
    FuzzCheck(end >= begin, "rpc_session: response shorter than its header");
    Bytes signature(f->auth_value.begin(), f->auth_value.end());
    MutableByteSpan all(pdu);
    const MutableByteSpan data = all.subspan(begin, end - begin);
    const ssp::WrapBuffer buffers[] = {Edge(ByteSpan(all).first(begin)),
                                       level_ == rpc::kAuthLevelPktPrivacy
                                           ? ssp::WrapBuffer::EncryptInPlace(data)
                                           : ssp::WrapBuffer::SignOnly(data),
                                       Edge(ByteSpan(all).subspan(end, 8))};
    FuzzCheck(security_->UnsealEx(buffers, ssp::SignatureIn(signature.data(), 16)).ok(),
              "rpc_session: the server's response does not verify at the client");
  }

  bool has_security() const { return security_.has_value(); }

 private:
  static rpc::BindBody Contexts() {
    return rpc::BindBody{
        4280, 4280, 0, {{0, harness::net::rpc::EchoInterfaceSyntax(), {rpc::NdrTransferSyntax()}}}};
  }
  ssp::WrapBuffer Edge(ByteSpan b) const {
    const bool covered = header_sign_ || security_->extended_session_security();
    return covered ? ssp::WrapBuffer::SignOnly(b) : ssp::WrapBuffer::ReadOnly(b);
  }

  std::unique_ptr<ssp::ClientContext> ntlm_;
  uint8_t level_;
  bool header_sign_ = false;
  std::optional<ssp::SessionSecurity> security_;
};

// Checks what the server sent; true when the connection goes on.
bool CheckOutput(const rpc::RpcSession& session, const rpc::RpcSession::Output& out) {
  for (const Bytes& pdu : out.pdus) {
    auto f = rpc::ParseFragment(pdu, 65535);
    FuzzCheck(f.ok(), "rpc_session: the server sent a PDU that does not parse");
  }
  (void)session.max_recv_frag();
  if (out.close) FuzzCheck(!out.reason.empty(), "rpc_session: closed without a reason");
  return !out.close;
}

// The client reads every response in order once the association is
// authenticated (its sequence numbers follow the server's).
void ReadResponses(const rpc::RpcSession& session, Client& client,
                   const rpc::RpcSession::Output& out) {
  if (!session.authenticated() || !client.has_security()) return;
  for (const Bytes& reply : out.pdus) {
    if (reply.at(2) == static_cast<uint8_t>(rpc::PduType::kResponse)) client.CheckResponse(reply);
  }
}

// Frames `stream` as the front does; false once the server closed.
bool FeedStream(rpc::RpcSession& session, Client& client, Bytes& stream) {
  while (stream.size() >= rpc::kCommonHeaderSize) {
    const ByteSpan head = ByteSpan(stream).first(rpc::kCommonHeaderSize);
    auto header = rpc::ParseCommonHeader(head, session.max_recv_frag());
    if (!header.ok()) {
      CheckOutput(session, session.OnBadHeader(head, header.error()));
      return false;
    }
    if (stream.size() < header->frag_length) return true;  // the rest never comes
    const Bytes fragment(stream.begin(), stream.begin() + header->frag_length);
    stream.erase(stream.begin(), stream.begin() + header->frag_length);
    auto out = session.OnFragment(fragment);
    ReadResponses(session, client, out);
    if (!CheckOutput(session, out)) return false;
    (void)session.TakeAuthOutcome();
  }
  return true;
}

}  // namespace

int FuzzRpcSession(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t mode = in.TakeU8();
  const int start = mode & 3;
  const uint8_t level = kLevels[(mode >> 2) & 3];
  NetFuzzEnv env;
  rpc::RpcSessionOptions options;
  options.min_auth_level = start == 3 ? rpc::kAuthLevelNone : rpc::kAuthLevelConnect;
  options.max_frag = 4280;
  options.max_request_bytes = 64 * 1024;
  rpc::RpcSession session(env.ctx(), options);
  Client client(env, level);

  if (start != 0) {
    auto bound = session.OnFragment(client.Bind(start != 3));
    FuzzCheck(bound.pdus.size() == 1 && !bound.close, "rpc_session: the real bind was refused");
    if (start != 3) {
      auto auth = session.OnFragment(client.Authenticate(bound.pdus[0], start == 2));
      FuzzCheck(!auth.close && session.authenticated(),
                "rpc_session: the real AUTHENTICATE was refused");
      (void)session.TakeAuthOutcome();
    }
  }

  Bytes stream;
  uint32_t call_id = 10;
  for (int record = 0; record < kMaxRecords && !in.empty(); ++record) {
    const uint8_t kind = in.TakeU8();
    if (kind % 3 == 0) {
      const ByteSpan raw = in.TakeLengthPrefixed();
      stream.insert(stream.end(), raw.begin(), raw.end());
      if (!FeedStream(session, client, stream)) break;
      continue;
    }
    const uint16_t opnum = in.TakeU8() % 4;
    const uint16_t context_id = in.TakeU8() % 2;
    const uint8_t pfc = in.TakeU8();
    const ByteSpan stub = in.TakeLengthPrefixed();
    Bytes pdu = client.Request(call_id++, pfc, context_id, opnum, stub);
    const bool genuine = kind % 3 == 1;
    if (!genuine) {
      for (int i = kind / 3 % 4 + 1; i > 0; --i) {
        const uint16_t offset = in.TakeU16();
        const uint8_t mask = in.TakeU8();
        if (!pdu.empty()) pdu[offset % pdu.size()] ^= mask;
      }
    }
    if (!stream.empty()) {  // a raw partial fragment is still pending: keep the byte order
      stream.insert(stream.end(), pdu.begin(), pdu.end());
      if (!FeedStream(session, client, stream)) break;
      continue;
    }
    auto header = rpc::ParseCommonHeader(pdu, session.max_recv_frag());
    if (!header.ok()) {
      CheckOutput(session, session.OnBadHeader(ByteSpan(pdu).first(16), header.error()));
      break;
    }
    auto out = session.OnFragment(pdu);
    ReadResponses(session, client, out);
    const bool goes_on = CheckOutput(session, out);
    (void)session.TakeAuthOutcome();
    if (!goes_on) break;
  }
  (void)session.BuildTranscript("fuzz", "rpc_session fuzz input");
  return 0;
}

}  // namespace ntlm::fuzz
