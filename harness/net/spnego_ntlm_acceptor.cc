// spnego_ntlm_acceptor.cc: SPNEGO/NTLMSSP acceptor for opaque security blobs
// (see spnego_ntlm_acceptor.h).
#include "harness/net/spnego_ntlm_acceptor.h"

#include <algorithm>
#include <array>
#include <variant>

#include "harness/net/spnego.h"
#include "harness/net/spnego_mic.h"
#include "harness/ntlm_sniff.h"
#include "ssp/authenticate_message.h"
#include "ssp/byte_reader.h"
#include "ssp/session_security.h"

namespace ntlm::harness::net {
namespace {

using ssp::SecStatus;

// NegotiateFlags (offset 12) of a NEGOTIATE, 0 when too short.
uint32_t NegotiateFlagsOf(ByteSpan token) {
  ssp::ByteReader reader(token);
  if (!reader.Skip(12).ok()) return 0;
  auto flags = reader.ReadU32();
  return flags.ok() ? *flags : 0;
}

}  // namespace

SpnegoNtlmAcceptor::SpnegoNtlmAcceptor(const FrontContext& ctx,
                                       ExchangeTranscriptBuilder& transcript)
    : ctx_(ctx), transcript_(transcript) {}

SpnegoNtlmAcceptor::~SpnegoNtlmAcceptor() = default;

SpnegoNtlmAcceptor::Step SpnegoNtlmAcceptor::Refuse(ssp::Error error, std::optional<size_t> at) {
  Step step;
  step.state = State::kRefused;
  step.error = std::move(error);
  step.at = at;
  server_.reset();
  return step;
}

SpnegoNtlmAcceptor::Step SpnegoNtlmAcceptor::Accept(ByteSpan token) {
  if (result_) {
    return Refuse(ssp::MakeError(SecStatus::kInvalidToken, "token after the logon completed"));
  }
  if (!StartsWithNtlmSignature(token)) return AcceptSpnego(token);
  auto type = ssp::ReadMessageType(token);
  if (!type.ok()) return Refuse(type.error());
  if (spnego_) {
    return Refuse(
        ssp::MakeError(SecStatus::kInvalidToken, "raw NTLMSSP token inside a SPNEGO exchange"));
  }
  if (*type == ssp::MessageType::kNegotiate && !started_) return Negotiate(token);
  if (*type == ssp::MessageType::kAuthenticate && server_ &&
      server_->state() == ssp::ServerState::kAwaitAuthenticate) {
    return Authenticate(token, std::nullopt);
  }
  return Refuse(ssp::MakeError(
      SecStatus::kInvalidToken,
      "NTLMSSP " + ssp::MessageTypeName(static_cast<uint32_t>(*type)) + " out of order"));
}

SpnegoNtlmAcceptor::Step SpnegoNtlmAcceptor::AcceptSpnego(ByteSpan token) {
  auto decoded = DecodeNegotiationToken(token);
  if (!decoded.ok()) return Refuse(decoded.error());
  if (auto* init = std::get_if<NegTokenInit>(&*decoded)) {
    if (started_) {
      return Refuse(ssp::MakeError(SecStatus::kInvalidToken, "SPNEGO: a second NegTokenInit"));
    }
    spnego_ = true;
    mech_list_mic_ = "absent";
    auto ntlm = std::find_if(init->mech_types.begin(), init->mech_types.end(),
                             [](const Bytes& oid) { return IsNtlmMech(oid); });
    if (ntlm == init->mech_types.end()) {
      return Refuse(
          ssp::MakeError(SecStatus::kInvalidToken,
                         "SPNEGO: NTLM (1.3.6.1.4.1.311.2.2.10) not among the mechTypes"));
    }
    mech_types_der_ = init->mech_types_der;
    ntlm_preferred_ = ntlm == init->mech_types.begin();
    if (ntlm_preferred_ && init->mech_token) return Negotiate(*init->mech_token);
    started_ = true;
    NegTokenResp select;
    select.neg_state = NegState::kRequestMic;
    select.supported_mech = Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end());
    supported_mech_sent_ = true;
    return Step{State::kContinue, EncodeNegTokenResp(select), {}, {}};
  }
  const auto& resp = std::get<NegTokenResp>(*decoded);
  if (!spnego_) {
    return Refuse(
        ssp::MakeError(SecStatus::kInvalidToken, "SPNEGO: NegTokenResp without a NegTokenInit"));
  }
  if (!resp.response_token) {
    return Refuse(
        ssp::MakeError(SecStatus::kInvalidToken, "SPNEGO: NegTokenResp without a responseToken"));
  }
  auto type = ssp::ReadMessageType(*resp.response_token);
  if (!type.ok()) return Refuse(type.error());
  if (*type == ssp::MessageType::kNegotiate && !server_) return Negotiate(*resp.response_token);
  if (*type == ssp::MessageType::kAuthenticate && server_ &&
      server_->state() == ssp::ServerState::kAwaitAuthenticate) {
    return Authenticate(*resp.response_token, resp.mech_list_mic);
  }
  return Refuse(ssp::MakeError(
      SecStatus::kInvalidToken,
      "SPNEGO: NTLMSSP " + ssp::MessageTypeName(static_cast<uint32_t>(*type)) + " out of order"));
}

Bytes EncodeServerNegTokenResp(ByteSpan ntlm_token, bool complete,
                               const std::optional<Bytes>& mech_list_mic,
                               bool& supported_mech_sent) {
  NegTokenResp resp;
  resp.neg_state = complete ? NegState::kAcceptCompleted : NegState::kAcceptIncomplete;
  if (!supported_mech_sent) {
    resp.supported_mech = Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end());
    supported_mech_sent = true;
  }
  if (!ntlm_token.empty()) resp.response_token = Bytes(ntlm_token.begin(), ntlm_token.end());
  resp.mech_list_mic = mech_list_mic;
  return EncodeNegTokenResp(resp);
}

Bytes SpnegoNtlmAcceptor::Wrap(ByteSpan ntlm_token, bool complete,
                               const std::optional<Bytes>& mic) {
  if (!spnego_) return Bytes(ntlm_token.begin(), ntlm_token.end());
  return EncodeServerNegTokenResp(ntlm_token, complete, mic, supported_mech_sent_);
}

SpnegoNtlmAcceptor::Step SpnegoNtlmAcceptor::Negotiate(ByteSpan negotiate) {
  started_ = true;
  server_ = std::make_unique<ssp::ServerContext>(ctx_.identity, ctx_.policy, *ctx_.accounts,
                                                 *ctx_.clock, *ctx_.random);
  size_t at = transcript_.AddToken(EntryDir::kClientToServer, EntryType::kNegotiate, negotiate);
  auto challenge = server_->AcceptNegotiate(negotiate);
  if (!challenge.ok()) {
    flags_ = ssp::ServerContext::NegotiateResponseFlags(NegotiateFlagsOf(negotiate), ctx_.policy);
    return Refuse(challenge.error(), at);
  }
  transcript_.AddToken(EntryDir::kServerToClient, EntryType::kChallenge, *challenge);
  return Step{State::kContinue, Wrap(*challenge, false, std::nullopt), {}, {}};
}

SpnegoNtlmAcceptor::Step SpnegoNtlmAcceptor::Authenticate(ByteSpan authenticate,
                                                          const std::optional<Bytes>& client_mic) {
  size_t at =
      transcript_.AddToken(EntryDir::kClientToServer, EntryType::kAuthenticate, authenticate);
  if (auto decoded = ssp::DecodeAuthenticateMessage(authenticate); decoded.ok()) {
    user_ = decoded->user;
    domain_ = decoded->domain;
    workstation_ = decoded->workstation;
    flags_ = decoded->flags;
  }
  auto result = server_->AcceptAuthenticate(authenticate);
  if (!result.ok()) return Refuse(result.error(), at);
  flags_ = result->negotiated_flags;
  std::optional<Bytes> server_mic;
  if (spnego_) {
    ssp::SessionSecurity security(result->negotiated_flags, result->exported_session_key, true);
    auto answered = AnswerMechListMic(security, mech_types_der_, client_mic, ntlm_preferred_);
    if (!answered.ok()) return Refuse(answered.error());
    if (*answered) {
      server_mic = std::move(**answered);
      mech_list_mic_ = "verified";
    }
  }
  result_ = *result;
  server_.reset();
  return Step{State::kComplete, Wrap({}, true, server_mic), {}, {}};
}

}  // namespace ntlm::harness::net
