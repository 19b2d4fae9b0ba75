// transport_carrier_rpc.cc: a cell's tokens on one in-process DCE/RPC
// association (rpc::RpcSession, ncacn_ip_tcp framing without the socket):
// bind carrying the NEGOTIATE, alter_context carrying the AUTHENTICATE (the
// four-leg form, which answers each leg), then two echo requests protected at
// the RPC layer with NTLM sign/seal. The auth level follows the NEGOTIATE's
// flags: pkt_privacy for SEAL, pkt_integrity for SIGN, connect otherwise.
#include "harness/net/rpc_client_session.h"
#include "harness/net/rpc_probe_interface.h"
#include "harness/net/rpc_session.h"
#include "harness/net/transport_carrier.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/negotiate_message.h"

namespace ntlm::harness::net {
namespace {

uint8_t LevelForNegotiate(ByteSpan negotiate) {
  auto decoded = ssp::DecodeNegotiateMessage(negotiate);
  const uint32_t flags = decoded.ok() ? decoded->flags : 0;
  if (flags & ssp::kNegotiateSeal) return rpc::kAuthLevelPktPrivacy;
  if (flags & ssp::kNegotiateSign) return rpc::kAuthLevelPktIntegrity;
  return rpc::kAuthLevelConnect;
}

// The status of a fault PDU; nullopt for any other PDU.
std::optional<uint32_t> FaultStatus(ByteSpan pdu) {
  auto fragment = rpc::ParseFragment(pdu, pdu.size());
  if (!fragment.ok() || fragment->header.type != static_cast<uint8_t>(rpc::PduType::kFault))
    return std::nullopt;
  auto status = rpc::ParseFaultStatus(*fragment);
  if (!status.ok()) return std::nullopt;
  return *status;
}

// What the server answered to one call.
struct CallAnswer {
  bool closed = false;  // no reply, the association closed
  bool fault = false;
  uint32_t fault_status = 0;
  std::string error;
};

class RpcCarrier : public CellCarrier {
 public:
  explicit RpcCarrier(const FrontContext& ctx) : session_(ctx, rpc::RpcSessionOptions{}) {}

  LegAnswer Leg(ByteSpan ntlm_token) override {
    const bool bind = !client_;
    if (bind) client_.emplace(LevelForNegotiate(ntlm_token));
    const Bytes pdu = bind ? client_->Bind(ntlm_token) : client_->AlterContext(ntlm_token);
    rpc::RpcSession::Output out = session_.OnFragment(pdu);
    LegAnswer answer;
    if (out.pdus.empty()) {
      answer.error = "no answer to the " + std::string(bind ? "bind" : "alter_context");
      return answer;
    }
    auto reply = client_->OnBindReply(out.pdus.front());
    if (!reply.ok()) {
      answer.error = "bind reply: " + reply.error().reason;
      return answer;
    }
    answer.answer = reply->kind == rpc::ClientBindReply::Kind::kAck
                        ? (bind ? "bind_ack" : "alter_context_resp")
                    : reply->kind == rpc::ClientBindReply::Kind::kNak
                        ? "bind_nak " + std::string(rpc::NakReasonName(reply->nak_reason))
                        : "fault " + ssp::Hex32(reply->fault_status);
    auto outcome = session_.TakeAuthOutcome();
    if (reply->kind == rpc::ClientBindReply::Kind::kAck) {
      answer.server_token = reply->challenge;
      if (outcome && outcome->accepted) {
        answer.user = outcome->domain + "\\" + outcome->user;
        established_ = true;
      }
      return answer;
    }
    answer.refused = true;
    if (!outcome && established_) {
      // A token on an established context: the RPC layer refuses it (fault
      // nca_s_fault_access_denied) before NTLM sees it.
      answer.status = ssp::SecStatus::kOutOfSequence;
      answer.reason = "an auth token on an established security context";
      return answer;
    }
    if (!outcome) {
      answer.error = answer.answer + " without an auth outcome";
      return answer;
    }
    answer.status = outcome->status;
    answer.reason = outcome->reason;
    return answer;
  }

  SessionAnswer Session(ScenarioDeviation scenario, ssp::ClientContext& client,
                        ByteSpan authenticate) override {
    SessionAnswer out;
    if (scenario == ScenarioDeviation::kAuthenticateTwice) {
      LegAnswer again = Leg(authenticate);
      out.answer = again.answer;
      if (!again.error.empty()) out.harness_error = again.error;
      if (again.refused) out.observed = SessionRefusal(again.status, Stage::kSession1);
      return out;
    }
    if (client_->auth_level() >= rpc::kAuthLevelPktIntegrity) {
      auto security = client.CreateSessionSecurity();
      if (!security.ok()) {
        out.harness_error = "client session security: " + security.error().reason;
        return out;
      }
      client_->Establish(client.negotiated_flags(), std::move(*security));
    } else if (IsMessageScenario(scenario)) {
      out.harness_error = std::string(ScenarioDeviationName(scenario)) +
                          " needs SIGN or SEAL, which this exchange did not negotiate";
      return out;
    }
    return PlayRequests(scenario);
  }

 private:
  // A request protected at the association's level. When the negotiated
  // flags cannot protect that level (an AUTHENTICATE that dropped the SEAL or
  // SIGN its NEGOTIATE asked for), a blank verifier where the signature
  // belongs: the server's answer tells what it makes of the level.
  std::optional<std::vector<Bytes>> Request(const char* text, ScenarioDeviation scenario,
                                            SessionAnswer& out) {
    const rpc::ProbeCall call = rpc::MakeProbeCall(rpc::ProbeInterface::kHarness, text);
    auto request = client_->Request(call.opnum, call.stub);
    if (request.ok()) return std::move(*request);
    if (!IsMessageScenario(scenario))
      return client_->RequestWithBlankVerifier(call.opnum, call.stub);
    out.harness_error = "protecting a request: " + request.error().reason;
    return std::nullopt;
  }

  SessionAnswer PlayRequests(ScenarioDeviation scenario) {
    using S = ScenarioDeviation;
    SessionAnswer out;
    auto first = Request("ntlmssp-harness matrix: client message 1", scenario, out);
    if (!first) return out;
    std::optional<std::vector<Bytes>> second;
    if (scenario == S::kReorderSealedMessages) {
      second = Request("ntlmssp-harness matrix: client message 2", scenario, out);
      if (!second) return out;
      std::swap(*first, *second);
    }
    std::vector<Bytes> sent = *first;
    if (scenario == S::kAlterCiphertext) {
      sent[0][rpc::RpcClientSession::kRequestStubOffset] ^= 0x01;
    } else if (scenario == S::kAlterSignature) {
      sent[0][sent[0].size() - ssp::kMessageSignatureSize + 4] ^= 0x01;
    }
    if (!Judge(Call(sent), Stage::kSession1, out)) return out;
    if (scenario == S::kReplaySealedMessage) {
      second = *first;
    } else if (!second) {
      second = Request("ntlmssp-harness matrix: client message 2", scenario, out);
      if (!second) return out;
    }
    Judge(Call(*second), Stage::kSession2, out);
    return out;
  }

  CallAnswer Call(const std::vector<Bytes>& fragments) {
    CallAnswer answer;
    std::vector<Bytes> replies;
    for (const Bytes& fragment : fragments) {
      rpc::RpcSession::Output out = session_.OnFragment(fragment);
      for (auto& pdu : out.pdus) replies.push_back(std::move(pdu));
      if (out.close && out.pdus.empty()) answer.closed = true;
    }
    for (const Bytes& pdu : replies) {
      if (auto fault = FaultStatus(pdu)) {
        // (read here: a replayed call is no longer the client's call in progress)
        answer.fault = true;
        answer.fault_status = *fault;
        return answer;
      }
      auto reply = client_->OnResponseFragment(pdu);
      if (!reply.ok()) {
        answer.error = "response: " + reply.error().reason;
        return answer;
      }
      if (reply->fault) {
        answer.fault = true;
        answer.fault_status = reply->fault_status;
      }
      if (reply->complete) return answer;
    }
    if (!answer.closed) answer.error = "no complete response";
    return answer;
  }

  // False when the call was refused (or the harness failed).
  static bool Judge(const CallAnswer& call, Stage at, SessionAnswer& out) {
    if (!call.error.empty()) {
      out.harness_error = call.error;
      return false;
    }
    if (!call.fault && !call.closed) return true;
    out.answer = call.closed ? "association closed" : "fault " + ssp::Hex32(call.fault_status);
    // A fault carries the SSPI status of a verifier that did not verify
    // (rpc_session.h); anything else is read as an altered message.
    const bool sspi = call.fault && (call.fault_status & 0x80000000u) != 0;
    out.observed = SessionRefusal(
        sspi ? static_cast<ssp::SecStatus>(call.fault_status) : ssp::SecStatus::kMessageAltered,
        at);
    return false;
  }

  rpc::RpcSession session_;
  std::optional<rpc::RpcClientSession> client_;
  bool established_ = false;  // an AUTHENTICATE was accepted
};

}  // namespace

std::unique_ptr<CellCarrier> MakeRpcCarrier(const FrontContext& ctx) {
  return std::make_unique<RpcCarrier>(ctx);
}

}  // namespace ntlm::harness::net
