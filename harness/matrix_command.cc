#include "harness/matrix_command.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/cli.h"
#include "harness/min_server_sec.h"

namespace ntlm::harness {
namespace {

// The fixed clock of --deterministic.
constexpr const char* kDeterministicClock = "2026-01-01T00:00:00Z";

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : text) {
    if (c == ',') {
      parts.push_back(cur);
      cur.clear();
    } else if (c != ' ') {
      cur += c;
    }
  }
  parts.push_back(cur);
  return parts;
}

std::optional<std::vector<int>> ParseLevels(const std::string& text, std::string& error) {
  std::set<int> levels;
  for (const auto& part : SplitList(text)) {
    auto one = [&](const std::string& s, int& out) {
      if (s.size() != 1 || s[0] < '0' || s[0] > '5') return false;
      out = s[0] - '0';
      return true;
    };
    if (auto dots = part.find(".."); dots != std::string::npos) {
      int lo = 0, hi = 0;
      if (!one(part.substr(0, dots), lo) || !one(part.substr(dots + 2), hi) || lo > hi) {
        error = "--lm-compat: '" + part + "' must be a range like 0..5";
        return std::nullopt;
      }
      for (int l = lo; l <= hi; ++l) levels.insert(l);
    } else {
      int l = 0;
      if (!one(part, l)) {
        error = "--lm-compat: '" + part + "' must be a level 0..5";
        return std::nullopt;
      }
      levels.insert(l);
    }
  }
  return std::vector<int>(levels.begin(), levels.end());
}

std::optional<std::vector<EpaSetting>> ParseEpa(const std::string& text, std::string& error) {
  if (text == "every") {
    return std::vector<EpaSetting>{EpaSetting::kOff, EpaSetting::kMic, EpaSetting::kSpn,
                                   EpaSetting::kCbt, EpaSetting::kAll};
  }
  std::vector<EpaSetting> out;
  for (const auto& part : SplitList(text)) {
    auto s = EpaSettingFromName(part);
    if (!s) {
      error = "--epa: '" + part + "' must be off, mic, spn, cbt, all (or 'every' for all five)";
      return std::nullopt;
    }
    if (std::find(out.begin(), out.end(), *s) == out.end()) out.push_back(*s);
  }
  return out;
}

bool Matches(const std::string& name, const std::vector<std::string>& filters) {
  if (filters.empty()) return true;
  for (const auto& f : filters) {
    for (const auto& pattern : SplitList(f)) {
      if (pattern.empty()) continue;
      const bool glob = pattern.find_first_of("*?[") != std::string::npos;
      if (glob ? fnmatch(pattern.c_str(), name.c_str(), 0) == 0
               : name.find(pattern) != std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

ssp::FileTime NowFileTime() {
  const auto since_epoch = std::chrono::system_clock::now().time_since_epoch();
  const auto ticks = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch).count();
  return ssp::kFileTimeUnixEpoch + static_cast<uint64_t>(ticks) * 10;
}

bool WriteFile(const std::string& path, const std::string& content, std::ostream& out,
               std::ostream& err) {
  if (path == "-") {
    out << content;
    return true;
  }
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
  f.close();
  if (!f) {
    err << "ntlmssp-harness: cannot write " << path << "\n";
    return false;
  }
  return true;
}

}  // namespace

std::optional<std::vector<PolicyColumn>> SelectColumns(const MatrixOutputOptions& options,
                                                       std::string& error) {
  std::vector<uint32_t> values;
  if (options.policies.empty()) {
    values = AllMinServerSecValues();
  } else {
    for (const auto& list : options.policies) {
      for (const auto& part : SplitList(list)) {
        if (part == "all") {
          for (uint32_t v : AllMinServerSecValues()) values.push_back(v);
          continue;
        }
        std::string why;
        auto v = ParseMinServerSec(part, why);
        if (!v) {
          error = "--policy: " + why;
          return std::nullopt;
        }
        values.push_back(*v);
      }
    }
  }
  // Keep the first occurrence of each value.
  std::vector<uint32_t> unique;
  for (uint32_t v : values) {
    if (std::find(unique.begin(), unique.end(), v) == unique.end()) unique.push_back(v);
  }
  auto levels = ParseLevels(options.lm_compat, error);
  if (!levels) return std::nullopt;
  auto epa = ParseEpa(options.epa, error);
  if (!epa) return std::nullopt;
  std::vector<PolicyColumn> columns;
  for (EpaSetting e : *epa) {
    for (int level : *levels) {
      for (uint32_t v : unique) columns.push_back(PolicyColumn{v, level, e});
    }
  }
  return columns;
}

bool UseColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  if (std::getenv("NO_COLOR")) return false;
  return isatty(STDOUT_FILENO) != 0;
}

bool WriteReports(const MatrixRun& run, const ReportInfo& info, const MatrixOutputOptions& options,
                  std::ostream& out, std::ostream& err) {
  bool ok = true;
  if (options.json_path) {
    ok &= WriteFile(*options.json_path, MatrixJson(run, info).dump(2) + "\n", out, err);
  }
  if (options.junit_path) {
    std::ostringstream s;
    WriteJUnit(run, info, s);
    ok &= WriteFile(*options.junit_path, s.str(), out, err);
  }
  if (options.html_path) {
    std::ostringstream s;
    WriteHtml(run, info, s);
    ok &= WriteFile(*options.html_path, s.str(), out, err);
  }
  if (options.record_dir) {
    std::string error;
    if (!RecordCells(run, *options.record_dir, error)) {
      err << "ntlmssp-harness: --record: " << error << "\n";
      ok = false;
    }
  }
  return ok;
}

int RunMatrixCommand(const MatrixOptions& options, std::ostream& out, std::ostream& err) {
  std::string error;
  auto columns = SelectColumns(options.output, error);
  if (!columns) {
    err << "ntlmssp-harness matrix: " << error << "\n";
    return kExitUsage;
  }
  auto config =
      LoadServerConfig(options.output.config_path, ConfigOverrides{}, ProcessEnvironment(), error);
  if (!config) {
    err << "ntlmssp-harness matrix: " << error << "\n";
    return kExitUsage;
  }
  const std::filesystem::path dir =
      options.catalogue_dir ? std::filesystem::path(*options.catalogue_dir) : DefaultCatalogueDir();
  auto catalogue = LoadCatalogue(dir, error);
  if (!catalogue) {
    err << "ntlmssp-harness matrix: catalogue: " << error << "\n";
    return kExitUsage;
  }
  std::vector<const Variation*> selected;
  for (const auto& v : catalogue->variations) {
    if (Matches(v.name, options.filters)) selected.push_back(&v);
  }
  if (selected.empty()) {
    err << "ntlmssp-harness matrix: --filter matches none of the " << catalogue->variations.size()
        << " variations in " << dir.string() << "\n";
    return kExitUsage;
  }

  CellEnvironment env;
  env.identity = config->identity;
  env.base_policy = config->policy;
  if (options.deterministic) env.seed = 0;
  if (options.seed) env.seed = options.seed;
  std::optional<std::string> clock = options.clock;
  if (!clock && env.seed) clock = kDeterministicClock;
  if (clock) {
    auto t = ParseRfc3339(*clock);
    if (!t) {
      err << "ntlmssp-harness matrix: --clock: '" << *clock
          << "' is not an RFC 3339 time (e.g. 2026-01-01T00:00:00Z)\n";
      return kExitUsage;
    }
    env.now = *t;
  } else {
    env.now = NowFileTime();
  }

  MatrixRun run = RunMatrix(*catalogue, selected, *columns, env);
  run.catalogue_dir = dir.string();
  const bool table_to_stdout = !(options.output.json_path && *options.output.json_path == "-") &&
                               !(options.output.junit_path && *options.output.junit_path == "-") &&
                               !(options.output.html_path && *options.output.html_path == "-");
  if (table_to_stdout) PrintMatrixTable(run, out, UseColor(options.output.color));
  if (!WriteReports(run, ReportInfo{}, options.output, out, err)) return kExitUsage;
  return run.failed == 0 ? kExitOk : kExitDifference;
}

}  // namespace ntlm::harness
