// probe_cli_support.h: what the tests of `probe` against `serve` share: the
// probe command line as alice, a fixture holding her user file, the check that
// bad targets are usage errors naming what is wrong, and the test names of the
// policy cases.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <string>

#include "http_serve_process.h"

namespace ntlm::harness::net::testing {

// `ntlmssp-harness probe TARGET` as CONTOSO\alice with `extra` options.
inline std::string ProbeCommand(const std::string& target, const std::string& extra = "",
                                int timeout_s = 5) {
  return ShellQuote(NTLM_HARNESS_BIN) + " probe " + ShellQuote(target) +
         " --user alice --domain CONTOSO --password 'Passw0rd!' --timeout " +
         std::to_string(timeout_s) + " " + extra;
}

// A policy serve is given and how probe reports it.
struct PolicyCase {
  const char* min_server_sec;      // as given to serve
  const char* min_server_sec_hex;  // as probe reports it
  int lm_compat_level;
};

// A parameterised test whose serve knows alice (users_ in a temporary dir_).
template <typename Case>
class ProbeServeTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    users_ = WriteUserFile(dir_.path() / "users", "CONTOSO:alice:Passw0rd!\n");
  }
  // Starts `serve FRONT 127.0.0.1:0` for alice under the case's policy.
  ::testing::AssertionResult StartServe(ServeProcess& serve, const std::string& front,
                                        const Case& c) {
    if (serve.Start({front, "127.0.0.1:0", "--users", users_.string(), "--min-server-sec",
                     c.min_server_sec, "--lm-compat", std::to_string(c.lm_compat_level)})) {
      return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << serve.first_line() << "\n" << serve.log();
  }
  TempDir dir_;
  std::filesystem::path users_;
};

// "min_<hex>_lm<level>" for a case with min_server_sec_hex and lm_compat_level.
template <typename Case>
std::string PolicyCaseName(const ::testing::TestParamInfo<Case>& p) {
  return std::string("min_") + p.param.min_server_sec_hex + "_lm" +
         std::to_string(p.param.lm_compat_level);
}

struct BadProbeTarget {
  const char* target;
  const char* message;  // what the usage error must name
};

// Each target is a usage error (exit 2) whose message names what is wrong.
inline void ExpectUsageErrors(std::initializer_list<BadProbeTarget> targets) {
  for (const BadProbeTarget& b : targets) {
    auto r = RunCommand(ProbeCommand(b.target), 30, /*merge_stderr=*/true);
    EXPECT_EQ(r.rc, 2) << b.target << ": " << r.out;
    EXPECT_THAT(r.out, ::testing::HasSubstr(b.message)) << b.target;
  }
}

// Each target has nothing listening: one connection attempt, then exit 3
// naming it unreachable.
inline void ExpectUnreachable(std::initializer_list<const char*> targets) {
  for (const char* target : targets) {
    auto r = RunCommand(ProbeCommand(target, "", 2), 30, /*merge_stderr=*/true);
    EXPECT_EQ(r.rc, 3) << target << ": " << r.out;
    EXPECT_THAT(r.out, ::testing::HasSubstr("cannot reach")) << target;
  }
}

}  // namespace ntlm::harness::net::testing
