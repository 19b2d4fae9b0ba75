#include "harness/cli/probe_command.h"

#include <CLI/CLI.hpp>

#include "harness/cli/cli.h"

namespace ntlm::harness {

CLI::App* AddProbeCommand(CLI::App& app, ProbeOptions& options) {
  auto* probe = app.add_subcommand(
      "probe",
      "Play the client-variation catalogue against a real HTTP NTLM server, DCE/RPC server "
      "(NTLMSSP bind to the echo interface, signed/sealed echo calls) or SMB2/3 server (SPNEGO "
      "session setups) and infer its "
      "NtlmMinServerSec / LmCompatibilityLevel; exit 0 a policy explains every answer, 1 none "
      "does, 2 usage, 3 the target is unreachable");
  probe
      ->add_option(
          "target", options.target,
          "http://HOST:PORT/PATH, ncacn_ip_tcp:HOST[PORT], ncacn_ip_tcp:HOST (the port "
          "from HOST's endpoint mapper, port 135) or smb://HOST[:PORT] (HOST may be [::1])")
      ->required();
  probe->add_option("--user", options.user, "Account the server knows")->required();
  probe->add_option("--domain", options.domain, "Its domain");
  probe->add_option("--password", options.password, "Its password (or set NTLM_PROBE_PASSWORD)");
  probe->add_option("--workstation", options.workstation, "Workstation name sent (default PROBE)");
  probe->add_option("--filter", options.filters, "Only matching variations (glob/substring)");
  probe->add_option("--catalogue", options.catalogue_dir,
                    "Variation folder (default: $NTLM_VARIATIONS, else the built-in catalogue)");
  probe->add_option("--json", options.json_path, "Write the observations as JSON to FILE");
  probe->add_option("--html", options.html_path,
                    "Write the answers and the verdict as one HTML page to FILE");
  probe->add_option("--timeout", options.timeout_s,
                    "Seconds allowed for each connect, send and receive (default 10)");
  probe->add_option("--interface", options.interface_name,
                    "DCE/RPC interface to call: harness (default), rpcecho (Samba's), lsarpc "
                    "(OpenPolicy2), samr (Connect2) or epmapper (ept_map)");
  probe->add_option("--smb-dialect", options.smb_dialect,
                    "SMB: the one dialect the NEGOTIATE offers: 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1 "
                    "(default; with the preauth integrity and signing contexts)");
  return probe;
}

int RunProbeCommand(const ProbeOptions& options, std::ostream& out, std::ostream& err) {
  return ExitCode(RunProbe(options, out, err));
}

}  // namespace ntlm::harness
