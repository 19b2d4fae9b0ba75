#include "harness/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <iterator>
#include <string>

#include "crypto/init.h"
#include "harness/decode.h"
#include "harness/matrix_command.h"
#include "harness/probe.h"
#include "harness/profile.h"
#include "harness/replay_command.h"
#include "harness/selfcheck.h"
#include "harness/serve_command.h"

namespace ntlm::harness {
namespace {

// The policy-selection and report options of matrix and profile.
void AddMatrixOutputOptions(CLI::App& app, MatrixOutputOptions& o) {
  app.add_option("--policy", o.policies,
                 "NtlmMinServerSec columns: values as hex (0x20080030) or flag names "
                 "(SEAL|128|ESS), comma-separated or repeated; 'all' = the 16 combinations "
                 "(default)");
  app.add_option("--lm-compat", o.lm_compat,
                 "Server LmCompatibilityLevel(s) to cross with: 3 (default), 0..5, 0,3,5");
  app.add_option("--epa", o.epa,
                 "EPA settings to cross with: off (default), mic, spn, cbt, all, or every");
  app.add_option("--json", o.json_path, "Write the JSON report to FILE ('-': stdout)");
  app.add_option("--junit", o.junit_path, "Write a JUnit XML report (one testcase per cell)");
  app.add_option("--html", o.html_path,
                 "Write one self-contained HTML page; each cell opens its exchange");
  app.add_option("--record", o.record_dir, "Write every cell as a transcript into DIR");
  app.add_option("--config", o.config_path,
                 "Server configuration (JSON: identity, policy, accounts; see README)");
  app.add_option("--color", o.color, "Colour the table: auto (default), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
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

  MatrixOptions matrix_options;
  auto* matrix = app.add_subcommand(
      "matrix",
      "The main job: every client variation of the catalogue against the in-process server "
      "under every NtlmMinServerSec combination, compared with the catalogue's expectations; "
      "exit 0 all as expected, 1 a difference, 2 usage or configuration error");
  matrix->add_option("--catalogue", matrix_options.catalogue_dir,
                     "Variation folder (default: $NTLM_VARIATIONS or vectors/variations)");
  matrix->add_option("--filter", matrix_options.filters,
                     "Only variations whose name matches (glob, or substring; comma-separated "
                     "or repeated)");
  matrix->add_option("--seed", matrix_options.seed,
                     "Reproducible run: every random byte from this seed, clock fixed at "
                     "2026-01-01T00:00:00Z unless --clock");
  matrix->add_flag("--deterministic", matrix_options.deterministic, "Same as --seed 0");
  matrix->add_option("--clock", matrix_options.clock,
                     "Server and client clock, RFC 3339 (default: now)");
  AddMatrixOutputOptions(*matrix, matrix_options.output);

  ProfileOptions profile_options;
  profile_options.output.lm_compat = "0..5";
  auto* profile = app.add_subcommand(
      "profile",
      "Which of my clients break if I set this policy? Replays transcripts recorded from real "
      "clients under every NtlmMinServerSec value and LmCompatibilityLevel 0..5 and shows which "
      "accept each one and, for the rest, what is missing; exit 0, or 2 for unreadable input");
  profile->add_option("paths", profile_options.paths, "Transcript files or folders")->required();
  AddMatrixOutputOptions(*profile, profile_options.output);

  ServeOptions serve_options;
  auto* serve = app.add_subcommand(
      "serve",
      "Run the reference server on the network (HTTP NTLM/Negotiate, DCE/RPC) until "
      "SIGINT/SIGTERM; exit 0 clean shutdown, 2 usage/configuration, 3 environment (address "
      "in use)");
  AddServeOptions(*serve, serve_options);

  ProbeOptions probe_options;
  auto* probe = app.add_subcommand(
      "probe",
      "Play the client-variation catalogue against a real HTTP NTLM server or DCE/RPC server "
      "(NTLMSSP bind to the echo interface, signed/sealed echo calls) and infer its "
      "NtlmMinServerSec / LmCompatibilityLevel; exit 0 a policy explains every answer, 1 none "
      "does, 2 usage, 3 the target is unreachable");
  probe
      ->add_option("target", probe_options.target,
                   "http://HOST:PORT/PATH or ncacn_ip_tcp:HOST[PORT] (HOST may be [::1])")
      ->required();
  probe->add_option("--user", probe_options.user, "Account the server knows")->required();
  probe->add_option("--domain", probe_options.domain, "Its domain");
  probe->add_option("--password", probe_options.password,
                    "Its password (or set NTLM_PROBE_PASSWORD)");
  probe->add_option("--workstation", probe_options.workstation,
                    "Workstation name sent (default PROBE)");
  probe->add_option("--filter", probe_options.filters, "Only matching variations (glob/substring)");
  probe->add_option("--catalogue", probe_options.catalogue_dir, "Variation folder");
  probe->add_option("--json", probe_options.json_path, "Write the observations as JSON to FILE");
  probe->add_option("--timeout", probe_options.timeout_s,
                    "Seconds allowed for each connect, send and receive (default 10)");
  probe->add_option("--interface", probe_options.interface_name,
                    "DCE/RPC interface to call: harness (default) or rpcecho (Samba's)");

  // Name an unknown command instead of CLI11's "A subcommand is required".
  static const char* kCommands[] = {"decode",  "replay", "selfcheck", "matrix",
                                    "profile", "serve",  "probe"};
  if (argc > 1 && argv[1][0] != '-' &&
      std::none_of(std::begin(kCommands), std::end(kCommands),
                   [&](const char* c) { return std::string(argv[1]) == c; })) {
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
    std::cout << "OpenSSL providers: default + legacy loaded (MD4, RC4, DES available)\n";
    return RunSelfcheck(selfcheck_options, argv[0], std::cout, std::cerr);
  }
  return kExitOk;
}

}  // namespace ntlm::harness
