// probe_smbd_test.cc: `probe smb://` against a real Samba smbd started by the
// test: scripts/peers/samba-smbd.conf.in (shared with scripts/bench-servers.sh),
// a standalone server on 127.0.0.1 only, a free non-default port (`smb
// ports`), every directory and the tdbsam passdb under the test's temporary
// directory, no Kerberos, NTLMv2 only. The account is the Unix user running the test (smbd
// maps every SMB user to a Unix one; none is created), added to the temporary
// passdb with `smbpasswd -c`. Nothing system-wide changes; smbd is stopped by
// its pid. The answers asserted here are the ones docs/profiles/samba-smbd.md
// records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "http_serve_process.h"
#include "peer_template.h"

namespace ntlm::harness::net::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kSmbd = "/usr/sbin/smbd";
constexpr const char* kSmbpasswd = "/usr/bin/smbpasswd";

class ProbeSmbdTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100 && kill(pid_, 0) == 0; ++i) usleep(100 * 1000);
    if (kill(pid_, 0) == 0) kill(pid_, SIGKILL);
  }

  std::string Conf() const { return (dir_.path() / "smb.conf").string(); }

  // Writes smb.conf, adds the account, starts smbd as a daemon and waits
  // (bounded) for its port and pid file; false with the reason in `why`.
  bool StartSmbd(const std::string& extra, std::string& why) {
    const auto d = dir_.path();
    for (const char* sub : {"private", "lock", "state", "cache", "pid", "ncalrpc"}) {
      std::filesystem::create_directories(d / sub);
    }
    port_ = FreeLoopbackPort();
    // The one configuration of this peer, shared with scripts/bench-servers.sh.
    const std::string conf = ReadPeerTemplate(
        "samba-smbd.conf.in", {{"DIR", d.string()}, {"PORT", std::to_string(port_)}});
    if (conf.empty()) {
      why = "cannot read scripts/peers/samba-smbd.conf.in";
      return false;
    }
    std::ofstream(Conf()) << conf << extra;
    const std::string env = "KRB5_CONFIG=/dev/null ";
    auto added = RunCommand("printf 'Passw0rd!\\nPassw0rd!\\n' | " + env + kSmbpasswd + " -c " +
                                ShellQuote(Conf()) + " -a -s " + ShellQuote(user_),
                            30, /*merge_stderr=*/true);
    if (added.rc != 0) {
      why = "smbpasswd -a: " + added.out;
      return false;
    }
    auto started = RunCommand(env + kSmbd + " -D -s " + ShellQuote(Conf()), 30, true);
    if (started.rc != 0) {
      why = "smbd -D: " + started.out;
      return false;
    }
    for (int i = 0; i < 100; ++i) {
      for (const auto& e : std::filesystem::directory_iterator(d / "pid")) {
        std::ifstream(e.path()) >> pid_;
      }
      if (pid_ > 0 &&
          RunCommand("bash -c 'exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(port_) + "'", 5).rc ==
              0) {
        return true;
      }
      usleep(100 * 1000);
    }
    why = "smbd did not listen on port " + std::to_string(port_);
    return false;
  }

  // probe's JSON report: variation -> "accept" / "reject@stage" / "skipped".
  std::map<std::string, nlohmann::json> Probe(int expected_rc, std::string& out) {
    const std::string json = (dir_.path() / "probe.json").string();
    auto r = RunCommand(ShellQuote(NTLM_HARNESS_BIN) + " probe " +
                            ShellQuote("smb://127.0.0.1:" + std::to_string(port_)) + " --user " +
                            ShellQuote(user_) +
                            " --domain CONTOSO --password 'Passw0rd!' --timeout 5 --json " +
                            ShellQuote(json),
                        180, /*merge_stderr=*/true);
    out = r.out;
    EXPECT_EQ(r.rc, expected_rc) << r.out;
    std::ifstream in(json);
    auto report = nlohmann::json::parse(in, nullptr, false);
    std::map<std::string, nlohmann::json> by_name;
    if (report.is_discarded()) return by_name;
    by_name["."] = report;
    for (const auto& o : report["observations"]) by_name[o["variation"].get<std::string>()] = o;
    return by_name;
  }

  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = 0;
  std::string user_ = getpwuid(geteuid()) ? getpwuid(geteuid())->pw_name : "";
};

std::string Result(const nlohmann::json& o) {
  std::string v = o.value("result", "missing");
  if (v == "reject") v += "@" + o["at"].get<std::string>() + " " + o.value("answer", "");
  return v;
}

TEST_F(ProbeSmbdTest, SambaSmbdAnswersAndVerdict) {
  REQUIRE_PEER(std::filesystem::exists(kSmbd) && std::filesystem::exists(kSmbpasswd),
               "samba (smbd, smbpasswd)");
  REQUIRE_PEER(geteuid() == 0, "root (smbd switches to the logged-on Unix user)");
  std::string why;
  ASSERT_TRUE(StartSmbd("", why)) << why;
  std::string out;
  auto got = Probe(1, out);  // no catalogue policy explains every answer
  ASSERT_TRUE(got.count(".")) << out;
  EXPECT_EQ(Result(got["windows-modern"]), "accept") << out;
  // NTLMv2 only: NTLMv1 and LM refused at the AUTHENTICATE.
  EXPECT_EQ(Result(got["ntlmv1"]), "reject@authenticate STATUS_LOGON_FAILURE");
  EXPECT_EQ(Result(got["lm"]), "reject@authenticate STATUS_LOGON_FAILURE");
  EXPECT_EQ(Result(got["modern.wrong-password"]), "reject@authenticate STATUS_LOGON_FAILURE");
  // MIC and target-info errors: NT_STATUS_INVALID_PARAMETER (docs/smb.md's evidence).
  EXPECT_EQ(Result(got["modern.corrupt-mic"]), "reject@authenticate STATUS_INVALID_PARAMETER");
  EXPECT_EQ(Result(got["modern.alter-target-info"]),
            "reject@authenticate STATUS_INVALID_PARAMETER");
  // No NtlmMinServerSec, no clock check, no EPA, NULL sessions admitted.
  for (const char* accepted : {"sign-only", "seal-40", "http-no-signseal", "modern.stale-timestamp",
                               "modern.future-timestamp", "modern.wrong-channel-bindings",
                               "modern.wrong-spn", "anonymous"}) {
    EXPECT_EQ(Result(got[accepted]), "accept") << accepted;
  }
  const auto& closest = got["."]["closest"];
  EXPECT_EQ(closest["min_server_sec"], "0x00000000") << out;
  EXPECT_EQ(closest["lm_compat_level"], 5) << out;
  EXPECT_EQ(closest["epa"], "off") << out;
  EXPECT_EQ(closest["checks_not_made"],
            (nlohmann::json{"modern.future-timestamp", "modern.stale-timestamp", "anonymous"}))
      << out;
  EXPECT_TRUE(closest["unexplained_refusals"].empty()) << out;
}

}  // namespace
}  // namespace ntlm::harness::net::testing
