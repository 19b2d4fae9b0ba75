// probe_test.cc: `probe` against `serve` run under several policies must
// report the policy it was given. Both are the real ntlmssp-harness binary on
// an ephemeral loopback port; every run is bounded by `timeout`.
#include "harness/net/io/probe.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "harness/catalogue.h"
#include "http_serve_process.h"
#include "probe_cli_support.h"

namespace ntlm::harness::net::testing {
namespace {

using ::testing::HasSubstr;

struct ProbeCase {
  const char* min_server_sec;      // as given to serve
  const char* min_server_sec_hex;  // as probe reports it
  int lm_compat_level;
  std::set<int> levels;  // the levels probe can tell apart from the answers
};

using ProbeTest = ProbeServeTest<ProbeCase>;

TEST_P(ProbeTest, ReportsThePolicyServeWasGiven) {
  const ProbeCase& c = GetParam();
  ServeProcess serve;
  ASSERT_TRUE(StartServe(serve, "--http", c));
  const std::string json = (dir_.path() / "probe.json").string();
  auto r = RunCommand(ProbeCommand(serve.url("/"), "--json " + ShellQuote(json)), 120,
                      /*merge_stderr=*/true);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("Consistent with (EPA off):"));
  std::ifstream in(json);
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(report.is_discarded());
  ASSERT_EQ(report["format"], "ntlmssp-harness-probe/1");
  size_t accepted = 0;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& o : report["observations"]) {
    accepted += o["result"] == "accept";
    by_name[o["variation"].get<std::string>()] = o;
  }
  EXPECT_GT(accepted, 0u);
  // The AUTHENTICATE scenarios are played (windows-modern passes every one of
  // these policies) and refused where the catalogue says: the replay at the
  // AUTHENTICATE of connection 2, the repeat at the third request.
  ASSERT_TRUE(by_name.count("modern.replay-authenticate"));
  const auto& replay = by_name["modern.replay-authenticate"];
  EXPECT_EQ(replay["result"], "reject") << replay.dump();
  EXPECT_EQ(replay["at"], "authenticate") << replay.dump();
  EXPECT_EQ(replay["authenticate_status"], 401) << replay.dump();
  EXPECT_EQ(replay["server_status"], "SEC_E_LOGON_DENIED") << replay.dump();
  EXPECT_THAT(replay["note"].get<std::string>(), HasSubstr("replayed")) << replay.dump();
  ASSERT_TRUE(by_name.count("modern.authenticate-twice"));
  const auto& twice = by_name["modern.authenticate-twice"];
  EXPECT_EQ(twice["result"], "reject") << twice.dump();
  EXPECT_EQ(twice["at"], "session-1") << twice.dump();
  EXPECT_EQ(twice["authenticate_status"], 200) << twice.dump();
  EXPECT_EQ(twice["answer"], "401 SEC_E_INVALID_TOKEN") << twice.dump();
  EXPECT_THAT(r.out, HasSubstr("refused at the repeated AUTHENTICATE (401 SEC_E_INVALID_TOKEN)"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("needs a second AUTHENTICATE")));
  // Without EPA, exactly the given NtlmMinServerSec explains the answers, at
  // the levels that the catalogue can tell apart (an LM-only response is
  // refused from 4, NTLMv1 only at 5).
  std::set<std::string> mins;
  std::set<int> levels;
  for (const auto& col : report["consistent"]) {
    if (col["epa"] != "off") continue;
    mins.insert(col["min_server_sec"].get<std::string>());
    levels.insert(col["lm_compat_level"].get<int>());
  }
  EXPECT_EQ(mins, std::set<std::string>{c.min_server_sec_hex}) << r.out;
  EXPECT_EQ(levels, c.levels) << r.out;
  EXPECT_EQ(serve.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Policies, ProbeTest,
                         ::testing::Values(ProbeCase{"0", "0x00000000", 3, {0, 1, 2, 3}},
                                           ProbeCase{"0x20000000", "0x20000000", 3, {0, 1, 2, 3}},
                                           ProbeCase{"SIGN|128", "0x20000010", 3, {0, 1, 2, 3}},
                                           ProbeCase{"SEAL", "0x00000020", 5, {5}},
                                           ProbeCase{"0x20080030", "0x20080030", 5, {5}}),
                         PolicyCaseName<ProbeCase>);

// How probe's observations of the AUTHENTICATE scenarios weigh in the
// inference: only the refusal the catalogue expects, at its message, is
// explained by a policy; acceptance or a refusal elsewhere by none.
TEST(ProbeConsistency, AuthenticateScenariosCountOnlyWhereTheCatalogueExpectsTheRefusal) {
  std::string error;
  auto catalogue =
      LoadCatalogue(std::filesystem::path(NTLM_SOURCE_DIR) / "vectors" / "variations", error);
  ASSERT_TRUE(catalogue) << error;
  auto find = [&](const std::string& name) -> const Variation* {
    for (const auto& v : catalogue->variations) {
      if (v.name == name) return &v;
    }
    return nullptr;
  };
  const Variation* replay = find("modern.replay-authenticate");
  const Variation* twice = find("modern.authenticate-twice");
  ASSERT_NE(replay, nullptr);
  ASSERT_NE(twice, nullptr);
  auto observe = [](const Variation* v, bool challenged, bool accepted,
                    std::optional<Stage> refused_at) {
    ProbeObservation o;
    o.variation = v;
    o.challenged = challenged;
    o.accepted = accepted;
    o.refused_at = refused_at;
    return std::vector<ProbeObservation>{o};
  };
  // Refused where expected: every policy explains it (windows-modern meets all).
  const size_t all = ConsistentColumns({}).size();
  EXPECT_GT(all, 0u);
  EXPECT_EQ(ConsistentColumns(observe(twice, true, false, Stage::kSession1)).size(), all);
  EXPECT_EQ(ConsistentColumns(observe(replay, true, false, Stage::kAuthenticate)).size(), all);
  // HTTP's replay observation without an exact stage: challenged, then refused.
  EXPECT_EQ(ConsistentColumns(observe(replay, true, false, std::nullopt)).size(), all);
  // Accepted, or refused at another message: no policy explains it.
  EXPECT_TRUE(ConsistentColumns(observe(twice, true, true, std::nullopt)).empty());
  EXPECT_TRUE(ConsistentColumns(observe(twice, true, false, Stage::kAuthenticate)).empty());
  EXPECT_TRUE(ConsistentColumns(observe(replay, true, true, std::nullopt)).empty());
  EXPECT_TRUE(ConsistentColumns(observe(replay, false, false, Stage::kNegotiate)).empty());
  EXPECT_TRUE(ConsistentColumns(observe(replay, true, false, Stage::kSession1)).empty());
}

TEST(ProbeCli, UsageAndUnreachableTargets) {
  auto bad = RunCommand(
      ShellQuote(NTLM_HARNESS_BIN) + " probe https://127.0.0.1/ --user a " + "--password b", 30,
      true);
  EXPECT_EQ(bad.rc, 2);
  EXPECT_THAT(bad.out, HasSubstr("https is not supported"));
  auto nopass =
      RunCommand(ShellQuote(NTLM_HARNESS_BIN) + " probe http://127.0.0.1:1/ --user a", 30, true);
  EXPECT_EQ(nopass.rc, 2);
  EXPECT_THAT(nopass.out, HasSubstr("--password"));
  // Port 1 on loopback: nothing listens; one connection attempt, then exit 3.
  auto down = RunCommand(
      ShellQuote(NTLM_HARNESS_BIN) + " probe http://127.0.0.1:1/ --user a --password b --timeout 2",
      30, true);
  EXPECT_EQ(down.rc, 3) << down.out;
  EXPECT_THAT(down.out, HasSubstr("cannot reach"));
}

// Found by running the README's claims (issue 17): probe pointed at something
// that is not an HTTP NTLM server (here serve's DCE/RPC port) names it and
// exits 3, instead of printing an error per variation and "consistent with"
// every policy.
TEST(ProbeCli, ATargetThatIsNotAnNtlmServerExits3) {
  TempDir dir;
  const auto users = WriteUserFile(dir.path() / "users", "CONTOSO:alice:Passw0rd!\n");
  ServeProcess serve;
  ASSERT_TRUE(serve.Start({"--rpc", "127.0.0.1:0", "--users", users.string()})) << serve.log();
  auto r = RunCommand(ShellQuote(NTLM_HARNESS_BIN) + " probe " +
                          ShellQuote("http://127.0.0.1:" + std::to_string(serve.port()) + "/") +
                          " --user alice --domain CONTOSO --password 'Passw0rd!' --timeout 2",
                      120, true);
  EXPECT_EQ(r.rc, 3) << r.out;
  EXPECT_THAT(r.out, HasSubstr("is not an NTLM server"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("Consistent with")));
}

}  // namespace
}  // namespace ntlm::harness::net::testing
