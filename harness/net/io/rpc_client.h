// rpc_client.h: a DCE/RPC client over TCP (ncacn_ip_tcp) on standalone Asio
// (C++20 coroutines), for `probe`, the concurrency test and the benchmarks.
//
// The PDUs come from RpcClientSession (socket-free, rpc_client_session.h);
// this file only moves whole fragments over a socket. Every step (resolve,
// connect, one write, one fragment read) ends within the step timeout given
// at construction: on expiry the socket is closed and the step fails with
// "timed out ...". Incoming fragments are framed by ParseCommonHeader with
// the session's max_recv_frag as the limit.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "asio/any_io_executor.hpp"
#include "asio/awaitable.hpp"
#include "asio/ip/tcp.hpp"
#include "asio/steady_timer.hpp"
#include "crypto/bytes.h"
#include "harness/net/rpc_client_session.h"
#include "harness/net/rpc_probe_interface.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

// "ncacn_ip_tcp:HOST[PORT]": HOST a name, an IPv4 literal or an IPv6 literal
// (bare, "::1", or bracketed, "[::1]"); PORT 1..65535; no endpoint options.
// "ncacn_ip_tcp:HOST" without an endpoint (a name or an IPv4 literal): port 0,
// which probe resolves through HOST's endpoint mapper (rpc_epm_client.h).
struct RpcTarget {
  std::string host;
  uint16_t port = 0;
  // The interface the calls go to (`probe --interface`).
  rpc::ProbeInterface iface = rpc::ProbeInterface::kHarness;
};
std::optional<RpcTarget> ParseRpcTarget(const std::string& text, std::string& error);

// Receive's error when the server closed (or reset) the connection.
inline constexpr const char* kConnectionClosed = "connection closed by the server";

class RpcClientConnection {
 public:
  RpcClientConnection(asio::any_io_executor executor, std::chrono::milliseconds step_timeout);

  asio::awaitable<bool> Connect(const RpcTarget& target, std::string& error);
  asio::awaitable<bool> Connect(const asio::ip::tcp::endpoint& endpoint, std::string& error);
  // Writes the fragments in order.
  asio::awaitable<bool> Send(const std::vector<Bytes>& fragments, std::string& error);
  // Reads one whole fragment of at most `max_frag` bytes. On failure nullopt
  // and `error` (kConnectionClosed, "timed out reading a fragment", or the
  // header's parse error).
  asio::awaitable<std::optional<Bytes>> Receive(size_t max_frag, std::string& error);
  void Close();

 private:
  void NoDelay();

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::chrono::milliseconds timeout_;
};

// bind (NEGOTIATE) -> bind_ack (CHALLENGE) -> auth3 (AUTHENTICATE) with
// `client`, then the session's security established from it. False with
// `error` naming the refusal (bind_nak reason, fault status) otherwise.
asio::awaitable<bool> AuthenticateRpc(RpcClientConnection& connection,
                                      rpc::RpcClientSession& session, ssp::ClientContext& client,
                                      std::string& error);

// One call: the request's fragments out, the response's in. The response
// stub, or nullopt with `error` (a fault names its status).
asio::awaitable<std::optional<Bytes>> CallRpc(RpcClientConnection& connection,
                                              rpc::RpcClientSession& session, uint16_t opnum,
                                              ByteSpan stub, std::string& error);

}  // namespace ntlm::harness::net
