// cell_runner.h: one matrix cell — one variation's client against the
// in-process server under one policy column.
//
// The exchange is live: our ssp::ClientContext (the baseline profile with
// the variation's deviation) talks to an ssp::ServerContext configured with
// the column's policy. When the server accepts and the session has SIGN or
// SEAL, three session messages follow (client, server reply, client), sealed
// when SEAL was negotiated and signed otherwise; scenario deviations replay,
// reorder or alter them. Everything that crossed is kept as a transcript
// (docs/transcript-format.md) whose `expect` is the catalogue's expectation,
// so the cell can be replayed, shared and decoded later.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/catalogue.h"
#include "harness/seeded_random.h"
#include "harness/transcript.h"
#include "ssp/client_context.h"
#include "ssp/credentials.h"
#include "ssp/server_context.h"
#include "ssp/server_policy.h"

namespace ntlm::harness {

// What every cell shares.
struct CellEnvironment {
  ssp::ServerIdentity identity;
  // The policy the column's settings are applied to (identity-independent
  // settings such as allow_anonymous or the clock skew come from here).
  ssp::ServerPolicy base_policy;
  // Server clock and client clock (FILETIME).
  ssp::FileTime now = 0;
  // Deterministic randomness when set (per-cell streams derived from it).
  std::optional<uint64_t> seed;
};

struct CellResult {
  Outcome expected;
  Outcome observed;
  bool matches = false;
  // Index into transcript.exchange where the server refused.
  std::optional<size_t> at_index;
  std::string reason;  // the server's reason for a refusal
  // A problem of the harness or the catalogue (the client could not build a
  // token, a scenario needs a session the profile does not negotiate). Such
  // a cell counts as a difference.
  std::optional<std::string> harness_error;
  uint32_t negotiated_flags = 0;  // the AUTHENTICATE's flags, when one was sent
  std::string user;               // DOMAIN\user when accepted
  std::vector<ssp::LogEvent> events;
  std::vector<std::string> client_notes;
  Transcript transcript;
};

// Who a variation's client logs on as: by default the catalogue account.
struct ClientAccount {
  std::string user = kCatalogueUser;
  std::string domain = kCatalogueDomain;
  std::string password = kCataloguePassword;
  std::string workstation = kCatalogueWorkstation;
};

// The client policy of a variation: its baseline with its client deviation.
ssp::ClientPolicy VariationClientPolicy(const Baseline& baseline, const Variation& variation);
// The credentials of a variation's client: `account`, the ANONYMOUS logon for
// an anonymous baseline, or an account nobody has ("mallory") for the
// unknown-user scenario.
ssp::Result<ssp::ClientCredentials> VariationCredentials(const Baseline& baseline,
                                                         const Variation& variation,
                                                         const ClientAccount& account = {});

// The server policy for a column: `base` with the column's NtlmMinServerSec,
// LmCompatibilityLevel and EPA settings (mic: require_mic; spn: the catalogue
// SPN; cbt: the catalogue channel bindings, required; all: the three; off:
// none of them).
ssp::ServerPolicy ColumnPolicy(const ssp::ServerPolicy& base, const PolicyColumn& column);

// "S-E8": the column's NtlmMinServerSec as four letters (S integrity/SIGN,
// C confidentiality/SEAL, E NTLMv2 session security/ESS, 8 128-bit; '-'
// where not required), then "/L<n>" and "/<epa>" when they differ from the
// defaults (level 3, off).
std::string ColumnLabel(const PolicyColumn& column);

CellResult RunCell(const Catalogue& catalogue, const Variation& variation,
                   const PolicyColumn& column, const CellEnvironment& environment);

// The randomness of one side ("client" or "server") of one cell: a stream
// derived from the environment's seed and the cell's name, or secure random.
class CellRandom {
 public:
  CellRandom(const std::optional<uint64_t>& seed, const std::string& cell, const char* role);
  ssp::RandomSource& get();

 private:
  std::optional<SeededRandom> seeded_;
  ssp::SecureRandom secure_;
};

// The catalogue account in a credential store (what every cell's server knows).
void AddCatalogueAccount(ssp::InMemoryCredentialStore& store);

// The transcript's fixed parts of a cell: names, the client, the account and
// the server's policy.
void FillCellTranscript(const Variation& variation, const PolicyColumn& column,
                        const ssp::ServerPolicy& policy, const CellEnvironment& environment,
                        Transcript& transcript);

// The NEGOTIATE and AUTHENTICATE of an earlier, successful logon (for the
// replay-authenticate scenario), made on a server of its own under `policy`.
struct CapturedLogon {
  Bytes negotiate;
  Bytes authenticate;
};
std::optional<std::string> CaptureGoodLogon(const Baseline& baseline, const Variation& variation,
                                            const ssp::ServerIdentity& identity,
                                            const ssp::ServerPolicy& policy,
                                            const ssp::CredentialStore& store,
                                            const ssp::Clock& clock, ssp::RandomSource& random,
                                            CapturedLogon& out);

}  // namespace ntlm::harness
