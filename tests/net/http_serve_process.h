// http_serve_process.h: helpers of the serve end-to-end tests — the real
// ntlmssp-harness (NTLM_HARNESS_BIN) as a child process on an ephemeral
// loopback port, commands run with a time bound, and a raw TCP client with
// receive timeouts. Every wait is bounded.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace ntlm::harness::net::testing {

// True when env CI is set to true/1/yes: a missing peer must fail, not skip.
bool InCi();

// In a test body: skips when `available` is false, or fails under CI=true.
#define REQUIRE_PEER(available, what)                                                            \
  do {                                                                                           \
    if (!(available)) {                                                                          \
      if (::ntlm::harness::net::testing::InCi()) FAIL() << what << " is required under CI=true"; \
      GTEST_SKIP() << what << " not available";                                                  \
    }                                                                                            \
  } while (0)

// Writes `lines` to `path` readable by the owner only (serve refuses a user
// file that group or others can read) and returns `path`.
std::filesystem::path WriteUserFile(const std::filesystem::path& path, const std::string& lines);

// The lines of a serve log that are authentication records ("event":"auth").
std::vector<nlohmann::json> AuthLines(const std::string& log);

// A TCP port of 127.0.0.1 free at the time of the call (0 when none was
// found), for peers that must be told their port before they start.
int FreeLoopbackPort();
// Waits (at most `wait`, polling) until 127.0.0.1:port accepts a connection.
bool WaitForLoopbackPort(int port, std::chrono::milliseconds wait);

// A field of /proc/self/status in KiB (VmRSS, VmHWM, ...); -1 when absent.
long ProcessStatusKiB(const std::string& field);

// `ntlmssp-harness serve ARGS...` with stdout on a pipe and stderr in a file.
class ServeProcess {
 public:
  ServeProcess() = default;
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  // Starts the server and waits (at most `wait`) for "listening http
  // ADDR:PORT". False when the process exits first or says nothing; then
  // exit_code() and log() tell why.
  bool Start(const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env = {},
             std::chrono::milliseconds wait = std::chrono::seconds(15));
  // SIGTERM, then waits at most `wait` (SIGKILL after). Returns the exit
  // code, or -1 when it had to be killed or died of a signal.
  int Stop(std::chrono::milliseconds wait = std::chrono::seconds(10));
  // SIGKILL (no cleanup in the server), then reaps it.
  void Kill();
  // Waits for the process to exit by itself (at most `wait`).
  std::optional<int> WaitExit(std::chrono::milliseconds wait);

  int port() const { return port_; }
  std::string url(const std::string& path = "/") const;
  // Everything written to stderr so far (the JSON log lines).
  std::string log() const;
  // First stdout line.
  const std::string& first_line() const { return first_line_; }
  bool running() const { return pid_ > 0; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string first_line_;
  std::filesystem::path log_path_;
  std::optional<int> exit_code_;
};

struct CommandResult {
  int rc = -1;
  std::string out;
};
// Runs `command` through /bin/sh under `timeout SECONDS`, stdout captured
// (stderr to stdout when `merge_stderr`).
CommandResult RunCommand(const std::string& command, int seconds = 30, bool merge_stderr = false);
std::string ShellQuote(const std::string& text);

// Raw TCP client on 127.0.0.1:port with a receive timeout.
class RawClient {
 public:
  explicit RawClient(int port,
                     std::chrono::milliseconds receive_timeout = std::chrono::seconds(10));
  ~RawClient();
  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Reads until the peer closes, the timeout passes, or `max` bytes.
  // `closed` says whether the peer closed the connection.
  std::string ReadUntilClose(bool& closed, size_t max = 1 << 20);
  // Reads one HTTP response head + Content-Length body (bounded); a
  // response to HEAD has no body bytes.
  std::string ReadResponse(bool head_only = false);

 private:
  int fd_ = -1;
  std::string pending_;
};

// A temporary folder removed at destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ntlm::harness::net::testing
