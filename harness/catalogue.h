// catalogue.h: the client-variation catalogue (vectors/variations/).
//
// A variation is "a baseline client profile + at most one named deviation",
// and states, as hand-written data, the outcome a correct server reaches
// under every policy. Baselines live in baselines.json; each variation is one
// file NAME.json. The format is documented in vectors/variations/README.md.
//
// Expectations are data, never computed by the server under test. A cell's
// expected outcome is read off the variation's data in the order of the
// status table (docs/transcript-format.md):
//   1. a policy bit the client's NEGOTIATE does not earn (`negotiate_meets`)
//      -> SEC_E_UNSUPPORTED_FUNCTION at the NEGOTIATE;
//   2. a policy bit the AUTHENTICATE's flags lack (`authenticate_meets`)
//      -> SEC_E_UNSUPPORTED_FUNCTION at the AUTHENTICATE;
//   3. a server LmCompatibilityLevel >= `lm_refused_from`
//      -> SEC_E_LOGON_DENIED at the AUTHENTICATE;
//   4. a server that allows the ANONYMOUS logon (policy.allow_anonymous) and a
//      variation that states `when_anonymous_allowed` -> that outcome;
//   5. otherwise `when_met`, or its override for the column's EPA setting.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ssp/client_context.h"
#include "ssp/client_deviation.h"
#include "ssp/status.h"

namespace ntlm::harness {

// The account every variation's client authenticates as (unless the
// variation changes it) and the server's store for the matrix.
inline constexpr const char* kCatalogueUser = "alice";
inline constexpr const char* kCatalogueDomain = "CONTOSO";
inline constexpr const char* kCataloguePassword = "Passw0rd!";
inline constexpr const char* kCatalogueWorkstation = "WS01";
// The SPN and TLS channel-binding application data a baseline with
// `target_name` / `channel_bindings` sends, and the EPA columns expect.
inline constexpr const char* kCatalogueSpn = "HTTP/srv01.contoso.test";
inline constexpr const char* kCatalogueTlsBinding =
    "tls-server-end-point:ntlmssp-harness-test-cert";

// A baseline client profile (baselines.json).
struct Baseline {
  std::string name;
  std::string description;
  uint32_t flags = 0;       // ClientConfigFlags (requested NEGOTIATE flags)
  int lm_compat_level = 3;  // the client's LmCompatibilityLevel
  bool send_mic = true;
  bool target_name = true;       // sends kCatalogueSpn as MsvAvTargetName
  bool channel_bindings = true;  // sends the hash of kCatalogueTlsBinding
  bool anonymous = false;
  bool negotiate_names = false;
};

// Deviations that act on the exchange rather than on the client's tokens.
enum class ScenarioDeviation {
  kNone,
  kUnknownUser,            // "unknown-user": the client logs on as an account the server lacks
  kReplayAuthenticate,     // "replay-authenticate": a good AUTHENTICATE sent on a new context
  kAuthenticateTwice,      // "authenticate-twice": the same AUTHENTICATE twice on one context
  kReplaySealedMessage,    // "replay-sealed-message": c2s message 1 delivered twice
  kReorderSealedMessages,  // "reorder-sealed-messages": c2s message 2 before message 1
  kAlterCiphertext,        // "alter-ciphertext": one bit of c2s message 1 flipped
  kAlterSignature,         // "alter-signature": one bit of message 1's checksum flipped
};
const char* ScenarioDeviationName(ScenarioDeviation deviation);
std::optional<ScenarioDeviation> ScenarioDeviationFromName(const std::string& name);

// Where a refusal happens, independent of the exchange's length.
enum class Stage { kNegotiate, kAuthenticate, kSession1, kSession2 };
const char* StageName(Stage stage);
std::optional<Stage> StageFromName(const std::string& name);

struct Outcome {
  bool accept = true;
  ssp::SecStatus status = ssp::SecStatus::kOk;
  Stage at = Stage::kAuthenticate;  // meaningful for a refusal
  bool operator==(const Outcome& other) const {
    return accept == other.accept && status == other.status && (accept || at == other.at);
  }
};
// "accept" or "SEC_E_LOGON_DENIED@authenticate".
std::string OutcomeText(const Outcome& outcome);

// The EPA (extended protection) settings a column can carry.
enum class EpaSetting { kOff, kMic, kSpn, kCbt, kAll };
const char* EpaSettingName(EpaSetting setting);
std::optional<EpaSetting> EpaSettingFromName(const std::string& name);

struct Variation {
  std::string name;
  std::string description;
  std::string baseline;  // name in baselines.json
  std::optional<ssp::Deviation> client_deviation;
  std::string client_deviation_text;  // as written in the file
  ScenarioDeviation scenario = ScenarioDeviation::kNone;
  // Expectation data.
  uint32_t negotiate_meets = 0;
  uint32_t authenticate_meets = 0;
  std::optional<int> lm_refused_from;
  Outcome when_met;
  // The outcome when the server allows the ANONYMOUS logon (policy
  // allow_anonymous): only the anonymous variation states it.
  std::optional<Outcome> when_anonymous_allowed;
  std::map<EpaSetting, Outcome> epa;
  std::string why;  // the MS-NLMP rule the expectation comes from
  std::filesystem::path file;
};

struct Catalogue {
  std::string source;  // the folder read, or kBuiltInCatalogueName
  std::vector<Baseline> baselines;
  std::vector<Variation> variations;
  const Baseline* FindBaseline(const std::string& name) const;
};

// Reads DIR/baselines.json and every other DIR/*.json (sorted by file name).
// Any problem: nullopt and `error` naming the file and the key.
std::optional<Catalogue> LoadCatalogue(const std::filesystem::path& dir, std::string& error);

// The catalogue built into the binary from vectors/variations
// (harness/embedded_files.h); its files are named vectors/variations/NAME.json.
inline constexpr const char* kBuiltInCatalogueName = "vectors/variations (built in)";
std::optional<Catalogue> LoadBuiltInCatalogue(std::string& error);

// `dir` when given (--catalogue), else $NTLM_VARIATIONS when set, else the
// built-in catalogue: the same from every working directory and install.
std::optional<Catalogue> LoadSelectedCatalogue(const std::optional<std::string>& dir,
                                               std::string& error);

// One matrix column: a server policy setting.
struct PolicyColumn {
  uint32_t min_server_sec = 0;
  int lm_compat_level = 3;
  EpaSetting epa = EpaSetting::kOff;
  // Not a column of its own: the matrix's base policy (`allow_anonymous`).
  bool allow_anonymous = false;
};

// The expected outcome of `variation` under `column`, read off the data as
// the header comment describes.
Outcome ExpectedOutcome(const Variation& variation, const PolicyColumn& column);

}  // namespace ntlm::harness
