// cli.h: the ntlmssp-harness command line (subcommands and exit codes). The
// only place that knows exit codes: the harness library answers with
// harness::Verdict (harness/verdict.h) and ExitCode maps it.
//
// Exit codes (documented in --help and the README):
//   0  everything as expected
//   1  a difference / a check failed
//   2  usage error, malformed input or configuration
//   3  environment error (for example the OpenSSL legacy provider is missing)
#pragma once

#include <string>

#include "harness/verdict.h"

namespace ntlm::harness {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDifference = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitEnvironment = 3;

constexpr int ExitCode(Verdict verdict) {
  switch (verdict) {
    case Verdict::kOk:
      return kExitOk;
    case Verdict::kDifference:
      return kExitDifference;
    case Verdict::kInvalidInput:
      return kExitUsage;
    case Verdict::kEnvironment:
      return kExitEnvironment;
  }
  return kExitUsage;
}

int RunCli(int argc, char** argv);

// A program whose only command is `serve` (`PROGRAM serve OPTIONS...`, the
// same options): the benchmark floor's entry point (bench/floor/main.cc).
// `notice` goes to stderr before serving.
int RunServeOnlyCli(int argc, char** argv, const std::string& program, const std::string& notice);

}  // namespace ntlm::harness
