// smb_clients_test.cc: `ntlmssp-harness serve --smb` end to end on loopback
// with real SMB clients: Samba's smbclient (SMB 2.1, 3.0, 3.1.1, signing
// required, the IPC$ tree connect, wrong password, policies the client cannot
// meet) and impacket's SMBConnection (2.1 and 3.0, its signed requests
// verified by the server), then --record (the transcripts replay) and --pcap
// (tshark decodes SMB2 and the NTLMSSP inside). Kerberos is off: a client
// smb.conf in a temp folder with `client use kerberos = off` and an empty
// KRB5_CONFIG. Every client runs under `timeout`, the server is stopped by the
// test. Outside CI a missing client skips; under CI=true it fails.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "http_serve_process.h"

namespace ntlm::harness::net::testing {
namespace {

bool HaveSmbclient() { return RunCommand("command -v smbclient").rc == 0; }
bool HaveImpacket() {
  return RunCommand("/usr/bin/python3 -c 'import impacket.smbconnection'").rc == 0;
}
bool HaveTshark() { return RunCommand("command -v tshark").rc == 0; }

class SmbClientsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_ = WriteUserFile(dir_.path() / "users", "CONTOSO:alice:Passw0rd!\n");
    std::ofstream(dir_.path() / "krb5.conf").close();
    std::ofstream conf(dir_.path() / "smb.conf");
    conf << "[global]\n"
         << "  client use kerberos = off\n"
         << "  client min protocol = SMB2_02\n"
         << "  lock directory = " << (dir_.path() / "lock").string() << "\n"
         << "  state directory = " << (dir_.path() / "state").string() << "\n"
         << "  cache directory = " << (dir_.path() / "cache").string() << "\n"
         << "  private dir = " << (dir_.path() / "private").string() << "\n";
  }

  void StartServe(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--smb", "127.0.0.1:0", "--users", users_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(serve_.Start(args)) << serve_.first_line() << "\n" << serve_.log();
    ASSERT_EQ(serve_.first_line().rfind("listening smb 127.0.0.1:", 0), 0u) << serve_.first_line();
  }

  // smbclient //127.0.0.1/IPC$ -c exit with `options`; output merged.
  CommandResult Smbclient(const std::string& password, const std::string& options) {
    const std::string env = "KRB5_CONFIG=" + ShellQuote((dir_.path() / "krb5.conf").string()) +
                            " HOME=" + ShellQuote(dir_.path().string()) + " ";
    return RunCommand(env + "smbclient //127.0.0.1/IPC\\$ -p " + std::to_string(serve_.port()) +
                          " -s " + ShellQuote((dir_.path() / "smb.conf").string()) + " -U " +
                          ShellQuote("CONTOSO\\alice%" + password) + " " + options + " -c exit",
                      40, true);
  }

  // smbclient fails showing `shown`; the server's first auth line has
  // `status` (and `reason_part` in its reason).
  void ExpectRefused(const CommandResult& result, const std::string& shown,
                     const std::string& status, const std::string& reason_part = "") {
    EXPECT_NE(result.rc, 0);
    EXPECT_NE(result.out.find(shown), std::string::npos) << result.out;
    ASSERT_EQ(serve_.Stop(), 0);
    auto lines = AuthLines(serve_.log());
    ASSERT_FALSE(lines.empty()) << serve_.log();
    EXPECT_EQ(lines[0]["status"], status);
    EXPECT_NE(lines[0]["reason"].get<std::string>().find(reason_part), std::string::npos);
  }

  nlohmann::json RunImpacket(const std::string& dialect, const std::string& password, bool tamper);

  TempDir dir_;
  std::filesystem::path users_;
  ServeProcess serve_;
};

TEST_F(SmbClientsTest, SmbclientLogsOnWithSigningRequiredAtEachDialect) {
  REQUIRE_PEER(HaveSmbclient(), "smbclient");
  StartServe({"--smb-signing", "required", "--min-server-sec", "0x20000000"});
  for (const char* protocol : {"SMB2_10", "SMB3_00", "SMB3_11"}) {
    SCOPED_TRACE(protocol);
    auto result = Smbclient("Passw0rd!", std::string("-m ") + protocol +
                                             " --option='client signing=required'"
                                             " --option='client ipc signing=required'");
    EXPECT_EQ(result.rc, 0) << result.out;
  }
  ASSERT_EQ(serve_.Stop(), 0);
  auto lines = AuthLines(serve_.log());
  ASSERT_EQ(lines.size(), 3u) << serve_.log();
  for (const auto& line : lines) {
    EXPECT_EQ(line["front"], "smb");
    EXPECT_EQ(line["verdict"], "accept");
    EXPECT_EQ(line["user"], "alice");
  }
}

TEST_F(SmbClientsTest, SmbclientWrongPasswordIsLogonFailure) {
  REQUIRE_PEER(HaveSmbclient(), "smbclient");
  StartServe({});
  ExpectRefused(Smbclient("wrong", "-m SMB3_11"), "NT_STATUS_LOGON_FAILURE", "SEC_E_LOGON_DENIED");
}

// NTLMv1 (client ntlmv2 auth = no) under LmCompatibilityLevel 5: the server
// refuses the NTLMv1 response, smbclient sees STATUS_LOGON_FAILURE.
TEST_F(SmbClientsTest, SmbclientNtlmV1UnderLevel5IsRefused) {
  REQUIRE_PEER(HaveSmbclient(), "smbclient");
  StartServe({"--lm-compat", "5", "--min-server-sec", "0"});
  ExpectRefused(Smbclient("Passw0rd!", "-m SMB2_10 --option='client ntlmv2 auth=no'"),
                "NT_STATUS_LOGON_FAILURE", "SEC_E_LOGON_DENIED", "NTLMv1");
}

// A policy smbclient cannot meet: it never asks for SEAL (its NEGOTIATE flags
// carry SIGN only), so NtlmMinServerSec with the confidentiality bit refuses it
// at the NEGOTIATE with SEC_E_UNSUPPORTED_FUNCTION as the NTSTATUS (as Samba's
// own NTLMSSP server does).
TEST_F(SmbClientsTest, SmbclientRefusedWhenThePolicyRequiresSeal) {
  REQUIRE_PEER(HaveSmbclient(), "smbclient");
  StartServe({"--min-server-sec", "0x20080030"});
  ExpectRefused(Smbclient("Passw0rd!", "-m SMB3_11"), "0x80090302", "SEC_E_UNSUPPORTED_FUNCTION",
                "missing");
}

// The transcripts of --record replay to the recorded verdicts (with the
// account filled in), and tshark decodes the pcap as SMB2 with NTLMSSP inside.
TEST_F(SmbClientsTest, RecordReplaysAndPcapDecodes) {
  REQUIRE_PEER(HaveSmbclient(), "smbclient");
  REQUIRE_PEER(HaveTshark(), "tshark");
  const auto rec = dir_.path() / "rec";
  const auto pcap = dir_.path() / "smb.pcap";
  StartServe({"--record", rec.string(), "--pcap", pcap.string()});
  EXPECT_EQ(Smbclient("Passw0rd!", "-m SMB3_00").rc, 0);
  EXPECT_NE(Smbclient("wrong", "-m SMB2_10").rc, 0);
  const int port = serve_.port();
  ASSERT_EQ(serve_.Stop(), 0);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(rec)) {
    ++files;
    std::ifstream in(entry.path());
    auto transcript = nlohmann::json::parse(in, nullptr, false);
    ASSERT_FALSE(transcript.is_discarded());
    EXPECT_FALSE(transcript["accounts"].empty()) << entry.path();
  }
  EXPECT_EQ(files, 2u);
  auto replay =
      RunCommand(std::string(NTLM_HARNESS_BIN) + " replay " + ShellQuote(rec.string()), 60, true);
  EXPECT_EQ(replay.rc, 0) << replay.out;
  EXPECT_NE(replay.out.find("2 passed, 0 failed"), std::string::npos) << replay.out;
  auto tshark = RunCommand("tshark -r " + ShellQuote(pcap.string()) +
                               " -d tcp.port==" + std::to_string(port) +
                               ",nbss -o ntlmssp.nt_password:Passw0rd! -Y smb2",
                           60, true);
  EXPECT_NE(tshark.out.find("NTLMSSP_AUTH, User: CONTOSO\\alice"), std::string::npos) << tshark.out;
  EXPECT_NE(tshark.out.find("Tree Connect Request Tree: \\\\127.0.0.1\\IPC$"), std::string::npos)
      << tshark.out;
  EXPECT_NE(tshark.out.find("STATUS_LOGON_FAILURE"), std::string::npos) << tshark.out;
}

// impacket's SMBConnection at 2.1 and 3.0 under --smb-signing required: it
// logs on, signs its requests and the server verifies them (a request signed
// with a wrong key is refused with STATUS_ACCESS_DENIED).
constexpr const char* kImpacketScript = R"PY(
import json, sys
from impacket.smbconnection import SMBConnection
from impacket import smb3structs as s3
port, dialect, password, tamper = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == '1'
d = {'2.1': s3.SMB2_DIALECT_21, '3.0': s3.SMB2_DIALECT_30}[dialect]
out = {}
try:
    c = SMBConnection('127.0.0.1', '127.0.0.1', sess_port=int(port), preferredDialect=d, timeout=20)
    out['dialect'] = c.getDialect()
    c.login('alice', password, 'CONTOSO')
    out['signing'] = bool(c._SMBConnection._Session['SigningActivated'])
    out['encrypted'] = bool(c._SMBConnection._Session['SessionFlags'] & s3.SMB2_SESSION_FLAG_ENCRYPT_DATA)
    if tamper:
        c._SMBConnection._Session['SigningKey'] = b'\0' * 16
        c._SMBConnection._Session['SessionKey'] = b'\1' * 16
    tid = c.connectTree('IPC$')
    out['tree'] = 'ok'
    c.disconnectTree(tid)
    c.logoff()
    out['logoff'] = 'ok'
except Exception as e:
    out['error'] = str(e)
print(json.dumps(out))
)PY";

// kImpacketScript's JSON for one run against serve_.
nlohmann::json SmbClientsTest::RunImpacket(const std::string& dialect, const std::string& password,
                                           bool tamper) {
  auto result = RunCommand("/usr/bin/python3 -c " + ShellQuote(kImpacketScript) + " " +
                               std::to_string(serve_.port()) + " " + dialect + " " +
                               ShellQuote(password) + (tamper ? " 1" : " 0"),
                           40);
  auto json = nlohmann::json::parse(result.out, nullptr, false);
  EXPECT_FALSE(json.is_discarded()) << result.out;
  return json.is_discarded() ? nlohmann::json::object() : json;
}

// --smb-encryption required ([MS-SMB2] 3.1.4.3): the IPC$ tree connect is
// granted only to an encrypted request, so its success shows the client
// encrypted. smbclient at 3.0, 3.0.2 and 3.1.1 (AES-128-GCM; AES-128-CCM when
// it is the only cipher offered) and impacket at 3.0 (AES-128-CCM) do; an SMB
// 2.1 client cannot encrypt and is refused with STATUS_ACCESS_DENIED.
TEST_F(SmbClientsTest, EncryptionRequiredSmbclientAndImpacketEncrypt) {
  REQUIRE_PEER(HaveSmbclient(), "smbclient");
  REQUIRE_PEER(HaveImpacket(), "impacket");
  StartServe({"--smb-encryption", "required"});
  for (const char* options :
       {"-m SMB3_00", "-m SMB3_02", "-m SMB3_11",
        "-m SMB3_11 --option='client smb3 encryption algorithms=aes-128-ccm'",
        "-m SMB3_11 --option='client smb3 encryption algorithms=aes-256-gcm'",
        "-m SMB3_11 --option='client smb3 encryption algorithms=aes-256-ccm'"}) {
    SCOPED_TRACE(options);
    auto result = Smbclient("Passw0rd!", std::string(options) + " --client-protection=encrypt");
    EXPECT_EQ(result.rc, 0) << result.out;
  }
  auto impacket = RunImpacket("3.0", "Passw0rd!", false);
  EXPECT_EQ(impacket.value("tree", ""), "ok") << impacket.dump();
  EXPECT_EQ(impacket.value("logoff", ""), "ok") << impacket.dump();
  EXPECT_EQ(impacket.value("encrypted", false), true) << impacket.dump();
  auto plain = Smbclient("Passw0rd!", "-m SMB2_10");
  EXPECT_NE(plain.rc, 0);
  EXPECT_NE(plain.out.find("NT_STATUS_ACCESS_DENIED"), std::string::npos) << plain.out;
  ASSERT_EQ(serve_.Stop(), 0);
  auto lines = AuthLines(serve_.log());
  ASSERT_EQ(lines.size(), 8u) << serve_.log();
  EXPECT_EQ(lines[7]["verdict"], "reject");
  EXPECT_NE(lines[7]["reason"].get<std::string>().find("requires SMB encryption"),
            std::string::npos);
}

// Wireshark decrypts SMB3 from the NTLM password alone (it derives the
// session key, then the cipher keys): a pcap of an encrypted 3.1.1 session
// shows the tree connect request and the server's encrypted response
// decrypted, an independent check of the keys and of AES-128-GCM, and of
// AES-256-GCM's 32-byte keys (the KDF with L = 256).
TEST_F(SmbClientsTest, EncryptedSessionPcapDecryptsInTshark) {
  REQUIRE_PEER(HaveSmbclient(), "smbclient");
  REQUIRE_PEER(HaveTshark(), "tshark");
  const auto pcap = dir_.path() / "encrypted.pcap";
  StartServe({"--smb-encryption", "required", "--pcap", pcap.string()});
  const uint16_t port = serve_.port();
  for (const char* algorithms : {"aes-128-gcm", "aes-256-gcm"}) {
    auto result = Smbclient("Passw0rd!",
                            "-m SMB3_11 --client-protection=encrypt "
                            "--option='client smb3 encryption algorithms=" +
                                std::string(algorithms) + "'");
    EXPECT_EQ(result.rc, 0) << algorithms << "\n" << result.out;
  }
  ASSERT_EQ(serve_.Stop(), 0);
  auto tshark = RunCommand("tshark -r " + ShellQuote(pcap.string()) +
                               " -d tcp.port==" + std::to_string(port) +
                               ",nbss -o ntlmssp.nt_password:Passw0rd! -Y smb2",
                           60, true);
  // Both sessions, one per cipher, decrypted: each line once per session.
  auto count = [&](const std::string& text) {
    size_t n = 0;
    for (size_t at = tshark.out.find(text); at != std::string::npos;
         at = tshark.out.find(text, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("Decrypted SMB3;Tree Connect Request Tree: \\\\127.0.0.1\\IPC$"), 2u)
      << tshark.out;
  EXPECT_EQ(count("Decrypted SMB3;Tree Connect Response"), 2u) << tshark.out;
}

TEST_F(SmbClientsTest, ImpacketLogsOnAt21And30WithVerifiedSignatures) {
  REQUIRE_PEER(HaveImpacket(), "impacket");
  StartServe({"--smb-signing", "required"});
  auto run = [&](const std::string& dialect, const std::string& password, bool tamper) {
    return RunImpacket(dialect, password, tamper);
  };
  for (const std::string dialect : {"2.1", "3.0"}) {
    SCOPED_TRACE(dialect);
    auto ok = run(dialect, "Passw0rd!", false);
    EXPECT_EQ(ok.value("tree", ""), "ok") << ok.dump();
    EXPECT_EQ(ok.value("logoff", ""), "ok") << ok.dump();
    EXPECT_EQ(ok.value("signing", false), true) << ok.dump();
    auto tampered = run(dialect, "Passw0rd!", true);
    EXPECT_NE(tampered.value("error", "").find("STATUS_ACCESS_DENIED"), std::string::npos)
        << tampered.dump();
  }
  auto wrong = run("3.0", "wrong", false);
  EXPECT_NE(wrong.value("error", "").find("STATUS_LOGON_FAILURE"), std::string::npos)
      << wrong.dump();
  ASSERT_EQ(serve_.Stop(), 0);
  EXPECT_EQ(AuthLines(serve_.log()).size(), 5u) << serve_.log();
}

// The front's limits: a transport header announcing more than the message
// limit, or one that does not start with a zero byte, closes the connection;
// a client that never logs on is closed at the handshake timeout.
TEST_F(SmbClientsTest, LimitsCloseTheConnection) {
  StartServe({"--handshake-timeout", "1", "--idle-timeout", "5"});
  {
    RawClient client(serve_.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(std::string("\x00\x7f\xff\xff", 4)));
    bool closed = false;
    EXPECT_TRUE(client.ReadUntilClose(closed).empty());
    EXPECT_TRUE(closed);
  }
  {
    RawClient client(serve_.port());
    ASSERT_TRUE(client.Send(std::string("\x85\x00\x00\x00", 4)));  // NetBIOS keepalive type
    bool closed = false;
    client.ReadUntilClose(closed);
    EXPECT_TRUE(closed);
  }
  {
    RawClient client(serve_.port(), std::chrono::seconds(10));
    bool closed = false;
    client.ReadUntilClose(closed);  // nothing sent: the handshake deadline closes it
    EXPECT_TRUE(closed);
  }
  EXPECT_EQ(serve_.Stop(), 0);
}

TEST_F(SmbClientsTest, UsageErrorsNameTheOption) {
  const std::string bin = std::string(NTLM_HARNESS_BIN) + " serve --users " +
                          ShellQuote(users_.string()) + " --smb 127.0.0.1:0 ";
  auto signing = RunCommand(bin + "--smb-signing maybe", 20, true);
  EXPECT_EQ(signing.rc, 2);
  EXPECT_NE(signing.out.find("--smb-signing must be 'enabled' or 'required'"), std::string::npos)
      << signing.out;
  auto encryption = RunCommand(bin + "--smb-encryption always", 20, true);
  EXPECT_EQ(encryption.rc, 2);
  EXPECT_NE(encryption.out.find("--smb-encryption must be 'off', 'desired' or 'required'"),
            std::string::npos)
      << encryption.out;
  auto dialect = RunCommand(bin + "--smb-max-dialect 4.0", 20, true);
  EXPECT_EQ(dialect.rc, 2);
  EXPECT_NE(dialect.out.find("--smb-max-dialect must be"), std::string::npos) << dialect.out;
}

// --smb-max-dialect 2.1: smbclient offering up to 3.1.1 logs on at 2.1 (its
// debug output names the negotiated dialect).
TEST_F(SmbClientsTest, MaxDialectCapsTheNegotiation) {
  REQUIRE_PEER(HaveSmbclient(), "smbclient");
  StartServe({"--smb-max-dialect", "2.1"});
  auto result = Smbclient("Passw0rd!", "-m SMB3_11 -d 10");
  EXPECT_EQ(result.rc, 0) << result.out;
  EXPECT_NE(result.out.find("negotiated dialect[SMB2_10]"), std::string::npos) << result.out;
  ASSERT_EQ(serve_.Stop(), 0);
}

}  // namespace
}  // namespace ntlm::harness::net::testing
