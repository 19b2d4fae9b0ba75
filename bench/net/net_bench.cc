// net_bench.cc: the ntlmssp-net-bench binary — the network fronts over
// loopback, with `serve`'s ServerRunner in process on its own thread and this
// project's clients (harness/net/io/http_ntlm_client.h, harness/net/io/rpc_client.h)
// on the benchmark thread. Names are stable (other tools read the JSON):
//
//   BM_NetHttpHandshake          one full HTTP NTLM handshake per iteration on a
//                                fresh connection: GET+NEGOTIATE -> 401
//                                CHALLENGE, GET+AUTHENTICATE -> 200
//   BM_NetRpcHandshake           one DCE/RPC handshake per iteration on a fresh
//                                connection at packet privacy: bind(NEGOTIATE)
//                                -> bind_ack(CHALLENGE), auth3(AUTHENTICATE),
//                                then one sealed WhoAmI call (auth3 has no
//                                reply: the call is what shows the server
//                                accepted the AUTHENTICATE)
//   BM_NetRpcSealedRoundTrip/n   one sealed echo of n stub bytes per iteration
//                                on one established privacy-level association
//   BM_NetSmbSessionSetup        one SMB 3.1.1 logon per iteration on a fresh
//                                connection: NEGOTIATE, SESSION_SETUP (SPNEGO
//                                NEGOTIATE -> CHALLENGE, AUTHENTICATE -> signed
//                                success), TREE_CONNECT IPC$, LOGOFF
//   BM_NetSmbSignedEcho          one signed ECHO round trip (AES-128-CMAC, SMB
//                                3.0) per iteration on one established session,
//                                the response's signature verified
//
// items_per_second is handshakes (or round trips) per second. Both sides share
// the machine's cores, so the figures are the server's and the client's cost
// together, plus the loopback.
#include <benchmark/benchmark.h>
#include <sys/socket.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "bench/net/smb_bench_client.h"
#include "harness/net/io/coroutine_warning.h"
#include "harness/net/io/http_ntlm_client.h"
#include "harness/net/io/http_session.h"
#include "harness/net/io/rpc_client.h"
#include "harness/net/io/rpc_front.h"
#include "harness/net/io/server_runner.h"
#include "harness/net/io/smb_front.h"
#include "harness/net/rpc_echo_interface.h"
#include "harness/net/smb_client.h"
#include "harness/net/smb_signing.h"
#include "harness/net/smb_status.h"
#include "harness/net/spnego.h"
#include "harness/system_clock.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {
namespace {

constexpr std::chrono::seconds kStepTimeout{10};

// serve's runner with an HTTP and a DCE/RPC front on 127.0.0.1, on its own
// thread for the lifetime of the object.
class InProcessServer {
 public:
  InProcessServer() {
    store_.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &random_;
    runner_ = std::make_unique<ServerRunner>(ctx_, nullptr);
    std::string error;
    if (!runner_->Listen({{"http", "127.0.0.1:0", &ServeHttpConnection},
                          {"rpc", "127.0.0.1:0", &ServeRpcConnection},
                          {"smb", "127.0.0.1:0", MakeSmbConnectionHandler({})}},
                         error)) {
      error_ = error;
      return;
    }
    http_ = runner_->bound().at(0).second;
    rpc_ = runner_->bound().at(1).second;
    smb_ = runner_->bound().at(2).second;
    thread_ = std::thread([this] { runner_->Run(false); });
  }
  ~InProcessServer() {
    if (thread_.joinable()) {
      runner_->Stop();
      thread_.join();
    }
  }
  const std::string& error() const { return error_; }
  const asio::ip::tcp::endpoint& http() const { return http_; }
  const asio::ip::tcp::endpoint& rpc() const { return rpc_; }
  const asio::ip::tcp::endpoint& smb() const { return smb_; }
  const ssp::Clock& clock() const { return clock_; }

 private:
  ssp::InMemoryCredentialStore store_;
  SystemClock clock_;
  ssp::SecureRandom random_;
  FrontContext ctx_;
  std::unique_ptr<ServerRunner> runner_;
  asio::ip::tcp::endpoint http_, rpc_, smb_;
  std::thread thread_;
  std::string error_;
};

ssp::ClientContext NewClient(const ssp::Clock& clock, ssp::RandomSource& random) {
  auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "BENCH");
  return ssp::ClientContext(std::move(*creds), ssp::ClientPolicy{}, clock, random);
}

// Runs `body` to completion on `io` (every step inside is bounded by kStepTimeout).
template <typename Body>
void RunOn(asio::io_context& io, Body body) {
  asio::co_spawn(io, std::move(body), asio::detached);
  io.restart();
  io.run();
}

// False (the benchmark marked skipped with the reason) when the in-process
// server did not start.
bool Started(const InProcessServer& server, benchmark::State& state) {
  if (server.error().empty()) return true;
  state.SkipWithError(server.error().c_str());
  return false;
}

void BM_NetHttpHandshake(benchmark::State& state) {
  InProcessServer server;
  if (!Started(server, state)) return;
  HttpTarget target{"127.0.0.1", server.http().port(), "/"};
  ssp::SecureRandom random;
  for (auto _ : state) {
    ssp::ClientContext client = NewClient(server.clock(), random);
    auto negotiate = client.CreateNegotiate();
    auto x = RunHttpNtlmExchange(
        target, *negotiate,
        [&](const Bytes& challenge, std::string& error) -> std::optional<Bytes> {
          auto a = client.ProcessChallenge(challenge);
          if (!a.ok()) {
            error = a.error().reason;
            return std::nullopt;
          }
          return *a;
        },
        std::chrono::milliseconds(kStepTimeout));
    if (x.authenticate_status != 200) {
      state.SkipWithError(("handshake failed: " + x.error + x.client_error + " status " +
                           std::to_string(x.authenticate_status))
                              .c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NetHttpHandshake)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_NetRpcHandshake(benchmark::State& state) {
  InProcessServer server;
  if (!Started(server, state)) return;
  ssp::SecureRandom random;
  asio::io_context io;
  for (auto _ : state) {
    ssp::ClientContext client = NewClient(server.clock(), random);
    std::string error;
    bool ok = false;
    RunOn(io, [&]() -> asio::awaitable<void> {
      RpcClientConnection connection(io.get_executor(), kStepTimeout);
      rpc::RpcClientSession session(rpc::kAuthLevelPktPrivacy);
      if (!co_await connection.Connect(server.rpc(), error) ||
          !co_await AuthenticateRpc(connection, session, client, error)) {
        co_return;
      }
      auto who = co_await CallRpc(connection, session, rpc::kWhoAmIOpnum, {}, error);
      ok = who.has_value();
      connection.Close();
    });
    if (!ok) {
      state.SkipWithError(("handshake failed: " + error).c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NetRpcHandshake)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_NetRpcSealedRoundTrip(benchmark::State& state) {
  InProcessServer server;
  if (!Started(server, state)) return;
  ssp::SecureRandom random;
  asio::io_context io;
  ssp::ClientContext client = NewClient(server.clock(), random);
  RpcClientConnection connection(io.get_executor(), kStepTimeout);
  rpc::RpcClientSession session(rpc::kAuthLevelPktPrivacy);
  std::string error;
  bool ok = false;
  RunOn(io, [&]() -> asio::awaitable<void> {
    ok = co_await connection.Connect(server.rpc(), error) &&
         co_await AuthenticateRpc(connection, session, client, error);
  });
  if (!ok) {
    state.SkipWithError(("handshake failed: " + error).c_str());
    return;
  }
  const Bytes stub = rpc::EncodeByteArray(Bytes(static_cast<size_t>(state.range(0)), 0x5A));
  for (auto _ : state) {
    std::optional<Bytes> reply;
    RunOn(io, [&]() -> asio::awaitable<void> {
      reply = co_await CallRpc(connection, session, rpc::kEchoOpnum, stub, error);
    });
    if (!reply || reply->size() != stub.size()) {
      state.SkipWithError(("round trip failed: " + error).c_str());
      return;
    }
  }
  connection.Close();
  state.SetItemsProcessed(state.iterations());
  // Stub bytes sealed, sent, echoed, sealed back and unsealed: both directions.
  state.SetBytesProcessed(state.iterations() * state.range(0) * 2);
}
BENCHMARK(BM_NetRpcSealedRoundTrip)
    ->Arg(64)
    ->Arg(1024)
    ->Arg(16384)
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

void BM_NetSmbSessionSetup(benchmark::State& state) {
  InProcessServer server;
  if (!Started(server, state)) return;
  ssp::SecureRandom random;
  asio::io_context io;
  for (auto _ : state) {
    ssp::ClientContext client = NewClient(server.clock(), random);
    SmbBenchClient smb(io, server.smb(), kStepTimeout);
    const uint64_t session_id = smb.Logon(smb::kDialect311, client);
    const bool ok =
        session_id != 0 &&
        smb.Status(smb.Exchange(smb.builder().TreeConnect(session_id, "\\\\127.0.0.1\\IPC$"))) ==
            smb::kStatusSuccess &&
        smb.Status(smb.Exchange(smb.builder().Simple(smb::Command::kLogoff, session_id, 0))) ==
            smb::kStatusSuccess;
    if (!ok) {
      state.SkipWithError(("SMB logon failed: " + smb.error()).c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NetSmbSessionSetup)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_NetSmbSignedEcho(benchmark::State& state) {
  InProcessServer server;
  if (!Started(server, state)) return;
  ssp::SecureRandom random;
  asio::io_context io;
  ssp::ClientContext client = NewClient(server.clock(), random);
  SmbBenchClient smb(io, server.smb(), kStepTimeout);
  const uint64_t session_id = smb.Logon(smb::kDialect300, client);
  if (session_id == 0) {
    state.SkipWithError(("SMB logon failed: " + smb.error()).c_str());
    return;
  }
  const smb::SigningKey key = smb::DeriveSigningKey(smb::kDialect300, client.exported_session_key(),
                                                    smb::kSigningAesCmac, smb::PreauthHashValue{});
  for (auto _ : state) {
    Bytes echo = smb.builder().Simple(smb::Command::kEcho, session_id, 0);
    smb::SignMessage(key, echo);
    Bytes reply = smb.Exchange(echo);
    if (smb.Status(reply) != smb::kStatusSuccess || !smb::VerifyMessage(key, reply)) {
      state.SkipWithError(("signed ECHO failed: " + smb.error()).c_str());
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NetSmbSignedEcho)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
}  // namespace ntlm::harness::net
