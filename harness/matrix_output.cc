#include "harness/matrix_output.h"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/matrix_html.h"
#include "harness/min_server_sec.h"

namespace ntlm::harness {
namespace {

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

bool MatchesFilters(const std::string& name, const std::vector<std::string>& filters) {
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

std::optional<std::vector<PolicyColumn>> SelectColumns(const MatrixOutputOptions& options,
                                                       std::string& error) {
  std::vector<uint32_t> values;
  if (options.policies.empty()) {
    values = AllMinServerSecValues();
  } else {
    for (const auto& list : options.policies) {
      for (const auto& part : SplitList(list)) {
        if (part == "every") {
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

bool TableToStdout(const MatrixOutputOptions& options) {
  return !(options.json_path && *options.json_path == "-") &&
         !(options.junit_path && *options.junit_path == "-") &&
         !(options.html_path && *options.html_path == "-");
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

}  // namespace ntlm::harness
