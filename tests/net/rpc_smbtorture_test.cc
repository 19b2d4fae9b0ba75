// rpc_smbtorture_test.cc: Samba's own conformance suite against `serve --rpc`.
//
// smbtorture (Debian samba-testsuite) runs rpc.echo, the ten subtests of
// Samba's rpcecho interface, against the real ntlmssp-harness on loopback,
// at each binding option: [ntlm,connect], [ntlm,sign], [ntlm,seal] use
// NTLMSSP (auth_type 10); [sign] and [seal] let Samba's client choose (it
// tries SPNEGO, auth_type 9, first). Samba's Python client (python3-samba's
// samba.dcerpc.echo.rpcecho) calls AddOne and EchoData at each level too.
//
// Kerberos stays off in every client: --use-kerberos=off, `client use
// kerberos = off` in a client smb.conf of the test's temporary directory, and
// an empty KRB5_CONFIG. The variants of one test run in parallel (each
// smbtorture spends about 3 s in echo.sleep). Outside CI a missing peer
// skips; under CI=true it fails.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "http_serve_process.h"

namespace ntlm::harness::net::testing {
namespace {

constexpr const char* kPassword = "Passw0rd!";
const std::vector<std::string> kSubtests = {"addone",        "sinkdata",  "echodata", "sourcedata",
                                            "testcall",      "testcall2", "enum",     "surrounding",
                                            "doublepointer", "sleep"};

bool Have(const std::string& command) {
  return RunCommand("command -v " + command + " >/dev/null 2>&1", 10).rc == 0;
}

class SmbtortureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_ = WriteUserFile(dir_.path() / "users", std::string("CONTOSO:alice:") + kPassword + "\n");
    const auto d = dir_.path();
    std::ofstream(d / "krb5.conf").flush();
    for (const char* sub : {"lock", "state", "cache", "private", "ncalrpc"}) {
      std::filesystem::create_directories(d / sub);
    }
    std::ofstream conf(d / "smb.conf");
    conf << "[global]\n  workgroup = CONTOSO\n  client use kerberos = off\n"
         << "  disable netbios = yes\n  name resolve order = host\n"
         << "  lock directory = " << (d / "lock").string() << "\n"
         << "  state directory = " << (d / "state").string() << "\n"
         << "  cache directory = " << (d / "cache").string() << "\n"
         << "  private dir = " << (d / "private").string() << "\n"
         << "  ncalrpc dir = " << (d / "ncalrpc").string() << "\n";
  }

  bool StartServe(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--rpc", "127.0.0.1:0", "--users", users_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return serve_.Start(args);
  }

  std::string Env() const {
    return "KRB5_CONFIG=" + ShellQuote((dir_.path() / "krb5.conf").string()) +
           " KRB5CCNAME=" + ShellQuote("FILE:" + (dir_.path() / "ccache").string()) + " ";
  }

  // Runs smbtorture rpc.echo at each binding option at once; the output of
  // each, by option.
  std::map<std::string, std::string> RunTorture(const std::vector<std::string>& options,
                                                const std::string& password) {
    std::string script;
    for (size_t i = 0; i < options.size(); ++i) {
      const std::string binding =
          "ncacn_ip_tcp:127.0.0.1[" + std::to_string(serve_.port()) + "," + options[i] + "]";
      script += Env() + "timeout 90 smbtorture --configfile=" +
                ShellQuote((dir_.path() / "smb.conf").string()) + " " + ShellQuote(binding) +
                " -U " + ShellQuote("CONTOSO/alice%" + password) +
                " --use-kerberos=off rpc.echo > " +
                ShellQuote((dir_.path() / ("torture" + std::to_string(i))).string()) + " 2>&1 &\n";
    }
    script += "wait\n";
    RunCommand(script, 120);
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < options.size(); ++i) {
      std::ifstream in(dir_.path() / ("torture" + std::to_string(i)));
      out[options[i]] = std::string(std::istreambuf_iterator<char>(in), {});
    }
    return out;
  }

  // How many of the ten subtests have a `prefix` line ("success: echo.addone",
  // "failure: echo.addone [").
  static int Count(const std::string& output, const std::string& prefix) {
    int n = 0;
    for (const std::string& name : kSubtests) {
      const std::string line = prefix + ": echo." + name;
      for (size_t at = output.find(line); at != std::string::npos; at = output.find(line, at + 1)) {
        const size_t end = at + line.size();
        if (end < output.size() && (output[end] == '\n' || output[end] == ' ')) {
          ++n;
          break;
        }
      }
    }
    return n;
  }

  TempDir dir_;
  std::filesystem::path users_;
  ServeProcess serve_;
};

TEST_F(SmbtortureTest, RpcEchoPassesAtEveryBindingOption) {
  REQUIRE_PEER(Have("smbtorture"), "smbtorture (samba-testsuite)");
  ASSERT_TRUE(StartServe()) << serve_.log();
  const std::vector<std::string> options = {"ntlm,connect", "ntlm,sign", "ntlm,seal", "sign",
                                            "seal"};
  for (const auto& [option, output] : RunTorture(options, kPassword)) {
    EXPECT_EQ(Count(output, "success"), 10) << "[" << option << "]\n" << output;
  }
  // [ntlm,...] ran NTLMSSP (auth_type 10); [sign] and [seal] SPNEGO (9).
  const std::string log = serve_.log();
  EXPECT_NE(log.find("\"mechanism\":\"ntlmssp\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"mechanism\":\"spnego\""), std::string::npos) << log;
  EXPECT_EQ(log.find("\"verdict\":\"reject\""), std::string::npos) << log;
}

TEST_F(SmbtortureTest, WrongPasswordFailsEverySubtest) {
  REQUIRE_PEER(Have("smbtorture"), "smbtorture (samba-testsuite)");
  ASSERT_TRUE(StartServe()) << serve_.log();
  auto runs = RunTorture({"ntlm,seal", "seal"}, "wrong-password");
  for (const auto& [option, output] : runs) {
    EXPECT_EQ(Count(output, "failure"), 10) << "[" << option << "]\n" << output;
  }
  // NTLMSSP's auth3 has no reply: the bind succeeds and every call is refused
  // (fault access denied). SPNEGO's AUTHENTICATE rides an alter_context, whose
  // fault ends the bind: Samba reports a logon failure.
  EXPECT_NE(runs["ntlm,seal"].find("NT_STATUS_ACCESS_DENIED"), std::string::npos)
      << runs["ntlm,seal"];
  EXPECT_NE(runs["seal"].find("NT_STATUS_LOGON_FAILURE"), std::string::npos) << runs["seal"];
  EXPECT_NE(serve_.log().find("\"verdict\":\"reject\""), std::string::npos) << serve_.log();
}

TEST_F(SmbtortureTest, MinServerSecSealRefusesSignedAndServesSealed) {
  REQUIRE_PEER(Have("smbtorture"), "smbtorture (samba-testsuite)");
  ASSERT_TRUE(StartServe({"--min-server-sec", "0x20"})) << serve_.log();
  auto runs = RunTorture({"ntlm,sign", "sign", "ntlm,seal", "seal"}, kPassword);
  for (const char* refused : {"ntlm,sign", "sign"}) {
    EXPECT_EQ(Count(runs[refused], "failure"), 10) << runs[refused];
    EXPECT_NE(runs[refused].find("Error connecting to server"), std::string::npos) << runs[refused];
  }
  EXPECT_EQ(Count(runs["ntlm,seal"], "success"), 10) << runs["ntlm,seal"];
  EXPECT_EQ(Count(runs["seal"], "success"), 10) << runs["seal"];
}

// Samba's Python client: AddOne and EchoData at each auth level.
constexpr const char* kPythonClient = R"PY(
import sys
from samba.dcerpc import echo
from samba.param import LoadParm
from samba.credentials import Credentials, DONT_USE_KERBEROS
port, option, conf, password = sys.argv[1:5]
lp = LoadParm()
lp.load(conf)
creds = Credentials()
creds.guess(lp)
creds.set_kerberos_state(DONT_USE_KERBEROS)
creds.set_domain("CONTOSO")
creds.set_username("alice")
creds.set_password(password)
conn = echo.rpcecho("ncacn_ip_tcp:127.0.0.1[%s,%s]" % (port, option), lp, creds)
assert conn.AddOne(41) == 42
data = bytes((i * 7) & 0xFF for i in range(3000))
assert bytes(conn.EchoData(list(data))) == data
print("ok", option)
)PY";

TEST_F(SmbtortureTest, SambaPythonClientAtEachLevel) {
  REQUIRE_PEER(RunCommand("/usr/bin/python3 -c 'import samba.dcerpc.echo' 2>/dev/null", 30).rc == 0,
               "python3-samba");
  ASSERT_TRUE(StartServe()) << serve_.log();
  const auto script = dir_.path() / "client.py";
  std::ofstream(script) << kPythonClient;
  for (const char* option : {"ntlm,connect", "ntlm,sign", "ntlm,seal", "sign", "seal"}) {
    auto r = RunCommand(Env() + "/usr/bin/python3 " + ShellQuote(script.string()) + " " +
                            std::to_string(serve_.port()) + " " + option + " " +
                            ShellQuote((dir_.path() / "smb.conf").string()) + " " +
                            ShellQuote(kPassword),
                        60, /*merge_stderr=*/true);
    EXPECT_EQ(r.rc, 0) << option << ": " << r.out;
    EXPECT_NE(r.out.find(std::string("ok ") + option), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace ntlm::harness::net::testing
