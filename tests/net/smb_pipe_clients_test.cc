// smb_pipe_clients_test.cc: named pipes on IPC$ (ncacn_np) of
// `ntlmssp-harness serve --smb` with real DCE/RPC clients on loopback:
// Samba's smbtorture rpc.echo on ncacn_np:127.0.0.1[rpcecho] (no RPC
// authentication, sign, seal, ntlm+seal; the SMB port through
// `--option=smb ports=PORT`), and impacket's DCERPCTransportFactory
// ncacn_np transport at SMB 2.1 and 3.0 with and without an NTLM bind at
// pkt_privacy. Every client run is bounded by `timeout`; Kerberos is off (an
// empty KRB5_CONFIG, `client use kerberos = off`, --use-kerberos=off).
#include <gmock/gmock.h>
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

size_t Count(const std::string& text, const std::string& prefix) {
  size_t n = 0;
  for (size_t at = text.find(prefix); at != std::string::npos; at = text.find(prefix, at + 1)) {
    n += at == 0 || text[at - 1] == '\n';
  }
  return n;
}

class SmbPipeClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_ = WriteUserFile(dir_.path() / "users", std::string("CONTOSO:alice:") + kPassword + "\n");
    const auto d = dir_.path();
    std::ofstream(d / "krb5.conf").flush();
    std::ofstream conf(d / "smb.conf");
    conf << "[global]\n  workgroup = CONTOSO\n  client use kerberos = off\n"
         << "  disable netbios = yes\n  name resolve order = host\n";
    for (const char* sub : {"lock", "state", "cache", "private", "ncalrpc"}) {
      std::filesystem::create_directories(d / sub);
      conf << "  "
           << (std::string(sub) == "private"   ? "private dir"
               : std::string(sub) == "ncalrpc" ? "ncalrpc dir"
                                               : std::string(sub) + " directory")
           << " = " << (d / sub).string() << "\n";
    }
  }

  void StartServe(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--smb", "127.0.0.1:0", "--users", users_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(serve_.Start(args)) << serve_.log();
  }

  std::string Env() const {
    return "KRB5_CONFIG=" + ShellQuote((dir_.path() / "krb5.conf").string()) + " ";
  }

  TempDir dir_;
  std::filesystem::path users_;
  ServeProcess serve_;
};

// rpc.echo over the pipe at each binding option, run at once: all ten
// subtests pass, echo.sleep included (TestSleep calls sent concurrently,
// answered after their delays out of order; the READs and
// FSCTL_PIPE_TRANSCEIVEs on the empty pipe wait with interim responses until
// each reply is due, [MS-SMB2] 3.3.4.2, docs/smb.md).
TEST_F(SmbPipeClientsTest, SmbtortureRpcEchoOverNcacnNp) {
  REQUIRE_PEER(RunCommand("command -v smbtorture >/dev/null 2>&1", 10).rc == 0,
               "smbtorture (samba-testsuite)");
  StartServe();
  const std::vector<std::string> options = {"", ",sign", ",seal", ",ntlm,seal"};
  std::string script;
  for (size_t i = 0; i < options.size(); ++i) {
    script +=
        Env() +
        "timeout 90 smbtorture --configfile=" + ShellQuote((dir_.path() / "smb.conf").string()) +
        " " + ShellQuote("--option=smb ports=" + std::to_string(serve_.port())) + " " +
        ShellQuote("ncacn_np:127.0.0.1[rpcecho" + options[i] + "]") + " -U " +
        ShellQuote(std::string("CONTOSO/alice%") + kPassword) + " --use-kerberos=off rpc.echo > " +
        ShellQuote((dir_.path() / ("torture" + std::to_string(i))).string()) + " 2>&1 &\n";
  }
  script += "wait\n";
  RunCommand(script, 150);
  for (size_t i = 0; i < options.size(); ++i) {
    std::ifstream in(dir_.path() / ("torture" + std::to_string(i)));
    const std::string out(std::istreambuf_iterator<char>(in), {});
    SCOPED_TRACE("[rpcecho" + options[i] + "]");
    EXPECT_EQ(Count(out, "success: echo."), 10u) << out;
    EXPECT_EQ(Count(out, "success: echo.sleep"), 1u) << out;
    EXPECT_EQ(Count(out, "failure:") + Count(out, "error:"), 0u) << out;
  }
  EXPECT_EQ(serve_.Stop(), 0);
}

// The same over an SMB session that must encrypt (--smb-encryption required,
// `client smb encrypt = required`): every request and response, the final
// responses of the pending reads of echo.sleep included, travels in a
// TRANSFORM_HEADER; all ten subtests pass.
TEST_F(SmbPipeClientsTest, SmbtortureRpcEchoOverAnEncryptedSession) {
  REQUIRE_PEER(RunCommand("command -v smbtorture >/dev/null 2>&1", 10).rc == 0,
               "smbtorture (samba-testsuite)");
  StartServe({"--smb-encryption", "required"});
  auto result = RunCommand(
      Env() +
          "timeout 90 smbtorture --configfile=" + ShellQuote((dir_.path() / "smb.conf").string()) +
          " " + ShellQuote("--option=smb ports=" + std::to_string(serve_.port())) +
          " --option='client smb encrypt=required' 'ncacn_np:127.0.0.1[rpcecho]' -U " +
          ShellQuote(std::string("CONTOSO/alice%") + kPassword) + " --use-kerberos=off rpc.echo",
      120, true);
  EXPECT_EQ(Count(result.out, "success: echo."), 10u) << result.out;
  EXPECT_EQ(Count(result.out, "failure:") + Count(result.out, "error:"), 0u) << result.out;
  EXPECT_EQ(serve_.Stop(), 0);
}

TEST_F(SmbPipeClientsTest, ImpacketDceRpcOverSmb) {
  REQUIRE_PEER(RunCommand("/usr/bin/python3 -c 'import impacket.dcerpc.v5.transport'").rc == 0,
               "python3-impacket");
  StartServe();
  const std::string script =
      std::string(NTLM_SOURCE_DIR) + "/tests/scripts/impacket_ncacn_np_echo.py";
  for (const char* dialect : {"2.1", "3.0"}) {
    for (const char* level : {"none", "privacy"}) {
      auto r = RunCommand(Env() + "timeout 60 /usr/bin/python3 " + ShellQuote(script) + " " +
                              std::to_string(serve_.port()) + " " + dialect + " " + level + " " +
                              ShellQuote(kPassword),
                          90, /*merge_stderr=*/true);
      EXPECT_EQ(r.rc, 0) << dialect << " " << level << ": " << r.out;
      EXPECT_THAT(r.out, ::testing::HasSubstr(std::string("ok ") + dialect + " " + level));
    }
  }
  // A wrong password fails the SMB logon before any pipe is opened.
  auto bad = RunCommand(Env() + "timeout 60 /usr/bin/python3 " + ShellQuote(script) + " " +
                            std::to_string(serve_.port()) + " 3.0 none wrong",
                        90, true);
  EXPECT_NE(bad.rc, 0);
  EXPECT_THAT(bad.out, ::testing::HasSubstr("STATUS_LOGON_FAILURE"));
  EXPECT_EQ(serve_.Stop(), 0);
}

}  // namespace
}  // namespace ntlm::harness::net::testing
