// rpc_client_session.cc: RpcClientSession (see rpc_client_session.h).
#include "harness/net/rpc_client_session.h"

#include <algorithm>
#include <utility>

#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_verifier.h"

namespace ntlm::harness::net::rpc {

using ssp::SecStatus;

namespace {

constexpr size_t kSignatureSize = ssp::kMessageSignatureSize;
constexpr uint16_t kEchoContextId = 0;
constexpr uint32_t kAuthContextId = 0;

ssp::Error Invalid(std::string reason) {
  return ssp::MakeError(SecStatus::kInvalidToken, std::move(reason));
}

}  // namespace

SyntaxId RpcClientSession::DefaultAbstractSyntax() { return EchoInterfaceSyntax(); }

RpcClientSession::RpcClientSession(uint8_t auth_level, uint16_t max_frag, SyntaxId abstract_syntax)
    : auth_level_(auth_level),
      abstract_syntax_(abstract_syntax),
      proposed_frag_(std::max(max_frag, kMustRecvFragSize)),
      max_recv_(proposed_frag_),
      max_xmit_(proposed_frag_) {}

Bytes RpcClientSession::Bind(ByteSpan negotiate) {
  alter_ = false;
  return EncodeBindOrAlter(PduType::kBind, kPfcSupportHeaderSign, negotiate);
}

Bytes RpcClientSession::EncodeBindOrAlter(PduType type, uint8_t header_sign_flag, ByteSpan token) {
  BindBody body;
  body.max_xmit_frag = proposed_frag_;
  body.max_recv_frag = proposed_frag_;
  body.contexts.push_back(
      ContextElement{kEchoContextId, abstract_syntax_, std::vector<SyntaxId>{NdrTransferSyntax()}});
  CommonHeader h;
  h.type = static_cast<uint8_t>(type);
  h.pfc_flags = static_cast<uint8_t>(kPfcFirstFrag | kPfcLastFrag | header_sign_flag);
  bind_call_id_ = next_call_id_++;
  h.call_id = bind_call_id_;
  const Verifier verifier{SecTrailer{kAuthTypeWinNt, auth_level_, 0, 0, kAuthContextId}, token};
  return EncodeFragment(h, EncodeBindBody(body), &verifier, 0, 4);
}

ssp::Result<ClientBindReply> RpcClientSession::OnBindReply(ByteSpan bytes) {
  NTLM_ASSIGN_OR_RETURN(auto f, ParseFragment(bytes, max_recv_));
  if (f.header.call_id != bind_call_id_) {
    return Invalid("reply to the bind has call_id " + std::to_string(f.header.call_id) + ", not " +
                   std::to_string(bind_call_id_));
  }
  ClientBindReply reply;
  switch (static_cast<PduType>(f.header.type)) {
    case PduType::kBindNak: {
      NTLM_ASSIGN_OR_RETURN(auto reason, ParseBindNakReason(f));
      reply.kind = ClientBindReply::Kind::kNak;
      reply.nak_reason = reason;
      return reply;
    }
    case PduType::kFault: {
      NTLM_ASSIGN_OR_RETURN(auto status, ParseFaultStatus(f));
      reply.kind = ClientBindReply::Kind::kFault;
      reply.fault_status = status;
      return reply;
    }
    case PduType::kBindAck:
    case PduType::kAlterContextResp:
      if ((f.header.type == static_cast<uint8_t>(PduType::kAlterContextResp)) == alter_) break;
      [[fallthrough]];
    default:
      return Invalid(std::string("the ") + (alter_ ? "alter_context" : "bind") +
                     " was answered with " + PduTypeName(f.header.type));
  }
  NTLM_ASSIGN_OR_RETURN(auto ack, ParseBindAckBody(f));
  if (alter_) {
    reply.context_accepted = !ack.results.empty() && ack.results[0].result == kResultAcceptance;
    if (f.trailer) reply.challenge.assign(f.auth_value.begin(), f.auth_value.end());
    return reply;
  }
  if (ack.max_xmit_frag < kMustRecvFragSize || ack.max_recv_frag < kMustRecvFragSize) {
    return Invalid("bind_ack fragment sizes " + std::to_string(ack.max_xmit_frag) + "/" +
                   std::to_string(ack.max_recv_frag) + " are below " +
                   std::to_string(kMustRecvFragSize));
  }
  // The server's max_xmit_frag is what it sends us; its max_recv_frag what
  // it accepts from us.
  max_recv_ = std::min<size_t>(ack.max_xmit_frag, proposed_frag_);
  max_xmit_ = std::min<size_t>(ack.max_recv_frag, proposed_frag_);
  header_sign_ = (f.header.pfc_flags & kPfcSupportHeaderSign) != 0;
  reply.context_accepted = !ack.results.empty() && ack.results[0].result == kResultAcceptance;
  if (!f.trailer || f.trailer->auth_type != kAuthTypeWinNt) {
    return Invalid("bind_ack without an NTLMSSP auth verifier");
  }
  reply.challenge.assign(f.auth_value.begin(), f.auth_value.end());
  return reply;
}

Bytes RpcClientSession::Auth3(ByteSpan authenticate) {
  CommonHeader h;
  h.type = static_cast<uint8_t>(PduType::kAuth3);
  h.pfc_flags = kPfcFirstFrag | kPfcLastFrag | (header_sign_ ? kPfcSupportHeaderSign : 0);
  h.call_id = next_call_id_++;
  const Verifier verifier{SecTrailer{kAuthTypeWinNt, auth_level_, 0, 0, kAuthContextId},
                          authenticate};
  return EncodeFragment(h, EncodeAuth3Body(), &verifier, 0, 4);
}

Bytes RpcClientSession::AlterContext(ByteSpan token) {
  alter_ = true;
  return EncodeBindOrAlter(PduType::kAlterContext, header_sign_ ? kPfcSupportHeaderSign : 0, token);
}

void RpcClientSession::Establish(uint32_t negotiated_flags, ssp::SessionSecurity security) {
  negotiated_flags_ = negotiated_flags;
  security_.emplace(std::move(security));
}

bool RpcClientSession::HeaderCovered() const {
  return header_sign_ || (security_ && security_->extended_session_security());
}

std::vector<Bytes> RpcClientSession::BuildRequest(uint16_t opnum, ByteSpan stub, bool blank,
                                                  ssp::Status& status) {
  const bool protect = Protected();
  const bool seal = auth_level_ == kAuthLevelPktPrivacy;
  const size_t stub_offset = kRequestStubOffset;
  const size_t chunk_max = MaxStubPerFragment(max_xmit_, stub_offset, protect);
  const uint32_t call_id = next_call_id_++;
  std::vector<Bytes> out;
  size_t offset = 0;
  do {
    const size_t chunk = std::min(chunk_max, stub.size() - offset);
    CommonHeader h;
    h.type = static_cast<uint8_t>(PduType::kRequest);
    h.pfc_flags = static_cast<uint8_t>((offset == 0 ? kPfcFirstFrag : 0) |
                                       (offset + chunk == stub.size() ? kPfcLastFrag : 0));
    h.call_id = call_id;
    Bytes body =
        EncodeRequestHeader(static_cast<uint32_t>(stub.size() - offset), kEchoContextId, opnum);
    body.insert(body.end(), stub.begin() + offset, stub.begin() + offset + chunk);
    offset += chunk;
    if (!protect) {
      out.push_back(EncodeFragment(h, body, nullptr));
      continue;
    }
    const uint8_t zeros[kSignatureSize] = {};
    const Verifier verifier{SecTrailer{kAuthTypeWinNt, auth_level_, 0, 0, kAuthContextId},
                            ByteSpan(zeros)};
    Bytes fragment = EncodeFragment(h, body, &verifier, stub_offset, kStubPadAlignment);
    if (!blank) {
      if (!security_) {
        status = ssp::MakeError(SecStatus::kInternalError,
                                "request at an auth level that needs session security before "
                                "the context was established");
        return {};
      }
      const size_t trailer_offset = fragment.size() - kSignatureSize - kSecTrailerSize;
      if (ssp::Status st = ProtectFragment(
              *security_, fragment,
              ProtectedFragment{stub_offset, trailer_offset, seal, HeaderCovered()});
          !st.ok()) {
        status = st;
        return {};
      }
    }
    out.push_back(std::move(fragment));
  } while (offset < stub.size());
  call_id_ = call_id;
  response_.clear();
  return out;
}

ssp::Result<std::vector<Bytes>> RpcClientSession::Request(uint16_t opnum, ByteSpan stub) {
  ssp::Status status;
  auto fragments = BuildRequest(opnum, stub, /*blank=*/false, status);
  if (!status.ok()) return status.error();
  return fragments;
}

std::vector<Bytes> RpcClientSession::RequestWithBlankVerifier(uint16_t opnum, ByteSpan stub) {
  ssp::Status unused;
  return BuildRequest(opnum, stub, /*blank=*/true, unused);
}

ssp::Result<ClientCallReply> RpcClientSession::OnResponseFragment(ByteSpan bytes) {
  NTLM_ASSIGN_OR_RETURN(auto f, ParseFragment(bytes, max_recv_));
  if (!call_id_ || f.header.call_id != *call_id_) {
    return Invalid("fragment for call " + std::to_string(f.header.call_id) +
                   (call_id_ ? ", not " + std::to_string(*call_id_) : ", no call in progress"));
  }
  ClientCallReply reply;
  if (f.header.type == static_cast<uint8_t>(PduType::kFault)) {
    NTLM_ASSIGN_OR_RETURN(auto status, ParseFaultStatus(f));
    reply.complete = true;
    reply.fault = true;
    reply.fault_status = status;
    call_id_.reset();
    return reply;
  }
  if (f.header.type != static_cast<uint8_t>(PduType::kResponse)) {
    return Invalid(std::string("the request was answered with ") + PduTypeName(f.header.type));
  }
  NTLM_ASSIGN_OR_RETURN(auto header, ParseResponseHeader(f));
  ByteSpan stub = header.stub;
  Bytes plain;
  if (Protected()) {
    if (!f.trailer || f.trailer->auth_type != kAuthTypeWinNt ||
        f.trailer->auth_level != auth_level_ || f.auth_value.size() != kSignatureSize) {
      return Invalid("response without the association's verifier");
    }
    if (!security_) return Invalid("protected response before the context was established");
    const size_t data_begin = header.stub_offset;
    const size_t data_end = f.trailer_offset;
    const bool seal = auth_level_ == kAuthLevelPktPrivacy;
    plain.assign(bytes.begin(), bytes.end());
    if (ssp::Status st = UnprotectFragment(
            *security_, plain, ProtectedFragment{data_begin, data_end, seal, HeaderCovered()},
            ssp::SignatureIn(f.auth_value.data(), kSignatureSize));
        !st.ok()) {
      return st.error();
    }
    stub = ByteSpan(plain).subspan(data_begin, header.stub.size());
  }
  if (response_.size() + stub.size() > 16 * 1024 * 1024) {
    return Invalid("response larger than 16 MiB");
  }
  response_.insert(response_.end(), stub.begin(), stub.end());
  if (f.header.pfc_flags & kPfcLastFrag) {
    reply.complete = true;
    reply.stub = std::move(response_);
    response_.clear();
    call_id_.reset();
  }
  return reply;
}

}  // namespace ntlm::harness::net::rpc
