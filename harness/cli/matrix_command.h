// matrix_command.h: `ntlmssp-harness matrix`, the main job: every client
// variation of the catalogue against the in-process server under every
// NtlmMinServerSec combination, compared with the catalogue's expectations.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/matrix_output.h"

namespace CLI {
class App;
}

namespace ntlm::harness {

struct MatrixOptions {
  MatrixOutputOptions output;
  std::optional<std::string> catalogue_dir;
  std::vector<std::string> filters;  // --filter (glob or substring; any matches)
  std::optional<uint64_t> seed;
  bool deterministic = false;
  std::optional<std::string> clock;  // RFC 3339
  std::string transport = "inproc";  // --transport inproc|http|rpc|smb
};

// The policy-selection and report options of matrix and profile.
void AddMatrixOutputOptions(CLI::App& app, MatrixOutputOptions& options);

CLI::App* AddMatrixCommand(CLI::App& app, MatrixOptions& options);

int RunMatrixCommand(const MatrixOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
