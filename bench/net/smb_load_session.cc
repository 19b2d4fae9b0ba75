// smb_load_session.cc: see smb_load_session.h.
#include "bench/net/smb_load_session.h"

#include "harness/net/smb_logon_client.h"
#include "harness/net/smb_status.h"
#include "harness/net/spnego_mic.h"

namespace ntlm::harness::net {
namespace {

smb::SmbAnswer RoundTrip(SmbBenchClient& connection, const Bytes& request) {
  smb::SmbAnswer answer;
  answer.reply = connection.Exchange(request);
  if (answer.reply.empty()) {
    answer.error = connection.error().empty() ? "no reply" : connection.error();
  }
  return answer;
}

// "" when `answer` is `expected`; otherwise what `step` got instead.
std::string Check(const char* step, const smb::SmbAnswer& answer, uint32_t expected) {
  if (!answer.error.empty()) return std::string(step) + ": " + answer.error;
  if (answer.closed) return std::string(step) + ": the connection closed";
  if (answer.header.status == expected) return "";
  return std::string(step) + " answered " + smb::NtStatusName(answer.header.status);
}

}  // namespace

std::string RunSmbLoadSession(SmbBenchClient& connection, ssp::ClientContext& client, int echoes,
                              uint64_t& echoes_answered) {
  smb::SmbLogonClient smb([&](const Bytes& m) { return RoundTrip(connection, m); },
                          smb::kDialect311);
  std::string error;
  if (!smb.Negotiate(error)) return error;
  auto negotiate = client.CreateNegotiate();
  if (!negotiate.ok()) return "client: " + negotiate.error().reason;
  Bytes challenge;
  error = Check("SESSION_SETUP with the NEGOTIATE", smb.SessionSetup(*negotiate, challenge),
                smb::kStatusMoreProcessingRequired);
  if (!error.empty()) return error;
  auto authenticate = client.ProcessChallenge(challenge);
  if (!authenticate.ok()) return "client: " + authenticate.error().reason;
  Bytes none;
  error = Check("SESSION_SETUP with the AUTHENTICATE",
                smb.SessionSetup(*authenticate, none, InitiatorMechListMic(client)),
                smb::kStatusSuccess);
  if (!error.empty()) return error;
  smb.Establish(client.exported_session_key());
  for (int i = 0; i < echoes; ++i) {
    error = Check("signed ECHO", smb.Send(smb.SignedEcho()), smb::kStatusSuccess);
    if (!error.empty()) return error;
    ++echoes_answered;
  }
  const Bytes logoff = smb.builder().Simple(smb::Command::kLogoff, smb.session_id(), 0);
  return Check("signed LOGOFF", smb.Send(smb.Signed(logoff)), smb::kStatusSuccess);
}

}  // namespace ntlm::harness::net
