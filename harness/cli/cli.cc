#include "harness/cli/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <iterator>
#include <string>

#include "crypto/init.h"
#include "harness/cli/decode_command.h"
#include "harness/cli/matrix_command.h"
#include "harness/cli/probe_command.h"
#include "harness/cli/profile_command.h"
#include "harness/cli/replay_command.h"
#include "harness/cli/selfcheck_command.h"
#include "harness/cli/serve_command.h"

namespace ntlm::harness {
namespace {

// Names an unknown command instead of CLI11's "A subcommand is required".
bool IsKnownCommand(const std::string& name) {
  static const char* kCommands[] = {"decode",  "replay", "selfcheck", "matrix",
                                    "profile", "serve",  "probe"};
  return std::any_of(std::begin(kCommands), std::end(kCommands),
                     [&](const char* c) { return name == c; });
}

}  // namespace

int RunCli(int argc, char** argv) {
  CLI::App app{"ntlmssp-harness: a reference NTLMv2 SSP server and its test harness"};
  app.set_version_flag("--version", "ntlmssp-harness 0.1.0");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 all as expected, 1 a difference or failed check, 2 usage or malformed "
      "input, 3 environment error (e.g. OpenSSL legacy provider missing).");

  SelfcheckOptions selfcheck_options;
  DecodeOptions decode_options;
  ReplayCommandOptions replay_options;
  MatrixOptions matrix_options;
  ProfileOptions profile_options;
  ServeOptions serve_options;
  ProbeOptions probe_options;
  auto* selfcheck = AddSelfcheckCommand(app, selfcheck_options);
  auto* decode = AddDecodeCommand(app, decode_options);
  auto* replay = AddReplayCommand(app, replay_options);
  auto* matrix = AddMatrixCommand(app, matrix_options);
  auto* profile = AddProfileCommand(app, profile_options);
  auto* serve = AddServeCommand(app, serve_options);
  auto* probe = AddProbeCommand(app, probe_options);

  if (argc > 1 && argv[1][0] != '-' && !IsKnownCommand(argv[1])) {
    std::cerr
        << "ntlmssp-harness: unknown command '" << argv[1]
        << "' (expected matrix, profile, serve, probe, decode, replay or selfcheck; see --help)\n";
    return kExitUsage;
  }
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
  if (decode->parsed()) return RunDecodeCommand(decode_options, std::cin, std::cout, std::cerr);
  if (replay->parsed()) return RunReplayCommand(replay_options, std::cout, std::cerr);
  if (matrix->parsed()) return RunMatrixCommand(matrix_options, std::cout, std::cerr);
  if (profile->parsed()) return RunProfileCommand(profile_options, std::cout, std::cerr);
  if (serve->parsed()) return RunServeCommand(serve_options, std::cout, std::cerr);
  if (probe->parsed()) return RunProbeCommand(probe_options, std::cout, std::cerr);
  if (selfcheck->parsed()) {
    return RunSelfcheckCommand(selfcheck_options, std::cout, std::cerr);
  }
  return kExitOk;
}

int RunServeOnlyCli(int argc, char** argv, const std::string& program, const std::string& notice) {
  CLI::App app{program + ": the serve command only"};
  app.require_subcommand(1);
  ServeOptions options;
  AddServeCommand(app, options);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  const auto& init = crypto::Initialize();
  if (!init.ok) {
    std::cerr << program << ": " << init.message << "\n";
    return kExitEnvironment;
  }
  std::cerr << program << ": " << notice << "\n";
  return RunServeCommand(options, std::cout, std::cerr);
}

}  // namespace ntlm::harness
