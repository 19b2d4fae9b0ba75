// rpc_client.cc: RpcClientConnection and the client handshake (see rpc_client.h).
#include "harness/net/io/rpc_client.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <tuple>
#include <variant>

#include "asio/buffer.hpp"
#include "asio/connect.hpp"
#include "asio/experimental/as_tuple.hpp"
#include "asio/experimental/awaitable_operators.hpp"
#include "asio/read.hpp"
#include "asio/use_awaitable.hpp"
#include "asio/write.hpp"
#include "harness/ascii.h"
#include "harness/net/io/port_number.h"
#include "ssp/hex.h"

namespace ntlm::harness::net {

namespace {

using asio::experimental::awaitable_operators::operator||;
using asio::ip::tcp;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string NakReasonText(uint16_t reason) {
  return std::string(rpc::NakReasonName(reason)) + " (" + std::to_string(reason) + ")";
}

}  // namespace

std::optional<RpcTarget> ParseRpcTarget(const std::string& text, std::string& error) {
  const std::string prefix = "ncacn_ip_tcp:";
  if (!EqualsIgnoreAsciiCase(std::string_view(text).substr(0, prefix.size()), prefix)) {
    error = "'" + text + "' must start with ncacn_ip_tcp:";
    return std::nullopt;
  }
  const std::string rest = text.substr(prefix.size());
  if (rest.empty()) {
    error = "'" + text + "': no host";
    return std::nullopt;
  }
  if (rest.back() != ']') {
    // No endpoint: the endpoint mapper (port 135) is asked for it.
    if (rest.find_first_of("[] \t/") != std::string::npos || rest.find(':') != std::string::npos) {
      error = "'" + text + "': host '" + rest +
              "' is not a name or an IPv4 address (write [::1][PORT] for IPv6)";
      return std::nullopt;
    }
    return RpcTarget{rest, 0};
  }
  const size_t open = rest.rfind('[');
  if (open == std::string::npos) {
    error = "'" + text + "': ']' without '[' around the port";
    return std::nullopt;
  }
  std::string host = rest.substr(0, open);
  const std::string port = rest.substr(open + 1, rest.size() - open - 2);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) {
    error = "'" + text + "': no host";
    return std::nullopt;
  }
  if (host.find_first_of("[] \t/") != std::string::npos) {
    error = "'" + text + "': host '" + host + "' is not a name or an IP address";
    return std::nullopt;
  }
  if (port.find(',') != std::string::npos) {
    error = "'" + text + "': endpoint options ('" + port + "') are not supported; give only a port";
    return std::nullopt;
  }
  const auto number = ParsePortNumber(port);
  if (!number) {
    error = "'" + text + "': port '" + port + "' must be 1..65535";
    return std::nullopt;
  }
  return RpcTarget{host, *number};
}

RpcClientConnection::RpcClientConnection(asio::any_io_executor executor,
                                         std::chrono::milliseconds step_timeout)
    : socket_(executor), timer_(executor), timeout_(step_timeout) {}

void RpcClientConnection::NoDelay() {
  // auth3 has no reply and is followed at once by a request: with Nagle's
  // algorithm that request would wait for the ACK of the auth3, which the
  // server delays (delayed ACK, ~40 ms on Linux).
  asio::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
}

void RpcClientConnection::Close() {
  asio::error_code ignored;
  socket_.close(ignored);
}

asio::awaitable<bool> RpcClientConnection::Connect(const RpcTarget& target, std::string& error) {
  tcp::resolver resolver(socket_.get_executor());
  timer_.expires_after(timeout_);
  auto resolved =
      co_await (resolver.async_resolve(target.host, std::to_string(target.port), kUseTuple) ||
                timer_.async_wait(kUseTuple));
  if (resolved.index() == 1) {
    error = "timed out resolving " + target.host;
    co_return false;
  }
  auto [ec, endpoints] = std::get<0>(resolved);
  if (ec) {
    error = "cannot resolve " + target.host + ": " + ec.message();
    co_return false;
  }
  timer_.expires_after(timeout_);
  auto connected =
      co_await (asio::async_connect(socket_, endpoints, kUseTuple) || timer_.async_wait(kUseTuple));
  const std::string where = target.host + "[" + std::to_string(target.port) + "]";
  if (connected.index() == 1) {
    Close();
    error = "timed out connecting to " + where;
    co_return false;
  }
  if (auto e = std::get<0>(std::get<0>(connected)); e) {
    error = "connecting to " + where + ": " + e.message();
    co_return false;
  }
  NoDelay();
  co_return true;
}

asio::awaitable<bool> RpcClientConnection::Connect(const tcp::endpoint& endpoint,
                                                   std::string& error) {
  timer_.expires_after(timeout_);
  auto connected =
      co_await (socket_.async_connect(endpoint, kUseTuple) || timer_.async_wait(kUseTuple));
  if (connected.index() == 1) {
    Close();
    error = "timed out connecting";
    co_return false;
  }
  if (auto e = std::get<0>(std::get<0>(connected)); e) {
    error = "connecting: " + e.message();
    co_return false;
  }
  NoDelay();
  co_return true;
}

asio::awaitable<bool> RpcClientConnection::Send(const std::vector<Bytes>& fragments,
                                                std::string& error) {
  for (const Bytes& fragment : fragments) {
    timer_.expires_after(timeout_);
    auto result = co_await (asio::async_write(socket_, asio::buffer(fragment), kUseTuple) ||
                            timer_.async_wait(kUseTuple));
    if (result.index() == 1) {
      Close();
      error = "timed out sending a fragment";
      co_return false;
    }
    if (auto e = std::get<0>(std::get<0>(result)); e) {
      error = "sending a fragment: " + e.message();
      co_return false;
    }
  }
  co_return true;
}

asio::awaitable<std::optional<Bytes>> RpcClientConnection::Receive(size_t max_frag,
                                                                   std::string& error) {
  std::array<uint8_t, rpc::kCommonHeaderSize> header{};
  timer_.expires_after(timeout_);
  auto got = co_await (asio::async_read(socket_, asio::buffer(header), kUseTuple) ||
                       timer_.async_wait(kUseTuple));
  if (got.index() == 1) {
    Close();
    error = "timed out reading a fragment";
    co_return std::nullopt;
  }
  if (auto e = std::get<0>(std::get<0>(got)); e) {
    error = e == asio::error::eof || e == asio::error::connection_reset
                ? kConnectionClosed
                : "reading a fragment: " + e.message();
    co_return std::nullopt;
  }
  auto parsed = rpc::ParseCommonHeader(header, max_frag);
  if (!parsed.ok()) {
    error = "server sent " + parsed.error().reason;
    co_return std::nullopt;
  }
  Bytes fragment(parsed->frag_length);
  std::copy(header.begin(), header.end(), fragment.begin());
  timer_.expires_after(timeout_);
  auto rest = co_await (
      asio::async_read(
          socket_, asio::buffer(fragment.data() + header.size(), fragment.size() - header.size()),
          kUseTuple) ||
      timer_.async_wait(kUseTuple));
  if (rest.index() == 1) {
    Close();
    error = "timed out reading a fragment";
    co_return std::nullopt;
  }
  if (auto e = std::get<0>(std::get<0>(rest)); e) {
    error = "reading a fragment: " + e.message();
    co_return std::nullopt;
  }
  co_return fragment;
}

asio::awaitable<bool> AuthenticateRpc(RpcClientConnection& connection,
                                      rpc::RpcClientSession& session, ssp::ClientContext& client,
                                      std::string& error) {
  auto negotiate = client.CreateNegotiate();
  if (!negotiate.ok()) {
    error = "client NEGOTIATE: " + negotiate.error().reason;
    co_return false;
  }
  const std::vector<Bytes> bind = {session.Bind(*negotiate)};
  if (!co_await connection.Send(bind, error)) co_return false;
  auto fragment = co_await connection.Receive(session.max_recv_frag(), error);
  if (!fragment) co_return false;
  auto reply = session.OnBindReply(*fragment);
  if (!reply.ok()) {
    error = "bind reply: " + reply.error().reason;
    co_return false;
  }
  if (reply->kind == rpc::ClientBindReply::Kind::kNak) {
    error = "bind_nak " + NakReasonText(reply->nak_reason);
    co_return false;
  }
  if (reply->kind == rpc::ClientBindReply::Kind::kFault) {
    error = "fault " + ssp::Hex32(reply->fault_status) + " to the bind";
    co_return false;
  }
  if (!reply->context_accepted) {
    error = "bind_ack rejected the echo interface's presentation context";
    co_return false;
  }
  auto authenticate = client.ProcessChallenge(reply->challenge);
  if (!authenticate.ok()) {
    error = "client AUTHENTICATE: " + authenticate.error().reason;
    co_return false;
  }
  const std::vector<Bytes> auth3 = {session.Auth3(*authenticate)};
  if (!co_await connection.Send(auth3, error)) co_return false;
  if (session.auth_level() >= rpc::kAuthLevelPktIntegrity) {
    auto security = client.CreateSessionSecurity();
    if (!security.ok()) {
      error = "client session security: " + security.error().reason;
      co_return false;
    }
    session.Establish(client.negotiated_flags(), std::move(*security));
  }
  co_return true;
}

asio::awaitable<std::optional<Bytes>> CallRpc(RpcClientConnection& connection,
                                              rpc::RpcClientSession& session, uint16_t opnum,
                                              ByteSpan stub, std::string& error) {
  auto request = session.Request(opnum, stub);
  if (!request.ok()) {
    error = "protecting the request: " + request.error().reason;
    co_return std::nullopt;
  }
  if (!co_await connection.Send(*request, error)) co_return std::nullopt;
  // Bounded: each fragment carries at least one stub byte but the last.
  for (size_t fragments = 0; fragments < 65536; ++fragments) {
    auto fragment = co_await connection.Receive(session.max_recv_frag(), error);
    if (!fragment) co_return std::nullopt;
    auto reply = session.OnResponseFragment(*fragment);
    if (!reply.ok()) {
      error = "response: " + ssp::StatusName(reply.status()) + ": " + reply.error().reason;
      co_return std::nullopt;
    }
    if (!reply->complete) continue;
    if (reply->fault) {
      error = "fault " + ssp::Hex32(reply->fault_status);
      co_return std::nullopt;
    }
    co_return std::move(reply->stub);
  }
  error = "response of more than 65536 fragments";
  co_return std::nullopt;
}

}  // namespace ntlm::harness::net
