// transport_carrier_smb.cc: a cell's tokens on one in-process SMB2
// connection (smb::SmbSession) through SmbLogonClient: NEGOTIATE 3.1.1, the
// SPNEGO SESSION_SETUP legs, then two ECHO requests signed with SMB's own key
// (the NTLM session key through the 3.1.1 KDF, not NTLM's sign/seal).
#include "harness/net/smb_logon_client.h"
#include "harness/net/smb_session.h"
#include "harness/net/smb_status.h"
#include "harness/net/transport_carrier.h"

namespace ntlm::harness::net {
namespace {

using smb::SmbAnswer;

// What SMB's answer to a session message stands for. STATUS_ACCESS_DENIED is
// the answer to a signature that does not verify ([MS-SMB2] 3.3.5.2.4); a
// closed connection the answer to a MessageId used twice (3.3.5.2.3);
// STATUS_REQUEST_NOT_ACCEPTED the answer to re-authentication, which the
// front does not serve (docs/smb.md).
ssp::SecStatus SessionStatusFor(const SmbAnswer& answer) {
  if (answer.closed) return ssp::SecStatus::kOutOfSequence;
  if (answer.header.status == smb::kStatusAccessDenied) return ssp::SecStatus::kMessageAltered;
  if (answer.header.status == smb::kStatusRequestNotAccepted) {
    return ssp::SecStatus::kOutOfSequence;
  }
  return ssp::SecStatus::kInternalError;
}

std::string AnswerText(const SmbAnswer& answer) {
  if (answer.closed) return "SMB connection closed";
  return "SMB " + smb::NtStatusName(answer.header.status);
}

class SmbCarrier : public CellCarrier {
 public:
  explicit SmbCarrier(const FrontContext& ctx)
      : session_(ctx, {}, "in-process", 1),
        client_([this](const Bytes& request) { return RoundTrip(request); }, smb::kDialect311) {}

  LegAnswer Leg(ByteSpan ntlm_token) override {
    LegAnswer answer;
    if (!negotiated_ && !client_.Negotiate(answer.error)) return answer;
    negotiated_ = true;
    SmbAnswer reply = client_.SessionSetup(ntlm_token, answer.server_token);
    if (reply.closed || !reply.error.empty()) {
      answer.error = reply.closed ? "the connection closed" : reply.error;
      return answer;
    }
    answer.answer = AnswerText(reply);
    const uint32_t status = reply.header.status;
    if (status == smb::kStatusMoreProcessingRequired || status == smb::kStatusSuccess) {
      for (const auto& record : session_.TakeAuthLog()) {
        answer.user = record.domain + "\\" + record.user;
      }
      return answer;
    }
    answer.refused = true;
    auto log = session_.TakeAuthLog();
    if (log.empty()) {
      answer.error = answer.answer + " without an auth log record";
      return answer;
    }
    answer.status = log.back().status;
    answer.reason = log.back().reason;
    return answer;
  }

  SessionAnswer Session(ScenarioDeviation scenario, ssp::ClientContext& client,
                        ByteSpan authenticate) override {
    client_.Establish(client.exported_session_key());
    if (scenario == ScenarioDeviation::kAuthenticateTwice) {
      Bytes ignored;
      return Judge(client_.SessionSetup(authenticate, ignored), Stage::kSession1);
    }
    using S = ScenarioDeviation;
    std::function<void(Bytes&)> tamper;
    if (client_.signing() && scenario == S::kAlterCiphertext) {
      tamper = [](Bytes& m) { m[m.size() - 1] ^= 0x01; };  // ECHO's Reserved field
    } else if (client_.signing() && scenario == S::kAlterSignature) {
      tamper = [](Bytes& m) { m[smb::kSignatureOffset + 4] ^= 0x01; };
    }
    const Bytes first = client_.SignedEcho(tamper);
    if (scenario == S::kReorderSealedMessages) {
      const Bytes second = client_.SignedEcho();
      SessionAnswer out = Judge(client_.Send(second), Stage::kSession1);
      if (out.harness_error || !out.observed.accept) return out;
      return Judge(client_.Send(first), Stage::kSession2);
    }
    SessionAnswer out = Judge(client_.Send(first), Stage::kSession1);
    if (out.harness_error || !out.observed.accept) return out;
    const Bytes second = scenario == S::kReplaySealedMessage ? first : client_.SignedEcho();
    return Judge(client_.Send(second), Stage::kSession2);
  }

 private:
  SmbAnswer RoundTrip(const Bytes& request) {
    SmbAnswer answer;
    smb::SmbSession::Output out = session_.OnMessage(request);
    answer.reply = std::move(out.reply);
    answer.closed = answer.reply.empty() && out.close;
    return answer;
  }

  static SessionAnswer Judge(const SmbAnswer& reply, Stage at) {
    SessionAnswer out;
    if (!reply.closed && !reply.error.empty()) {
      out.harness_error = reply.error;
      return out;
    }
    out.answer = AnswerText(reply);
    if (reply.closed || reply.header.status != smb::kStatusSuccess) {
      out.observed = SessionRefusal(SessionStatusFor(reply), at);
    }
    return out;
  }

  smb::SmbSession session_;
  smb::SmbLogonClient client_;
  bool negotiated_ = false;
};

}  // namespace

std::unique_ptr<CellCarrier> MakeSmbCarrier(const FrontContext& ctx) {
  return std::make_unique<SmbCarrier>(ctx);
}

}  // namespace ntlm::harness::net
