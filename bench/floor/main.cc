// ntlmssp-serve-floor: the pass-through floor of scripts/bench-servers.sh
// (issue 16). The same `serve` command, options and fronts as
// ntlmssp-harness, linked with ssp/server_context.cc compiled with
// NTLM_BENCH_PASSTHROUGH_FLOOR: NEGOTIATE gets the usual CHALLENGE, any
// well-formed AUTHENTICATE is accepted with no response verification, no key
// derivation, no MIC (see bench/RESULTS.md, "The pass-through floor"). A
// benchmark build only: it is never installed, and ntlmssp-harness cannot
// switch to it (there is no flag; the definition exists only in this target).
#include <CLI/CLI.hpp>
#include <iostream>

#include "crypto/init.h"
#include "harness/cli/cli.h"
#include "harness/cli/serve_command.h"

int main(int argc, char** argv) {
  namespace h = ntlm::harness;
  CLI::App app{"ntlmssp-serve-floor: serve with a pass-through authenticator (benchmark only)"};
  app.require_subcommand(1);
  h::ServeOptions options;
  AddServeCommand(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? h::kExitOk : h::kExitUsage;
  }
  const auto& init = ntlm::crypto::Initialize();
  if (!init.ok) {
    std::cerr << "ntlmssp-serve-floor: " << init.message << "\n";
    return h::kExitEnvironment;
  }
  std::cerr << "ntlmssp-serve-floor: PASS-THROUGH FLOOR: any password is accepted; a benchmark "
               "build, not a server\n";
  return RunServeCommand(options, std::cout, std::cerr);
}
