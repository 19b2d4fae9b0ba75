// matrix_output.h: the policy columns and report outputs that matrix and
// profile share (--policy, --lm-compat, --epa, --json, --junit, --html,
// --record, --color).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/cell_runner.h"
#include "harness/matrix.h"
#include "harness/matrix_report.h"

namespace ntlm::harness {

struct MatrixOutputOptions {
  std::vector<std::string> policies;  // --policy (each: list of values or "all")
  std::string lm_compat = "3";        // --lm-compat "3", "0..5", "0,3,5"
  std::string epa = "off";            // --epa "off", "mic,spn", "every"
  std::optional<std::string> json_path;
  std::optional<std::string> junit_path;
  std::optional<std::string> html_path;
  std::optional<std::string> record_dir;
  std::optional<std::string> config_path;
  std::string color = "auto";  // auto, always, never
};

// "a,b, c" -> {"a", "b", "c"} (spaces dropped).
std::vector<std::string> SplitList(const std::string& text);

// Whether `name` matches any filter (glob, or substring; each filter a list).
bool MatchesFilters(const std::string& name, const std::vector<std::string>& filters);

std::optional<std::vector<PolicyColumn>> SelectColumns(const MatrixOutputOptions& options,
                                                       std::string& error);

// Whether the table goes to stdout (no report was asked for on '-').
bool TableToStdout(const MatrixOutputOptions& options);

bool WriteReports(const MatrixRun& run, const ReportInfo& info, const MatrixOutputOptions& options,
                  std::ostream& out, std::ostream& err);

bool UseColor(const std::string& mode);

}  // namespace ntlm::harness
