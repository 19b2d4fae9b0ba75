// probe_rpc_test.cc: `probe ncacn_ip_tcp:HOST[PORT]` against `serve --rpc`
// run under several policies must report the policy it was given, with the
// sealed-message scenarios played (refused at the message the catalogue
// names). Both are the real ntlmssp-harness binary on an ephemeral loopback
// port; every run is bounded by `timeout`.
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

using RpcProbeCase = PolicyCase;

using ProbeRpcTest = ProbeServeTest<RpcProbeCase>;

TEST_P(ProbeRpcTest, ReportsThePolicyServeWasGiven) {
  const RpcProbeCase& c = GetParam();
  ServeProcess serve;
  ASSERT_TRUE(StartServe(serve, "--rpc", c));
  ASSERT_THAT(serve.first_line(), HasSubstr("listening rpc"));
  const std::string json = (dir_.path() / "probe.json").string();
  const std::string target = "ncacn_ip_tcp:127.0.0.1[" + std::to_string(serve.port()) + "]";
  auto r =
      RunCommand(ProbeCommand(target, "--json " + ShellQuote(json)), 180, /*merge_stderr=*/true);
  ASSERT_EQ(r.rc, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("Consistent with (EPA off):"));
  std::ifstream in(json);
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(report.is_discarded());
  ASSERT_EQ(report["format"], "ntlmssp-harness-probe/1");
  size_t accepted = 0, errors = 0;
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& o : report["observations"]) {
    accepted += o["result"] == "accept";
    errors += o["result"] == "error";
    by_name[o["variation"].get<std::string>()] = o;
  }
  EXPECT_GT(accepted, 0u);
  EXPECT_EQ(errors, 0u) << r.out;
  // Without EPA, exactly the given NtlmMinServerSec explains the answers, and
  // the given LmCompatibilityLevel is among the levels that do.
  std::set<std::string> mins;
  std::set<int> levels;
  for (const auto& col : report["consistent"]) {
    if (col["epa"] != "off") continue;
    mins.insert(col["min_server_sec"].get<std::string>());
    levels.insert(col["lm_compat_level"].get<int>());
  }
  EXPECT_EQ(mins, std::set<std::string>{c.min_server_sec_hex}) << r.out;
  EXPECT_TRUE(levels.count(c.lm_compat_level)) << r.out;
  // The session scenarios are played over DCE/RPC (not skipped as over HTTP):
  // where the handshake passes, the altered message is refused at message 1.
  ASSERT_TRUE(by_name.count("modern.alter-signature"));
  const auto& altered = by_name["modern.alter-signature"];
  EXPECT_NE(altered["result"], "skipped") << altered.dump();
  if (std::string(c.min_server_sec_hex) == "0x00000000") {
    EXPECT_EQ(altered["result"], "reject") << altered.dump();
    EXPECT_EQ(altered["at"], "session-1") << altered.dump();
    EXPECT_THAT(altered["answer"].get<std::string>(), HasSubstr("SEC_E_MESSAGE_ALTERED"));
    EXPECT_EQ(altered["auth_level"], "pkt_privacy") << altered.dump();
    EXPECT_EQ(by_name["modern.replay-sealed-message"]["at"], "session-2");
    EXPECT_EQ(by_name["sign-only"]["auth_level"], "pkt_integrity");
    EXPECT_EQ(by_name["sign-only"]["result"], "accept");
  }
  // The AUTHENTICATE scenarios are played (windows-modern binds at
  // pkt_privacy, which every one of these policies admits): the replayed
  // AUTHENTICATE is refused on connection 2 (fault 5 to its request 1), the
  // repeated one at once (fault 5 to the alter_context carrying it).
  ASSERT_TRUE(by_name.count("modern.replay-authenticate"));
  const auto& replay = by_name["modern.replay-authenticate"];
  EXPECT_EQ(replay["result"], "reject") << replay.dump();
  EXPECT_EQ(replay["at"], "authenticate") << replay.dump();
  EXPECT_THAT(replay["answer"].get<std::string>(), HasSubstr("nca_s_fault_access_denied"));
  EXPECT_THAT(replay["note"].get<std::string>(), HasSubstr("replayed")) << replay.dump();
  ASSERT_TRUE(by_name.count("modern.authenticate-twice"));
  const auto& twice = by_name["modern.authenticate-twice"];
  EXPECT_EQ(twice["result"], "reject") << twice.dump();
  EXPECT_EQ(twice["at"], "session-1") << twice.dump();
  EXPECT_EQ(twice["auth_level"], "pkt_privacy") << twice.dump();
  EXPECT_THAT(twice["answer"].get<std::string>(), HasSubstr("nca_s_fault_access_denied"));
  EXPECT_THAT(twice["note"].get<std::string>(), HasSubstr("alter_context")) << twice.dump();
  EXPECT_THAT(r.out, HasSubstr("refused at the repeated AUTHENTICATE (fault 0x00000005"));
  EXPECT_EQ(serve.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(Policies, ProbeRpcTest,
                         ::testing::Values(RpcProbeCase{"0", "0x00000000", 3},
                                           RpcProbeCase{"0x20000000", "0x20000000", 3},
                                           RpcProbeCase{"0x20080000", "0x20080000", 3},
                                           RpcProbeCase{"0x20000020", "0x20000020", 3},
                                           RpcProbeCase{"SIGN|128", "0x20000010", 5}),
                         PolicyCaseName<RpcProbeCase>);

TEST(ProbeRpcCli, BadTargetsAreUsageErrorsNamingWhatIsWrong) {
  ExpectUsageErrors(
      {BadProbeTarget{"ncacn_ip_tcp:a b", "not a name or an IPv4 address"},
       BadProbeTarget{"ncacn_ip_tcp:127.0.0.1[0]", "port '0' must be 1..65535"},
       BadProbeTarget{"ncacn_ip_tcp:127.0.0.1[70000]", "port '70000' must be 1..65535"},
       BadProbeTarget{"ncacn_ip_tcp:127.0.0.1[135,Security=x]", "endpoint options"},
       BadProbeTarget{"ncacn_ip_tcp:[4999]", "no host"},
       BadProbeTarget{"ncacn_np:srv[\\pipe\\x]", "no other transport"}});
}

TEST(ProbeRpcCli, UnreachableTargetExits3) {
  // Port 1 on loopback (v4 and v6): nothing listens; one connection attempt, then exit 3.
  ExpectUnreachable({"ncacn_ip_tcp:127.0.0.1[1]", "ncacn_ip_tcp:[::1][1]"});
}

}  // namespace
}  // namespace ntlm::harness::net::testing

namespace ntlm::harness::net::testing {
namespace {

// `--interface rpcecho` calls Samba's rpcecho EchoData instead of the harness
// Echo: against serve (which offers both) the answers and the policy are the
// same; an unknown interface name is a usage error.
TEST(ProbeRpcInterface, RpcEchoGivesTheSameAnswersAsTheHarnessInterface) {
  TempDir dir;
  const auto users = WriteUserFile(dir.path() / "users", "CONTOSO:alice:Passw0rd!\n");
  ServeProcess serve;
  ASSERT_TRUE(serve.Start(
      {"--rpc", "127.0.0.1:0", "--users", users.string(), "--min-server-sec", "0x20080000"}))
      << serve.log();
  const std::string target = "ncacn_ip_tcp:127.0.0.1[" + std::to_string(serve.port()) + "]";
  std::map<std::string, nlohmann::json> reports;
  for (const char* iface : {"harness", "rpcecho"}) {
    const std::string json = (dir.path() / (std::string(iface) + ".json")).string();
    auto r = RunCommand(
        ProbeCommand(target, std::string("--interface ") + iface + " --json " + ShellQuote(json)),
        180,
        /*merge_stderr=*/true);
    ASSERT_EQ(r.rc, 0) << iface << ": " << r.out;
    std::ifstream in(json);
    reports[iface] = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(reports[iface].is_discarded());
  }
  EXPECT_EQ(reports["rpcecho"]["consistent"], reports["harness"]["consistent"]);
  ASSERT_EQ(reports["rpcecho"]["observations"].size(), reports["harness"]["observations"].size());
  for (size_t i = 0; i < reports["harness"]["observations"].size(); ++i) {
    EXPECT_EQ(reports["rpcecho"]["observations"][i]["result"],
              reports["harness"]["observations"][i]["result"])
        << reports["harness"]["observations"][i]["variation"];
  }
  auto bad = RunCommand(ProbeCommand(target, "--interface netlogon"), 30, true);
  EXPECT_EQ(bad.rc, 2) << bad.out;
  EXPECT_THAT(bad.out, HasSubstr("give harness, rpcecho, lsarpc, samr or epmapper"));
}

}  // namespace
}  // namespace ntlm::harness::net::testing
