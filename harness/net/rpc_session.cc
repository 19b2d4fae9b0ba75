// rpc_session.cc: the per-connection DCE/RPC state machine (see rpc_session.h).
#include "harness/net/rpc_session.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "harness/net/rpc_rpcecho_interface.h"
#include "harness/net/rpc_spnego_auth.h"
#include "harness/net/rpc_verification_trailer.h"
#include "harness/net/rpc_verifier.h"
#include "harness/net/spnego_mic.h"
#include "harness/net/transcript_recorder.h"
#include "harness/transcript_policy.h"
#include "ssp/authenticate_message.h"

namespace ntlm::harness::net::rpc {

using ssp::SecStatus;

namespace {

constexpr size_t kSignatureSize = ssp::kMessageSignatureSize;

std::string Hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

TranscriptEntry TokenEntry(EntryDir dir, EntryType type, ByteSpan token) {
  TranscriptEntry e;
  e.dir = dir;
  e.type = type;
  e.token.assign(token.begin(), token.end());
  return e;
}

bool ServedLevel(uint8_t level) {
  return level == kAuthLevelConnect || level == kAuthLevelPktIntegrity ||
         level == kAuthLevelPktPrivacy;
}

}  // namespace

uint8_t MinAuthLevelForPolicy(const ssp::ServerPolicy& policy) {
  if (policy.min_server_sec & 0x20) return kAuthLevelPktPrivacy;
  if (policy.min_server_sec & 0x10) return kAuthLevelPktIntegrity;
  return kAuthLevelConnect;
}

RpcSession::RpcSession(const FrontContext& ctx, RpcSessionOptions options)
    : ctx_(ctx), options_(std::move(options)) {
  options_.max_frag = std::max(options_.max_frag, kMustRecvFragSize);
  max_recv_ = options_.max_frag;
}

std::optional<RpcAuthOutcome> RpcSession::TakeAuthOutcome() {
  if (!outcome_pending_) return std::nullopt;
  outcome_pending_ = false;
  return outcome_;
}

RpcSession::Output RpcSession::BindNak(uint32_t call_id, uint16_t reason, std::string why) {
  CommonHeader h;
  h.type = static_cast<uint8_t>(PduType::kBindNak);
  h.call_id = call_id;
  Output out;
  out.pdus.push_back(EncodeFragment(h, EncodeBindNakBody(reason), nullptr));
  out.close = true;
  out.reason = "bind_nak: " + std::move(why);
  return out;
}

RpcSession::Output RpcSession::Fault(uint32_t call_id, uint16_t context_id, uint32_t status,
                                     std::string why, bool close) {
  CommonHeader h;
  h.type = static_cast<uint8_t>(PduType::kFault);
  h.pfc_flags = kPfcFirstFrag | kPfcLastFrag | kPfcDidNotExecute;
  h.call_id = call_id;
  Output out;
  out.pdus.push_back(EncodeFragment(h, EncodeFaultBody(context_id, status), nullptr));
  out.close = close;
  out.reason = "fault " + Hex32(status) + ": " + std::move(why);
  pending_.reset();
  return out;
}

RpcSession::Output RpcSession::OnBadHeader(ByteSpan header_bytes, const ssp::Error& error) {
  uint32_t call_id = 0;
  uint8_t type = 0xFF;
  if (header_bytes.size() >= kCommonHeaderSize) {
    type = header_bytes[2];
    call_id = static_cast<uint32_t>(header_bytes[12]) | header_bytes[13] << 8 |
              header_bytes[14] << 16 | static_cast<uint32_t>(header_bytes[15]) << 24;
  }
  if (type == static_cast<uint8_t>(PduType::kBind)) {
    const bool version = header_bytes.size() >= 2 && (header_bytes[0] != 5 || header_bytes[1] > 1);
    return BindNak(call_id, version ? kNakProtocolVersionNotSupported : kNakReasonNotSpecified,
                   error.reason);
  }
  if (type == static_cast<uint8_t>(PduType::kRequest) ||
      type == static_cast<uint8_t>(PduType::kAlterContext)) {
    return Fault(call_id, 0, kFaultProtocolError, error.reason, true);
  }
  Output out;
  out.close = true;
  out.reason = error.reason;
  return out;
}

RpcSession::Output RpcSession::OnFragment(ByteSpan bytes) {
  auto fragment = ParseFragment(bytes, max_recv_);
  if (!fragment.ok()) return OnBadHeader(bytes, fragment.error());
  const Fragment& f = *fragment;
  switch (static_cast<PduType>(f.header.type)) {
    case PduType::kBind:
      return HandleBind(f, false);
    case PduType::kAlterContext:
      return HandleBind(f, true);
    case PduType::kAuth3:
      return HandleAuth3(f);
    case PduType::kRequest:
      return HandleRequest(f, bytes);
    case PduType::kCoCancel:
      return Output{};  // calls run to completion at once
    case PduType::kOrphaned:
      if (pending_ && pending_->call_id == f.header.call_id) pending_.reset();
      return Output{};
    default: {
      Output out;
      out.close = true;
      out.reason = std::string("unexpected PDU type ") + PduTypeName(f.header.type) + " (" +
                   std::to_string(f.header.type) + ") from a client";
      return out;
    }
  }
}

void RpcSession::ReportAuth(bool accepted, SecStatus status, std::string reason) {
  outcome_.accepted = accepted;
  outcome_.status = status;
  outcome_.reason = std::move(reason);
  outcome_.auth_level = auth_level_;
  outcome_.auth_type = auth_type_;
  outcome_pending_ = true;
}

RpcSession::Output RpcSession::Refuse(uint32_t call_id, bool alter, uint16_t nak_reason,
                                      std::string why) {
  return alter ? Fault(call_id, 0, kFaultAccessDenied, std::move(why), true)
               : BindNak(call_id, nak_reason, std::move(why));
}

std::optional<RpcSession::Output> RpcSession::CheckBindFrame(const Fragment& f,
                                                             const BindBody& body, bool alter) {
  const uint32_t call_id = f.header.call_id;
  if (!alter && bound_) {
    return BindNak(call_id, kNakReasonNotSpecified, "a second bind on a bound association");
  }
  if (alter && !bound_) {
    return Fault(call_id, 0, kFaultProtocolError, "alter_context before bind", true);
  }
  if (alter) return std::nullopt;
  if (body.max_xmit_frag < kMustRecvFragSize || body.max_recv_frag < kMustRecvFragSize) {
    return BindNak(call_id, kNakReasonNotSpecified,
                   "max_xmit_frag " + std::to_string(body.max_xmit_frag) + " / max_recv_frag " +
                       std::to_string(body.max_recv_frag) + " below the minimum of " +
                       std::to_string(kMustRecvFragSize));
  }
  max_recv_ = std::min(body.max_xmit_frag, options_.max_frag);
  max_xmit_ = std::min(body.max_recv_frag, options_.max_frag);
  header_sign_ = (f.header.pfc_flags & kPfcSupportHeaderSign) != 0;
  return std::nullopt;
}

std::optional<ServedInterface> FindServedInterface(const SyntaxId& abstract_syntax) {
  for (auto [syntax, iface] : {std::pair{EchoInterfaceSyntax(), ServedInterface::kHarnessEcho},
                               std::pair{RpcEchoInterfaceSyntax(), ServedInterface::kRpcEcho}}) {
    if (abstract_syntax.uuid == syntax.uuid && abstract_syntax.major == syntax.major) return iface;
  }
  return std::nullopt;
}

std::vector<ContextResult> RpcSession::NegotiateContexts(
    const BindBody& body, std::vector<AcceptedContext>& accepted) const {
  std::vector<ContextResult> results;
  const SyntaxId ndr = NdrTransferSyntax();
  for (const ContextElement& e : body.contexts) {
    ContextResult r;
    const bool has_ndr = std::find(e.transfer_syntaxes.begin(), e.transfer_syntaxes.end(), ndr) !=
                         e.transfer_syntaxes.end();
    const std::optional<ServedInterface> iface = FindServedInterface(e.abstract_syntax);
    if (!iface) {
      r.result = kResultProviderRejection;
      r.reason = kReasonAbstractSyntaxNotSupported;
    } else if (!has_ndr) {
      r.result = kResultProviderRejection;
      r.reason = kReasonTransferSyntaxesNotSupported;
    } else {
      r.transfer_syntax = ndr;
      accepted.push_back(AcceptedContext{e.context_id, *iface});
    }
    results.push_back(r);
  }
  return results;
}

std::optional<RpcSession::Output> RpcSession::StartAuthentication(const Fragment& f, bool alter,
                                                                  BindReplyAuth& reply) {
  const SecTrailer& t = *f.trailer;
  const uint32_t call_id = f.header.call_id;
  if (!ServedLevel(t.auth_level)) {
    return Refuse(call_id, alter, kNakReasonNotSpecified,
                  std::string("auth level ") + AuthLevelName(t.auth_level) + " (" +
                      std::to_string(t.auth_level) + ") not served");
  }
  if (t.auth_level < options_.min_auth_level) {
    return Refuse(call_id, alter, kNakReasonNotSpecified,
                  std::string("auth level ") + AuthLevelName(t.auth_level) +
                      " is below the minimum " + AuthLevelName(options_.min_auth_level));
  }
  auth_level_ = t.auth_level;
  auth_context_id_ = t.auth_context_id;
  auth_type_ = t.auth_type;
  reply.trailer = SecTrailer{auth_type_, auth_level_, 0, 0, auth_context_id_};
  if (auth_type_ != kAuthTypeSpnego)
    return AcceptNtlmNegotiate(f.auth_value, call_id, alter, reply);
  auto leg = UnwrapSpnegoInit(f.auth_value);
  if (!leg.ok()) {
    auth_state_ = AuthState::kFailed;
    ReportAuth(false, leg.status(), leg.error().reason);
    return Refuse(call_id, alter, kNakInvalidChecksum, leg.error().reason);
  }
  spnego_mech_types_ = leg->mech_types_der;
  spnego_ntlm_preferred_ = leg->ntlm_preferred;
  if (leg->negotiate) return AcceptNtlmNegotiate(*leg->negotiate, call_id, alter, reply);
  // NTLM selected without its NEGOTIATE (not the first mech, or no
  // optimistic token): ask for it, and for a mechListMIC when NTLM was not
  // the initiator's choice (RFC 4178 5).
  auth_state_ = AuthState::kAwaitNegotiate;
  reply.token =
      WrapSpnegoResp(leg->ntlm_preferred ? NegState::kAcceptIncomplete : NegState::kRequestMic, {},
                     true, std::nullopt);
  return std::nullopt;
}

std::optional<RpcSession::Output> RpcSession::AcceptNtlmNegotiate(ByteSpan negotiate,
                                                                  uint32_t call_id, bool alter,
                                                                  BindReplyAuth& reply) {
  ntlm_.emplace(ctx_.identity, ctx_.policy, *ctx_.accounts, *ctx_.clock, *ctx_.random);
  negotiate_time_ = ctx_.clock->Now();
  entries_.push_back(TokenEntry(EntryDir::kClientToServer, EntryType::kNegotiate, negotiate));
  auto r = ntlm_->AcceptNegotiate(negotiate);
  if (!r.ok()) {
    FailAuthentication(r.error());
    return Refuse(call_id, alter, kNakInvalidChecksum,
                  "NEGOTIATE refused: " + ssp::StatusName(r.status()) + ": " + r.error().reason);
  }
  entries_.push_back(TokenEntry(EntryDir::kServerToClient, EntryType::kChallenge, *r));
  // supportedMech goes in the acceptor's first NegTokenResp only.
  const bool first = auth_state_ == AuthState::kNone;
  reply.token = auth_type_ == kAuthTypeSpnego
                    ? WrapSpnegoResp(NegState::kAcceptIncomplete, *r, first, std::nullopt)
                    : std::move(*r);
  auth_state_ = AuthState::kAwaitAuthenticate;
  return std::nullopt;
}

std::optional<RpcSession::Output> RpcSession::ContinueNegotiate(const Fragment& f,
                                                                BindReplyAuth& reply) {
  const SecTrailer& t = *f.trailer;
  if (t.auth_type != auth_type_ || t.auth_level != auth_level_ ||
      t.auth_context_id != auth_context_id_) {
    auth_state_ = AuthState::kFailed;
    ReportAuth(false, SecStatus::kInvalidToken,
               "alter_context sec_trailer differs from the bind's (type/level/context id)");
    return Fault(f.header.call_id, 0, kFaultAccessDenied, outcome_.reason, true);
  }
  auto leg = UnwrapSpnegoResp(f.auth_value);
  if (!leg.ok()) {
    auth_state_ = AuthState::kFailed;
    ReportAuth(false, leg.status(), leg.error().reason);
    return Fault(f.header.call_id, 0, kFaultAccessDenied, leg.error().reason, true);
  }
  reply.trailer = SecTrailer{auth_type_, auth_level_, 0, 0, auth_context_id_};
  return AcceptNtlmNegotiate(leg->ntlm, f.header.call_id, true, reply);
}

std::optional<RpcSession::Output> RpcSession::BindAuthentication(const Fragment& f, bool alter,
                                                                 BindReplyAuth& reply) {
  const uint32_t call_id = f.header.call_id;
  if (!f.trailer) {
    if (!alter && options_.min_auth_level > kAuthLevelNone) {
      return BindNak(call_id, kNakReasonNotSpecified,
                     std::string("bind without authentication; the minimum auth level is ") +
                         AuthLevelName(options_.min_auth_level));
    }
    if (alter && auth_state_ != AuthState::kNone && auth_state_ != AuthState::kEstablished) {
      return Fault(call_id, 0, kFaultAccessDenied,
                   "alter_context without a verifier while authentication is incomplete", true);
    }
    return std::nullopt;
  }
  const SecTrailer& t = *f.trailer;
  if (t.auth_type != kAuthTypeWinNt && t.auth_type != kAuthTypeSpnego) {
    return Refuse(
        call_id, alter, kNakAuthenticationTypeNotRecognized,
        "auth_type " + std::to_string(t.auth_type) + " is neither SPNEGO (9) nor NTLMSSP (10)");
  }
  if (f.auth_value.size() > options_.max_token_bytes) {
    return Refuse(
        call_id, alter, kNakReasonNotSpecified,
        "auth_value of " + std::to_string(f.auth_value.size()) + " bytes exceeds the token limit");
  }
  if (auth_state_ == AuthState::kNone) return StartAuthentication(f, alter, reply);
  if (alter && auth_state_ == AuthState::kAwaitNegotiate) return ContinueNegotiate(f, reply);
  if (alter && auth_state_ == AuthState::kAwaitAuthenticate)
    return ContinueAuthentication(f, reply);
  return Refuse(call_id, alter, kNakReasonNotSpecified,
                "an auth verifier on an association whose authentication is already " +
                    std::string(auth_state_ == AuthState::kEstablished ? "complete" : "failed"));
}

std::optional<RpcSession::Output> RpcSession::ContinueAuthentication(const Fragment& f,
                                                                     BindReplyAuth& reply) {
  const SecTrailer& t = *f.trailer;
  const uint32_t call_id = f.header.call_id;
  if (t.auth_type != auth_type_ || t.auth_level != auth_level_ ||
      t.auth_context_id != auth_context_id_) {
    auth_state_ = AuthState::kFailed;
    ReportAuth(false, SecStatus::kInvalidToken,
               "alter_context sec_trailer differs from the bind's (type/level/context id)");
    return Fault(call_id, 0, kFaultAccessDenied, outcome_.reason, true);
  }
  auto mic = FinishAuthentication(f.auth_value);
  if (!mic.ok()) {
    return Fault(
        call_id, 0, kFaultAccessDenied,
        "AUTHENTICATE refused: " + ssp::StatusName(mic.status()) + ": " + mic.error().reason, true);
  }
  if (auth_type_ == kAuthTypeSpnego) {
    reply.trailer = SecTrailer{auth_type_, auth_level_, 0, 0, auth_context_id_};
    reply.token = WrapSpnegoResp(NegState::kAcceptCompleted, {}, false, *mic);
  }
  return std::nullopt;
}

RpcSession::Output RpcSession::AcceptBind(uint32_t call_id, bool alter,
                                          std::vector<ContextResult> results,
                                          const std::vector<AcceptedContext>& accepted,
                                          const BindReplyAuth& reply) {
  bound_ = true;
  for (const AcceptedContext& c : accepted) {
    auto same_id = [&](const AcceptedContext& known) { return known.id == c.id; };
    if (std::find_if(contexts_.begin(), contexts_.end(), same_id) == contexts_.end()) {
      contexts_.push_back(c);
    }
  }
  BindAckBody ack;
  ack.max_xmit_frag = max_xmit_;
  ack.max_recv_frag = max_recv_;
  ack.assoc_group_id = alter ? 0 : options_.assoc_group_id;
  if (!alter) ack.secondary_address = options_.secondary_address;
  ack.results = std::move(results);
  CommonHeader h;
  h.type = static_cast<uint8_t>(alter ? PduType::kAlterContextResp : PduType::kBindAck);
  h.pfc_flags = kPfcFirstFrag | kPfcLastFrag | (header_sign_ ? kPfcSupportHeaderSign : 0);
  h.call_id = call_id;
  const Bytes ack_body = EncodeBindAckBody(ack);
  Output out;
  if (reply.trailer) {
    const Verifier verifier{*reply.trailer, reply.token};
    out.pdus.push_back(EncodeFragment(h, ack_body, &verifier, 0, 4));
  } else {
    out.pdus.push_back(EncodeFragment(h, ack_body, nullptr));
  }
  return out;
}

RpcSession::Output RpcSession::HandleBind(const Fragment& f, bool alter) {
  const uint32_t call_id = f.header.call_id;
  auto body = ParseBindBody(f);
  if (!body.ok()) {
    return alter ? Fault(call_id, 0, kFaultProtocolError, body.error().reason, true)
                 : BindNak(call_id, kNakReasonNotSpecified, body.error().reason);
  }
  if (auto refusal = CheckBindFrame(f, *body, alter)) return std::move(*refusal);
  std::vector<AcceptedContext> accepted;
  std::vector<ContextResult> results = NegotiateContexts(*body, accepted);
  BindReplyAuth reply;
  if (auto refusal = BindAuthentication(f, alter, reply)) return std::move(*refusal);
  return AcceptBind(call_id, alter, std::move(results), accepted, reply);
}

void RpcSession::FailAuthentication(const ssp::Error& error) {
  auth_state_ = AuthState::kFailed;
  rejected_ = true;
  reject_status_ = error.status;
  reject_at_ = entries_.size() - 1;
  ReportAuth(false, error.status, error.reason);
}

ssp::Result<std::optional<Bytes>> RpcSession::FinishAuthentication(ByteSpan auth_value) {
  if (auth_type_ != kAuthTypeSpnego) {
    NTLM_RETURN_IF_ERROR(CompleteAuthentication(auth_value));
    return std::optional<Bytes>();
  }
  auto leg = UnwrapSpnegoResp(auth_value);
  if (!leg.ok()) {
    auth_state_ = AuthState::kFailed;
    ReportAuth(false, leg.status(), leg.error().reason);
    return leg.error();
  }
  NTLM_RETURN_IF_ERROR(CompleteAuthentication(leg->ntlm));
  auto mic =
      AnswerMechListMic(*security_, spnego_mech_types_, leg->mech_list_mic, spnego_ntlm_preferred_);
  if (!mic.ok()) {
    auth_state_ = AuthState::kFailed;
    ReportAuth(false, mic.status(), mic.error().reason);
  }
  return mic;
}

ssp::Status RpcSession::CompleteAuthentication(ByteSpan token) {
  entries_.push_back(TokenEntry(EntryDir::kClientToServer, EntryType::kAuthenticate, token));
  if (auto names = ssp::DecodeAuthenticateMessage(token); names.ok()) {
    outcome_.user = names->user;
    outcome_.domain = names->domain;
    outcome_.workstation = names->workstation;
  }
  auto r = ntlm_->AcceptAuthenticate(token);
  if (!r.ok()) {
    FailAuthentication(r.error());
    return r.error();
  }
  result_ = std::move(*r);
  outcome_.user = result_->user;
  outcome_.domain = result_->domain;
  outcome_.workstation = result_->workstation;
  outcome_.negotiated_flags = result_->negotiated_flags;
  security_.emplace(result_->negotiated_flags, result_->exported_session_key, /*is_server=*/true);
  auth_state_ = AuthState::kEstablished;
  ReportAuth(true, SecStatus::kOk, "");
  return ssp::Status::Ok();
}

RpcSession::Output RpcSession::HandleAuth3(const Fragment& f) {
  Output out;
  if (auth_state_ != AuthState::kAwaitAuthenticate) {
    out.close = true;
    out.reason = "auth3 while no NTLM exchange awaits an AUTHENTICATE";
    return out;
  }
  if (!f.trailer || f.trailer->auth_type != auth_type_ || f.trailer->auth_level != auth_level_ ||
      f.trailer->auth_context_id != auth_context_id_) {
    auth_state_ = AuthState::kFailed;
    rejected_ = true;
    reject_status_ = SecStatus::kInvalidToken;
    ReportAuth(false, SecStatus::kInvalidToken,
               "auth3 sec_trailer missing or differs from the bind's (type/level/context id)");
    return out;  // the next request is refused
  }
  if (f.auth_value.size() > options_.max_token_bytes) {
    auth_state_ = AuthState::kFailed;
    rejected_ = true;
    reject_status_ = SecStatus::kInvalidToken;
    ReportAuth(false, SecStatus::kInvalidToken, "auth3 auth_value exceeds the token limit");
    return out;
  }
  // auth3 has no reply: a refusal shows on the next request (fault 5), and
  // an acceptor's mechListMIC cannot be sent.
  (void)FinishAuthentication(f.auth_value);
  return out;
}

bool RpcSession::HeaderCovered() const {
  return header_sign_ || (security_ && security_->extended_session_security());
}

bool RpcSession::RecordingMessages() const {
  return recorded_messages_ < options_.max_recorded_messages && !rejected_;
}

void RpcSession::RecordMessage(EntryDir dir, bool sealed, ByteSpan fragment, size_t data_begin,
                               size_t data_end, ByteSpan cipher, ByteSpan signature) {
  TranscriptEntry e;
  e.dir = dir;
  e.type = sealed ? EntryType::kSeal : EntryType::kSign;
  e.plaintext.assign(fragment.begin() + data_begin, fragment.begin() + data_end);
  if (sealed) e.data.assign(cipher.begin(), cipher.end());
  if (HeaderCovered()) {
    e.signed_bytes = Bytes(fragment.begin(), fragment.end() - kSignatureSize);
  }
  std::copy(signature.begin(), signature.end(), e.signature.begin());
  entries_.push_back(std::move(e));
  ++recorded_messages_;
}

RpcSession::Output RpcSession::HandleRequest(const Fragment& f, ByteSpan bytes) {
  const uint32_t call_id = f.header.call_id;
  if (!bound_) return Fault(call_id, 0, kFaultProtocolError, "request before bind", true);
  auto header = ParseRequestHeader(f);
  if (!header.ok()) return Fault(call_id, 0, kFaultProtocolError, header.error().reason, true);
  const uint16_t context_id = header->context_id;

  // Security of the association and of this fragment.
  Bytes plain_fragment;  // the fragment with its stub decrypted (pkt_privacy)
  ByteSpan stub = header->stub;
  if (auth_state_ == AuthState::kFailed || auth_state_ == AuthState::kAwaitAuthenticate ||
      auth_state_ == AuthState::kAwaitNegotiate) {
    return Fault(call_id, context_id, kFaultAccessDenied,
                 auth_state_ == AuthState::kFailed
                     ? "the association's authentication failed: " + outcome_.reason
                     : "request before the AUTHENTICATE",
                 true);
  }
  if (auth_state_ == AuthState::kNone && f.trailer) {
    return Fault(call_id, context_id, kFaultAccessDenied,
                 "auth verifier on an unauthenticated association", true);
  }
  if (auth_state_ == AuthState::kEstablished && auth_level_ >= kAuthLevelPktIntegrity) {
    if (!f.trailer || f.trailer->auth_type != auth_type_ || f.trailer->auth_level != auth_level_ ||
        f.trailer->auth_context_id != auth_context_id_) {
      return Fault(call_id, context_id, kFaultAccessDenied,
                   std::string("request without the association's verifier (auth level ") +
                       AuthLevelName(auth_level_) + ")",
                   true);
    }
    if (f.auth_value.size() != kSignatureSize) {
      rejected_ = true;
      reject_status_ = SecStatus::kInvalidToken;
      return Fault(call_id, context_id, static_cast<uint32_t>(SecStatus::kInvalidToken),
                   "verifier of " + std::to_string(f.auth_value.size()) + " bytes, not 16", true);
    }
    const size_t data_begin = header->stub_offset;
    const size_t data_end = f.trailer_offset;
    const bool seal = auth_level_ == kAuthLevelPktPrivacy;
    plain_fragment.assign(bytes.begin(), bytes.end());
    const size_t entry_index = entries_.size();
    const bool record = RecordingMessages();
    ssp::Status st = UnprotectFragment(
        *security_, plain_fragment, ProtectedFragment{data_begin, data_end, seal, HeaderCovered()},
        ssp::SignatureIn(f.auth_value.data(), kSignatureSize));
    if (record) {
      RecordMessage(EntryDir::kClientToServer, seal, plain_fragment, data_begin, data_end,
                    bytes.subspan(data_begin, data_end - data_begin), f.auth_value);
    }
    if (!st.ok()) {
      if (record) {
        rejected_ = true;
        reject_status_ = st.status();
        reject_at_ = entry_index;
      }
      return Fault(
          call_id, context_id, static_cast<uint32_t>(st.status()),
          "request verifier refused: " + ssp::StatusName(st.status()) + ": " + st.error().reason,
          true);
    }
    stub = ByteSpan(plain_fragment).subspan(data_begin, header->stub.size());
  }

  // Reassembly.
  const bool first = (f.header.pfc_flags & kPfcFirstFrag) != 0;
  const bool last = (f.header.pfc_flags & kPfcLastFrag) != 0;
  if (first) {
    if (pending_) {
      return Fault(call_id, context_id, kFaultProtocolError,
                   "new call " + std::to_string(call_id) + " while call " +
                       std::to_string(pending_->call_id) + " is still being received",
                   true);
    }
    pending_ = PendingCall{call_id, context_id, header->opnum, {}};
  } else if (!pending_ || pending_->call_id != call_id) {
    return Fault(call_id, context_id, kFaultProtocolError,
                 "request fragment without PFC_FIRST_FRAG for a call not in progress", true);
  }
  if (pending_->stub.size() + stub.size() > options_.max_request_bytes) {
    return Fault(call_id, context_id, kFaultRemoteNoMemory,
                 "request larger than " + std::to_string(options_.max_request_bytes) + " bytes",
                 true);
  }
  pending_->stub.insert(pending_->stub.end(), stub.begin(), stub.end());
  if (!last) return Output{};

  PendingCall call = std::move(*pending_);
  pending_.reset();
  return Dispatch(call_id, call.context_id, call.opnum, call.stub);
}

RpcSession::Output RpcSession::Dispatch(uint32_t call_id, uint16_t context_id, uint16_t opnum,
                                        ByteSpan stub) {
  auto context = std::find_if(contexts_.begin(), contexts_.end(),
                              [&](const AcceptedContext& c) { return c.id == context_id; });
  if (context == contexts_.end()) {
    return Fault(call_id, context_id, kFaultUnknownInterface,
                 "presentation context " + std::to_string(context_id) + " was not accepted", false);
  }
  const SyntaxId syntax = context->iface == ServedInterface::kRpcEcho ? RpcEchoInterfaceSyntax()
                                                                      : EchoInterfaceSyntax();
  auto trailer = FindVerificationTrailer(stub);
  if (!trailer.ok()) {
    return Fault(call_id, context_id, kFaultAccessDenied, trailer.error().reason, false);
  }
  if (*trailer) {
    const VerificationTrailer& t = **trailer;
    if ((t.abstract_syntax && *t.abstract_syntax != syntax) ||
        (t.transfer_syntax && *t.transfer_syntax != NdrTransferSyntax())) {
      return Fault(call_id, context_id, kFaultAccessDenied,
                   "verification trailer names another presentation context than the call's",
                   false);
    }
    stub = stub.first(t.offset);
  }
  CallOutcome outcome;
  if (context->iface == ServedInterface::kRpcEcho) {
    outcome = DispatchRpcEchoCall(opnum, stub);
  } else {
    CallerInfo caller;
    if (result_) {
      caller.domain = result_->domain;
      caller.user = result_->user;
      caller.negotiated_flags = result_->negotiated_flags;
    }
    caller.auth_level = auth_level_;
    outcome = DispatchEchoCall(opnum, stub, caller);
  }
  if (!outcome.ok) {
    return Fault(call_id, context_id, outcome.fault_status, outcome.reason, false);
  }
  Output out;
  if (outcome.delay_seconds == 0) {
    out.pdus = BuildResponse(call_id, context_id, outcome.stub);
    return out;
  }
  if (deferred_outstanding_ >= kMaxDeferredCalls) {
    return Fault(call_id, context_id, kFaultServerTooBusy,
                 std::to_string(kMaxDeferredCalls) + " deferred calls already wait", false);
  }
  ++deferred_outstanding_;
  out.deferred.push_back(
      DeferredCall{call_id, context_id, std::move(outcome.stub), outcome.delay_seconds});
  return out;
}

std::vector<Bytes> RpcSession::Reply(const DeferredCall& call) {
  if (deferred_outstanding_ > 0) --deferred_outstanding_;
  return BuildResponse(call.call_id, call.context_id, call.stub);
}

std::vector<Bytes> RpcSession::BuildResponse(uint32_t call_id, uint16_t context_id, ByteSpan stub) {
  const bool protect =
      auth_state_ == AuthState::kEstablished && auth_level_ >= kAuthLevelPktIntegrity;
  const bool seal = protect && auth_level_ == kAuthLevelPktPrivacy;
  const size_t stub_offset = kCommonHeaderSize + kResponseHeaderSize;
  const size_t chunk_max = MaxStubPerFragment(max_xmit_, stub_offset, protect);
  std::vector<Bytes> out;
  size_t offset = 0;
  do {
    const size_t chunk = std::min(chunk_max, stub.size() - offset);
    CommonHeader h;
    h.type = static_cast<uint8_t>(PduType::kResponse);
    h.pfc_flags = static_cast<uint8_t>((offset == 0 ? kPfcFirstFrag : 0) |
                                       (offset + chunk == stub.size() ? kPfcLastFrag : 0));
    h.call_id = call_id;
    Bytes body = EncodeResponseHeader(static_cast<uint32_t>(stub.size() - offset), context_id);
    body.insert(body.end(), stub.begin() + offset, stub.begin() + offset + chunk);
    offset += chunk;
    if (!protect) {
      out.push_back(EncodeFragment(h, body, nullptr));
      continue;
    }
    const uint8_t zeros[kSignatureSize] = {};
    const Verifier verifier{SecTrailer{auth_type_, auth_level_, 0, 0, auth_context_id_},
                            ByteSpan(zeros)};
    Bytes fragment = EncodeFragment(h, body, &verifier, stub_offset, kStubPadAlignment);
    const size_t trailer_offset = fragment.size() - kSignatureSize - kSecTrailerSize;
    const bool record = RecordingMessages();
    Bytes plain;
    if (record) plain = fragment;
    if (ssp::Status st =
            ProtectFragment(*security_, fragment,
                            ProtectedFragment{stub_offset, trailer_offset, seal, HeaderCovered()});
        !st.ok()) {
      // Only a context past 2^32 messages gets here; the fragment is not sent.
      rejected_ = true;
      reject_status_ = st.status();
      return out;
    }
    if (record) {
      std::copy(fragment.end() - kSignatureSize, fragment.end(), plain.end() - kSignatureSize);
      RecordMessage(EntryDir::kServerToClient, seal, plain, stub_offset, trailer_offset,
                    ByteSpan(fragment).subspan(stub_offset, trailer_offset - stub_offset),
                    ByteSpan(fragment).last(kSignatureSize));
    }
    out.push_back(std::move(fragment));
  } while (offset < stub.size());
  return out;
}

std::optional<Transcript> RpcSession::BuildTranscript(const std::string& name,
                                                      const std::string& description) const {
  if (entries_.empty()) return std::nullopt;
  Transcript t;
  t.name = name;
  t.description = description;
  t.client =
      "DCE/RPC client (ncacn_ip_tcp, auth level " + std::string(AuthLevelName(auth_level_)) + ")";
  t.server = TranscriptServerFromPolicy(ctx_.policy, negotiate_time_);
  t.exchange = entries_;
  if (rejected_) {
    t.expect.accept = false;
    t.expect.status = reject_status_;
    t.expect.at = reject_at_;
  } else if (result_) {
    t.expect.accept = true;
    t.expect.status = SecStatus::kOk;
    t.expect.user = result_->QualifiedUser();
    t.expect.negotiated_flags = result_->negotiated_flags;
  } else {
    // The exchange stopped before a verdict (e.g. the client never sent the
    // AUTHENTICATE): nothing was refused.
    t.expect.accept = true;
    t.expect.status = SecStatus::kOk;
  }
  // The NT hash of the account the client named, as the HTTP front records
  // it, so that replay and profile judge the exchange (test accounts only).
  AddNamedAccounts(ctx_, outcome_.user, outcome_.domain, t);
  t.extra["front"] = "rpc";
  t.extra["notes"] = "recorded by the DCE/RPC front; the session key is omitted";
  return t;
}

}  // namespace ntlm::harness::net::rpc
