#include "harness/net/io/http_session.h"

#include <algorithm>
#include <array>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <memory>

#include "harness/net/http_auth.h"
#include "harness/net/http_request.h"
#include "harness/net/http_response.h"

// GCC 12 reports Asio's coroutine frame operator delete as mismatched with its
// operator new (a false positive: both are Asio's own frame allocator).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace ntlm::harness::net {
namespace {

using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// The connection's deadline. The watchdog cancels the socket's pending
// operations when it passes; the session then sees `expired`.
struct Deadline {
  explicit Deadline(tcp::socket& s) : socket(s), timer(s.get_executor()) {}
  tcp::socket& socket;
  asio::steady_timer timer;
  bool expired = false;
  bool done = false;
};

asio::awaitable<void> Watchdog(std::shared_ptr<Deadline> deadline) {
  while (!deadline->done) {
    asio::error_code ec;
    co_await deadline->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (deadline->done) break;
    if (deadline->timer.expiry() <= Clock::now()) {
      deadline->expired = true;
      asio::error_code ignored;
      deadline->socket.cancel(ignored);
      break;
    }
  }
}

std::string AddressText(const tcp::endpoint& endpoint) {
  std::string ip = endpoint.address().to_string();
  if (endpoint.address().is_v6()) ip = "[" + ip + "]";
  return ip + ":" + std::to_string(endpoint.port());
}

// One bounded, non-blocking attempt to send a last answer (408) on a
// connection that is being cut off.
void SendLastWords(tcp::socket& socket, const std::string& bytes, const FrontContext& ctx,
                   uint64_t connection_id) {
  asio::error_code ec;
  socket.non_blocking(true, ec);
  if (ec) return;
  size_t sent = socket.write_some(asio::buffer(bytes), ec);
  if (!ec && ctx.tap) {
    ctx.tap->OnData(connection_id, TrafficDirection::kServerToClient,
                    ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), sent));
  }
}

}  // namespace

asio::awaitable<void> ServeHttpConnection(tcp::socket socket, const FrontContext& ctx,
                                          uint64_t connection_id) {
  asio::error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  tcp::endpoint local = socket.local_endpoint(ec);
  std::string client = AddressText(remote);
  if (ctx.tap) {
    ctx.tap->OnOpen(connection_id,
                    TrafficTap::Endpoints{remote.address().to_string(), remote.port(),
                                          local.address().to_string(), local.port()});
  }

  auto deadline = std::make_shared<Deadline>(socket);
  const auto accepted_at = Clock::now();
  HttpAuthSession auth(ctx, client, connection_id);
  auto arm = [&] {
    auto at = Clock::now() + ctx.limits.idle_timeout;
    if (!auth.authenticated()) at = std::min(at, accepted_at + ctx.limits.handshake_timeout);
    deadline->timer.expires_at(at);
  };
  arm();
  asio::co_spawn(socket.get_executor(), Watchdog(deadline), asio::detached);

  HttpParseLimits limits;
  limits.max_header_bytes = ctx.limits.max_header_bytes;
  limits.max_body_bytes = ctx.limits.max_body_bytes;
  HttpRequestParser parser(limits);
  std::array<uint8_t, 8192> buffer;

  for (;;) {
    auto state = parser.Parse();
    bool continue_sent = false;
    bool closed = false;
    while (state == HttpRequestParser::State::kNeedMore) {
      if (parser.headers_complete() && !continue_sent && parser.pending().ExpectsContinue()) {
        continue_sent = true;
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        co_await asio::async_write(socket, asio::buffer(kContinue),
                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          closed = true;
          break;
        }
      }
      size_t n = co_await socket.async_read_some(asio::buffer(buffer),
                                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (deadline->expired && parser.in_progress()) {
          SendLastWords(socket,
                        SerializeResponse(
                            ErrorResponse(408, "request not complete before the deadline", true)),
                        ctx, connection_id);
        }
        closed = true;
        break;
      }
      if (ctx.tap) {
        ctx.tap->OnData(connection_id, TrafficDirection::kClientToServer,
                        ByteSpan(buffer.data(), n));
      }
      state = parser.Feed(ByteSpan(buffer.data(), n));
    }
    if (closed) break;

    HttpResponse response;
    bool keep_alive = false;
    if (state == HttpRequestParser::State::kError) {
      response = ErrorResponse(parser.error_status(), parser.error_reason(), true);
    } else {
      HttpRequest request = parser.TakeRequest();
      HttpAuthOutcome outcome = auth.Handle(request);
      if (outcome.log && ctx.log) ctx.log(*outcome.log);
      if (outcome.transcript && ctx.record) ctx.record(*outcome.transcript);
      response = std::move(outcome.response);
      response.head_only = request.method == "HEAD";
      keep_alive = request.KeepAlive() && !response.close;
      response.close = !keep_alive;
    }
    std::string bytes = SerializeResponse(response);
    co_await asio::async_write(socket, asio::buffer(bytes),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    if (ctx.tap) {
      ctx.tap->OnData(connection_id, TrafficDirection::kServerToClient,
                      ByteSpan(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    }
    if (!keep_alive) break;
    arm();
  }

  deadline->done = true;
  deadline->timer.cancel();
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  if (ctx.tap) ctx.tap->OnClose(connection_id);
}

}  // namespace ntlm::harness::net
