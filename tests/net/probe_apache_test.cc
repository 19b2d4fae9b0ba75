// probe_apache_test.cc: `probe` against a server nobody here wrote: Apache
// httpd with mod_auth_gssapi and gss-ntlmssp 1.2 (Debian apache2-bin,
// libapache2-mod-auth-gssapi, gss-ntlmssp), on loopback, in a temporary
// directory (its own ServerRoot, PidFile, logs; nothing system-wide), with
// `GssapiAllowedMech ntlmssp`, `GssapiConnectionBound On`, NTLM_USER_FILE in
// Apache's environment and an empty KRB5_CONFIG. The test asserts what
// follows from gss-ntlmssp's source and documentation: it refuses a NEGOTIATE
// without VERSION / shorter than 40 bytes (no CHALLENGE), makes no timestamp
// or target-info echo check, and refuses a wrong password; no NtlmMinServerSec
// / LmCompatibilityLevel / EPA combination of the catalogue explains all of
// it (probe exits 1). What probe found is written down in
// docs/profiles/apache-gss-ntlmssp.md.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "http_serve_process.h"

namespace ntlm::harness::net::testing {
namespace {

constexpr const char* kModules = "/usr/lib/apache2/modules";

class ProbeApacheTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (started_) RunCommand(Env() + "/usr/sbin/apache2 -f " + ShellQuote(Conf()) + " -k stop", 30);
  }

  std::string Conf() const { return (dir_.path() / "httpd.conf").string(); }
  std::string Env() const {
    return "NTLM_USER_FILE=" + ShellQuote((dir_.path() / "users").string()) +
           " KRB5_CONFIG=" + ShellQuote((dir_.path() / "krb5.conf").string()) + " ";
  }

  // Writes the configuration and starts httpd; false with the reason in `why`.
  bool StartApache(std::string& why) {
    const auto d = dir_.path();
    std::filesystem::create_directories(d / "htdocs");
    std::ofstream(d / "htdocs" / "index.html") << "hello\n";
    std::ofstream(d / "krb5.conf").flush();
    WriteUserFile(d / "users", "CONTOSO:alice:Passw0rd!\n");
    port_ = FreeLoopbackPort();
    std::ofstream conf(Conf());
    conf << "ServerRoot " << d.string() << "\nServerName 127.0.0.1\nListen 127.0.0.1:" << port_
         << "\nPidFile " << (d / "httpd.pid").string() << "\nErrorLog "
         << (d / "error.log").string() << "\nLogLevel info\n";
    for (const char* m : {"mpm_event", "authz_core", "authn_core", "authz_user", "auth_gssapi"}) {
      conf << "LoadModule " << m << "_module " << kModules << "/mod_" << m << ".so\n";
    }
    if (geteuid() == 0) {
      // httpd's workers run as nobody: they read the user file and the page.
      const passwd* nobody = getpwnam("nobody");
      if (nobody == nullptr) {
        why = "no user nobody";
        return false;
      }
      conf << "User nobody\n";
      std::filesystem::permissions(d, std::filesystem::perms(0755));
      for (const auto& p : {d / "users", d / "htdocs", d / "htdocs" / "index.html"}) {
        if (chown(p.c_str(), nobody->pw_uid, static_cast<gid_t>(-1)) != 0) {
          why = "chown " + p.string();
          return false;
        }
      }
    }
    conf << "DocumentRoot " << (d / "htdocs").string() << "\n<Location />\n  AuthType GSSAPI\n"
         << "  AuthName ntlm\n  GssapiAllowedMech ntlmssp\n  GssapiConnectionBound On\n"
         << "  Require valid-user\n</Location>\n";
    conf.close();
    auto r = RunCommand(Env() + "/usr/sbin/apache2 -f " + ShellQuote(Conf()) + " -k start", 30,
                        /*merge_stderr=*/true);
    started_ = r.rc == 0;
    if (!started_) why = r.out;
    // Bounded wait for the listener.
    if (started_ && WaitForLoopbackPort(port_, std::chrono::seconds(5))) return true;
    if (started_) why = "httpd did not listen on port " + std::to_string(port_);
    return false;
  }

  TempDir dir_;
  int port_ = 0;
  bool started_ = false;
};

TEST_F(ProbeApacheTest, GssNtlmsspBehaviourIsWhatProbeReports) {
  REQUIRE_PEER(std::filesystem::exists("/usr/sbin/apache2") &&
                   std::filesystem::exists(std::string(kModules) + "/mod_auth_gssapi.so"),
               "apache2-bin + libapache2-mod-auth-gssapi");
  std::string why;
  ASSERT_TRUE(StartApache(why)) << why;
  const std::string json = (dir_.path() / "probe.json").string();
  auto r = RunCommand(ShellQuote(NTLM_HARNESS_BIN) + " probe " +
                          ShellQuote("http://127.0.0.1:" + std::to_string(port_) + "/index.html") +
                          " --user alice --domain CONTOSO --password 'Passw0rd!' --timeout 5 "
                          "--json " +
                          ShellQuote(json),
                      180, /*merge_stderr=*/true);
  EXPECT_EQ(r.rc, 1) << r.out;  // no catalogue policy explains every answer
  std::ifstream in(json);
  auto report = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(report.is_discarded()) << r.out;
  std::map<std::string, std::string> got;  // variation -> "accept" / "reject@stage"
  for (const auto& o : report["observations"]) {
    std::string v = o["result"].get<std::string>();
    if (v == "reject") v += "@" + o["at"].get<std::string>();
    got[o["variation"].get<std::string>()] = v;
  }
  EXPECT_EQ(got["windows-modern"], "accept") << r.out;
  // NEGOTIATEs without VERSION (shorter than 40 bytes) get no CHALLENGE.
  for (const char* v : {"no-version", "ntlmv2-legacy", "http-no-signseal"}) {
    EXPECT_EQ(got[v], "reject@negotiate") << v << "\n" << r.out;
  }
  // No clock check, no target-info echo check.
  for (const char* v :
       {"modern.stale-timestamp", "modern.future-timestamp", "modern.alter-target-info"}) {
    EXPECT_EQ(got[v], "accept") << v << "\n" << r.out;
  }
  EXPECT_EQ(got["modern.wrong-password"], "reject@authenticate") << r.out;
  EXPECT_TRUE(report["consistent"].empty()) << r.out;
  // The verdict: the closest policy, the checks the server does not make
  // (no clock, no target-info echo), and the NEGOTIATE refusals grouped by
  // what they share (no VERSION).
  const auto& closest = report["closest"];
  ASSERT_TRUE(closest.is_object()) << r.out;
  std::set<std::string> not_made;
  for (const auto& n : closest["checks_not_made"]) not_made.insert(n.get<std::string>());
  for (const char* v :
       {"modern.stale-timestamp", "modern.future-timestamp", "modern.alter-target-info"}) {
    EXPECT_TRUE(not_made.count(v)) << v << "\n" << r.out;
  }
  ASSERT_FALSE(closest["unexplained_refusals"].empty()) << r.out;
  const auto& group = closest["unexplained_refusals"][0];
  EXPECT_EQ(group["shared"], "NEGOTIATE without VERSION (shorter than 40 bytes)") << r.out;
  std::set<std::string> members;
  for (const auto& n : group["variations"]) members.insert(n.get<std::string>());
  for (const char* v : {"no-version", "ntlmv2-legacy", "http-no-signseal"}) {
    EXPECT_TRUE(members.count(v)) << v << "\n" << r.out;
  }
  EXPECT_NE(r.out.find("Closest: NtlmMinServerSec"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Checks Windows makes that the server does not"), std::string::npos);
}

}  // namespace
}  // namespace ntlm::harness::net::testing
