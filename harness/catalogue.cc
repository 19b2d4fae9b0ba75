#include "harness/catalogue.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <tuple>

#include "harness/embedded_files.h"
#include "harness/json_fields.h"
#include "ssp/flags.h"

namespace ntlm::harness {
namespace {

using nlohmann::json;

struct NamedScenario {
  ScenarioDeviation value;
  const char* name;
};
constexpr NamedScenario kScenarios[] = {
    {ScenarioDeviation::kNone, "none"},
    {ScenarioDeviation::kUnknownUser, "unknown-user"},
    {ScenarioDeviation::kReplayAuthenticate, "replay-authenticate"},
    {ScenarioDeviation::kAuthenticateTwice, "authenticate-twice"},
    {ScenarioDeviation::kReplaySealedMessage, "replay-sealed-message"},
    {ScenarioDeviation::kReorderSealedMessages, "reorder-sealed-messages"},
    {ScenarioDeviation::kAlterCiphertext, "alter-ciphertext"},
    {ScenarioDeviation::kAlterSignature, "alter-signature"},
};

struct NamedStage {
  Stage value;
  const char* name;
};
constexpr NamedStage kStages[] = {{Stage::kNegotiate, "negotiate"},
                                  {Stage::kAuthenticate, "authenticate"},
                                  {Stage::kSession1, "session-1"},
                                  {Stage::kSession2, "session-2"}};

struct NamedEpa {
  EpaSetting value;
  const char* name;
};
constexpr NamedEpa kEpa[] = {{EpaSetting::kOff, "off"},
                             {EpaSetting::kMic, "mic"},
                             {EpaSetting::kSpn, "spn"},
                             {EpaSetting::kCbt, "cbt"},
                             {EpaSetting::kAll, "all"}};

// A cell outcome: {"result": "accept"} or {"result": STATUS, "at": STAGE}.
bool ParseOutcome(const json& value, const std::string& key, JsonFields& r, Outcome& out) {
  if (!value.is_object()) return r.Fail(key, "must be an object {\"result\": ..., \"at\": ...}");
  std::string result;
  if (!r.String(value, key, "result", result, Need::kRequired)) return false;
  if (result == "accept") {
    out = Outcome{};
    return true;
  }
  auto status = ssp::StatusFromName(result);
  if (!status || *status == ssp::SecStatus::kOk) {
    return r.Fail(key + ".result", "'" + result + "' must be \"accept\" or an SSPI error name");
  }
  std::string at;
  if (!r.Find(value, "at")) return r.Fail(key + ".at", "missing for a refusal");
  if (!r.String(value, key, "at", at)) return false;
  auto stage = StageFromName(at);
  if (!stage) {
    return r.Fail(key + ".at",
                  "'" + at + "' must be negotiate, authenticate, session-1 or session-2");
  }
  out = Outcome{false, *status, *stage};
  return true;
}

// One catalogue file's text; `where` names it in errors.
struct CatalogueFile {
  std::filesystem::path where;
  std::string text;
};

std::optional<json> ParseJsonObject(const CatalogueFile& file, std::string& error) {
  json doc = json::parse(file.text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = file.where.string() + ": not a JSON object";
    return std::nullopt;
  }
  return doc;
}

std::optional<CatalogueFile> ReadCatalogueFile(const std::filesystem::path& path,
                                               std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path.string() + ": cannot be read";
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return CatalogueFile{path, buffer.str()};
}

bool ParseBaselines(const CatalogueFile& file, Catalogue& catalogue, std::string& error) {
  const std::filesystem::path& path = file.where;
  auto doc = ParseJsonObject(file, error);
  if (!doc) return false;
  JsonFields r(path.string(), error);
  auto list = doc->find("baselines");
  if (list == doc->end() || !list->is_array() || list->empty()) {
    return r.Fail("baselines", "must be a non-empty array");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& b = (*list)[i];
    const std::string key = "baselines[" + std::to_string(i) + "]";
    JsonFields rb(path.string() + ": " + key, error);
    if (!b.is_object()) return r.Fail(key, "must be an object");
    if (!rb.Known(b, "",
                  {"name", "description", "flags", "lm_compat_level", "send_mic", "target_name",
                   "channel_bindings", "anonymous", "negotiate_names"})) {
      return false;
    }
    Baseline base;
    if (!rb.String(b, "", "name", base.name, Need::kRequired) ||
        !rb.String(b, "", "description", base.description, Need::kRequired) ||
        !rb.FlagNames(b, "", "flags", base.flags) || !rb.Bool(b, "", "send_mic", base.send_mic) ||
        !rb.Bool(b, "", "target_name", base.target_name) ||
        !rb.Bool(b, "", "channel_bindings", base.channel_bindings) ||
        !rb.Bool(b, "", "anonymous", base.anonymous) ||
        !rb.Bool(b, "", "negotiate_names", base.negotiate_names)) {
      return false;
    }
    std::optional<int> lm;
    if (!rb.Int(b, "", "lm_compat_level", 0, 5, lm)) return false;
    if (lm) base.lm_compat_level = *lm;
    if (!names.insert(base.name).second) return rb.Fail("name", "'" + base.name + "' repeated");
    catalogue.baselines.push_back(std::move(base));
  }
  return true;
}

bool ParseVariation(const CatalogueFile& file, const Catalogue& catalogue, Variation& v,
                    std::string& error) {
  const std::filesystem::path& path = file.where;
  auto doc = ParseJsonObject(file, error);
  if (!doc) return false;
  JsonFields r(path.string(), error);
  if (!r.Known(*doc, "", {"name", "description", "baseline", "deviation", "expect", "notes"})) {
    return false;
  }
  v.file = path;
  if (!r.String(*doc, "", "name", v.name, Need::kRequired) ||
      !r.String(*doc, "", "description", v.description, Need::kRequired) ||
      !r.String(*doc, "", "baseline", v.baseline, Need::kRequired)) {
    return false;
  }
  if (v.name + ".json" != path.filename().string()) {
    return r.Fail("name", "'" + v.name + "' must equal the file name without .json");
  }
  if (!catalogue.FindBaseline(v.baseline)) {
    return r.Fail("baseline", "'" + v.baseline + "' is not in baselines.json");
  }
  std::string deviation;
  if (!r.String(*doc, "", "deviation", deviation)) return false;
  if (!deviation.empty()) {
    v.client_deviation_text = deviation;
    if (auto scenario = ScenarioDeviationFromName(deviation)) {
      v.scenario = *scenario;
    } else {
      auto parsed = ssp::ParseDeviation(deviation);
      if (!parsed.ok()) {
        return r.Fail("deviation", "'" + deviation +
                                       "' is neither a client deviation nor a scenario: " +
                                       parsed.error().reason);
      }
      v.client_deviation = *parsed;
    }
  }
  auto expect = doc->find("expect");
  if (expect == doc->end() || !expect->is_object()) return r.Fail("expect", "missing (an object)");
  JsonFields re(path.string() + ": expect", error);
  if (!re.Known(*expect, "",
                {"negotiate_meets", "authenticate_meets", "lm_refused_from", "when_met",
                 "when_anonymous_allowed", "epa", "why"})) {
    return false;
  }
  if (!re.FlagNames(*expect, "", "negotiate_meets", v.negotiate_meets) ||
      !re.FlagNames(*expect, "", "authenticate_meets", v.authenticate_meets) ||
      !re.String(*expect, "", "why", v.why, Need::kRequired)) {
    return false;
  }
  if (auto lm = expect->find("lm_refused_from"); lm != expect->end() && !lm->is_null()) {
    if (!lm->is_number_integer() || lm->get<int>() < 0 || lm->get<int>() > 5) {
      return re.Fail("lm_refused_from", "must be null or an integer 0..5");
    }
    v.lm_refused_from = lm->get<int>();
  }
  auto when_met = expect->find("when_met");
  if (when_met == expect->end()) return re.Fail("when_met", "missing");
  if (!ParseOutcome(*when_met, "when_met", re, v.when_met)) return false;
  if (auto anon = expect->find("when_anonymous_allowed"); anon != expect->end()) {
    Outcome o;
    if (!ParseOutcome(*anon, "when_anonymous_allowed", re, o)) return false;
    v.when_anonymous_allowed = o;
  }
  if (auto epa = expect->find("epa"); epa != expect->end()) {
    if (!epa->is_object()) return re.Fail("epa", "must be an object keyed by mic, spn, cbt, all");
    for (auto it = epa->begin(); it != epa->end(); ++it) {
      auto setting = EpaSettingFromName(it.key());
      if (!setting || *setting == EpaSetting::kOff) {
        return re.Fail("epa." + it.key(), "unknown EPA setting (mic, spn, cbt or all)");
      }
      Outcome o;
      if (!ParseOutcome(it.value(), "epa." + it.key(), re, o)) return false;
      v.epa[*setting] = o;
    }
  }
  return true;
}

// Baselines first, then each variation in `files` (sorted by file name);
// rows in baselines.json's order: each baseline as it is, then its deviations
// by name.
std::optional<Catalogue> ParseCatalogue(const std::string& source, const CatalogueFile& baselines,
                                        const std::vector<CatalogueFile>& files,
                                        std::string& error) {
  Catalogue catalogue;
  catalogue.source = source;
  if (!ParseBaselines(baselines, catalogue, error)) return std::nullopt;
  for (const auto& file : files) {
    Variation v;
    if (!ParseVariation(file, catalogue, v, error)) return std::nullopt;
    catalogue.variations.push_back(std::move(v));
  }
  auto rank = [&](const Variation& v) {
    size_t i = 0;
    while (i < catalogue.baselines.size() && catalogue.baselines[i].name != v.baseline) ++i;
    const bool deviates = v.client_deviation || v.scenario != ScenarioDeviation::kNone;
    return std::make_tuple(i, deviates, v.name);
  };
  std::stable_sort(catalogue.variations.begin(), catalogue.variations.end(),
                   [&](const Variation& a, const Variation& b) { return rank(a) < rank(b); });
  if (catalogue.variations.empty()) {
    error = source + ": no variation files";
    return std::nullopt;
  }
  return catalogue;
}

}  // namespace

const char* ScenarioDeviationName(ScenarioDeviation deviation) {
  for (const auto& s : kScenarios) {
    if (s.value == deviation) return s.name;
  }
  return "none";
}

std::optional<ScenarioDeviation> ScenarioDeviationFromName(const std::string& name) {
  for (const auto& s : kScenarios) {
    if (name == s.name && s.value != ScenarioDeviation::kNone) return s.value;
  }
  return std::nullopt;
}

const char* StageName(Stage stage) {
  for (const auto& s : kStages) {
    if (s.value == stage) return s.name;
  }
  return "?";
}

std::optional<Stage> StageFromName(const std::string& name) {
  for (const auto& s : kStages) {
    if (name == s.name) return s.value;
  }
  return std::nullopt;
}

std::string OutcomeText(const Outcome& outcome) {
  if (outcome.accept) return "accept";
  return ssp::StatusName(outcome.status) + "@" + StageName(outcome.at);
}

const char* EpaSettingName(EpaSetting setting) {
  for (const auto& e : kEpa) {
    if (e.value == setting) return e.name;
  }
  return "?";
}

std::optional<EpaSetting> EpaSettingFromName(const std::string& name) {
  for (const auto& e : kEpa) {
    if (name == e.name) return e.value;
  }
  return std::nullopt;
}

const Baseline* Catalogue::FindBaseline(const std::string& name) const {
  for (const auto& b : baselines) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

std::optional<Catalogue> LoadCatalogue(const std::filesystem::path& dir, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    error = dir.string() + ": not a folder (the variation catalogue, e.g. vectors/variations)";
    return std::nullopt;
  }
  auto baselines = ReadCatalogueFile(dir / "baselines.json", error);
  if (!baselines) return std::nullopt;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto& p = entry.path();
    if (p.extension() == ".json" && p.filename() != "baselines.json") paths.push_back(p);
  }
  std::sort(paths.begin(), paths.end());
  std::vector<CatalogueFile> files;
  for (const auto& path : paths) {
    auto file = ReadCatalogueFile(path, error);
    if (!file) return std::nullopt;
    files.push_back(std::move(*file));
  }
  return ParseCatalogue(dir.string(), *baselines, files, error);
}

std::optional<Catalogue> LoadBuiltInCatalogue(std::string& error) {
  const std::string prefix = "variations/";
  std::optional<CatalogueFile> baselines;
  std::vector<CatalogueFile> files;
  for (const auto& embedded : EmbeddedFiles()) {
    if (!embedded.path.starts_with(prefix)) continue;
    CatalogueFile file{std::filesystem::path("vectors") / embedded.path,
                       std::string(embedded.bytes)};
    if (embedded.path == prefix + "baselines.json") {
      baselines = std::move(file);
    } else {
      files.push_back(std::move(file));
    }
  }
  if (!baselines) {
    error = "built-in catalogue: no variations/baselines.json (a build without vectors/)";
    return std::nullopt;
  }
  return ParseCatalogue(kBuiltInCatalogueName, *baselines, files, error);
}

std::optional<Catalogue> LoadSelectedCatalogue(const std::optional<std::string>& dir,
                                               std::string& error) {
  if (dir) return LoadCatalogue(*dir, error);
  if (const char* env = std::getenv("NTLM_VARIATIONS"); env && *env) {
    return LoadCatalogue(env, error);
  }
  return LoadBuiltInCatalogue(error);
}

Outcome ExpectedOutcome(const Variation& v, const PolicyColumn& column) {
  const uint32_t required = column.min_server_sec & ssp::kMinSecKnownBits;
  if ((required & ~v.negotiate_meets) != 0) {
    return Outcome{false, ssp::SecStatus::kUnsupportedFunction, Stage::kNegotiate};
  }
  if ((required & ~v.authenticate_meets) != 0) {
    return Outcome{false, ssp::SecStatus::kUnsupportedFunction, Stage::kAuthenticate};
  }
  if (v.lm_refused_from && column.lm_compat_level >= *v.lm_refused_from) {
    return Outcome{false, ssp::SecStatus::kLogonDenied, Stage::kAuthenticate};
  }
  if (column.allow_anonymous && v.when_anonymous_allowed) return *v.when_anonymous_allowed;
  if (column.epa == EpaSetting::kOff) return v.when_met;
  if (auto it = v.epa.find(column.epa); it != v.epa.end()) return it->second;
  if (column.epa == EpaSetting::kAll) {
    // Not stated for "all": the first refusal among the single settings, in
    // the status table's order (MIC before target name before bindings).
    for (EpaSetting s : {EpaSetting::kMic, EpaSetting::kSpn, EpaSetting::kCbt}) {
      if (auto it = v.epa.find(s); it != v.epa.end() && !it->second.accept) return it->second;
    }
  }
  return v.when_met;
}

}  // namespace ntlm::harness
