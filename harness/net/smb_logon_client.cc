// smb_logon_client.cc: see smb_logon_client.h.
#include "harness/net/smb_logon_client.h"

#include <utility>
#include <variant>

#include "harness/net/smb_status.h"
#include "harness/net/spnego.h"

namespace ntlm::harness::net::smb {
namespace {

constexpr uint16_t kSessionFlagIsNull = 0x0002;  // [MS-SMB2] 2.2.6 SessionFlags

}  // namespace

SmbLogonClient::SmbLogonClient(SmbRoundTrip round_trip, uint16_t dialect)
    : round_trip_(std::move(round_trip)), dialect_(dialect) {}

SmbAnswer SmbLogonClient::Exchange(const Bytes& request) {
  SmbAnswer answer = round_trip_(request);
  if (answer.closed || !answer.error.empty()) return answer;
  auto header = ParseHeader(answer.reply);
  if (!header.ok()) {
    answer.error = "SMB2 reply: " + header.error().reason;
    return answer;
  }
  answer.header = *header;
  return answer;
}

bool SmbLogonClient::Negotiate(std::string& error) {
  const Bytes request = builder_.Negotiate({dialect_}, kSigningEnabled);
  SmbAnswer answer = Exchange(request);
  if (answer.closed) error = "the connection closed after the NEGOTIATE";
  if (!answer.error.empty()) error = answer.error;
  if (!error.empty()) return false;
  if (answer.header.status != kStatusSuccess) {
    error = "NEGOTIATE answered " + NtStatusName(answer.header.status);
    return false;
  }
  constexpr size_t kDialectRevisionOffset = kHeaderSize + 4;
  if (answer.reply.size() < kDialectRevisionOffset + 2 ||
      (answer.reply[kDialectRevisionOffset] | answer.reply[kDialectRevisionOffset + 1] << 8) !=
          dialect_) {
    error = "the server did not choose SMB " + DialectName(dialect_);
    return false;
  }
  preauth_.Update(request);
  preauth_.Update(answer.reply);
  return true;
}

SmbAnswer SmbLogonClient::SessionSetup(ByteSpan ntlm_token, Bytes& server_token,
                                       const std::optional<Bytes>& mech_list_mic) {
  Bytes spnego;
  if (first_leg_) {
    NegTokenInit init;
    init.mech_types = {Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end())};
    init.mech_token = Bytes(ntlm_token.begin(), ntlm_token.end());
    spnego = EncodeNegTokenInit(init);
  } else {
    NegTokenResp resp;
    resp.response_token = Bytes(ntlm_token.begin(), ntlm_token.end());
    resp.mech_list_mic = mech_list_mic;
    spnego = EncodeNegTokenResp(resp);
  }
  first_leg_ = false;
  const Bytes request =
      builder_.SessionSetup(session_id_, spnego, kSigningEnabled | kSigningRequired);
  preauth_.Update(request);
  SmbAnswer answer = Exchange(request);
  server_token.clear();
  if (answer.closed || !answer.error.empty()) return answer;
  if (answer.header.status == kStatusMoreProcessingRequired) {
    session_id_ = answer.header.session_id;
    preauth_.Update(answer.reply);
  }
  if (answer.header.status == kStatusSuccess && answer.reply.size() >= kHeaderSize + 4) {
    null_session_ = (answer.reply[kHeaderSize + 2] & kSessionFlagIsNull) != 0;
    session_id_ = answer.header.session_id;
  }
  if (auto buffer = ResponseSecurityBuffer(answer.reply); buffer.ok() && !buffer->empty()) {
    auto token = DecodeNegotiationToken(*buffer);
    if (token.ok() && std::holds_alternative<NegTokenResp>(*token)) {
      const auto& resp = std::get<NegTokenResp>(*token);
      if (resp.response_token) server_token = *resp.response_token;
    }
  }
  return answer;
}

void SmbLogonClient::Establish(const crypto::Key16& session_key) {
  if (null_session_) return;
  key_ = DeriveSigningKey(dialect_, session_key, kSigningAesCmac, preauth_.value());
}

Bytes SmbLogonClient::Signed(Bytes request) const {
  if (key_) SignMessage(*key_, request);
  return request;
}

Bytes SmbLogonClient::SignedEcho(const std::function<void(Bytes&)>& tamper) {
  Bytes request = Signed(builder_.Simple(Command::kEcho, session_id_, 0));
  if (tamper) tamper(request);
  return request;
}

SmbAnswer SmbLogonClient::Send(const Bytes& request) {
  SmbAnswer answer = Exchange(request);
  if (answer.closed || !answer.error.empty() || !key_) return answer;
  if ((answer.header.flags & kFlagSigned) && !VerifyMessage(*key_, answer.reply)) {
    answer.error = "the reply's signature does not verify";
  }
  return answer;
}

}  // namespace ntlm::harness::net::smb
