// http_serve_test.cc: `ntlmssp-harness serve` end to end on loopback with
// real clients — curl --ntlm and --negotiate (gss-ntlmssp), python3
// requests-ntlm, python3-gssapi with the SPNEGO mechanism — plus malformed,
// oversized and idle clients, the policy refusal curl meets, --record then
// replay, port in use, usage errors and clean shutdown on SIGTERM. Every
// client runs under `timeout`, every wait is bounded, and the server is
// killed in teardown.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "http_serve_process.h"

namespace ntlm::harness::net::testing {
namespace {

// Substring checks without gmock (the net binary links GoogleTest only).
// Each evaluates its first argument once.
#define EXPECT_CONTAINS(haystack, needle)                                 \
  do {                                                                    \
    std::string text_ = (haystack);                                       \
    EXPECT_NE(text_.find(needle), std::string::npos) << "in:\n" << text_; \
  } while (0)
#define EXPECT_NOT_CONTAINS(haystack, needle)                             \
  do {                                                                    \
    std::string text_ = (haystack);                                       \
    EXPECT_EQ(text_.find(needle), std::string::npos) << "in:\n" << text_; \
  } while (0)
#define EXPECT_STARTS_WITH(haystack, prefix)                    \
  do {                                                          \
    std::string text_ = (haystack);                             \
    EXPECT_EQ(text_.rfind(prefix, 0), 0u) << "got:\n" << text_; \
  } while (0)

bool HaveCurl() { return RunCommand("command -v curl").rc == 0; }
bool HavePythonModule(const std::string& module) {
  return RunCommand("/usr/bin/python3 -c " + ShellQuote("import " + module)).rc == 0;
}
bool HaveGssNtlmssp() {
  return std::filesystem::exists("/usr/lib/x86_64-linux-gnu/gssntlmssp/gssntlmssp.so") ||
         RunCommand("ls /usr/lib/*/gssntlmssp/gssntlmssp.so").rc == 0;
}

class ServeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    users_ = WriteUserFile(dir_.path() / "users",
                           "# test accounts\nCONTOSO:alice:Passw0rd!\nCONTOSO:bob:S3cret\n");
  }

  void StartServe(std::vector<std::string> extra) {
    std::vector<std::string> args = {"--http", "127.0.0.1:0", "--users", users_.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ASSERT_TRUE(serve_.Start(args)) << "serve did not start: " << serve_.first_line() << "\n"
                                    << serve_.log();
    EXPECT_STARTS_WITH(serve_.first_line(), "listening http 127.0.0.1:");
  }

  // curl's HTTP status and the response body.
  std::pair<int, std::string> Curl(const std::string& options, const std::string& path = "/") {
    std::string body_file = (dir_.path() / "body").string();
    auto result =
        RunCommand("curl -s -o " + ShellQuote(body_file) + " -w '%{http_code}' --max-time 20 " +
                       options + " " + ShellQuote(serve_.url(path)),
                   30);
    std::ifstream in(body_file);
    std::stringstream body;
    body << in.rdbuf();
    std::filesystem::remove(body_file);
    return {std::atoi(result.out.c_str()), body.str()};
  }

  TempDir dir_;
  std::filesystem::path users_;
  ServeProcess serve_;
};

TEST_F(ServeTest, CurlNtlmCorrectPasswordIs200WrongIs401) {
  REQUIRE_PEER(HaveCurl(), "curl");
  StartServe({"--min-server-sec", "0"});
  auto [status, body] = Curl("--ntlm -u " + ShellQuote("CONTOSO\\alice:Passw0rd!"));
  EXPECT_EQ(status, 200) << body;
  auto json = nlohmann::json::parse(body, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << body;
  EXPECT_EQ(json["user"], "alice");
  EXPECT_EQ(json["domain"], "CONTOSO");
  EXPECT_EQ(json["verdict"], "accept");
  EXPECT_EQ(json["scheme"], "NTLM");
  EXPECT_EQ(json["response"], "NTLMv2");

  auto [wrong, wrong_body] = Curl("--ntlm -u " + ShellQuote("CONTOSO\\alice:nope"));
  EXPECT_EQ(wrong, 401) << wrong_body;
  EXPECT_CONTAINS(wrong_body, "SEC_E_LOGON_DENIED");

  EXPECT_EQ(serve_.Stop(), 0);
  std::string log = serve_.log();
  auto auth = AuthLines(log);
  ASSERT_EQ(auth.size(), 2u) << log;
  EXPECT_EQ(auth[0]["verdict"], "accept");
  EXPECT_EQ(auth[0]["user"], "alice");
  EXPECT_STARTS_WITH(auth[0]["client"].get<std::string>(), "127.0.0.1:");
  EXPECT_EQ(auth[1]["verdict"], "reject");
  EXPECT_EQ(auth[1]["status"], "SEC_E_LOGON_DENIED");
  EXPECT_NOT_CONTAINS(log, "Passw0rd!");
  EXPECT_CONTAINS(log, "received SIGTERM");
}

// curl's NTLM NEGOTIATE asks for neither SIGN, SEAL nor 128 (flags
// 0x00088206): under NtlmMinServerSec 0x20 (SEAL) and under the
// Windows default 0x20000000 (128-bit) the server refuses it at the
// NEGOTIATE, which is a policy refusal: 403 with the missing bits named.
TEST_F(ServeTest, CurlNtlmIsRefusedWith403ByAMinimumItDoesNotMeet) {
  REQUIRE_PEER(HaveCurl(), "curl");
  for (const auto& [minimum, missing] : std::vector<std::pair<std::string, std::string>>{
           {"0x20", "confidentiality (SEAL)"}, {"SEAL|128", "128-bit"}}) {
    SCOPED_TRACE(minimum);
    ServeProcess serve;
    ASSERT_TRUE(serve.Start(
        {"--http", "127.0.0.1:0", "--users", users_.string(), "--min-server-sec", minimum}));
    std::string headers_file = (dir_.path() / "headers").string();
    auto result =
        RunCommand("curl -s -o /dev/null -D " + ShellQuote(headers_file) +
                       " -w '%{http_code}' --max-time 20 --ntlm -u " +
                       ShellQuote("CONTOSO\\alice:Passw0rd!") + " " + ShellQuote(serve.url()),
                   30);
    EXPECT_EQ(result.out, "403");
    std::ifstream in(headers_file);
    std::stringstream headers;
    headers << in.rdbuf();
    EXPECT_CONTAINS(headers.str(), "X-NTLM-Status: SEC_E_UNSUPPORTED_FUNCTION");
    EXPECT_CONTAINS(headers.str(), missing);
    EXPECT_EQ(serve.Stop(), 0);
    auto auth = AuthLines(serve.log());
    ASSERT_EQ(auth.size(), 1u);
    EXPECT_EQ(auth[0]["status"], "SEC_E_UNSUPPORTED_FUNCTION");
    // What curl asked for: no SIGN (0x10), SEAL (0x20) or 128 (0x20000000).
    uint32_t flags = std::stoul(auth[0]["negotiated_flags"].get<std::string>(), nullptr, 16);
    EXPECT_EQ(flags & 0x20000030u, 0u);
  }
}

TEST_F(ServeTest, PythonRequestsNtlmAuthenticates) {
  REQUIRE_PEER(HavePythonModule("requests_ntlm"), "python3-requests-ntlm");
  StartServe({"--min-server-sec", "0"});
  std::string script =
      "import sys, requests\n"
      "from requests_ntlm import HttpNtlmAuth\n"
      "for password in ('Passw0rd!', 'wrong'):\n"
      "    r = requests.get(sys.argv[1], auth=HttpNtlmAuth('CONTOSO\\\\alice', password), "
      "timeout=15)\n"
      "    print(r.status_code, r.headers.get('X-NTLM-Status', '-'), "
      "r.json().get('negotiated_flags'))\n";
  // ntlm-auth hashes with MD4: OpenSSL 3 has it in the legacy provider.
  auto result = RunCommand(
      "OPENSSL_CONF=" +
          ShellQuote(std::string(NTLM_SOURCE_DIR) + "/scripts/record/openssl-legacy.cnf") +
          " /usr/bin/python3 -c " + ShellQuote(script) + " " + ShellQuote(serve_.url()),
      60, true);
  ASSERT_EQ(result.rc, 0) << result.out;
  std::istringstream lines(result.out);
  std::string ok, denied;
  std::getline(lines, ok);
  std::getline(lines, denied);
  EXPECT_STARTS_WITH(ok, "200 - 0x");
  EXPECT_STARTS_WITH(denied, "401 SEC_E_LOGON_DENIED");
}

// gss-ntlmssp through MIT's SPNEGO (python3-gssapi, mech 1.3.6.1.5.5.2):
// NegTokenInit, NegTokenResp with the AUTHENTICATE and a mechListMIC, and the
// server's accept-completed with its own mechListMIC, which the client
// verifies (the context completes).
TEST_F(ServeTest, SpnegoFromGssNtlmsspIsAcceptedOnNegotiate) {
  REQUIRE_PEER(HavePythonModule("gssapi") && HaveGssNtlmssp(), "python3-gssapi with gss-ntlmssp");
  StartServe({"--min-server-sec", "SIGN|ESS|128"});  // what gss-ntlmssp offers
  std::string script = R"(
import base64, http.client, json, sys, gssapi
spnego = gssapi.OID.from_int_seq('1.3.6.1.5.5.2')
ntlm = gssapi.OID.from_int_seq('1.3.6.1.4.1.311.2.2.10')
creds = gssapi.Credentials(name=gssapi.Name('alice@CONTOSO', gssapi.NameType.user),
                           usage='initiate', mechs=[ntlm])
ctx = gssapi.SecurityContext(name=gssapi.Name('HTTP@127.0.0.1', gssapi.NameType.hostbased_service),
                             creds=creds, mech=spnego, usage='initiate')
conn = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=15)
token = ctx.step()
for _ in range(3):
    conn.request('GET', '/', headers={'Authorization': 'Negotiate ' + base64.b64encode(token).decode()})
    r = conn.getresponse()
    body = r.read()
    header = r.getheader('WWW-Authenticate') or ''
    if r.status != 401:
        break
    token = ctx.step(base64.b64decode(header.split()[1]))
if header.startswith('Negotiate '):
    ctx.step(base64.b64decode(header.split()[1]))
j = json.loads(body)
print(r.status, ctx.complete, j['scheme'], j['spnego'], j['mech_list_mic'], j['user'])
)";
  auto result =
      RunCommand("NTLM_USER_FILE=" + ShellQuote(users_.string()) + " /usr/bin/python3 -c " +
                     ShellQuote(script) + " " + std::to_string(serve_.port()),
                 60, true);
  ASSERT_EQ(result.rc, 0) << result.out << serve_.log();
  EXPECT_EQ(result.out, "200 True Negotiate True verified alice\n");
}

TEST_F(ServeTest, CurlNegotiateWithGssNtlmsspIsAccepted) {
  REQUIRE_PEER(HaveCurl() && HaveGssNtlmssp(), "curl with gss-ntlmssp");
  StartServe({"--min-server-sec", "0"});
  std::string body_file = (dir_.path() / "body").string();
  auto result =
      RunCommand("NTLM_USER_FILE=" + ShellQuote(users_.string()) + " curl -s -o " +
                     ShellQuote(body_file) + " -w '%{http_code}' --max-time 20 --negotiate -u " +
                     ShellQuote("alice@CONTOSO:") + " " + ShellQuote(serve_.url()),
                 30);
  EXPECT_EQ(result.out, "200");
  std::ifstream in(body_file);
  auto json = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(json.is_discarded());
  EXPECT_EQ(json["spnego"], true);
  EXPECT_EQ(json["mech_list_mic"], "verified");
}

TEST_F(ServeTest, MalformedRequestsGet400AndTheConnectionCloses) {
  StartServe({});
  for (const std::string& request :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET / HTTP/1.1\r\nHost h\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nAuthorization: NTLM\r\nHost: x\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Negotiate oYA=\r\n\r\n")}) {
    RawClient client(serve_.port());
    ASSERT_TRUE(client.connected());
    ASSERT_TRUE(client.Send(request));
    std::string response = client.ReadResponse();
    SCOPED_TRACE(request);
    EXPECT_STARTS_WITH(response, "HTTP/1.1 400 Bad Request\r\n");
  }
  // A framing error closes the connection.
  RawClient client(serve_.port());
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"));
  bool closed = false;
  std::string response = client.ReadUntilClose(closed);
  EXPECT_CONTAINS(response, "Connection: close");
  EXPECT_TRUE(closed);
}

TEST_F(ServeTest, OversizedHeadersGet431AndBodies413) {
  StartServe({"--max-header-bytes", "2048", "--max-body-bytes", "1000"});
  {
    RawClient client(serve_.port());
    client.Send("GET / HTTP/1.1\r\nHost: x\r\nAuthorization: NTLM " + std::string(4000, 'A') +
                "\r\n\r\n");
    bool closed = false;
    EXPECT_STARTS_WITH(client.ReadUntilClose(closed),
                       "HTTP/1.1 431 Request Header Fields Too Large\r\n");
    EXPECT_TRUE(closed);
  }
  {
    RawClient client(serve_.port());
    client.Send("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
    bool closed = false;
    EXPECT_STARTS_WITH(client.ReadUntilClose(closed), "HTTP/1.1 413 Content Too Large\r\n");
    EXPECT_TRUE(closed);
  }
}

TEST_F(ServeTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  StartServe({});
  RawClient client(serve_.port());
  // Two pipelined requests, then one more.
  ASSERT_TRUE(client.Send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nHEAD /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_STARTS_WITH(client.ReadResponse(), "HTTP/1.1 401 Unauthorized\r\n");
  std::string head = client.ReadResponse(/*head_only=*/true);
  EXPECT_STARTS_WITH(head, "HTTP/1.1 401");
  ASSERT_TRUE(client.Send("GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  std::string last = client.ReadUntilClose(closed);
  EXPECT_CONTAINS(last, "WWW-Authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\n");
  EXPECT_TRUE(closed);
}

TEST_F(ServeTest, IdleAndSlowClientsAreCutAtTheDeadline) {
  StartServe({"--idle-timeout", "0.4", "--handshake-timeout", "5"});
  {
    // Half a request: 408, then closed.
    RawClient client(serve_.port(), std::chrono::seconds(10));
    ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\n"));
    bool closed = false;
    std::string response = client.ReadUntilClose(closed);
    // A 408 and a close (not the client's 10 s read bound) come from the server's deadline.
    EXPECT_STARTS_WITH(response, "HTTP/1.1 408 Request Timeout\r\n");
    EXPECT_TRUE(closed);
  }
  {
    // Nothing at all: closed without an answer.
    RawClient client(serve_.port(), std::chrono::seconds(10));
    bool closed = false;
    EXPECT_EQ(client.ReadUntilClose(closed), "");
    EXPECT_TRUE(closed);
  }
  // The server still serves.
  RawClient client(serve_.port());
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_STARTS_WITH(client.ReadResponse(), "HTTP/1.1 401");
}

TEST_F(ServeTest, HandshakeDeadlineCutsAClientThatNeverAuthenticates) {
  StartServe({"--idle-timeout", "5", "--handshake-timeout", "0.5"});
  RawClient client(serve_.port(), std::chrono::seconds(10));
  ASSERT_TRUE(client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_STARTS_WITH(client.ReadResponse(), "HTTP/1.1 401");
  bool closed = false;
  client.ReadUntilClose(closed);
  EXPECT_TRUE(closed);
}

TEST_F(ServeTest, RecordedExchangesReplay) {
  REQUIRE_PEER(HaveCurl(), "curl");
  auto record = dir_.path() / "record";
  StartServe({"--min-server-sec", "0", "--record", record.string()});
  EXPECT_EQ(Curl("--ntlm -u " + ShellQuote("CONTOSO\\alice:Passw0rd!")).first, 200);
  EXPECT_EQ(Curl("--ntlm -u " + ShellQuote("CONTOSO\\bob:wrong")).first, 401);
  EXPECT_EQ(serve_.Stop(), 0);
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(record)) {
    ++files;
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NOT_CONTAINS(text.str(), "Passw0rd!");
    EXPECT_CONTAINS(text.str(), "\"client\": \"curl/");
  }
  EXPECT_EQ(files, 2u);
  auto replay = RunCommand(std::string(NTLM_HARNESS_BIN) + " replay " + ShellQuote(record.string()),
                           60, true);
  EXPECT_EQ(replay.rc, 0) << replay.out;
  EXPECT_CONTAINS(replay.out, "2 passed, 0 failed");
}

TEST_F(ServeTest, AddressInUseIsAnEnvironmentErrorNamingTheAddress) {
  StartServe({});
  ServeProcess second;
  std::string address = "127.0.0.1:" + std::to_string(serve_.port());
  EXPECT_FALSE(second.Start({"--http", address, "--users", users_.string()}));
  EXPECT_EQ(second.WaitExit(std::chrono::seconds(10)).value_or(-1), 3);
  EXPECT_CONTAINS(second.log(), "http " + address);
  EXPECT_CONTAINS(second.log(), "in use");
}

TEST_F(ServeTest, UsageErrorsExit2) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const auto& c : std::vector<Case>{
           {{"--http", "127.0.0.1:0"}, "no accounts"},
           {{"--users", "/nonexistent/users"}, "/nonexistent/users"},
           {{"--users", users_.string(), "--http", "127.0.0.1"}, "ADDR:PORT"},
           {{"--users", users_.string(), "--http", "example.com:80"}, "not an IP address"},
           {{"--users", users_.string(), "--min-server-sec", "BOGUS"}, "--min-server-sec"},
           {{"--users", users_.string(), "--min-server-sec", "0x1"}, "not an NtlmMinServerSec bit"},
           {{"--users", users_.string(), "--lm-compat", "7"}, "0..5"},
           {{"--users", users_.string(), "--idle-timeout", "0"}, "--idle-timeout"}}) {
    ServeProcess serve;
    EXPECT_FALSE(serve.Start(c.args, {{"NTLM_USER_FILE", ""}}));
    EXPECT_EQ(serve.WaitExit(std::chrono::seconds(10)).value_or(-1), 2) << c.message;
    EXPECT_CONTAINS(serve.log(), c.message);
  }
}

TEST_F(ServeTest, UsersComeFromNtlmUserFileToo) {
  REQUIRE_PEER(HaveCurl(), "curl");
  ASSERT_TRUE(serve_.Start({"--http", "127.0.0.1:0", "--min-server-sec", "0"},
                           {{"NTLM_USER_FILE", users_.string()}}));
  EXPECT_EQ(Curl("--ntlm -u " + ShellQuote("CONTOSO\\bob:S3cret")).first, 200);
}

// serve --pcap: curl's NTLM exchange over HTTP, then tshark reads the pcap
// and shows the three NTLMSSP messages with the user's name.
TEST_F(ServeTest, PcapOfAnHttpExchangeDecodesInTshark) {
  REQUIRE_PEER(HaveCurl(), "curl");
  REQUIRE_PEER(RunCommand("command -v tshark").rc == 0, "tshark");
  const std::string pcap = (dir_.path() / "serve.pcap").string();
  StartServe({"--min-server-sec", "0", "--pcap", pcap});
  auto [status, body] = Curl("--ntlm -u 'CONTOSO\\alice:Passw0rd!'");
  EXPECT_EQ(status, 200) << body;
  EXPECT_EQ(serve_.Stop(), 0);
  auto decoded =
      RunCommand("tshark -r " + ShellQuote(pcap) +
                     " -o ntlmssp.nt_password:Passw0rd! -Y ntlmssp -T fields -e ntlmssp.messagetype"
                     " -e ntlmssp.auth.username",
                 60, /*merge_stderr=*/true);
  ASSERT_EQ(decoded.rc, 0) << decoded.out;
  EXPECT_CONTAINS(decoded.out, "0x00000001");
  EXPECT_CONTAINS(decoded.out, "0x00000002");
  EXPECT_CONTAINS(decoded.out, "0x00000003\talice");
}

}  // namespace
}  // namespace ntlm::harness::net::testing
