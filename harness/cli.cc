#include "harness/cli.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "crypto/init.h"
#include "harness/decode.h"
#include "harness/replay_command.h"
#include "harness/selfcheck.h"
#include "harness/serve_command.h"

namespace ntlm::harness {

int RunCli(int argc, char** argv) {
  CLI::App app{"ntlmssp-harness: a reference NTLMv2 SSP server and its test harness"};
  app.set_version_flag("--version", "ntlmssp-harness 0.1.0");
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 all as expected, 1 a difference or failed check, 2 usage or malformed "
      "input, 3 environment error (e.g. OpenSSL legacy provider missing).");

  SelfcheckOptions selfcheck_options;
  auto* selfcheck = app.add_subcommand(
      "selfcheck",
      "Recompute every MS-NLMP 4.2 example value with this build and compare with the vectors");
  selfcheck->add_option("--vectors", selfcheck_options.vectors_path,
                        "Vector file (default: vectors/ms-nlmp-4.2.json)");
  selfcheck->add_flag("-v,--verbose", selfcheck_options.verbose, "Print every value");

  DecodeOptions decode_options;
  auto* decode = app.add_subcommand(
      "decode",
      "Dissect an NTLMSSP token (argument, file or stdin; raw, base64, hex, a header line, "
      "SPNEGO-wrapped, or a whole transcript); exit 0 ok, 1 a check failed, 2 malformed input");
  decode->add_option("token", decode_options.token,
                     "Token text, a file holding it, or '-' for stdin (default)");
  decode->add_option("--negotiate", decode_options.negotiate,
                     "The NEGOTIATE of the exchange (to check the MIC)");
  decode->add_option("--challenge", decode_options.challenge,
                     "The CHALLENGE the AUTHENTICATE answers (to check responses and keys)");
  decode->add_option("--password", decode_options.password, "The user's password");
  decode->add_option("--nt-hash", decode_options.nt_hash, "The user's NT hash (32 hex digits)");
  decode->add_option("--user", decode_options.user,
                     "User name for the keys (default: the token's)");
  decode->add_option("--domain", decode_options.domain,
                     "Domain for the keys (default: the token's)");
  decode->add_flag("--json", decode_options.json, "JSON output (Wireshark field names as keys)");

  ReplayCommandOptions replay_options;
  auto* replay = app.add_subcommand(
      "replay",
      "Play the server side of transcripts (files or folders) and compare with their expect; "
      "exit 0 all match, 1 a difference, 2 an invalid transcript");
  replay->add_option("paths", replay_options.paths, "Transcript files or folders")->required();
  replay->add_option("--json", replay_options.json_path,
                     "Write one JSON object per transcript (JSON Lines) to FILE, '-' for stdout");
  replay->add_flag("-v,--verbose", replay_options.verbose, "Print the server's log events");

  ServeOptions serve_options;
  auto* serve = app.add_subcommand(
      "serve",
      "Run the reference server on the network (HTTP NTLM/Negotiate, DCE/RPC) until "
      "SIGINT/SIGTERM; exit 0 clean shutdown, 2 usage/configuration, 3 environment (address "
      "in use)");
  AddServeOptions(*serve, serve_options);

  // Name an unknown command instead of CLI11's "A subcommand is required".
  if (argc > 1 && argv[1][0] != '-' && std::string(argv[1]) != "decode" &&
      std::string(argv[1]) != "replay" && std::string(argv[1]) != "selfcheck" &&
      std::string(argv[1]) != "serve") {
    std::cerr << "ntlmssp-harness: unknown command '" << argv[1]
              << "' (expected decode, replay, selfcheck or serve; see --help)\n";
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
  if (serve->parsed()) return RunServeCommand(serve_options, std::cout, std::cerr);
  if (selfcheck->parsed()) {
    std::cout << "OpenSSL providers: default + legacy loaded (MD4, RC4, DES available)\n";
    return RunSelfcheck(selfcheck_options, argv[0], std::cout, std::cerr);
  }
  return kExitOk;
}

}  // namespace ntlm::harness
