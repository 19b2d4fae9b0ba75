#include "harness/cli/decode_command.h"

#include <CLI/CLI.hpp>

#include "harness/cli/cli.h"

namespace ntlm::harness {

CLI::App* AddDecodeCommand(CLI::App& app, DecodeOptions& options) {
  auto* decode = app.add_subcommand(
      "decode",
      "Dissect an NTLMSSP token (argument, file or stdin; raw, base64, hex, a header line, "
      "SPNEGO-wrapped, or a whole transcript); exit 0 ok, 1 a check failed, 2 malformed input");
  decode->add_option("token", options.token,
                     "Token text, a file holding it, or '-' for stdin (default)");
  decode->add_option("--negotiate", options.negotiate,
                     "The NEGOTIATE of the exchange (to check the MIC)");
  decode->add_option("--challenge", options.challenge,
                     "The CHALLENGE the AUTHENTICATE answers (to check responses and keys)");
  decode->add_option("--password", options.password, "The user's password");
  decode->add_option("--nt-hash", options.nt_hash, "The user's NT hash (32 hex digits)");
  decode->add_option("--user", options.user, "User name for the keys (default: the token's)");
  decode->add_option("--domain", options.domain, "Domain for the keys (default: the token's)");
  decode->add_flag("--json", options.json, "JSON output (Wireshark field names as keys)");
  return decode;
}

int RunDecodeCommand(const DecodeOptions& options, std::istream& in, std::ostream& out,
                     std::ostream& err) {
  return ExitCode(DecodeInput(options, in, out, err));
}

}  // namespace ntlm::harness
