// verdict.h: what a harness operation concluded, as data. Only harness/cli/
// turns it into a process exit code (harness/cli/cli.h).
#pragma once

namespace ntlm::harness {

// Ordered by severity: the worst of several outcomes is their maximum.
enum class Verdict {
  kOk,            // everything as expected
  kDifference,    // a difference from what was expected, or a check failed
  kInvalidInput,  // usage error, malformed input or configuration
  kEnvironment,   // the environment is not usable (provider missing, address in use, ...)
};

}  // namespace ntlm::harness
