// transport_cell.cc: a matrix cell carried by a front's socket-free session
// (see transport_cell.h).
#include "harness/net/transport_cell.h"

#include <array>
#include <utility>

#include "harness/net/transport_carrier.h"
#include "ssp/client_context.h"
#include "ssp/flags.h"
#include "ssp/negotiate_message.h"

namespace ntlm::harness::net {
namespace {

struct TransportName {
  MatrixTransport transport;
  const char* name;
};
constexpr std::array<TransportName, 4> kTransports = {{{MatrixTransport::kInproc, "inproc"},
                                                       {MatrixTransport::kHttp, "http"},
                                                       {MatrixTransport::kRpc, "rpc"},
                                                       {MatrixTransport::kSmb, "smb"}}};

bool IsSessionStage(Stage stage) { return stage == Stage::kSession1 || stage == Stage::kSession2; }

// The SMB signing rule of TransportExpectation for one session scenario.
Outcome SmbSessionExpectation(ScenarioDeviation scenario, const Outcome& inproc) {
  switch (scenario) {
    case ScenarioDeviation::kAlterCiphertext:
    case ScenarioDeviation::kAlterSignature:
      return SessionRefusal(ssp::SecStatus::kMessageAltered, Stage::kSession1);
    case ScenarioDeviation::kReplaySealedMessage:
      return SessionRefusal(ssp::SecStatus::kOutOfSequence, Stage::kSession2);
    case ScenarioDeviation::kAuthenticateTwice:
      return SessionRefusal(ssp::SecStatus::kOutOfSequence, Stage::kSession1);
    case ScenarioDeviation::kReorderSealedMessages:
      return Outcome{};
    default:
      return inproc;
  }
}

// The RPC auth level the NEGOTIATE chose needs a flag the AUTHENTICATE dropped.
bool RpcLevelLost(uint32_t negotiate, uint32_t authenticate) {
  if (negotiate & ssp::kNegotiateSeal) return !(authenticate & ssp::kNegotiateSeal);
  if (negotiate & ssp::kNegotiateSign) return !(authenticate & ssp::kNegotiateSign);
  return false;
}

std::unique_ptr<CellCarrier> MakeCarrier(MatrixTransport transport, const FrontContext& ctx) {
  switch (transport) {
    case MatrixTransport::kHttp:
      return MakeHttpCarrier(ctx);
    case MatrixTransport::kRpc:
      return MakeRpcCarrier(ctx);
    default:
      return MakeSmbCarrier(ctx);
  }
}

TranscriptEntry TokenEntry(EntryDir dir, EntryType type, ByteSpan token) {
  TranscriptEntry e;
  e.dir = dir;
  e.type = type;
  e.token = Bytes(token.begin(), token.end());
  return e;
}

// A refusal of the NEGOTIATE or AUTHENTICATE: the acceptor's status, the
// transport's answer in the reason; the transcript expects that refusal.
void RefuseLeg(CellResult& result, const LegAnswer& answer, Stage at) {
  result.observed = Outcome{false, answer.status, at};
  result.reason = answer.answer + ": " + answer.reason;
  Transcript& t = result.transcript;
  result.at_index = t.exchange.size() - 1;
  t.expect.accept = false;
  t.expect.status = answer.status;
  t.expect.at = result.at_index;
}

// Sends one NTLM token; false when that decides the cell (a refusal of the
// leg, or a harness error).
bool SendLeg(CellCarrier& carrier, EntryType type, ByteSpan token, Stage stage, CellResult& result,
             LegAnswer& answer) {
  result.transcript.exchange.push_back(TokenEntry(EntryDir::kClientToServer, type, token));
  answer = carrier.Leg(token);
  if (!answer.error.empty()) {
    result.harness_error = std::string(StageName(stage)) + ": " + answer.error;
    return false;
  }
  if (answer.refused) {
    RefuseLeg(result, answer, stage);
    return false;
  }
  return true;
}

// The logon legs; false when the cell is decided (refused, or a harness error).
bool PlayLogon(CellCarrier& carrier, ssp::ClientContext& client, const Bytes& negotiate,
               const Bytes* replayed_authenticate, CellResult& result, Bytes& authenticate) {
  Transcript& t = result.transcript;
  LegAnswer first;
  if (!SendLeg(carrier, EntryType::kNegotiate, negotiate, Stage::kNegotiate, result, first)) {
    return false;
  }
  t.exchange.push_back(
      TokenEntry(EntryDir::kServerToClient, EntryType::kChallenge, first.server_token));
  if (replayed_authenticate) {
    authenticate = *replayed_authenticate;
  } else {
    auto produced = client.ProcessChallenge(first.server_token);
    if (!produced.ok()) {
      result.harness_error = "client AUTHENTICATE: " + produced.error().reason;
      return false;
    }
    authenticate = std::move(*produced);
    result.negotiated_flags = client.negotiated_flags();
  }
  LegAnswer second;
  if (!SendLeg(carrier, EntryType::kAuthenticate, authenticate, Stage::kAuthenticate, result,
               second)) {
    return false;
  }
  result.user = second.user;
  t.expect = TranscriptExpect{};
  return true;
}

}  // namespace

const char* MatrixTransportName(MatrixTransport transport) {
  for (const auto& t : kTransports) {
    if (t.transport == transport) return t.name;
  }
  return "inproc";
}

std::optional<MatrixTransport> MatrixTransportFromName(std::string_view name) {
  for (const auto& t : kTransports) {
    if (name == t.name) return t.transport;
  }
  return std::nullopt;
}

bool IsMessageScenario(ScenarioDeviation s) {
  return s == ScenarioDeviation::kReplaySealedMessage ||
         s == ScenarioDeviation::kReorderSealedMessages ||
         s == ScenarioDeviation::kAlterCiphertext || s == ScenarioDeviation::kAlterSignature;
}

Outcome SessionRefusal(ssp::SecStatus status, Stage at) { return Outcome{false, status, at}; }

Outcome TransportExpectation(MatrixTransport transport, const Catalogue& catalogue,
                             const Variation& v, const Outcome& inproc,
                             const std::optional<ClientFlags>& flags) {
  if (transport == MatrixTransport::kRpc && inproc.accept && flags &&
      RpcLevelLost(flags->negotiate, flags->authenticate)) {
    return SessionRefusal(ssp::SecStatus::kUnsupportedFunction, Stage::kSession1);
  }
  if (inproc.accept || !IsSessionStage(inproc.at)) return inproc;
  switch (transport) {
    case MatrixTransport::kHttp:
      return IsMessageScenario(v.scenario) ? Outcome{} : inproc;
    case MatrixTransport::kRpc:
      return v.scenario == ScenarioDeviation::kAuthenticateTwice
                 ? SessionRefusal(ssp::SecStatus::kOutOfSequence, Stage::kSession1)
                 : inproc;
    case MatrixTransport::kSmb: {
      const Baseline* base = catalogue.FindBaseline(v.baseline);
      if (base && base->anonymous) return Outcome{};
      return SmbSessionExpectation(v.scenario, inproc);
    }
    default:
      return inproc;
  }
}

CellResult RunTransportCell(MatrixTransport transport, const Catalogue& catalogue,
                            const Variation& v, const PolicyColumn& column,
                            const CellEnvironment& env) {
  if (transport == MatrixTransport::kInproc) return RunCell(catalogue, v, column, env);
  CellResult result;
  PolicyColumn expect_column = column;
  expect_column.allow_anonymous = env.base_policy.allow_anonymous;
  result.expected =
      TransportExpectation(transport, catalogue, v, ExpectedOutcome(v, expect_column));
  // The same random streams as the in-process cell: the client's tokens are
  // the ones `matrix` without --transport sends.
  const std::string cell = v.name + "|" + ColumnLabel(column);
  ssp::FixedClock clock(env.now);
  CellRandom client_random(env.seed, cell, "client");
  CellRandom server_random(env.seed, cell, "server");
  ssp::InMemoryCredentialStore store;
  AddCatalogueAccount(store);
  FrontContext ctx;
  ctx.identity = env.identity;
  ctx.policy = ColumnPolicy(env.base_policy, column);
  ctx.accounts = &store;
  ctx.clock = &clock;
  ctx.random = &server_random.get();
  FillCellTranscript(v, column, ctx.policy, env, result.transcript);
  result.transcript.extra["matrix"]["transport"] = MatrixTransportName(transport);

  auto finish = [&]() -> CellResult& {
    result.matches = !result.harness_error && result.observed == result.expected;
    result.transcript.extra["matrix"]["observed"] = OutcomeText(result.observed);
    if (!result.reason.empty()) result.transcript.extra["matrix"]["reason"] = result.reason;
    return result;
  };
  const Baseline* base = catalogue.FindBaseline(v.baseline);
  if (!base) {
    result.harness_error = "baseline '" + v.baseline + "' missing";
    return finish();
  }
  auto creds = VariationCredentials(*base, v);
  if (!creds.ok()) {
    result.harness_error = "client credentials: " + creds.error().reason;
    return finish();
  }
  CapturedLogon earlier;
  const bool replay = v.scenario == ScenarioDeviation::kReplayAuthenticate;
  if (replay) {
    PolicyColumn open = column;
    open.min_server_sec = 0;
    if (auto error = CaptureGoodLogon(*base, v, env.identity, ColumnPolicy(env.base_policy, open),
                                      store, clock, client_random.get(), earlier)) {
      result.harness_error = "replay-authenticate: " + *error;
      return finish();
    }
  }
  ssp::ClientContext client(std::move(*creds), VariationClientPolicy(*base, v), clock,
                            client_random.get());
  auto negotiate = replay ? ssp::Result<Bytes>(earlier.negotiate) : client.CreateNegotiate();
  if (!negotiate.ok()) {
    result.harness_error = "client NEGOTIATE: " + negotiate.error().reason;
    return finish();
  }
  auto carrier = MakeCarrier(transport, ctx);
  Bytes authenticate;
  if (!PlayLogon(*carrier, client, *negotiate, replay ? &earlier.authenticate : nullptr, result,
                 authenticate)) {
    return finish();
  }
  if (auto decoded = ssp::DecodeNegotiateMessage(*negotiate); decoded.ok() && !replay) {
    result.expected =
        TransportExpectation(transport, catalogue, v, ExpectedOutcome(v, expect_column),
                             ClientFlags{decoded->flags, result.negotiated_flags});
  }
  SessionAnswer session = carrier->Session(v.scenario, client, authenticate);
  result.harness_error = session.harness_error;
  result.observed = session.observed;
  if (!session.observed.accept) result.reason = session.answer;
  return finish();
}

}  // namespace ntlm::harness::net
