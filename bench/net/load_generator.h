// load_generator.h: `ntlmssp-net-bench --target URL ...`, a load generator a
// user points at any NTLM server (IIS, Apache, Samba, `serve`): N client
// threads, each doing fresh logons (a new TCP connection per logon) for a
// fixed duration, reporting logons/s, p50/p99 latency and, for a local server
// process given with --server-pid, its CPU per logon (utime + stime of
// /proc/PID/stat). Targets outside loopback are refused unless --allow-remote.
// Every loop is bounded: by the duration, and each step by a timeout.
//
// Targets: http://HOST:PORT/PATH (fresh NTLM logons over HTTP),
// ncacn_ip_tcp:HOST[PORT] (fresh bind + auth3 at packet privacy, then --calls
// sealed echo calls of --call-bytes stub bytes to serve's echo interface) and
// smb://HOST[:PORT] (fresh NEGOTIATE 3.1.1 + SPNEGO/NTLM SESSION_SETUP, then
// --calls ECHOs signed with the session's key, then a signed LOGOFF).
// The server's CPU counts its threads and its exited, reaped children
// (cutime + cstime: a server forking a process per connection, as smbd does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace ntlm::bench {

struct LoadOptions {
  std::string target;  // http://HOST:PORT/PATH
  std::string user;    // USER (from DOMAIN\USER)
  std::string domain;  // DOMAIN
  std::string password;
  int connections = 1;    // 1..1024
  double duration_s = 5;  // (0, 3600]
  int server_pid = 0;     // 0: none
  // Calls after each logon: DCE/RPC sealed echo calls (default 1), SMB signed
  // ECHOs (default 0); HTTP has none.
  std::optional<int> calls_per_logon;
  std::optional<size_t> call_bytes;  // DCE/RPC: stub bytes of each call (default 64)
  bool allow_remote = false;
  bool json = false;
};

// True when `args` (argv without the program name) ask for the load generator.
bool WantsLoadGenerator(const std::vector<std::string>& args);
// The options, or nullopt with `error` naming the option that is wrong.
std::optional<LoadOptions> ParseLoadOptions(const std::vector<std::string>& args,
                                            std::string& error);

struct LoadReport {
  uint64_t logons = 0;  // accepted logons finished within the duration
  uint64_t failures = 0;
  uint64_t calls = 0;  // sealed calls (DCE/RPC) or signed ECHOs (SMB) answered
  uint64_t bytes = 0;  // DCE/RPC: the calls' stub bytes, both directions
  std::string first_failure;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
  std::optional<double> server_cpu_us_per_logon;  // with --server-pid
  std::optional<double> server_cpu_us_per_call;   // with --server-pid and calls
};

// Runs the load; nullopt with `error` for a target it refuses (not loopback
// without --allow-remote, an unsupported scheme, an unreadable server pid).
std::optional<LoadReport> RunLoad(const LoadOptions& options, std::string& error);
void PrintLoadReport(const LoadOptions& options, const LoadReport& report, std::ostream& out);

// main() of the load generator: exit 0 done, 1 every logon failed, 2 usage.
int LoadGeneratorMain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace ntlm::bench
