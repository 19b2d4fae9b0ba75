// harness_run_util.h: runs the real ntlmssp-harness executable
// (NTLM_HARNESS_BIN) for end-to-end tests and captures exit code and output.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ntlm::harness {
namespace fs = std::filesystem;

struct RunResult {
  int rc = -1;
  std::string out, err;
};

inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

inline std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the harness with `args` (already shell-quoted) from `cwd`, with an
// optional environment prefix ("OPENSSL_MODULES=/x") and stdin file.
inline RunResult Harness(const std::string& args, const std::string& env = "",
                         const std::string& cwd = NTLM_SOURCE_DIR,
                         const std::string& stdin_file = "") {
  static int counter = 0;
  const fs::path err_file =
      fs::temp_directory_path() /
      ("harness_cli_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".err");
  std::string cmd = "cd " + Quote(cwd) + " && " + (env.empty() ? "" : "env " + env + " ") +
                    Quote(NTLM_HARNESS_BIN) + " " + args + " 2>" + Quote(err_file.string());
  cmd += stdin_file.empty() ? " </dev/null" : " <" + Quote(stdin_file);
  RunResult r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) {
    ADD_FAILURE() << "popen failed: " << cmd;
    return r;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.err = ReadAll(err_file);
  fs::remove(err_file);
  return r;
}

}  // namespace ntlm::harness
