#include "harness/cell_runner.h"

#include <string_view>
#include <utility>

#include "harness/seeded_random.h"
#include "harness/transcript_policy.h"
#include "ssp/client_context.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/session_security.h"

namespace ntlm::harness {
namespace {

using ssp::SecStatus;

Bytes ToBytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::array<uint8_t, 16> CatalogueBindings() {
  const std::string_view app = kCatalogueTlsBinding;
  return ssp::ChannelBindingsHash(
      ByteSpan(reinterpret_cast<const uint8_t*>(app.data()), app.size()));
}

}  // namespace

CellRandom::CellRandom(const std::optional<uint64_t>& seed, const std::string& cell,
                       const char* role) {
  if (seed) seeded_.emplace(DeriveSeed(*seed, cell + "|" + role));
}

ssp::RandomSource& CellRandom::get() {
  if (seeded_) return *seeded_;
  return secure_;
}

void AddCatalogueAccount(ssp::InMemoryCredentialStore& store) {
  if (auto account = ssp::AccountFromPassword(kCatalogueDomain, kCatalogueUser, kCataloguePassword);
      account.ok()) {
    store.Add(std::move(*account));
  }
}

ssp::ClientPolicy VariationClientPolicy(const Baseline& base, const Variation& v) {
  ssp::ClientPolicy p;
  p.requested_flags = base.flags;
  p.lm_compat_level = base.lm_compat_level;
  p.send_mic = base.send_mic;
  if (base.target_name) p.target_name = kCatalogueSpn;
  if (base.channel_bindings) p.channel_bindings_md5 = CatalogueBindings();
  p.negotiate_names = base.negotiate_names;
  if (v.client_deviation) p.deviations.push_back(*v.client_deviation);
  return p;
}

ssp::Result<ssp::ClientCredentials> VariationCredentials(const Baseline& base, const Variation& v,
                                                         const ClientAccount& account) {
  if (base.anonymous) return ssp::ClientCredentials::Anonymous(account.workstation);
  const std::string user =
      v.scenario == ScenarioDeviation::kUnknownUser ? "mallory-no-such-user" : account.user;
  return ssp::ClientCredentials::FromPassword(user, account.domain, account.password,
                                              account.workstation);
}

namespace {

// The live exchange of one cell, appended to the transcript as it happens.
class CellExchange {
 public:
  CellExchange(CellResult& result, ssp::ServerContext& server) : result_(result), server_(server) {}

  size_t Add(TranscriptEntry entry) {
    result_.transcript.exchange.push_back(std::move(entry));
    return result_.transcript.exchange.size() - 1;
  }
  static TranscriptEntry Token(EntryDir dir, EntryType type, Bytes token) {
    TranscriptEntry e;
    e.dir = dir;
    e.type = type;
    e.token = std::move(token);
    return e;
  }
  void Refuse(size_t at, const ssp::Error& error) {
    result_.at_index = at;
    result_.observed = Outcome{false, error.status, Stage::kAuthenticate};
    result_.reason = error.reason;
  }
  ssp::ServerContext& server() { return server_; }

 private:
  CellResult& result_;
  ssp::ServerContext& server_;
};

}  // namespace

std::optional<std::string> CaptureGoodLogon(const Baseline& base, const Variation& v,
                                            const ssp::ServerIdentity& identity,
                                            const ssp::ServerPolicy& policy,
                                            const ssp::CredentialStore& store,
                                            const ssp::Clock& clock, ssp::RandomSource& random,
                                            CapturedLogon& out) {
  auto creds = VariationCredentials(base, v);
  if (!creds.ok()) return creds.error().reason;
  ssp::ClientContext client(std::move(*creds), VariationClientPolicy(base, v), clock, random);
  ssp::ServerContext server(identity, policy, store, clock, random);
  auto negotiate = client.CreateNegotiate();
  if (!negotiate.ok()) return "client: " + negotiate.error().reason;
  auto challenge = server.AcceptNegotiate(*negotiate);
  if (!challenge.ok()) return "first logon refused at the NEGOTIATE: " + challenge.error().reason;
  auto authenticate = client.ProcessChallenge(*challenge);
  if (!authenticate.ok()) return "client: " + authenticate.error().reason;
  auto verdict = server.AcceptAuthenticate(*authenticate);
  if (!verdict.ok()) return "first logon refused: " + verdict.error().reason;
  out.negotiate = std::move(*negotiate);
  out.authenticate = std::move(*authenticate);
  return std::nullopt;
}

namespace {

Stage StageForIndex(size_t index, const std::vector<size_t>& session_c2s) {
  if (index == 0) return Stage::kNegotiate;
  if (!session_c2s.empty() && index == session_c2s[0]) return Stage::kSession1;
  if (session_c2s.size() > 1 && index == session_c2s[1]) return Stage::kSession2;
  return Stage::kAuthenticate;
}

std::optional<size_t> IndexForStage(Stage stage, const std::vector<size_t>& session_c2s) {
  switch (stage) {
    case Stage::kNegotiate:
      return 0;
    case Stage::kAuthenticate:
      return 2;
    case Stage::kSession1:
      if (!session_c2s.empty()) return session_c2s[0];
      return 3;
    case Stage::kSession2:
      if (session_c2s.size() > 1) return session_c2s[1];
      return 5;
  }
  return std::nullopt;
}

bool IsSessionScenario(ScenarioDeviation s) {
  return s == ScenarioDeviation::kReplaySealedMessage ||
         s == ScenarioDeviation::kReorderSealedMessages ||
         s == ScenarioDeviation::kAlterCiphertext || s == ScenarioDeviation::kAlterSignature;
}

// One protected message as the sender made it.
struct Protected {
  Bytes plaintext;
  Bytes data;  // ciphertext (seal) or empty (sign)
  std::array<uint8_t, 16> signature{};
};

std::optional<std::string> Protect(ssp::SessionSecurity& session, bool seal, Bytes plaintext,
                                   Protected& out) {
  out.plaintext = std::move(plaintext);
  ssp::Status status;
  if (seal) {
    out.data.resize(out.plaintext.size());
    status = session.Seal(out.plaintext, out.data, out.signature);
  } else {
    status = session.Sign(out.plaintext, out.signature);
  }
  if (!status.ok()) return status.error().reason;
  return std::nullopt;
}

TranscriptEntry SessionEntry(EntryDir dir, bool seal, const Protected& p) {
  TranscriptEntry e;
  e.dir = dir;
  e.type = seal ? EntryType::kSeal : EntryType::kSign;
  e.plaintext = p.plaintext;
  e.data = p.data;
  e.signature = p.signature;
  return e;
}

// The receiver's check of one protected message.
ssp::Status Receive(ssp::SessionSecurity& session, bool seal, const Protected& p) {
  if (!seal) return session.Verify(p.plaintext, p.signature);
  Bytes plain(p.data.size());
  auto status = session.Unseal(p.data, p.signature, plain);
  if (status.ok() && plain != p.plaintext) {
    return ssp::MakeError(SecStatus::kMessageAltered, "unsealed plaintext differs");
  }
  return status;
}

}  // namespace

ssp::ServerPolicy ColumnPolicy(const ssp::ServerPolicy& base, const PolicyColumn& column) {
  ssp::ServerPolicy p = base;
  p.min_server_sec = column.min_server_sec;
  p.lm_compat_level = column.lm_compat_level;
  const bool all = column.epa == EpaSetting::kAll;
  p.require_mic = all || column.epa == EpaSetting::kMic;
  p.target_name.reset();
  p.channel_bindings_md5.reset();
  p.channel_binding_mode = ssp::ChannelBindingMode::kNever;
  if (all || column.epa == EpaSetting::kSpn) p.target_name = kCatalogueSpn;
  if (all || column.epa == EpaSetting::kCbt) {
    p.channel_bindings_md5 = CatalogueBindings();
    p.channel_binding_mode = ssp::ChannelBindingMode::kRequired;
  }
  return p;
}

std::string ColumnLabel(const PolicyColumn& column) {
  std::string label;
  label += (column.min_server_sec & ssp::kMinSecIntegrity) ? 'S' : '-';
  label += (column.min_server_sec & ssp::kMinSecConfidentiality) ? 'C' : '-';
  label += (column.min_server_sec & ssp::kMinSecNtlmV2Session) ? 'E' : '-';
  label += (column.min_server_sec & ssp::kMinSec128Bit) ? '8' : '-';
  if (column.lm_compat_level != ssp::kDefaultLmCompatLevel) {
    label += "/L" + std::to_string(column.lm_compat_level);
  }
  if (column.epa != EpaSetting::kOff) label += std::string("/") + EpaSettingName(column.epa);
  return label;
}

// The transcript's fixed parts: names, the client, the account and the server.
void FillCellTranscript(const Variation& v, const PolicyColumn& column,
                        const ssp::ServerPolicy& policy, const CellEnvironment& env,
                        Transcript& t) {
  t.name = v.name + "." + ColumnLabel(column);
  for (char& c : t.name) {
    if (c == '/') c = '_';
  }
  t.description = v.description + " | policy " + ssp::Hex32(column.min_server_sec) +
                  " lm_compat_level " + std::to_string(column.lm_compat_level) + " epa " +
                  EpaSettingName(column.epa);
  t.client = "ntlmssp-harness client, baseline " + v.baseline +
             (v.client_deviation_text.empty() ? "" : ", deviation " + v.client_deviation_text);
  t.accounts.push_back(
      TranscriptAccount{kCatalogueUser, kCatalogueDomain, kCataloguePassword, std::nullopt});
  t.server = TranscriptServerFromPolicy(policy, env.now);
  t.server.clock_text = FormatRfc3339(env.now);
  t.extra["matrix"] = {{"variation", v.name},
                       {"baseline", v.baseline},
                       {"deviation", v.client_deviation_text},
                       {"column", ColumnLabel(column)},
                       {"epa", EpaSettingName(column.epa)}};
}

// The cell's verdict and the transcript's expect (the catalogue's expectation).
CellResult& FinishCell(CellResult& result, const std::vector<size_t>& session_c2s,
                       const ssp::ServerContext& server, const ssp::ClientContext& client) {
  Transcript& t = result.transcript;
  result.events = server.events();
  result.client_notes = client.notes();
  if (result.at_index) {
    result.observed.at = StageForIndex(*result.at_index, session_c2s);
  }
  result.matches = !result.harness_error && result.observed == result.expected;
  // The transcript's expect: the catalogue's expectation.
  t.expect.accept = result.expected.accept;
  t.expect.status = result.expected.status;
  t.expect.at =
      result.expected.accept ? std::nullopt : IndexForStage(result.expected.at, session_c2s);
  if (result.expected.accept && result.observed.accept) {
    t.expect.user = result.user;
    t.expect.negotiated_flags = result.negotiated_flags;
  }
  t.extra["matrix"]["observed"] = OutcomeText(result.observed);
  if (!result.reason.empty()) t.extra["matrix"]["reason"] = result.reason;
  return result;
}

// The session messages of an exchange that negotiated SIGN or SEAL: client
// message 1, the server's reply, client message 2, with the variation's
// session scenario applied. A harness problem comes back as its text; the
// server's refusal is recorded in `x`.
std::optional<std::string> PlaySessionMessages(const Variation& v, uint32_t flags,
                                               const crypto::Key16& exported_session_key,
                                               ssp::ClientContext& client, CellExchange& x,
                                               std::vector<size_t>& session_c2s,
                                               CellResult& result) {
  const bool seal = (flags & ssp::kNegotiateSeal) != 0;
  auto client_session = client.CreateSessionSecurity();
  if (!client_session.ok()) {
    return "client session security: " + client_session.error().reason;
  }
  ssp::SessionSecurity server_session(flags, exported_session_key, /*is_server=*/true);

  // Without ESS both directions share one RC4 stream and one sequence
  // counter (3.4.3), so messages are protected in the order they cross:
  // message 2 is sealed after the reply, except when it is to overtake
  // message 1 (the client sealed both before either was delivered).
  const char* op = seal ? "seal" : "sign";
  Protected m1, m2, reply;
  if (auto e =
          Protect(*client_session, seal, ToBytes("ntlmssp-harness matrix: client message 1"), m1)) {
    return "client " + std::string(op) + ": " + *e;
  }
  const bool reorder = v.scenario == ScenarioDeviation::kReorderSealedMessages;
  if (reorder) {
    if (auto e = Protect(*client_session, seal, ToBytes("ntlmssp-harness matrix: client message 2"),
                         m2)) {
      return "client " + std::string(op) + ": " + *e;
    }
  }
  Protected first = reorder ? m2 : m1;
  if (v.scenario == ScenarioDeviation::kAlterCiphertext) {
    if (seal && !first.data.empty()) {
      first.data[0] ^= 0x01;
    } else {
      first.plaintext[0] ^= 0x01;  // signed only: the message itself
    }
  } else if (v.scenario == ScenarioDeviation::kAlterSignature) {
    first.signature[4] ^= 0x01;  // the checksum, not the version or sequence number
  }
  // Message 1 (client), the server's reply, message 2 (client).
  size_t at = x.Add(SessionEntry(EntryDir::kClientToServer, seal, first));
  session_c2s.push_back(at);
  if (auto s = Receive(server_session, seal, first); !s.ok()) {
    x.Refuse(at, s.error());
    return std::nullopt;
  }
  if (reorder) return "the server accepted message 2 before message 1";
  if (auto e =
          Protect(server_session, seal, ToBytes("ntlmssp-harness matrix: server reply"), reply)) {
    return "server " + std::string(op) + ": " + *e;
  }
  x.Add(SessionEntry(EntryDir::kServerToClient, seal, reply));
  if (auto s = Receive(*client_session, seal, reply); !s.ok()) {
    return "the client could not check the server's reply: " + s.error().reason;
  }
  Protected second;
  if (v.scenario == ScenarioDeviation::kReplaySealedMessage) {
    second = m1;
  } else if (auto e = Protect(*client_session, seal,
                              ToBytes("ntlmssp-harness matrix: client message 2"), m2)) {
    return "client " + std::string(op) + ": " + *e;
  } else {
    second = m2;
  }
  at = x.Add(SessionEntry(EntryDir::kClientToServer, seal, second));
  session_c2s.push_back(at);
  if (auto s = Receive(server_session, seal, second); !s.ok()) {
    x.Refuse(at, s.error());
    return std::nullopt;
  }
  result.observed = Outcome{};
  return std::nullopt;
}

CellResult RunCell(const Catalogue& catalogue, const Variation& v, const PolicyColumn& column,
                   const CellEnvironment& env) {
  CellResult result;
  PolicyColumn expect_column = column;
  expect_column.allow_anonymous = env.base_policy.allow_anonymous;
  result.expected = ExpectedOutcome(v, expect_column);
  const std::string cell = v.name + "|" + ColumnLabel(column);
  const Baseline* base = catalogue.FindBaseline(v.baseline);

  const ssp::ServerPolicy policy = ColumnPolicy(env.base_policy, column);
  ssp::FixedClock clock(env.now);
  CellRandom client_random(env.seed, cell, "client");
  CellRandom server_random(env.seed, cell, "server");

  ssp::InMemoryCredentialStore store;
  AddCatalogueAccount(store);

  Transcript& t = result.transcript;
  FillCellTranscript(v, column, policy, env, t);

  auto fail_harness = [&](std::string what) -> CellResult& {
    result.harness_error = std::move(what);
    result.matches = false;
    return result;
  };

  if (!base) return fail_harness("baseline '" + v.baseline + "' missing");
  auto creds = VariationCredentials(*base, v);
  if (!creds.ok()) return fail_harness("client credentials: " + creds.error().reason);

  CapturedLogon earlier;
  if (v.scenario == ScenarioDeviation::kReplayAuthenticate) {
    // The AUTHENTICATE of an earlier, successful logon under a policy that
    // accepts it (this column's EPA settings, no minimum).
    PolicyColumn open = column;
    open.min_server_sec = 0;
    if (auto error = CaptureGoodLogon(*base, v, env.identity, ColumnPolicy(env.base_policy, open),
                                      store, clock, client_random.get(), earlier)) {
      return fail_harness("replay-authenticate: " + *error);
    }
  }

  ssp::ClientContext client(std::move(*creds), VariationClientPolicy(*base, v), clock,
                            client_random.get());
  ssp::ServerContext server(env.identity, policy, store, clock, server_random.get());
  CellExchange x(result, server);
  std::vector<size_t> session_c2s;

  auto finish = [&]() -> CellResult& { return FinishCell(result, session_c2s, server, client); };

  // NEGOTIATE.
  auto negotiate = v.scenario == ScenarioDeviation::kReplayAuthenticate
                       ? ssp::Result<Bytes>(earlier.negotiate)
                       : client.CreateNegotiate();
  if (!negotiate.ok()) return fail_harness("client NEGOTIATE: " + negotiate.error().reason);
  size_t at =
      x.Add(CellExchange::Token(EntryDir::kClientToServer, EntryType::kNegotiate, *negotiate));
  auto challenge = server.AcceptNegotiate(*negotiate);
  if (!challenge.ok()) {
    x.Refuse(at, challenge.error());
    return finish();
  }
  x.Add(CellExchange::Token(EntryDir::kServerToClient, EntryType::kChallenge, *challenge));

  // AUTHENTICATE.
  Bytes authenticate;
  if (v.scenario == ScenarioDeviation::kReplayAuthenticate) {
    authenticate = earlier.authenticate;
  } else {
    auto produced = client.ProcessChallenge(*challenge);
    if (!produced.ok()) return fail_harness("client AUTHENTICATE: " + produced.error().reason);
    authenticate = std::move(*produced);
    result.negotiated_flags = client.negotiated_flags();
  }
  at =
      x.Add(CellExchange::Token(EntryDir::kClientToServer, EntryType::kAuthenticate, authenticate));
  auto verdict = server.AcceptAuthenticate(authenticate);
  if (!verdict.ok()) {
    x.Refuse(at, verdict.error());
    return finish();
  }
  result.user = verdict->QualifiedUser();
  result.negotiated_flags = verdict->negotiated_flags;

  if (v.scenario == ScenarioDeviation::kAuthenticateTwice) {
    at = x.Add(
        CellExchange::Token(EntryDir::kClientToServer, EntryType::kAuthenticate, authenticate));
    session_c2s.push_back(at);
    auto again = server.Step(authenticate);
    if (!again.ok()) {
      x.Refuse(at, again.error());
      return finish();
    }
    return fail_harness("the server accepted the same AUTHENTICATE twice");
  }

  // Session messages.
  const uint32_t flags = verdict->negotiated_flags;
  const bool seal = (flags & ssp::kNegotiateSeal) != 0;
  const bool sign = seal || (flags & ssp::kNegotiateSign) != 0;
  if (!sign) {
    if (IsSessionScenario(v.scenario)) {
      return fail_harness(std::string(ScenarioDeviationName(v.scenario)) +
                          " needs SIGN or SEAL, which this exchange did not negotiate");
    }
    result.observed = Outcome{};
    return finish();
  }
  if (auto error = PlaySessionMessages(v, flags, verdict->exported_session_key, client, x,
                                       session_c2s, result)) {
    return fail_harness(std::move(*error));
  }
  return finish();
}

}  // namespace ntlm::harness
