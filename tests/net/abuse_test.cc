// abuse_test.cc: the HTTP and DCE/RPC fronts of `serve` under abuse, in
// process (ServerRunner, one I/O thread, both fronts on 127.0.0.1 port 0),
// driven by raw loopback sockets and this project's real NTLM initiator
// (ssp::ClientContext) with the system clock and secure random:
//  - 1,000 connections opened at once to each front: every one is answered or
//    refused (closed at once at max_connections) within a bound, the server
//    stays responsive and a normal client authenticates afterwards;
//  - clients that vanish mid-handshake (after NEGOTIATE, after bind, mid-header,
//    mid-PDU, by FIN or RST) leave no connection (and so no NTLM context:
//    each is owned by its connection) behind, and memory does not grow;
//  - an AUTHENTICATE replayed on a new connection, and a CHALLENGE answered
//    twice, are refused with the right HTTP status / DCE/RPC answer;
//  - resident memory after 10,000 handshakes stays within a stated bound.
// Slow/idle clients and oversize headers/PDUs: http_serve_test.cc and
// rpc_front_test.cc. Every loop is bounded in count and time.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness/net/front_context.h"
#include "harness/net/io/http_session.h"
#include "harness/net/io/rpc_front.h"
#include "harness/net/io/server_runner.h"
#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_pdu.h"
#include "harness/system_clock.h"
#include "harness/token_input.h"
#include "ssp/client_context.h"
#include "ssp/credentials.h"
#include "tests/net/http_serve_process.h"

namespace ntlm::harness::net {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kAuthContextId = 4711;

// Under AddressSanitizer freed memory sits in its quarantine (up to 256 MiB)
// and RSS says nothing about leaks (LeakSanitizer checks those at exit): the
// RSS bounds are measured and printed there, asserted in the ordinary build.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif
#else
constexpr bool kRssMeaningful = true;
#endif

// VmRSS of this process in KiB (0 when unknown).
size_t ResidentKib() {
  const long kib = testing::ProcessStatusKiB("VmRSS");
  return kib < 0 ? 0 : static_cast<size_t>(kib);
}

// A blocking loopback TCP connection; every receive is bounded by SO_RCVTIMEO.
class Conn {
 public:
  explicit Conn(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Close();
  }
  ~Conn() { Close(); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  bool ok() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  // Closes with a TCP RST instead of a FIN (SO_LINGER 0).
  void Reset() {
    if (fd_ < 0) return;
    linger lg{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    Close();
  }

  bool Send(ByteSpan bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  bool Send(const std::string& text) {
    return Send(ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }

  // Exactly `n` bytes, or nullopt on EOF / error / timeout.
  std::optional<Bytes> Read(size_t n) {
    Bytes out(n);
    size_t done = 0;
    while (done < n) {
      ssize_t got = ::recv(fd_, out.data() + done, n - done, 0);
      if (got <= 0) return std::nullopt;
      done += static_cast<size_t>(got);
    }
    return out;
  }

  // True when the peer closes (EOF or RST) before the timeout, with no data.
  bool ClosedByPeer() {
    uint8_t byte = 0;
    ssize_t got = ::recv(fd_, &byte, 1, 0);
    return got == 0 || (got < 0 && (errno == ECONNRESET || errno == EPIPE));
  }

  // One HTTP response: status and head (lower-case names not needed: we
  // search the exact header names the server writes), body skipped.
  struct HttpAnswer {
    int status = 0;
    std::string head;
    std::string Header(const std::string& name) const {
      const std::string key = "\r\n" + name + ": ";
      size_t at = head.find(key);
      if (at == std::string::npos) return "";
      at += key.size();
      return head.substr(at, head.find("\r\n", at) - at);
    }
  };
  std::optional<HttpAnswer> ReadHttp() {
    std::string data;
    char c;
    while (data.size() < 64 * 1024 && data.find("\r\n\r\n") == std::string::npos) {
      if (::recv(fd_, &c, 1, 0) != 1) return std::nullopt;
      data.push_back(c);
    }
    HttpAnswer answer;
    if (data.rfind("HTTP/1.1 ", 0) != 0) return std::nullopt;
    answer.status = std::atoi(data.c_str() + 9);
    answer.head = data;
    const std::string length = answer.Header("Content-Length");
    if (!length.empty() && !Read(std::stoul(length))) return std::nullopt;
    return answer;
  }

  // One DCE/RPC fragment.
  std::optional<Bytes> ReadPdu() {
    auto head = Read(rpc::kCommonHeaderSize);
    if (!head) return std::nullopt;
    const size_t length = (*head)[8] | ((*head)[9] << 8);
    if (length < rpc::kCommonHeaderSize) return std::nullopt;
    auto rest = Read(length - rpc::kCommonHeaderSize);
    if (!rest) return std::nullopt;
    head->insert(head->end(), rest->begin(), rest->end());
    return head;
  }

 private:
  int fd_ = -1;
};

std::string HttpRequestWith(const std::string& authorization) {
  std::string request = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!authorization.empty()) request += "Authorization: " + authorization + "\r\n";
  return request + "\r\n";
}

std::string NtlmHeader(ByteSpan token) { return "NTLM " + EncodeBase64(token); }

Bytes ChallengeFrom(const Conn::HttpAnswer& answer) {
  const std::string value = answer.Header("WWW-Authenticate");
  if (value.rfind("NTLM ", 0) != 0) return {};
  std::string error;
  return DecodeBase64(value.substr(5), error).value_or(Bytes{});
}

// DCE/RPC PDUs of the client side.
Bytes BindPdu(ByteSpan negotiate, uint32_t call_id = 1) {
  rpc::CommonHeader h;
  h.type = static_cast<uint8_t>(rpc::PduType::kBind);
  h.call_id = call_id;
  rpc::BindBody body{4280, 4280, 0, {{0, rpc::EchoInterfaceSyntax(), {rpc::NdrTransferSyntax()}}}};
  rpc::Verifier v{
      rpc::SecTrailer{rpc::kAuthTypeWinNt, rpc::kAuthLevelConnect, 0, 0, kAuthContextId},
      negotiate};
  return rpc::EncodeFragment(h, rpc::EncodeBindBody(body), &v, 0, 4);
}

Bytes Auth3Pdu(ByteSpan authenticate, uint32_t call_id = 2) {
  rpc::CommonHeader h;
  h.type = static_cast<uint8_t>(rpc::PduType::kAuth3);
  h.call_id = call_id;
  const uint8_t pad[4] = {0x20, 0x20, 0x20, 0x20};
  rpc::Verifier v{
      rpc::SecTrailer{rpc::kAuthTypeWinNt, rpc::kAuthLevelConnect, 0, 0, kAuthContextId},
      authenticate};
  return rpc::EncodeFragment(h, ByteSpan(pad), &v, 0, 4);
}

Bytes AlterContextPdu(ByteSpan authenticate, uint32_t call_id) {
  rpc::CommonHeader h;
  h.type = static_cast<uint8_t>(rpc::PduType::kAlterContext);
  h.call_id = call_id;
  rpc::BindBody body{4280, 4280, 0, {{0, rpc::EchoInterfaceSyntax(), {rpc::NdrTransferSyntax()}}}};
  rpc::Verifier v{
      rpc::SecTrailer{rpc::kAuthTypeWinNt, rpc::kAuthLevelConnect, 0, 0, kAuthContextId},
      authenticate};
  return rpc::EncodeFragment(h, rpc::EncodeBindBody(body), &v, 0, 4);
}

// WhoAmI at auth level connect (no verifier on calls).
Bytes WhoAmIPdu(uint32_t call_id) {
  rpc::CommonHeader h;
  h.type = static_cast<uint8_t>(rpc::PduType::kRequest);
  h.call_id = call_id;
  return rpc::EncodeFragment(h, rpc::EncodeRequestHeader(0, 0, rpc::kWhoAmIOpnum), nullptr);
}

uint8_t TypeOf(const Bytes& pdu) { return pdu.size() > 2 ? pdu[2] : 0xff; }

std::optional<uint32_t> FaultStatusOf(const Bytes& pdu) {
  auto f = rpc::ParseFragment(pdu, 65535);
  if (!f.ok() || f->header.type != static_cast<uint8_t>(rpc::PduType::kFault)) return std::nullopt;
  auto status = rpc::ParseFaultStatus(*f);
  return status.ok() ? std::optional<uint32_t>(*status) : std::nullopt;
}

class AbuseTest : public ::testing::Test {
 protected:
  AbuseTest() {
    store_.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &server_random_;
    ctx_.policy.min_server_sec = 0;
    ctx_.limits.handshake_timeout = std::chrono::seconds(20);
    ctx_.limits.idle_timeout = std::chrono::seconds(20);
  }
  ~AbuseTest() override { StopServer(); }

  void StartServer() {
    runner_ = std::make_unique<ServerRunner>(ctx_, [this](const std::string& event) {
      std::lock_guard lock(mutex_);
      if (events_.size() < 100) events_.push_back(event);
    });
    std::string error;
    ASSERT_TRUE(runner_->Listen(
        {{"http", "127.0.0.1:0", ServeHttpConnection}, {"rpc", "127.0.0.1:0", ServeRpcConnection}},
        error))
        << error;
    http_port_ = runner_->bound()[0].second.port();
    rpc_port_ = runner_->bound()[1].second.port();
    thread_ = std::thread([this] { runner_->Run(false); });
  }

  void StopServer() {
    if (!thread_.joinable()) return;
    runner_->Stop();
    thread_.join();
  }

  // Waits (at most `wait`) until the server holds no connection.
  bool DrainedWithin(std::chrono::milliseconds wait) {
    const auto give_up = Clock::now() + wait;
    while (runner_->active_connections() > 0 && Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return runner_->active_connections() == 0;
  }

  std::unique_ptr<ssp::ClientContext> Client(const std::string& password = "Passw0rd!") {
    auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", password, "WS01");
    EXPECT_TRUE(creds.ok());
    return std::make_unique<ssp::ClientContext>(*creds, ssp::ClientPolicy{}, clock_,
                                                client_random_);
  }

  // NEGOTIATE -> CHALLENGE -> AUTHENTICATE on `conn`; the final HTTP status
  // (0 on a transport failure). `authenticate_out` receives the token sent.
  int HttpHandshake(Conn& conn, Bytes* authenticate_out = nullptr) {
    auto client = Client();
    auto negotiate = client->CreateNegotiate();
    if (!negotiate.ok() || !conn.Send(HttpRequestWith(NtlmHeader(*negotiate)))) return 0;
    auto first = conn.ReadHttp();
    if (!first || first->status != 401) return 0;
    auto authenticate = client->ProcessChallenge(ChallengeFrom(*first));
    if (!authenticate.ok()) return 0;
    if (authenticate_out) *authenticate_out = *authenticate;
    if (!conn.Send(HttpRequestWith(NtlmHeader(*authenticate)))) return 0;
    auto second = conn.ReadHttp();
    return second ? second->status : 0;
  }

  // bind(NEGOTIATE) -> bind_ack(CHALLENGE) -> auth3(AUTHENTICATE) -> WhoAmI;
  // true when the call is answered with a response.
  bool RpcHandshake(Conn& conn, Bytes* authenticate_out = nullptr) {
    auto client = Client();
    auto negotiate = client->CreateNegotiate();
    if (!negotiate.ok() || !conn.Send(BindPdu(*negotiate))) return false;
    auto ack = conn.ReadPdu();
    if (!ack || TypeOf(*ack) != static_cast<uint8_t>(rpc::PduType::kBindAck)) return false;
    auto fragment = rpc::ParseFragment(*ack, 65535);
    if (!fragment.ok()) return false;
    auto authenticate = client->ProcessChallenge(fragment->auth_value);
    if (!authenticate.ok()) return false;
    if (authenticate_out) *authenticate_out = *authenticate;
    if (!conn.Send(Auth3Pdu(*authenticate)) || !conn.Send(WhoAmIPdu(3))) return false;
    auto response = conn.ReadPdu();
    return response && TypeOf(*response) == static_cast<uint8_t>(rpc::PduType::kResponse);
  }

  ssp::InMemoryCredentialStore store_;
  SystemClock clock_;
  ssp::SecureRandom server_random_;
  ssp::SecureRandom client_random_;
  FrontContext ctx_;
  std::unique_ptr<ServerRunner> runner_;
  std::thread thread_;
  uint16_t http_port_ = 0;
  uint16_t rpc_port_ = 0;
  std::mutex mutex_;
  std::vector<std::string> events_;
};

// Raises RLIMIT_NOFILE to at least `needed`; false when it cannot. A hard
// limit below `needed` is raised too, which works with CAP_SYS_RESOURCE (CI
// runs as root).
bool EnsureFileLimit(rlim_t needed) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= needed) return true;
  limit.rlim_cur = needed;
  if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed) limit.rlim_max = needed;
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

TEST_F(AbuseTest, ThousandConnectionsAtOnceToEachFrontAreAnsweredOrRefusedCleanly) {
  constexpr int kPerFront = 1000;
  // Client and server ends of 2,000 connections, plus the process's own.
  constexpr rlim_t kNeeded = 2 * kPerFront * 2 + 256;
  if (!EnsureFileLimit(kNeeded)) {
    if (testing::InCi())
      FAIL() << "RLIMIT_NOFILE is below " << kNeeded << " and could not be raised";
    GTEST_SKIP() << "RLIMIT_NOFILE is below " << kNeeded
                 << " descriptors and could not be raised: raise it (ulimit -Hn) to run this test";
  }
  StartServer();
  const size_t limit = ctx_.limits.max_connections;  // 1,024 by default

  // Open every connection first (alternating fronts), then send on each a
  // NEGOTIATE (HTTP) or a bind carrying one (RPC).
  std::vector<std::unique_ptr<Conn>> conns;
  std::vector<bool> is_rpc;
  const auto open_deadline = Clock::now() + std::chrono::seconds(30);
  for (int i = 0; i < 2 * kPerFront && Clock::now() < open_deadline; ++i) {
    const bool rpc_front = i % 2 == 1;
    conns.push_back(std::make_unique<Conn>(rpc_front ? rpc_port_ : http_port_));
    is_rpc.push_back(rpc_front);
    ASSERT_TRUE(conns.back()->ok()) << "connect " << i << " failed: " << std::strerror(errno);
  }
  ASSERT_EQ(conns.size(), size_t{2 * kPerFront}) << "opening took over 30 s";
  auto client = Client();
  const Bytes negotiate = *client->CreateNegotiate();
  const std::string http_request = HttpRequestWith(NtlmHeader(negotiate));
  const Bytes bind = BindPdu(negotiate);
  for (size_t i = 0; i < conns.size(); ++i) {
    // A refused connection may already be closed: a failed send is fine.
    if (is_rpc[i]) {
      (void)conns[i]->Send(bind);
    } else {
      (void)conns[i]->Send(http_request);
    }
  }

  // Each one must be answered (401 with a CHALLENGE / bind_ack) or closed.
  size_t answered[2] = {0, 0};
  size_t refused = 0;
  size_t other = 0;
  const auto read_deadline = Clock::now() + std::chrono::seconds(30);
  for (size_t i = 0; i < conns.size() && Clock::now() < read_deadline; ++i) {
    if (is_rpc[i]) {
      auto pdu = conns[i]->ReadPdu();
      if (pdu && TypeOf(*pdu) == static_cast<uint8_t>(rpc::PduType::kBindAck)) {
        ++answered[1];
        continue;
      }
      if (!pdu && conns[i]->ClosedByPeer()) {
        ++refused;
        continue;
      }
    } else {
      auto answer = conns[i]->ReadHttp();
      if (answer && answer->status == 401 && !ChallengeFrom(*answer).empty()) {
        ++answered[0];
        continue;
      }
      if (!answer && conns[i]->ClosedByPeer()) {
        ++refused;
        continue;
      }
    }
    ++other;
  }
  std::printf(
      "[ abuse ] %d connections per front, limit %zu: %zu HTTP and %zu RPC answered, "
      "%zu refused, %zu other; server counted %llu refused\n",
      kPerFront, limit, answered[0], answered[1], refused, other,
      static_cast<unsigned long long>(runner_->refused_connections()));
  EXPECT_EQ(other, 0u) << "connections neither answered nor closed";
  EXPECT_EQ(answered[0] + answered[1] + refused, conns.size());
  EXPECT_LE(answered[0] + answered[1], limit);
  EXPECT_GT(answered[0], 0u);
  EXPECT_GT(answered[1], 0u);
  EXPECT_EQ(refused, runner_->refused_connections());
  EXPECT_EQ(runner_->accepted_connections(), answered[0] + answered[1]);

  conns.clear();
  EXPECT_TRUE(DrainedWithin(std::chrono::seconds(10)))
      << runner_->active_connections() << " connections still open";
  // Still responsive: a normal client authenticates on each front.
  Conn http(http_port_);
  EXPECT_EQ(HttpHandshake(http), 200);
  Conn rpc_conn(rpc_port_);
  EXPECT_TRUE(RpcHandshake(rpc_conn));
}

TEST_F(AbuseTest, ClientsVanishingMidHandshakeLeaveNothingBehind) {
  StartServer();
  auto client = Client();
  const Bytes negotiate = *client->CreateNegotiate();
  const std::string http_negotiate = HttpRequestWith(NtlmHeader(negotiate));
  const Bytes bind = BindPdu(negotiate);

  // One round: each way of vanishing, by FIN and by RST.
  auto round = [&](int index) {
    const bool reset = index % 2 == 1;
    auto vanish = [reset](Conn& c) { reset ? c.Reset() : c.Close(); };
    {  // HTTP: after the NEGOTIATE was answered with the CHALLENGE
      Conn c(http_port_);
      ASSERT_TRUE(c.Send(http_negotiate));
      auto answer = c.ReadHttp();
      ASSERT_TRUE(answer && answer->status == 401);
      vanish(c);
    }
    {  // HTTP: in the middle of the header block
      Conn c(http_port_);
      ASSERT_TRUE(c.Send(http_negotiate.substr(0, http_negotiate.size() / 2)));
      vanish(c);
    }
    {  // HTTP: headers done, body announced and not sent
      Conn c(http_port_);
      ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\npart"));
      vanish(c);
    }
    {  // RPC: after the bind was answered with the bind_ack (CHALLENGE)
      Conn c(rpc_port_);
      ASSERT_TRUE(c.Send(bind));
      auto ack = c.ReadPdu();
      ASSERT_TRUE(ack && TypeOf(*ack) == static_cast<uint8_t>(rpc::PduType::kBindAck));
      vanish(c);
    }
    {  // RPC: in the middle of a PDU (header and part of the body)
      Conn c(rpc_port_);
      ASSERT_TRUE(c.Send(ByteSpan(bind).first(bind.size() / 2)));
      vanish(c);
    }
    {  // RPC: in the middle of the common header
      Conn c(rpc_port_);
      ASSERT_TRUE(c.Send(ByteSpan(bind).first(7)));
      vanish(c);
    }
  };

  constexpr int kWarmUp = 50;
  constexpr int kRounds = 400;  // 2,400 vanished clients after the warm-up
  // A bound for a hang (ctest stops a test at 300 s), not a speed limit.
  const auto hang_bound = Clock::now() + std::chrono::seconds(240);
  for (int i = 0; i < kWarmUp && Clock::now() < hang_bound; ++i) {
    round(i);
    if (HasFatalFailure()) return;
  }
  ASSERT_TRUE(DrainedWithin(std::chrono::seconds(10)));
  const size_t before = ResidentKib();
  int rounds = 0;
  for (; rounds < kRounds && Clock::now() < hang_bound; ++rounds) {
    round(rounds);
    if (HasFatalFailure()) return;
  }
  ASSERT_EQ(rounds, kRounds) << "the rounds hung (only " << rounds << " in 240 s)";
  // The server saw the clients (a connection reset while still in the accept
  // queue may never reach it, so this waits for most, bounded).
  const uint64_t opened = static_cast<uint64_t>((kWarmUp + kRounds) * 6);
  const auto seen_by = Clock::now() + std::chrono::seconds(5);
  while (runner_->accepted_connections() < opened && Clock::now() < seen_by) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(runner_->accepted_connections() * 10, opened * 9)
      << runner_->accepted_connections() << " of " << opened << " connections accepted";
  EXPECT_TRUE(DrainedWithin(std::chrono::seconds(10)))
      << runner_->active_connections() << " connections (with their NTLM contexts) left";
  const size_t after = ResidentKib();
  std::printf(
      "[ abuse ] %d vanished clients (%llu connections accepted in all): RSS %zu KiB -> "
      "%zu KiB\n",
      kRounds * 6, static_cast<unsigned long long>(runner_->accepted_connections()), before, after);
  // Measured on 2026-11-26: no growth at all (9,440 KiB before and after when
  // run alone). A leak of 1.7 KiB per vanished client (far less than one NTLM
  // context with its connection buffers) would exceed the bound.
  if (kRssMeaningful) {
    EXPECT_LT(after, before + 4096) << "RSS grew by " << (after - before) << " KiB";
  }
  // The server still serves.
  Conn http(http_port_);
  EXPECT_EQ(HttpHandshake(http), 200);
  Conn rpc_conn(rpc_port_);
  EXPECT_TRUE(RpcHandshake(rpc_conn));
}

TEST_F(AbuseTest, HttpReplayedAuthenticateAndChallengeAnsweredTwiceAreRefused) {
  StartServer();
  Conn first(http_port_);
  Bytes authenticate;
  ASSERT_EQ(HttpHandshake(first, &authenticate), 200);

  // The CHALLENGE answered twice: a second AUTHENTICATE on the same connection.
  ASSERT_TRUE(first.Send(HttpRequestWith(NtlmHeader(authenticate))));
  auto twice = first.ReadHttp();
  ASSERT_TRUE(twice);
  EXPECT_EQ(twice->status, 401);
  EXPECT_EQ(twice->Header("X-NTLM-Status"), "SEC_E_INVALID_TOKEN");

  // Replayed on a new connection, without a NEGOTIATE there.
  Conn bare(http_port_);
  ASSERT_TRUE(bare.Send(HttpRequestWith(NtlmHeader(authenticate))));
  auto replay = bare.ReadHttp();
  ASSERT_TRUE(replay);
  EXPECT_EQ(replay->status, 401);
  EXPECT_EQ(replay->Header("X-NTLM-Status"), "SEC_E_INVALID_TOKEN");

  // Replayed on a new connection against that connection's own CHALLENGE.
  Conn fresh(http_port_);
  auto client = Client();
  ASSERT_TRUE(fresh.Send(HttpRequestWith(NtlmHeader(*client->CreateNegotiate()))));
  auto challenge = fresh.ReadHttp();
  ASSERT_TRUE(challenge && challenge->status == 401);
  ASSERT_TRUE(fresh.Send(HttpRequestWith(NtlmHeader(authenticate))));
  auto replay_fresh = fresh.ReadHttp();
  ASSERT_TRUE(replay_fresh);
  EXPECT_EQ(replay_fresh->status, 401);
  EXPECT_EQ(replay_fresh->Header("X-NTLM-Status"), "SEC_E_LOGON_DENIED");
}

TEST_F(AbuseTest, RpcReplayedAuthenticateAndChallengeAnsweredTwiceAreRefused) {
  StartServer();
  Bytes authenticate;
  {  // A second auth3 on an authenticated association: closed without a reply.
    Conn c(rpc_port_);
    ASSERT_TRUE(RpcHandshake(c, &authenticate));
    ASSERT_TRUE(c.Send(Auth3Pdu(authenticate, 4)));
    EXPECT_TRUE(c.ClosedByPeer());
  }
  {  // The AUTHENTICATE again in an alter_context: fault access_denied, closed.
    Conn c(rpc_port_);
    Bytes own;
    ASSERT_TRUE(RpcHandshake(c, &own));
    ASSERT_TRUE(c.Send(AlterContextPdu(own, 5)));
    auto fault = c.ReadPdu();
    ASSERT_TRUE(fault);
    EXPECT_EQ(FaultStatusOf(*fault), std::optional<uint32_t>(rpc::kFaultAccessDenied));
    EXPECT_TRUE(c.ClosedByPeer());
  }
  {  // Replayed on a new association after its own bind: the first call is
     // refused with fault access_denied and the connection closed.
    Conn c(rpc_port_);
    auto client = Client();
    ASSERT_TRUE(c.Send(BindPdu(*client->CreateNegotiate())));
    auto ack = c.ReadPdu();
    ASSERT_TRUE(ack && TypeOf(*ack) == static_cast<uint8_t>(rpc::PduType::kBindAck));
    ASSERT_TRUE(c.Send(Auth3Pdu(authenticate)));
    ASSERT_TRUE(c.Send(WhoAmIPdu(3)));
    auto fault = c.ReadPdu();
    ASSERT_TRUE(fault);
    EXPECT_EQ(FaultStatusOf(*fault), std::optional<uint32_t>(rpc::kFaultAccessDenied));
    EXPECT_TRUE(c.ClosedByPeer());
  }
  {  // Replayed as an auth3 on a new connection with no bind: closed.
    Conn c(rpc_port_);
    ASSERT_TRUE(c.Send(Auth3Pdu(authenticate)));
    auto answer = c.ReadPdu();
    if (answer) {  // a refusal PDU may precede the close
      EXPECT_NE(TypeOf(*answer), static_cast<uint8_t>(rpc::PduType::kResponse));
    }
    EXPECT_TRUE(c.ClosedByPeer());
  }
}

TEST_F(AbuseTest, ResidentMemoryAfterTenThousandHandshakesStaysBounded) {
  StartServer();
  constexpr int kHandshakes = 10'000;  // half HTTP, half RPC, one connection each
  constexpr int kWarmUp = 500;
  // A bound for a hang (ctest stops a test at 300 s), not a speed limit: about
  // 10 s in the normal build, 45 s in the ASan (Debug) build on a loaded machine.
  const auto deadline = Clock::now() + std::chrono::seconds(240);
  auto handshake = [&](int i) {
    Conn c(i % 2 == 0 ? http_port_ : rpc_port_);
    if (i % 2 == 0) return HttpHandshake(c) == 200;
    return RpcHandshake(c);
  };
  for (int i = 0; i < kWarmUp; ++i) ASSERT_TRUE(handshake(i)) << "warm-up handshake " << i;
  ASSERT_TRUE(DrainedWithin(std::chrono::seconds(10)));
  const size_t before = ResidentKib();
  int done = 0;
  for (; done < kHandshakes && Clock::now() < deadline; ++done) {
    ASSERT_TRUE(handshake(done)) << "handshake " << done;
  }
  ASSERT_EQ(done, kHandshakes) << "the handshakes hung (only " << done << " in 240 s)";
  ASSERT_TRUE(DrainedWithin(std::chrono::seconds(10)));
  const size_t after = ResidentKib();
  std::printf("[ abuse ] %d handshakes (HTTP and RPC, a connection each): RSS %zu KiB -> %zu KiB\n",
              kHandshakes, before, after);
  // Measured on 2026-11-26: no growth at all (9,408 KiB before and after when
  // run alone, 21,860 KiB after the other abuse tests). The bound is 4 MiB:
  // a leak of 420 bytes per handshake would exceed it, and one NTLM context
  // with its connection buffers is several times that.
  if (kRssMeaningful) {
    EXPECT_LT(after, before + 4096) << "RSS grew by " << (after - before) << " KiB";
  }
}

}  // namespace
}  // namespace ntlm::harness::net
