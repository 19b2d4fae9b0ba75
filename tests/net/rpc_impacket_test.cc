// rpc_impacket_test.cc: the DCE/RPC front end to end on loopback against
// impacket's DCE/RPC client (/usr/bin/python3), and its pcap against tshark.
//
// The server is the shipped `ntlmssp-harness serve --rpc 127.0.0.1:0` process (its auth log on
// stderr, --record and --pcap into a temp folder), stopped by the test. Every client run is
// bounded by `timeout`, every socket operation by the front's deadlines. Outside CI a missing peer
// skips; under CI=true it fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness/replay.h"
#include "harness/transcript.h"
#include "ssp/status.h"
#include "tests/net/http_serve_process.h"

namespace ntlm::harness::net::testing {
namespace {

constexpr const char* kUser = "alice";
constexpr const char* kDomain = "CONTOSO";
constexpr const char* kPassword = "Passw0rd!";

int RunShell(const std::string& command, std::string* output) {
  std::FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) {
    if (output) output->append(buffer, n);
  }
  const int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool HaveImpacket() {
  return RunShell("/usr/bin/python3 -c 'import impacket.dcerpc.v5.transport' 2>/dev/null",
                  nullptr) == 0;
}
bool HaveTshark() { return RunShell("command -v tshark >/dev/null 2>&1", nullptr) == 0; }

// One "auth" line of serve's JSON log (harness/net/auth_log.h).
struct AuthLine {
  bool accepted = false;
  std::string front, user, domain, client_address, reason;
  uint32_t negotiated_flags = 0;
  uint32_t min_server_sec = 0;
  ssp::SecStatus status = ssp::SecStatus::kOk;
};

uint32_t Hex32(const nlohmann::json& line, const char* key) {
  return static_cast<uint32_t>(std::stoul(line.value(key, "0"), nullptr, 16));
}

// The impacket client: binds to the echo interface and calls it. Prints one
// JSON object: {"bind": "ok"|error, "echo": [sizes that round-tripped],
// "whoami": text, "error": first call error}.
constexpr const char* kClientScript = R"PY(
import json, struct, sys
from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_WINNT
from impacket.uuid import uuidtup_to_bin

port, level, user, domain, password, marker = sys.argv[1:7]
sizes = [int(s) for s in sys.argv[7].split(',')] if len(sys.argv) > 7 and sys.argv[7] else []
out = {"echo": [], "mismatch": []}
t = transport.DCERPCTransportFactory('ncacn_ip_tcp:127.0.0.1[%s]' % port)
t.set_credentials(user, password, domain)
t.set_connect_timeout(20)
dce = t.get_dce_rpc()
dce.set_auth_type(RPC_C_AUTHN_WINNT)
dce.set_auth_level(int(level))
try:
    dce.connect()
    dce.bind(uuidtup_to_bin(('66491ac2-5d75-4180-b8f1-c43dfe62b11c', '1.0')))
    out["bind"] = "ok"
except Exception as e:
    out["bind"] = str(e)
    print(json.dumps(out)); sys.exit(0)
try:
    for n in sizes:
        payload = (marker.encode() * (n // max(1, len(marker)) + 1))[:n]
        payload = payload[:len(marker)] + bytes((i * 7 + 3) & 0xFF for i in range(len(marker), n))
        stub = struct.pack('<II', n, n) + payload
        dce.call(0, stub)
        answer = dce.recv()
        if answer == stub:
            out["echo"].append(n)
        else:
            out["mismatch"].append(n)
    dce.call(1, b'')
    answer = dce.recv()
    length = struct.unpack('<I', answer[:4])[0]
    out["whoami"] = answer[8:8 + length].decode()
except Exception as e:
    out["error"] = str(e)
print(json.dumps(out))
)PY";

class RpcImpacketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rpc_impacket_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "record");
    script_ = dir_ / "client.py";
    std::ofstream(script_) << kClientScript;
    users_ =
        WriteUserFile(dir_ / "users", std::string(kDomain) + ":" + kUser + ":" + kPassword + "\n");
  }

  void TearDown() override {
    StopServer();
    // NTLM_KEEP_TEST_FILES=1 keeps the script, transcripts and pcap for inspection.
    if (std::getenv("NTLM_KEEP_TEST_FILES") != nullptr) return;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // `serve --rpc 127.0.0.1:0` with the account, --record and the given options.
  void StartServer(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--rpc",
                                     "127.0.0.1:0",
                                     "--users",
                                     users_.string(),
                                     "--record",
                                     (dir_ / "record").string(),
                                     "--idle-timeout",
                                     "20",
                                     "--handshake-timeout",
                                     "30"};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(serve_.Start(args)) << serve_.log();
    port_ = static_cast<uint16_t>(serve_.port());
  }
  void StopServer() {
    if (!serve_.running()) return;
    EXPECT_EQ(serve_.Stop(), 0) << serve_.log();
  }

  struct ClientRun {
    int exit_code = -1;
    nlohmann::json result;
    std::string raw;
  };
  ClientRun RunClient(int level, const std::string& password, const std::string& sizes,
                      const std::string& marker = "IMPACKET-ECHO-MARKER") {
    ClientRun run;
    const std::string cmd = "timeout 120 /usr/bin/python3 " + script_.string() + " " +
                            std::to_string(port_) + " " + std::to_string(level) + " " + kUser +
                            " " + kDomain + " '" + password + "' " + marker + " '" + sizes +
                            "' 2>" + (dir_ / "client.err").string();
    run.exit_code = RunShell(cmd, &run.raw);
    try {
      run.result = nlohmann::json::parse(run.raw);
    } catch (const std::exception&) {
      std::ifstream err(dir_ / "client.err");
      std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
      ADD_FAILURE() << "client output is not JSON: " << run.raw << "\nstderr: " << text;
    }
    return run;
  }

  // The auth lines serve logged (stderr), in order.
  std::vector<AuthLine> Logs() const {
    std::vector<AuthLine> lines;
    std::istringstream in(serve_.log());
    for (std::string text; std::getline(in, text);) {
      auto line = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (!line.is_object() || line.value("event", "") != "auth") continue;
      AuthLine a;
      a.accepted = line.value("verdict", "") == "accept";
      a.front = line.value("front", "");
      a.user = line.value("user", "");
      a.domain = line.value("domain", "");
      a.client_address = line.value("client", "");
      a.reason = line.value("reason", "");
      a.negotiated_flags = Hex32(line, "negotiated_flags");
      a.min_server_sec = Hex32(line, "min_server_sec");
      a.status = ssp::StatusFromName(line.value("status", "")).value_or(ssp::SecStatus::kOk);
      lines.push_back(std::move(a));
    }
    return lines;
  }
  // The transcripts serve recorded (--record), by file name.
  std::vector<Transcript> Transcripts() const {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "record")) {
      if (e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::vector<Transcript> transcripts;
    for (const auto& f : files) {
      std::string error;
      auto t = LoadTranscript(f, error);
      EXPECT_TRUE(t.has_value()) << error;
      if (t) transcripts.push_back(std::move(*t));
    }
    return transcripts;
  }

  void ExpectRoundTrips(int level) {
    StartServer();
    auto run = RunClient(level, kPassword, "0,1,1000,65536");
    ASSERT_EQ(run.exit_code, 0) << run.raw;
    EXPECT_EQ(run.result.value("bind", ""), "ok") << run.raw;
    EXPECT_EQ(run.result["echo"], nlohmann::json::array({0, 1, 1000, 65536})) << run.raw;
    EXPECT_TRUE(run.result["mismatch"].empty()) << run.raw;
    EXPECT_FALSE(run.result.contains("error")) << run.raw;
    const std::string whoami = run.result.value("whoami", "");
    EXPECT_EQ(whoami.rfind("CONTOSO\\alice flags=0x", 0), 0u) << whoami;
    EXPECT_NE(whoami.find(level == 6 ? "level=pkt_privacy" : "level=pkt_integrity"),
              std::string::npos)
        << whoami;
    StopServer();

    auto logs = Logs();
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_TRUE(logs[0].accepted) << logs[0].reason;
    EXPECT_EQ(logs[0].front, "rpc");
    EXPECT_EQ(logs[0].user, kUser);
    EXPECT_EQ(logs[0].domain, kDomain);
    EXPECT_EQ(logs[0].client_address.rfind("127.0.0.1:", 0), 0u);
    EXPECT_NE(logs[0].negotiated_flags & 0x10u, 0u);  // SIGN

    // The recorded transcript replays: handshake and every sealed/signed
    // fragment (header and trailer in `signed`) in both directions.
    auto transcripts = Transcripts();
    ASSERT_EQ(transcripts.size(), 1u);
    Transcript t = transcripts[0];
    EXPECT_TRUE(t.expect.accept);
    size_t messages = 0;
    for (const auto& e : t.exchange) {
      if (e.type == EntryType::kSeal || e.type == EntryType::kSign) {
        ++messages;
        EXPECT_EQ(e.type, level == 6 ? EntryType::kSeal : EntryType::kSign);
        EXPECT_TRUE(e.signed_bytes.has_value());  // impacket negotiates ESS
      }
    }
    EXPECT_GT(messages, 10u);  // 65536 B is fragmented both ways
    // As recorded, with the account's NT hash (issue 17: it was `accounts: []`,
    // so replay and profile refused the logon serve had accepted), under the
    // documented file name rpc-<time>-c<connection>-1.json.
    ASSERT_EQ(t.accounts.size(), 1u);
    EXPECT_EQ(t.accounts[0].user, kUser);
    EXPECT_TRUE(t.accounts[0].nt_hash.has_value());
    EXPECT_EQ(t.name.rfind("rpc-", 0), 0u) << t.name;
    EXPECT_EQ(t.name.substr(t.name.size() - 2), "-1") << t.name;
    ReplayOutcome outcome = ReplayServerSide(t);
    EXPECT_TRUE(outcome.accept) << outcome.reason;
    EXPECT_FALSE(outcome.content_difference_at.has_value()) << outcome.content_difference;
    EXPECT_EQ(FirstDifference(t, outcome), std::nullopt);
  }

  std::filesystem::path dir_;
  std::filesystem::path script_;
  std::filesystem::path users_;
  ServeProcess serve_;
  uint16_t port_ = 0;
};

TEST_F(RpcImpacketTest, PrivacyEchoRoundTripsFragmentedPayloads) {
  REQUIRE_PEER(HaveImpacket(), "python3 impacket");
  ExpectRoundTrips(6);
}

TEST_F(RpcImpacketTest, IntegrityEchoRoundTripsFragmentedPayloads) {
  REQUIRE_PEER(HaveImpacket(), "python3 impacket");
  ExpectRoundTrips(5);
}

// NtlmMinServerSec 0x20 maps to a minimum auth level of pkt_privacy. impacket
// asks for SEAL in its NEGOTIATE at every level (getNTLMSSPType1 with
// signingRequired), so NTLM itself would pass; the bind at pkt_integrity is
// refused by the level check with bind_nak before any NTLM work.
TEST_F(RpcImpacketTest, MinServerSecConfidentialityRefusesIntegrityBind) {
  REQUIRE_PEER(HaveImpacket(), "python3 impacket");
  StartServer({"--min-server-sec", "0x20000020"});
  auto run = RunClient(5, kPassword, "16");
  EXPECT_NE(run.result.value("bind", ""), "ok") << run.raw;
  EXPECT_NE(run.result.value("bind", "").find("reason_not_specified"), std::string::npos)
      << run.raw;
  auto privacy = RunClient(6, kPassword, "16");
  EXPECT_EQ(privacy.result.value("bind", ""), "ok") << privacy.raw;
  EXPECT_EQ(privacy.result["echo"], nlohmann::json::array({16})) << privacy.raw;
  StopServer();
  auto logs = Logs();
  ASSERT_EQ(logs.size(), 1u);  // the refused bind never reached NTLM
  EXPECT_TRUE(logs[0].accepted);
  EXPECT_EQ(logs[0].min_server_sec, 0x20000020u);
}

// Wrong password: bind_ack(CHALLENGE) and auth3 pass (auth3 has no reply);
// the first request gets fault nca_s_fault_access_denied (5), as Windows does.
TEST_F(RpcImpacketTest, WrongPasswordFaultsFirstCallWithAccessDenied) {
  REQUIRE_PEER(HaveImpacket(), "python3 impacket");
  StartServer();
  auto run = RunClient(6, "not-the-password", "16");
  EXPECT_EQ(run.result.value("bind", ""), "ok") << run.raw;
  EXPECT_TRUE(run.result["echo"].empty()) << run.raw;
  EXPECT_NE(run.result.value("error", "").find("rpc_s_access_denied"), std::string::npos)
      << run.raw;
  StopServer();
  auto logs = Logs();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_FALSE(logs[0].accepted);
  EXPECT_EQ(logs[0].status, ssp::SecStatus::kLogonDenied);
  EXPECT_EQ(logs[0].user, kUser);
  auto transcripts = Transcripts();
  ASSERT_EQ(transcripts.size(), 1u);
  EXPECT_FALSE(transcripts[0].expect.accept);
  EXPECT_EQ(transcripts[0].expect.status, ssp::SecStatus::kLogonDenied);
  EXPECT_EQ(transcripts[0].expect.at, std::optional<size_t>(2));
}

// The pcap of a pkt_privacy session, written by `serve --pcap`, is dissected by tshark: the three
// NTLMSSP messages, and with the password the decrypted stub holding the plaintext we sent.
TEST_F(RpcImpacketTest, TsharkDecryptsPrivacySessionFromPcap) {
  REQUIRE_PEER(HaveImpacket(), "python3 impacket");
  REQUIRE_PEER(HaveTshark(), "tshark");
  const auto pcap_path = dir_ / "privacy.pcap";
  StartServer({"--pcap", pcap_path.string()});
  const std::string marker = "HARNESS-PLAINTEXT-7f3a";
  auto run = RunClient(6, kPassword, "40,3000", marker);
  EXPECT_EQ(run.result["echo"], nlohmann::json::array({40, 3000})) << run.raw;
  StopServer();  // serve flushes and closes the pcap on a clean shutdown

  const std::string tshark = "timeout 120 tshark -n -r " + pcap_path.string() +
                             " -d tcp.port==" + std::to_string(port_) +
                             ",dcerpc -o ntlmssp.nt_password:" + kPassword;
  std::string ntlm;
  ASSERT_EQ(RunShell(tshark + " -V -Y ntlmssp 2>&1", &ntlm), 0) << ntlm;
  EXPECT_NE(ntlm.find("NTLMSSP_NEGOTIATE"), std::string::npos) << ntlm.substr(0, 4000);
  EXPECT_NE(ntlm.find("NTLMSSP_CHALLENGE"), std::string::npos);
  EXPECT_NE(ntlm.find("NTLMSSP_AUTH"), std::string::npos);
  EXPECT_NE(ntlm.find("User name: alice"), std::string::npos);

  // Every request and response stub decrypts (tshark runs its own RC4 with
  // the password): the "Decrypted stub data" value of each echo call starts
  // with the NDR length words and then the marker we sent.
  std::string calls;
  ASSERT_EQ(RunShell(tshark + " -V -Y 'dcerpc.opnum==0' 2>&1", &calls), 0) << calls;
  std::string marker_hex;
  char hex[3];
  for (unsigned char c : marker.substr(0, 12)) {
    std::snprintf(hex, sizeof hex, "%02x", c);
    marker_hex += hex;
  }
  size_t decrypted = 0;
  for (const std::string& prefix : {"Decrypted stub data: 2800000028000000" + marker_hex,
                                    "Decrypted stub data: b80b0000b80b0000" + marker_hex}) {
    for (size_t pos = calls.find(prefix); pos != std::string::npos;
         pos = calls.find(prefix, pos + 1)) {
      ++decrypted;
    }
  }
  EXPECT_EQ(decrypted, 4u) << calls.substr(0, 8000);  // 2 requests + 2 responses
  EXPECT_EQ(calls.find("Encrypted stub data: 2800000028000000"), std::string::npos);
}

}  // namespace
}  // namespace ntlm::harness::net::testing
