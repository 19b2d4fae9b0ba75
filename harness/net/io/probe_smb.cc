// probe_smb.cc: see probe_smb.h.
#include "harness/net/io/probe_smb.h"

namespace ntlm::harness::net {
namespace {

void Take(const SmbProbeExchange& x, ProbeObservation& o) {
  o.error = x.error;
  o.challenged = x.challenged;
  o.accepted = x.accepted;
  o.answer = x.answer;
  if (x.refused_at == SmbProbeExchange::RefusedAt::kNegotiate) o.refused_at = Stage::kNegotiate;
  if (x.refused_at == SmbProbeExchange::RefusedAt::kAuthenticate) {
    o.refused_at = Stage::kAuthenticate;
  }
  if (!x.client_error.empty()) {
    o.skipped = true;
    o.skip_reason = x.client_error;
  }
}

}  // namespace

bool PlayableOverSmb(const Variation& v, std::string& why) {
  switch (v.scenario) {
    case ScenarioDeviation::kReplaySealedMessage:
    case ScenarioDeviation::kReorderSealedMessages:
    case ScenarioDeviation::kAlterCiphertext:
    case ScenarioDeviation::kAlterSignature:
      why = "needs NTLM session security; SMB signs with its own keys";
      return false;
    case ScenarioDeviation::kAuthenticateTwice:
      why = "a second SESSION_SETUP is SMB re-authentication (a new NTLM context)";
      return false;
    default:
      return true;
  }
}

bool ProbeOverSmb(const SmbTarget& target, ssp::ClientContext& client, const Bytes& negotiate,
                  const Variation& v, std::chrono::milliseconds timeout, ProbeObservation& o) {
  if (v.scenario != ScenarioDeviation::kReplayAuthenticate) {
    auto x = RunSmbProbeExchange(target, client, negotiate, timeout);
    Take(x, o);
    return x.connected;
  }
  auto first = RunSmbProbeExchange(target, client, negotiate, timeout);
  if (!first.connected || !first.error.empty()) {
    Take(first, o);
    if (first.connected) o.error = "connection 1: " + first.error;
    return first.connected;
  }
  if (!first.accepted) {
    o.skipped = true;
    o.skip_reason = "connection 1 (the logon whose AUTHENTICATE is replayed) was refused" +
                    (first.answer.empty() ? std::string() : " (" + first.answer + ")");
    return true;
  }
  auto x = RunSmbProbeExchange(target, client, negotiate, timeout, &first.authenticate);
  Take(x, o);
  if (!x.connected && o.error.empty()) o.error = "connection 2 not reached";
  o.note = "connection 1's accepted AUTHENTICATE replayed after connection 2's CHALLENGE";
  return true;
}

}  // namespace ntlm::harness::net
