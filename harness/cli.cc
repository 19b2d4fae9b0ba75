#include "harness/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "crypto/init.h"

namespace ntlm::harness {

int RunCli(int argc, char** argv) {
  CLI::App app{"ntlmssp-harness: a reference NTLMv2 SSP server and its test harness"};
  app.set_version_flag("--version", "ntlmssp-harness 0.1.0");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 all as expected, 1 a difference or failed check, 2 usage or malformed "
      "input, 3 environment error (e.g. OpenSSL legacy provider missing).");

  auto* selfcheck = app.add_subcommand("selfcheck", "Check that the crypto providers load");
  (void)selfcheck;

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }

  const auto& init = crypto::Initialize();
  if (!init.ok) {
    std::cerr << "ntlmssp-harness: " << init.message << "\n";
    return kExitEnvironment;
  }
  return kExitOk;
}

}  // namespace ntlm::harness
