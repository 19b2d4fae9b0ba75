// cli.h: the ntlmssp-harness command line (subcommands and exit codes).
//
// Exit codes (documented in --help and the README):
//   0  everything as expected
//   1  a difference / a check failed
//   2  usage error, malformed input or configuration
//   3  environment error (for example the OpenSSL legacy provider is missing)
#pragma once

namespace ntlm::harness {

inline constexpr int kExitOk = 0;
inline constexpr int kExitDifference = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitEnvironment = 3;

int RunCli(int argc, char** argv);

}  // namespace ntlm::harness
