// probe_samba_dc_test.cc: `probe` against a Samba 4.17 AD DC (Debian samba),
// a server nobody here wrote.
//
// The DC is provisioned once per test binary run (SetUpTestSuite) with
// `samba-tool domain provision --targetdir=TMP` (every file under the test's
// temporary directory, its own smb.conf, no DNS backend) and run in the
// foreground as the test's child in its own process group with only its RPC
// service (`server services = rpc`) on 127.0.0.1 (`interfaces`, `bind
// interfaces only`), samr and lsarpc pinned to free ports (`rpc server
// port:samr|lsarpc`). Samba's RPC service also serves its endpoint mapper on
// 127.0.0.1:135, so the DC needs root (CI runs as root; elsewhere the test
// skips with the reason). The test stops the process group. Kerberos stays
// off in every client (empty KRB5_CONFIG; probe speaks NTLMSSP only).
//
// What it asserts follows from Samba 4.17's documentation and source
// (docs/profiles/samba-ad-dc.md has the whole table and the reasons): no
// NtlmMinServerSec bit is enforced; `ntlm auth = ntlmv2-only` (the smb.conf
// default since 4.5) refuses NTLMv1 and LM; no timestamp check; signatures,
// sequence numbers and the sealed stub are verified; samr refuses calls at the
// connect level; lsa_OpenPolicy2 over ncacn_ip_tcp is always access denied.
// Then a target without a port: the DC's endpoint mapper (ept_map on
// 127.0.0.1:135) gives samr's port, and says rpcecho is not registered.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>

#include "http_serve_process.h"

namespace ntlm::harness::net::testing {
namespace {

constexpr const char* kAdminPassword = "Harness-Admin-Pass1!";
constexpr int kEndpointMapperPort = 135;

struct SambaDc {
  std::unique_ptr<TempDir> dir;
  pid_t pgid = -1;
  int samr_port = 0;
  int lsarpc_port = 0;
  double provision_seconds = 0;
  std::string skip;   // why the DC cannot run here (skip, or fail under CI)
  std::string error;  // the DC could not be provisioned or started
};

std::string Krb5Env(const SambaDc& dc) {
  return "KRB5_CONFIG=" + ShellQuote((dc.dir->path() / "krb5.conf").string()) + " ";
}

bool Provision(SambaDc& dc) {
  const auto d = dc.dir->path();
  std::ofstream(d / "krb5.conf").flush();
  std::ofstream(d / "empty.conf").flush();
  const auto dc_dir = d / "dc";
  std::string command = Krb5Env(dc) + "samba-tool domain provision -s " +
                        ShellQuote((d / "empty.conf").string()) +
                        " --targetdir=" + ShellQuote(dc_dir.string()) +
                        " --realm=HARNESS.TEST --domain=HARNESS --server-role=dc "
                        "--dns-backend=NONE --use-rfc2307 --adminpass=" +
                        ShellQuote(kAdminPassword);
  const std::map<std::string, std::string> options = {
      {"interfaces", "127.0.0.1"},
      {"bind interfaces only", "yes"},
      {"server services", "rpc"},
      {"rpc server port:samr", std::to_string(dc.samr_port)},
      {"rpc server port:lsarpc", std::to_string(dc.lsarpc_port)},
      {"prefork children", "1"},
      {"log file", (dc_dir / "log.%m").string()},
      {"pid directory", (dc_dir / "run").string()},
      {"ncalrpc dir", (dc_dir / "ncalrpc").string()},
      {"winbindd socket directory", (dc_dir / "winbindd").string()},
      {"ntp signd socket directory", (dc_dir / "ntp_signd").string()},
      {"panic action", ""},
      {"client use kerberos", "off"},
  };
  for (const auto& [name, value] : options)
    command += " --option=" + ShellQuote(name + "=" + value);
  const auto start = std::chrono::steady_clock::now();
  auto r = RunCommand(command, 240, /*merge_stderr=*/true);
  dc.provision_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (r.rc != 0) dc.error = "samba-tool domain provision failed:\n" + r.out;
  std::filesystem::create_directories(dc_dir / "run");
  return r.rc == 0;
}

bool Start(SambaDc& dc) {
  const auto dc_dir = dc.dir->path() / "dc";
  // setsid: the DC and its workers in one process group the test stops.
  auto r = RunCommand(Krb5Env(dc) + "setsid samba -F -s " +
                          ShellQuote((dc_dir / "etc" / "smb.conf").string()) + " </dev/null >" +
                          ShellQuote((dc_dir / "samba.out").string()) + " 2>&1 & echo $!",
                      30);
  dc.pgid = std::atoi(r.out.c_str());
  if (r.rc != 0 || dc.pgid <= 0) {
    dc.error = "could not start samba: " + r.out;
    return false;
  }
  if (!WaitForLoopbackPort(dc.samr_port, std::chrono::seconds(60)) ||
      !WaitForLoopbackPort(dc.lsarpc_port, std::chrono::seconds(10))) {
    std::ifstream in(dc_dir / "samba.out");
    dc.error = "samba did not listen on 127.0.0.1:" + std::to_string(dc.samr_port) + ":\n" +
               std::string(std::istreambuf_iterator<char>(in), {});
    return false;
  }
  return true;
}

void Stop(SambaDc& dc) {
  if (dc.pgid <= 0) return;
  ::kill(-dc.pgid, SIGTERM);
  // Bounded: up to 10 s for the group to go, then SIGKILL.
  for (int i = 0; i < 100 && ::kill(-dc.pgid, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (::kill(-dc.pgid, 0) == 0) ::kill(-dc.pgid, SIGKILL);
  dc.pgid = -1;
}

class ProbeSambaDcTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dc_ = new SambaDc;
    if (!std::filesystem::exists("/usr/sbin/samba") ||
        !std::filesystem::exists("/usr/bin/samba-tool")) {
      dc_->skip = "samba (Debian package samba: /usr/sbin/samba, samba-tool)";
      return;
    }
    if (::geteuid() != 0) {
      dc_->skip = "root (the Samba DC's RPC service binds its endpoint mapper to port 135)";
      return;
    }
    if (WaitForLoopbackPort(kEndpointMapperPort, std::chrono::milliseconds(0))) {
      dc_->skip = "a free 127.0.0.1:135 (something already listens there)";
      return;
    }
    dc_->dir = std::make_unique<TempDir>();
    dc_->samr_port = FreeLoopbackPort();
    dc_->lsarpc_port = FreeLoopbackPort();
    if (dc_->samr_port == dc_->lsarpc_port) dc_->lsarpc_port = FreeLoopbackPort();
    if (Provision(*dc_) && Start(*dc_)) {
      std::cout << "[ samba-dc ] provisioned in " << dc_->provision_seconds << " s\n";
    }
  }
  static void TearDownTestSuite() {
    Stop(*dc_);
    delete dc_;
    dc_ = nullptr;
  }

  // Runs probe against `target` with `extra` arguments; the JSON report.
  static nlohmann::json Probe(const std::string& target, const std::string& extra,
                              CommandResult& r) {
    const std::string json = (dc_->dir->path() / "probe.json").string();
    std::filesystem::remove(json);
    r = RunCommand(Krb5Env(*dc_) + ShellQuote(NTLM_HARNESS_BIN) + " probe " + ShellQuote(target) +
                       " --user Administrator --domain HARNESS --password " +
                       ShellQuote(kAdminPassword) + " --timeout 10 --json " + ShellQuote(json) +
                       " " + extra,
                   240, /*merge_stderr=*/true);
    std::ifstream in(json);
    return nlohmann::json::parse(in, nullptr, false);
  }

  static std::string Port(int port) {
    return "ncacn_ip_tcp:127.0.0.1[" + std::to_string(port) + "]";
  }

  static SambaDc* dc_;
};

SambaDc* ProbeSambaDcTest::dc_ = nullptr;

#define REQUIRE_DC()                               \
  do {                                             \
    REQUIRE_PEER(dc_->skip.empty(), dc_->skip);    \
    ASSERT_TRUE(dc_->error.empty()) << dc_->error; \
  } while (0)

// variation -> "accept" / "reject@stage" / "skipped".
std::map<std::string, std::string> Answers(const nlohmann::json& report) {
  std::map<std::string, std::string> got;
  for (const auto& o : report["observations"]) {
    std::string v = o["result"].get<std::string>();
    if (v == "reject") v += "@" + o["at"].get<std::string>();
    got[o["variation"].get<std::string>()] = v;
  }
  return got;
}

// One test (one ctest entry): each ctest entry is its own process, which would
// provision its own DC and race the other for port 135.
TEST_F(ProbeSambaDcTest, SamrVerdictLsarpcDeniedAndEndpointMapperResolves) {
  REQUIRE_DC();
  CommandResult r;
  const std::string html = (dc_->dir->path() / "probe.html").string();
  const auto report = Probe(Port(dc_->samr_port), "--interface samr --html " + ShellQuote(html), r);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  EXPECT_EQ(r.rc, 1) << r.out;  // no catalogue policy explains every answer
  auto got = Answers(report);
  for (const char* v : {"windows-modern", "sign-only", "seal-56", "seal-40", "no-version",
                        "ntlmv2-legacy", "modern.omit-mic"}) {
    EXPECT_EQ(got[v], "accept") << v << "\n" << r.out;
  }
  // ntlm auth = ntlmv2-only; wrong passwords and unknown users.
  for (const char* v : {"ntlmv1", "ntlmv1-ess", "lm", "modern.wrong-password",
                        "modern.unknown-user", "modern.replay-authenticate"}) {
    EXPECT_EQ(got[v], "reject@authenticate") << v << "\n" << r.out;
  }
  // Signatures, sealed stubs and sequence numbers are verified.
  for (const char* v : {"modern.alter-signature", "modern.alter-ciphertext",
                        "modern.reorder-sealed-messages", "sign-only.alter-message"}) {
    EXPECT_EQ(got[v], "reject@session-1") << v << "\n" << r.out;
  }
  EXPECT_EQ(got["modern.replay-sealed-message"], "reject@session-2") << r.out;
  // samr refuses the connect level (no SIGN, no SEAL asked).
  EXPECT_EQ(got["http-no-signseal"], "reject@authenticate") << r.out;

  const auto& closest = report["closest"];
  ASSERT_TRUE(closest.is_object()) << r.out;
  EXPECT_EQ(closest["min_server_sec"], "0x00000000") << r.out;
  EXPECT_EQ(closest["lm_compat_level"], 5) << r.out;
  EXPECT_EQ(closest["epa"], "off") << r.out;
  std::set<std::string> not_made;
  for (const auto& n : closest["checks_not_made"]) not_made.insert(n.get<std::string>());
  for (const char* v : {"modern.stale-timestamp", "modern.future-timestamp"}) {
    EXPECT_TRUE(not_made.count(v)) << v << "\n" << r.out;  // no clock check
  }
  std::set<std::string> unexplained;
  for (const auto& g : closest["unexplained_refusals"]) {
    for (const auto& n : g["variations"]) unexplained.insert(n.get<std::string>());
  }
  EXPECT_TRUE(unexplained.count("http-no-signseal")) << r.out;
  // The same verdict in the HTML report, read back with an HTML parser.
  auto xpath = [&html](const std::string& expression) {
    return RunCommand("xmllint --html --xpath " + ShellQuote(expression) + " " + ShellQuote(html),
                      30)
        .out;
  };
  EXPECT_EQ(xpath("string(//div[@id='closest']/p)")
                .find("NtlmMinServerSec 0x00000000 (none) "
                      "with LmCompatibilityLevel 5, EPA off"),
            0u);
  EXPECT_NE(xpath("//div[@id='checks-not-made']//li/a/@href").find("#v-modern.stale-timestamp"),
            std::string::npos);
  EXPECT_NE(xpath("//div[@id='refusal-groups']//li").find("http-no-signseal"), std::string::npos);
  EXPECT_NE(
      xpath("string(//tr[@id='v-ntlmv1']/td[@class='answer'])").find("refused at the AUTHENTICATE"),
      std::string::npos);

  // lsa_OpenPolicy2 over ncacn_ip_tcp: Samba faults it access denied whoever
  // calls (dcesrv_lsa_OpenPolicy2 serves ncacn_np and ncalrpc only), which
  // reads as a refused AUTHENTICATE even for the honest client.
  CommandResult lsa;
  const auto lsa_report =
      Probe(Port(dc_->lsarpc_port), "--interface lsarpc --filter windows-modern", lsa);
  ASSERT_FALSE(lsa_report.is_discarded()) << lsa.out;
  EXPECT_EQ(Answers(lsa_report)["windows-modern"], "reject@authenticate") << lsa.out;
  EXPECT_NE(lsa.out.find("nca_s_fault_access_denied"), std::string::npos) << lsa.out;

  // The endpoint mapper itself, authenticated: no minimum level, so the
  // connect level (a NEGOTIATE without SIGN or SEAL) is served there.
  CommandResult epm;
  const auto epm_report =
      Probe("ncacn_ip_tcp:127.0.0.1[135]",
            "--interface epmapper --filter windows-modern --filter http-no-signseal", epm);
  ASSERT_FALSE(epm_report.is_discarded()) << epm.out;
  EXPECT_EQ(Answers(epm_report)["windows-modern"], "accept") << epm.out;
  EXPECT_EQ(Answers(epm_report)["http-no-signseal"], "accept") << epm.out;

  // No port: the DC's endpoint mapper on 127.0.0.1:135 gives samr's.
  CommandResult mapped;
  const auto mapped_report =
      Probe("ncacn_ip_tcp:127.0.0.1", "--interface samr --filter windows-modern", mapped);
  ASSERT_FALSE(mapped_report.is_discarded()) << mapped.out;
  EXPECT_EQ(mapped.rc, 0) << mapped.out;
  EXPECT_NE(mapped.out.find("(samr) is at port " + std::to_string(dc_->samr_port)),
            std::string::npos)
      << mapped.out;
  EXPECT_EQ(Answers(mapped_report)["windows-modern"], "accept") << mapped.out;
  // Samba does not serve rpcecho: the endpoint mapper says so, probe exits 3.
  CommandResult unmapped;
  Probe("ncacn_ip_tcp:127.0.0.1", "--interface rpcecho", unmapped);
  EXPECT_EQ(unmapped.rc, 3) << unmapped.out;
  EXPECT_NE(unmapped.out.find("EPT_S_NOT_REGISTERED"), std::string::npos) << unmapped.out;
}

}  // namespace
}  // namespace ntlm::harness::net::testing
