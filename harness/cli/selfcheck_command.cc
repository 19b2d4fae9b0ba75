#include "harness/cli/selfcheck_command.h"

#include <CLI/CLI.hpp>

#include "harness/cli/cli.h"

namespace ntlm::harness {

CLI::App* AddSelfcheckCommand(CLI::App& app, SelfcheckOptions& options) {
  auto* selfcheck = app.add_subcommand(
      "selfcheck",
      "Recompute every MS-NLMP 4.2 example value with this build and compare with the vectors");
  selfcheck->add_option("--vectors", options.vectors_path,
                        "Vector file (default: the built-in vectors/ms-nlmp-4.2.json)");
  selfcheck->add_flag("-v,--verbose", options.verbose, "Print every value");
  return selfcheck;
}

int RunSelfcheckCommand(const SelfcheckOptions& options, std::ostream& out, std::ostream& err) {
  out << "OpenSSL providers: default + legacy loaded (MD4, RC4, DES available)\n";
  return ExitCode(RunSelfcheck(options, out, err));
}

}  // namespace ntlm::harness
