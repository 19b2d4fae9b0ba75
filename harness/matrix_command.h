// matrix_command.h: `ntlmssp-harness matrix` (the main job) and the options
// it shares with `profile`.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/cell_runner.h"
#include "harness/config.h"
#include "harness/matrix.h"
#include "harness/matrix_report.h"

namespace ntlm::harness {

// Output and policy-selection options common to matrix and profile.
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

struct MatrixOptions {
  MatrixOutputOptions output;
  std::optional<std::string> catalogue_dir;
  std::vector<std::string> filters;  // --filter (glob or substring; any matches)
  std::optional<uint64_t> seed;
  bool deterministic = false;
  std::optional<std::string> clock;  // RFC 3339
};

// The policy columns the options select, or nullopt + `error` (exit 2).
std::optional<std::vector<PolicyColumn>> SelectColumns(const MatrixOutputOptions& options,
                                                       std::string& error);

// Writes --json/--junit/--html/--record outputs; false + message on err.
bool WriteReports(const MatrixRun& run, const ReportInfo& info, const MatrixOutputOptions& options,
                  std::ostream& out, std::ostream& err);

// Whether to colour the table on stdout.
bool UseColor(const std::string& mode);

// Exit code: 0 every cell as expected, 1 a difference, 2 usage or
// configuration error.
int RunMatrixCommand(const MatrixOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
