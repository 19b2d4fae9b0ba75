#include "harness/net/io/probe.h"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "harness/ascii.h"
#include "harness/min_server_sec.h"
#include "harness/net/io/http_ntlm_client.h"
#include "harness/net/io/probe_smb.h"
#include "harness/net/io/rpc_epm_client.h"
#include "harness/net/io/rpc_probe_exchange.h"
#include "harness/net/rpc_epm.h"
#include "harness/probe_html.h"
#include "harness/probe_verdict.h"
#include "ssp/environment.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/negotiate_message.h"

namespace ntlm::harness {
namespace {

bool Playable(const Variation& v, bool rpc, std::string& why) {
  switch (v.scenario) {
    case ScenarioDeviation::kReplaySealedMessage:
    case ScenarioDeviation::kReorderSealedMessages:
    case ScenarioDeviation::kAlterCiphertext:
    case ScenarioDeviation::kAlterSignature:
      if (rpc) return true;  // played on the protected echo requests
      why = "needs NTLM session security, which HTTP does not use";
      return false;
    default:
      return true;
  }
}

net::RpcProbeScenario RpcScenario(ScenarioDeviation s) {
  switch (s) {
    case ScenarioDeviation::kReplaySealedMessage:
      return net::RpcProbeScenario::kReplayMessage;
    case ScenarioDeviation::kReorderSealedMessages:
      return net::RpcProbeScenario::kReorderMessages;
    case ScenarioDeviation::kAlterCiphertext:
      return net::RpcProbeScenario::kAlterStub;
    case ScenarioDeviation::kAlterSignature:
      return net::RpcProbeScenario::kAlterSignature;
    case ScenarioDeviation::kAuthenticateTwice:
      return net::RpcProbeScenario::kAuthenticateTwice;
    default:
      return net::RpcProbeScenario::kNone;
  }
}

std::optional<Stage> StageOf(net::RpcProbeExchange::RefusedAt at) {
  switch (at) {
    case net::RpcProbeExchange::RefusedAt::kNegotiate:
      return Stage::kNegotiate;
    case net::RpcProbeExchange::RefusedAt::kAuthenticate:
      return Stage::kAuthenticate;
    case net::RpcProbeExchange::RefusedAt::kMessage1:
      return Stage::kSession1;
    case net::RpcProbeExchange::RefusedAt::kMessage2:
      return Stage::kSession2;
    case net::RpcProbeExchange::RefusedAt::kNone:
      break;
  }
  return std::nullopt;
}

// What the transports cannot show of the catalogue's expectation for the
// AUTHENTICATE scenarios: the SSPI status behind a refusal.
std::string StatusNote(const Variation& v, const std::string& server_status) {
  const std::string expected = ssp::StatusName(v.when_met.status);
  if (!server_status.empty()) {
    return "catalogue: " + expected + ", the server said " + server_status;
  }
  return "catalogue: " + expected + ", not visible here: only where it was refused is compared";
}

void Append(std::string& note, const std::string& more) {
  note = note.empty() ? more : note + "; " + more;
}

void TakeRpc(const net::RpcProbeExchange& x, ProbeObservation& o) {
  o.error = x.error;
  o.challenged = x.challenged;
  o.accepted = x.accepted;
  o.refused_at = StageOf(x.refused_at);
  o.answer = x.answer;
  o.note = x.note;
  if (x.auth_level != 0) o.auth_level = net::rpc::AuthLevelName(x.auth_level);
  if (!x.client_error.empty()) {
    o.skipped = true;
    o.skip_reason = x.client_error;
  }
}

// Connection 1 of replay-authenticate did not end in an accepted
// AUTHENTICATE: there is nothing to replay.
void NothingToReplay(const std::string& what, ProbeObservation& o) {
  o.skipped = true;
  o.skip_reason = "connection 1 (the handshake whose AUTHENTICATE is replayed) " + what;
}

// Plays `v` over DCE/RPC: one connection, two for replay-authenticate
// (connection 1 records an accepted AUTHENTICATE, connection 2 binds with the
// NEGOTIATE again and sends it after its new CHALLENGE). False when the
// target was not reached.
bool ProbeOverRpc(const net::RpcTarget& target, ssp::ClientContext& client, const Bytes& negotiate,
                  const Variation& v, std::chrono::milliseconds timeout, ProbeObservation& o) {
  if (v.scenario != ScenarioDeviation::kReplayAuthenticate) {
    auto x = net::RunRpcProbeExchange(target, client, negotiate, RpcScenario(v.scenario), timeout);
    TakeRpc(x, o);
    if (v.scenario == ScenarioDeviation::kAuthenticateTwice && !o.skipped && o.error.empty() &&
        o.refused_at == Stage::kSession1) {
      Append(o.note, StatusNote(v, ""));
    }
    return x.connected;
  }
  auto first =
      net::RunRpcProbeExchange(target, client, negotiate, net::RpcProbeScenario::kNone, timeout);
  if (!first.connected) {
    TakeRpc(first, o);
    return false;
  }
  if (!first.error.empty()) {
    o.error = "connection 1: " + first.error;
    return true;
  }
  if (!first.client_error.empty()) {
    NothingToReplay("could not be played: " + first.client_error, o);
    return true;
  }
  if (!first.accepted || first.authenticate.empty()) {
    NothingToReplay("was refused" + (first.answer.empty() ? "" : " (" + first.answer + ")"), o);
    return true;
  }
  auto x = net::RunRpcProbeExchange(target, client, negotiate, net::RpcProbeScenario::kNone,
                                    timeout, &first.authenticate);
  TakeRpc(x, o);
  if (!x.connected && o.error.empty()) o.error = "connection 2 not reached";
  Append(o.note, "connection 1's accepted AUTHENTICATE replayed after connection 2's CHALLENGE");
  if (o.refused_at == Stage::kAuthenticate) Append(o.note, StatusNote(v, ""));
  return true;
}

net::HttpNtlmExchange RunHttp(const net::HttpTarget& target, ssp::ClientContext& client,
                              const Bytes& negotiate, const Bytes* replay,
                              std::chrono::milliseconds timeout, bool repeat) {
  return net::RunHttpNtlmExchange(
      target, negotiate,
      [&](const Bytes& challenge, std::string& client_error) -> std::optional<Bytes> {
        if (replay) return *replay;
        auto a = client.ProcessChallenge(challenge);
        if (!a.ok()) {
          client_error = a.error().reason;
          return std::nullopt;
        }
        return *a;
      },
      timeout, repeat);
}

void TakeHttp(const net::HttpNtlmExchange& x, ProbeObservation& o) {
  o.error = x.error;
  o.challenged = x.challenge.has_value();
  o.negotiate_status = x.negotiate_status;
  o.authenticate_status = x.authenticate_status;
  if (auto it = x.headers.find("x-ntlm-status"); it != x.headers.end()) {
    o.server_status = it->second;
  }
  if (!x.client_error.empty()) {
    o.skipped = true;
    o.skip_reason = "client refused the CHALLENGE: " + x.client_error;
  }
  o.accepted = x.authenticate_status >= 200 && x.authenticate_status < 300;
}

// Plays `v` over HTTP: one keep-alive connection, two for
// replay-authenticate (as over DCE/RPC); authenticate-twice sends the
// accepted AUTHENTICATE again in a third request on the same connection.
// False when the target was not reached.
bool ProbeOverHttp(const net::HttpTarget& target, ssp::ClientContext& client,
                   const Bytes& negotiate, const Variation& v, std::chrono::milliseconds timeout,
                   ProbeObservation& o) {
  if (v.scenario == ScenarioDeviation::kReplayAuthenticate) {
    auto first = RunHttp(target, client, negotiate, nullptr, timeout, false);
    if (!first.connected) {
      TakeHttp(first, o);
      return false;
    }
    if (!first.error.empty()) {
      o.error = "connection 1: " + first.error;
      return true;
    }
    if (!first.client_error.empty()) {
      NothingToReplay("could not be played: " + first.client_error, o);
      return true;
    }
    const int status = first.authenticate_status;
    if (status < 200 || status >= 300) {
      NothingToReplay(
          "was refused (" + std::to_string(status ? status : first.negotiate_status) + ")", o);
      return true;
    }
    auto x = RunHttp(target, client, negotiate, &first.authenticate, timeout, false);
    TakeHttp(x, o);
    if (!x.connected && o.error.empty()) o.error = "connection 2 not reached";
    Append(o.note, "connection 1's accepted AUTHENTICATE replayed after connection 2's CHALLENGE");
    if (o.challenged && !o.accepted) {
      o.refused_at = Stage::kAuthenticate;
      Append(o.note, StatusNote(v, o.server_status));
    }
    return true;
  }
  const bool twice = v.scenario == ScenarioDeviation::kAuthenticateTwice;
  auto x = RunHttp(target, client, negotiate, nullptr, timeout, twice);
  TakeHttp(x, o);
  if (twice && x.repeat_status != 0) {
    // The first AUTHENTICATE was accepted; the verdict is the repeat's.
    o.accepted = x.repeat_status >= 200 && x.repeat_status < 300;
    o.answer =
        std::to_string(x.repeat_status) + (o.server_status.empty() ? "" : " " + o.server_status);
    o.note = "the same AUTHENTICATE sent again on the keep-alive connection";
    if (!o.accepted) {
      o.refused_at = Stage::kSession1;
      Append(o.note, StatusNote(v, o.server_status));
    }
  } else if (twice && o.challenged && !o.accepted && x.authenticate_status != 0) {
    o.refused_at = Stage::kAuthenticate;  // the first AUTHENTICATE: nothing was repeated
  }
  return x.connected;
}

// "(401 SEC_E_LOGON_DENIED)" over HTTP, "(fault 0x00000005 ...)" over DCE/RPC.
std::string AnswerText(const ProbeObservation& o, int http_status) {
  if (!o.answer.empty()) return " (" + o.answer + ")";
  if (http_status == 0) return "";
  return " (" + std::to_string(http_status) +
         (o.server_status.empty() ? "" : " " + o.server_status) + ")";
}

bool Matches(const std::string& name, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const auto& f : filters) {
    const bool glob = f.find_first_of("*?[") != std::string::npos;
    if (glob ? fnmatch(f.c_str(), name.c_str(), 0) == 0 : name.find(f) != std::string::npos) {
      return true;
    }
  }
  return false;
}

ssp::FileTime Now() {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  return ssp::kFileTimeUnixEpoch + static_cast<uint64_t>(us) * 10;
}

std::string LevelsText(const std::set<int>& levels) {
  std::string s;
  for (int l : levels) s += (s.empty() ? "" : ",") + std::to_string(l);
  return s;
}

}  // namespace

namespace {

// The target's scheme, lower case, with its colon ("smb:", "http:", ...).
std::string TargetScheme(const std::string& target) {
  return ToLowerAscii(target.substr(0, target.find(':') + 1));
}

}  // namespace

// The target (and, over DCE/RPC, the interface to call); false after
// printing why not.
bool ParseProbeTarget(const ProbeOptions& options, std::optional<net::HttpTarget>& http_target,
                      std::optional<net::RpcTarget>& rpc_target,
                      std::optional<net::SmbTarget>& smb_target, std::ostream& err) {
  std::string error;
  const std::string scheme = TargetScheme(options.target);
  if (scheme == "ncacn_ip_tcp:") {
    rpc_target = net::ParseRpcTarget(options.target, error);
  } else if (scheme == "http:" || scheme == "https:") {
    http_target = net::ParseHttpTarget(options.target, error);
  } else if (scheme == "smb:") {
    smb_target = net::ParseSmbTarget(options.target, error);
  } else {
    error = "'" + options.target +
            "': give http://HOST:PORT/PATH, ncacn_ip_tcp:HOST[PORT] or smb://HOST[:PORT] (no "
            "other transport)";
  }
  if (!http_target && !rpc_target && !smb_target) {
    err << "ntlmssp-harness probe: " << error << "\n";
    return false;
  }
  auto iface = net::rpc::ParseProbeInterface(options.interface_name);
  if (!iface) {
    err << "ntlmssp-harness probe: --interface '" << options.interface_name
        << "': give harness, rpcecho, lsarpc, samr or epmapper\n";
    return false;
  }
  if (rpc_target) rpc_target->iface = *iface;
  const auto dialect = net::smb::DialectFromName(options.smb_dialect);
  if (!dialect) {
    err << "ntlmssp-harness probe: --smb-dialect '" << options.smb_dialect << "': give "
        << net::smb::kDialectNames << "\n";
    return false;
  }
  if (smb_target) smb_target->dialect = *dialect;
  return true;
}

struct PlayedCatalogue {
  std::vector<ProbeObservation> observations;
  size_t reached = 0;
  bool vanished = false;  // reached, then a later variation could not connect
  bool usage_error = false;
};

// Why the answers cannot be judged at all, or nullopt: the target stopped
// answering mid-run, or no NEGOTIATE got an NTLM CHALLENGE (not an NTLM
// server: another protocol on that port, or a page without authentication).
std::optional<std::string> UnjudgeableTarget(const PlayedCatalogue& played,
                                             const std::string& target) {
  const auto& observations = played.observations;
  if (played.vanished) {
    return target + " stopped answering after " + std::to_string(played.reached) +
           " variations: " + observations.back().error;
  }
  if (std::any_of(observations.begin(), observations.end(),
                  [](const ProbeObservation& o) { return o.challenged; })) {
    return std::nullopt;
  }
  auto first = std::find_if(observations.begin(), observations.end(),
                            [](const ProbeObservation& o) { return !o.skipped; });
  std::string answer = "no variation was played";
  if (first != observations.end()) {
    answer = !first->error.empty() ? first->error
             : !first->answer.empty()
                 ? first->answer
                 : "HTTP " + std::to_string(first->negotiate_status) + " to the NEGOTIATE";
  }
  return target +
         " is not an NTLM server: none of the NEGOTIATEs got an NTLM CHALLENGE (first "
         "answer: " +
         answer + ")";
}

// Every selected variation against the target, one connection each; stops
// at the first one that cannot connect.
PlayedCatalogue PlayCatalogue(const ProbeOptions& options, const Catalogue& catalogue,
                              const std::string& password,
                              const std::optional<net::HttpTarget>& http_target,
                              const std::optional<net::RpcTarget>& rpc_target,
                              const std::optional<net::SmbTarget>& smb_target, std::ostream& err) {
  PlayedCatalogue played;
  std::vector<ProbeObservation>& observations = played.observations;
  size_t& reached = played.reached;
  ClientAccount account{options.user, options.domain, password, options.workstation};
  ssp::FixedClock clock(Now());
  ssp::SecureRandom random;
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
  for (const auto& v : catalogue.variations) {
    if (!Matches(v.name, options.filters)) continue;
    ProbeObservation o;
    o.variation = &v;
    if (smb_target ? !net::PlayableOverSmb(v, o.skip_reason)
                   : !Playable(v, rpc_target.has_value(), o.skip_reason)) {
      o.skipped = true;
      observations.push_back(o);
      continue;
    }
    const Baseline* base = catalogue.FindBaseline(v.baseline);
    auto creds = VariationCredentials(*base, v, account);
    if (!creds.ok()) {
      err << "ntlmssp-harness probe: " << creds.error().reason << "\n";
      played.usage_error = true;
      return played;
    }
    clock.Set(Now());
    ssp::ClientContext client(std::move(*creds), VariationClientPolicy(*base, v), clock, random);
    auto negotiate = client.CreateNegotiate();
    if (negotiate.ok()) {
      if (auto sent = ssp::DecodeNegotiateMessage(*negotiate); sent.ok()) {
        o.negotiate_flags = sent->flags;
        o.negotiate_has_version = sent->has_version;
      }
    }
    if (!negotiate.ok()) {
      o.skipped = true;
      o.skip_reason = "client: " + negotiate.error().reason;
      observations.push_back(o);
      continue;
    }
    const bool connected =
        smb_target   ? net::ProbeOverSmb(*smb_target, client, *negotiate, v, timeout, o)
        : rpc_target ? ProbeOverRpc(*rpc_target, client, *negotiate, v, timeout, o)
                     : ProbeOverHttp(*http_target, client, *negotiate, v, timeout, o);
    if (connected) ++reached;
    observations.push_back(o);
    if (!connected) {  // the target is not there: do not retry it per variation
      played.vanished = reached > 0;
      break;
    }
  }
  return played;
}

// What one variation got, as the table and the HTML report say it.
std::string AnswerLine(const ProbeObservation& o) {
  std::string line;
  if (o.skipped) return "skipped: " + o.skip_reason;
  if (!o.error.empty()) return "error: " + o.error;
  if (o.accepted && o.variation->scenario == ScenarioDeviation::kAuthenticateTwice) {
    line = "accepted, and again when repeated" + AnswerText(o, 0);
  } else if (o.variation->scenario == ScenarioDeviation::kAuthenticateTwice &&
             o.refused_at == Stage::kSession1) {
    line = "refused at the repeated AUTHENTICATE" + AnswerText(o, 0);
  } else if (o.accepted) {
    // Over DCE/RPC an answer here is request 1's fault after an accepted
    // AUTHENTICATE whose flags could not protect the bound level.
    line = "accepted" + (o.answer.empty() ? AnswerText(o, o.authenticate_status)
                                          : " (request 1 then got " + o.answer + ")");
  } else if (o.refused_at == Stage::kSession1 || o.refused_at == Stage::kSession2) {
    line = "refused at message " + std::to_string(o.refused_at == Stage::kSession1 ? 1 : 2) +
           AnswerText(o, 0);
  } else if (!o.challenged) {
    line = "refused at the NEGOTIATE" + AnswerText(o, o.negotiate_status);
  } else {
    line = "refused at the AUTHENTICATE" + AnswerText(o, o.authenticate_status);
  }
  return line + (o.note.empty() ? "" : "; " + o.note);
}

// The table of what the server did, one line per variation.
void PrintObservations(const ProbeOptions& options,
                       const std::vector<ProbeObservation>& observations, std::ostream& out) {
  size_t width = 9;
  for (const auto& o : observations) width = std::max(width, o.variation->name.size());
  out << "ntlmssp-harness probe " << options.target << " as " << options.domain << "\\"
      << options.user;
  if (TargetScheme(options.target) == "smb:") out << " (SMB " << options.smb_dialect << ")";
  out << "\n\n";
  out << std::left << std::setw(static_cast<int>(width + 2)) << "variation"
      << "answer\n";
  for (const auto& o : observations) {
    out << std::left << std::setw(static_cast<int>(width + 2)) << o.variation->name << AnswerLine(o)
        << "\n";
  }
}

std::string NamesOf(const std::vector<const ProbeObservation*>& members) {
  std::string names;
  for (const auto* o : members) names += (names.empty() ? "" : ", ") + o->variation->name;
  return names;
}

// The closest policy and what it leaves unexplained.
void PrintVerdict(const ProbeVerdict& v, std::ostream& out) {
  out << "Closest: NtlmMinServerSec " << MinServerSecText(v.closest.min_server_sec)
      << " with LmCompatibilityLevel " << v.closest.lm_compat_level << ", EPA "
      << EpaSettingName(v.closest.epa) << ": explains " << v.explained << " of " << v.compared
      << " answers.\n";
  if (!v.checks_not_made.empty()) {
    out << "Checks Windows makes that the server does not (accepted, Windows refuses): "
        << NamesOf(v.checks_not_made) << "\n";
  }
  for (const auto& g : v.unexplained_refusals) {
    out << "Refused, no policy explains it (" << g.shared << "): " << NamesOf(g.members) << "\n";
  }
}

// The policies consistent with every answer.
void PrintConsistency(const std::vector<ProbeObservation>& observations,
                      const std::vector<PolicyColumn>& columns, std::ostream& out) {
  std::map<uint32_t, std::set<int>> levels;  // EPA off
  std::set<std::string> epa_seen;
  for (const auto& c : columns) {
    if (c.epa == EpaSetting::kOff) levels[c.min_server_sec].insert(c.lm_compat_level);
    epa_seen.insert(EpaSettingName(c.epa));
  }
  out << "\n";
  if (columns.empty()) {
    out << "No NtlmMinServerSec / LmCompatibilityLevel / EPA combination explains every answer: "
           "the server differs from the catalogue's reading of MS-NLMP (or its policy is not one "
           "of these).\n";
    PrintVerdict(ClosestPolicy(observations), out);
  } else {
    out << "Consistent with (EPA off):\n";
    for (const auto& [min, lv] : levels) {
      out << "  NtlmMinServerSec " << MinServerSecText(min) << " with LmCompatibilityLevel "
          << LevelsText(lv) << "\n";
    }
    if (levels.empty()) out << "  nothing without EPA checks\n";
    std::string epa;
    for (const auto& e : epa_seen) epa += (epa.empty() ? "" : ", ") + e;
    out << "EPA settings that also explain the answers: " << epa << "\n";
  }
}

// The closest policy (no policy explains every answer) as JSON.
nlohmann::ordered_json VerdictJson(const ProbeVerdict& v) {
  auto names = [](const std::vector<const ProbeObservation*>& members) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto* o : members) a.push_back(o->variation->name);
    return a;
  };
  nlohmann::ordered_json closest;
  closest["min_server_sec"] = ssp::Hex32(v.closest.min_server_sec);
  closest["lm_compat_level"] = v.closest.lm_compat_level;
  closest["epa"] = EpaSettingName(v.closest.epa);
  closest["explained"] = v.explained;
  closest["compared"] = v.compared;
  closest["checks_not_made"] = names(v.checks_not_made);
  closest["unexplained_refusals"] = nlohmann::ordered_json::array();
  for (const auto& g : v.unexplained_refusals) {
    closest["unexplained_refusals"].push_back(
        {{"shared", g.shared}, {"variations", names(g.members)}});
  }
  return closest;
}

// The observations and consistent policies as JSON; false when the file
// cannot be written.
bool WriteProbeJson(const ProbeOptions& options, bool rpc,
                    const std::vector<ProbeObservation>& observations,
                    const std::vector<PolicyColumn>& columns, std::ostream& err) {
  nlohmann::ordered_json j;
  j["format"] = "ntlmssp-harness-probe/1";
  j["target"] = options.target;
  j["observations"] = nlohmann::ordered_json::array();
  for (const auto& o : observations) {
    nlohmann::ordered_json e;
    e["variation"] = o.variation->name;
    if (o.skipped) {
      e["result"] = "skipped";
      e["reason"] = o.skip_reason;
    } else if (!o.error.empty()) {
      e["result"] = "error";
      e["reason"] = o.error;
    } else {
      e["result"] = o.accepted ? "accept" : "reject";
      e["at"] = o.accepted     ? ""
                : o.refused_at ? StageName(*o.refused_at)
                               : (o.challenged ? "authenticate" : "negotiate");
      if (rpc) {  // DCE/RPC or SMB: the refusing answer, the exact stage
        if (!o.auth_level.empty()) e["auth_level"] = o.auth_level;
        if (!o.answer.empty()) e["answer"] = o.answer;
        if (!o.note.empty()) e["note"] = o.note;
      } else {
        e["negotiate_status"] = o.negotiate_status;
        e["authenticate_status"] = o.authenticate_status;
        if (!o.answer.empty()) e["answer"] = o.answer;
        if (!o.note.empty()) e["note"] = o.note;
      }
      if (!o.server_status.empty()) e["server_status"] = o.server_status;
    }
    j["observations"].push_back(std::move(e));
  }
  j["consistent"] = nlohmann::ordered_json::array();
  for (const auto& c : columns) {
    j["consistent"].push_back({{"min_server_sec", ssp::Hex32(c.min_server_sec)},
                               {"lm_compat_level", c.lm_compat_level},
                               {"epa", EpaSettingName(c.epa)}});
  }
  if (columns.empty()) j["closest"] = VerdictJson(ClosestPolicy(observations));
  std::ofstream f(*options.json_path, std::ios::trunc);
  f << j.dump(2) << "\n";
  if (!f) {
    err << "ntlmssp-harness probe: cannot write " << *options.json_path << "\n";
    return false;
  }
  return true;
}

// A DCE/RPC target without a port: asks the host's endpoint mapper for the
// interface's port, as Windows clients do. False after printing why not.
bool ResolveRpcEndpoint(const ProbeOptions& options, net::RpcTarget& target, std::ostream& out,
                        std::ostream& err) {
  if (target.port != 0) return true;
  std::string error;
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(options.timeout_s * 1000));
  auto port =
      net::MapEndpoint(target.host, net::rpc::ProbeInterfaceSyntax(target.iface), timeout, error);
  if (!port) {
    err << "ntlmssp-harness probe: " << options.target << " has no port and its endpoint mapper "
        << "did not give one: " << error << "\n";
    return false;
  }
  target.port = *port;
  out << "endpoint mapper " << target.host << "[" << net::rpc::kEndpointMapperPort
      << "]: " << net::rpc::ProbeInterfaceText(target.iface) << " is at port " << *port << "\n";
  return true;
}

// The answers and the verdict as one HTML page; false when the file cannot
// be written.
bool WriteProbeHtmlFile(const ProbeOptions& options,
                        const std::vector<ProbeObservation>& observations,
                        const std::vector<PolicyColumn>& columns, std::ostream& err) {
  const ProbeVerdict verdict = ClosestPolicy(observations);
  ProbeHtmlReport report;
  report.target = options.target;
  report.account = options.domain + "\\" + options.user;
  report.observations = &observations;
  for (const auto& o : observations) report.answers.push_back(AnswerLine(o));
  for (const auto& c : columns) {
    report.consistent.push_back("NtlmMinServerSec " + ssp::Hex32(c.min_server_sec) + " (" +
                                ssp::MinSecNames(c.min_server_sec) +
                                ") with LmCompatibilityLevel " + std::to_string(c.lm_compat_level) +
                                ", EPA " + EpaSettingName(c.epa));
  }
  report.verdict = &verdict;
  std::ofstream f(*options.html_path, std::ios::trunc);
  WriteProbeHtml(report, f);
  if (!f) {
    err << "ntlmssp-harness probe: cannot write " << *options.html_path << "\n";
    return false;
  }
  return true;
}

Verdict RunProbe(const ProbeOptions& options, std::ostream& out, std::ostream& err) {
  std::optional<net::HttpTarget> http_target;
  std::optional<net::RpcTarget> rpc_target;
  std::optional<net::SmbTarget> smb_target;
  if (!ParseProbeTarget(options, http_target, rpc_target, smb_target, err)) {
    return Verdict::kInvalidInput;
  }
  std::string error;
  std::string password = options.password;
  if (password.empty()) {
    if (const char* env = std::getenv("NTLM_PROBE_PASSWORD")) password = env;
  }
  if (options.user.empty() || password.empty()) {
    err << "ntlmssp-harness probe: give --user and --password (or NTLM_PROBE_PASSWORD) of an "
           "account the server knows\n";
    return Verdict::kInvalidInput;
  }
  if (!(options.timeout_s > 0 && options.timeout_s <= 300)) {
    err << "ntlmssp-harness probe: --timeout must be seconds in (0, 300]\n";
    return Verdict::kInvalidInput;
  }
  if (rpc_target && !ResolveRpcEndpoint(options, *rpc_target, out, err)) {
    return Verdict::kEnvironment;
  }
  auto catalogue = LoadSelectedCatalogue(options.catalogue_dir, error);
  if (!catalogue) {
    err << "ntlmssp-harness probe: catalogue: " << error << "\n";
    return Verdict::kInvalidInput;
  }

  PlayedCatalogue played =
      PlayCatalogue(options, *catalogue, password, http_target, rpc_target, smb_target, err);
  if (played.usage_error) return Verdict::kInvalidInput;
  const std::vector<ProbeObservation>& observations = played.observations;
  if (played.reached == 0) {
    err << "ntlmssp-harness probe: cannot reach " << options.target << ": "
        << (observations.empty() ? std::string("no variation selected") : observations.back().error)
        << "\n";
    return observations.empty() ? Verdict::kInvalidInput : Verdict::kEnvironment;
  }
  if (auto why = UnjudgeableTarget(played, options.target)) {
    err << "ntlmssp-harness probe: " << *why << "\n";
    return Verdict::kEnvironment;
  }

  PrintObservations(options, observations, out);
  const auto columns = ConsistentColumns(observations);
  PrintConsistency(observations, columns, out);
  if (options.json_path &&
      !WriteProbeJson(options, rpc_target.has_value() || smb_target.has_value(), observations,
                      columns, err)) {
    return Verdict::kInvalidInput;
  }
  if (options.html_path && !WriteProbeHtmlFile(options, observations, columns, err)) {
    return Verdict::kInvalidInput;
  }
  return columns.empty() ? Verdict::kDifference : Verdict::kOk;
}

}  // namespace ntlm::harness
