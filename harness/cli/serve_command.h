// serve_command.h: `ntlmssp-harness serve` — the reference server on the
// network (HTTP NTLM/Negotiate, and DCE/RPC when that front is built in).
#pragma once

#include <cstddef>
#include <ostream>
#include <string>

namespace CLI {
class App;
}

namespace ntlm::harness {

struct ServeOptions {
  std::string http_address;               // --http ADDR:PORT
  std::string rpc_address;                // --rpc ADDR:PORT
  std::string smb_address;                // --smb ADDR:PORT
  std::string smb_signing = "enabled";    // --smb-signing enabled|required
  std::string smb_encryption = "off";     // --smb-encryption off|desired|required
  std::string smb_max_dialect = "3.1.1";  // --smb-max-dialect
  std::string config_path;                // --config FILE (harness/config.h)
  std::string users_path;                 // --users FILE (else $NTLM_USER_FILE)
  std::string min_server_sec;
  int lm_compat_level = -1;  // -1: the policy default
  bool require_mic = false;
  std::string target_name;
  std::string record_dir;
  std::string pcap_path;  // --pcap FILE
  std::string log_path;
  double idle_timeout_s = 10;
  double handshake_timeout_s = 15;
  size_t max_connections = 1024;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  unsigned threads = 0;  // --threads N; 0: the number of cores (at least 1)
};

// The default HTTP listener when neither --http, --rpc nor --smb is given.
inline constexpr const char* kDefaultHttpAddress = "127.0.0.1:8080";

// Registers serve's options on its subcommand.
CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options);

// Listens, prints "listening <front> <ADDR:PORT>" per front on `out`, logs to
// `err` (or --log), serves until SIGINT/SIGTERM. Exit code: 0 clean shutdown,
// 2 usage or configuration error, 3 environment error (e.g. the address is
// in use; the message names it).
int RunServeCommand(const ServeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
