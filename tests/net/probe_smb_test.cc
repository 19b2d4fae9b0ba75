// probe_smb_test.cc: `probe smb://HOST[:PORT]` against `serve --smb` run under
// several policies must report the policy it was given: every token-level
// variation as its own SPNEGO session setup, the session-message scenarios
// skipped (SMB signs with its own keys), replay-authenticate refused at the
// AUTHENTICATE. Both sides are the real ntlmssp-harness binary on an
// ephemeral loopback port; every run is bounded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "http_serve_process.h"
#include "probe_cli_support.h"

namespace ntlm::harness::net::testing {
namespace {

using ::testing::HasSubstr;

using SmbProbeCase = PolicyCase;

using ProbeSmbTest = ProbeServeTest<SmbProbeCase>;

TEST_P(ProbeSmbTest, ReportsThePolicyServeWasGiven) {
  const SmbProbeCase& c = GetParam();
  ServeProcess serve;
  ASSERT_TRUE(StartServe(serve, "--smb", c));
  ASSERT_THAT(serve.first_line(), HasSubstr("listening smb"));
  const std::string json = (dir_.path() / "probe.json").string();
  const std::string target = "smb://127.0.0.1:" + std::to_string(serve.port());
  auto r =
      RunCommand(ProbeCommand(target, "--json " + ShellQuote(json)), 180, /*merge_stderr=*/true);
  ASSERT_EQ(r.rc, 0) << r.out;
  std::ifstream in(json);
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(report.is_discarded());
  size_t accepted = 0, rejected = 0, errors = 0;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& o : report["observations"]) {
    accepted += o["result"] == "accept";
    rejected += o["result"] == "reject";
    errors += o["result"] == "error";
    by_name[o["variation"].get<std::string>()] = o;
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_GT(rejected, 10u);
  EXPECT_EQ(errors, 0u) << r.out;
  std::set<std::string> mins;
  std::set<int> levels;
  for (const auto& col : report["consistent"]) {
    if (col["epa"] != "off") continue;
    mins.insert(col["min_server_sec"].get<std::string>());
    levels.insert(col["lm_compat_level"].get<int>());
  }
  EXPECT_EQ(mins, std::set<std::string>{c.min_server_sec_hex}) << r.out;
  EXPECT_TRUE(levels.count(c.lm_compat_level)) << r.out;
  // SMB's own signing: the NTLM session-message scenarios are not played.
  EXPECT_EQ(by_name["modern.alter-signature"]["result"], "skipped");
  EXPECT_EQ(by_name["modern.authenticate-twice"]["result"], "skipped");
  // The NTSTATUS of each refusal, at the leg it answered.
  const auto& wrong = by_name["modern.other-user-hash"];
  EXPECT_EQ(wrong["result"], "reject") << wrong.dump();
  EXPECT_EQ(wrong["at"], "authenticate");
  EXPECT_EQ(wrong["answer"], "STATUS_LOGON_FAILURE");
  const auto& replay = by_name["modern.replay-authenticate"];
  EXPECT_EQ(replay["result"], "reject") << replay.dump();
  EXPECT_EQ(replay["at"], "authenticate");
  EXPECT_THAT(replay["note"].get<std::string>(), HasSubstr("replayed"));
  if (std::string(c.min_server_sec_hex) == "0x20080030") {
    const auto& v1 = by_name["ntlmv1"];
    EXPECT_EQ(v1["at"], "negotiate") << v1.dump();
    EXPECT_EQ(v1["answer"], "SEC_E_UNSUPPORTED_FUNCTION");
  }
  EXPECT_EQ(serve.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Policies, ProbeSmbTest,
                         ::testing::Values(SmbProbeCase{"0", "0x00000000", 3},
                                           SmbProbeCase{"0x20080030", "0x20080030", 3},
                                           SmbProbeCase{"0x20000020", "0x20000020", 3},
                                           SmbProbeCase{"SIGN|128", "0x20000010", 5}),
                         PolicyCaseName<SmbProbeCase>);

// --smb-dialect: the NEGOTIATE offers that one dialect. Against `serve --smb
// --smb-max-dialect 2.1`, 2.1 and 2.0.2 are probed (the policy reported, the
// dialect named in the header), 3.0 is answered STATUS_NOT_SUPPORTED at every
// NEGOTIATE (exit 3, not an NTLM server at that dialect), a name that is not
// a dialect is a usage error.
TEST_F(ProbeSmbTest, SmbDialectIsTheOneTheNegotiateOffers) {
  ServeProcess serve;
  ASSERT_TRUE(serve.Start({"--smb", "127.0.0.1:0", "--users", users_.string(), "--min-server-sec",
                           "0x20080000", "--smb-max-dialect", "2.1"}))
      << serve.log();
  const std::string target = "smb://127.0.0.1:" + std::to_string(serve.port());
  for (const char* dialect : {"2.1", "2.0.2"}) {
    const std::string json = (dir_.path() / (std::string(dialect) + ".json")).string();
    auto r = RunCommand(ProbeCommand(target, "--smb-dialect " + std::string(dialect) + " --json " +
                                                 ShellQuote(json)),
                        180, /*merge_stderr=*/true);
    ASSERT_EQ(r.rc, 0) << r.out;
    EXPECT_THAT(r.out, HasSubstr(" (SMB " + std::string(dialect) + ")"));
    std::ifstream in(json);
    auto report = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(report.is_discarded());
    std::set<std::string> mins;
    for (const auto& col : report["consistent"])
      mins.insert(col["min_server_sec"].get<std::string>());
    EXPECT_EQ(mins, std::set<std::string>{"0x20080000"}) << r.out;
  }
  auto higher = RunCommand(ProbeCommand(target, "--smb-dialect 3.0"), 180, true);
  EXPECT_EQ(higher.rc, 3) << higher.out;
  EXPECT_THAT(higher.out, HasSubstr("STATUS_NOT_SUPPORTED"));
  auto bad = RunCommand(ProbeCommand(target, "--smb-dialect 4.0"), 30, true);
  EXPECT_EQ(bad.rc, 2) << bad.out;
  EXPECT_THAT(bad.out, HasSubstr("--smb-dialect '4.0': give 2.0.2, 2.1, 3.0, 3.0.2 or 3.1.1"));
  EXPECT_EQ(serve.Stop(), 0);
}

TEST(ProbeSmbCli, BadTargetsAreUsageErrorsNamingWhatIsWrong) {
  ExpectUsageErrors({BadProbeTarget{"smb://127.0.0.1:0", "port '0' must be 1..65535"},
                     BadProbeTarget{"smb://127.0.0.1:70000", "port '70000' must be 1..65535"},
                     BadProbeTarget{"smb://127.0.0.1:", "port '' must be 1..65535"},
                     BadProbeTarget{"smb://127.0.0.1/IPC$", "no share, path or user"},
                     BadProbeTarget{"smb://alice@127.0.0.1", "no share, path or user"},
                     BadProbeTarget{"smb://[::1", "without ']'"},
                     BadProbeTarget{"smb://", "no share, path or user"}});
}

TEST(ProbeSmbCli, UnreachableTargetExits3) {
  ExpectUnreachable({"smb://127.0.0.1:1", "smb://[::1]:1"});
}

}  // namespace
}  // namespace ntlm::harness::net::testing
