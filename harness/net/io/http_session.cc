#include "harness/net/io/http_session.h"

#include <algorithm>
#include <array>
#include <chrono>

#include "harness/net/http_auth.h"
#include "harness/net/http_request.h"
#include "harness/net/http_response.h"
#include "harness/net/io/coroutine_warning.h"
#include "harness/net/io/timed_socket.h"

namespace ntlm::harness::net {
namespace {

using Clock = TimedSocket::Clock;

const std::string kDeadlinePassed = "deadline passed";

ByteSpan AsBytes(const std::string& text) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

}  // namespace

asio::awaitable<void> ServeHttpConnection(AcceptedSocket socket, const FrontContext& ctx,
                                          uint64_t connection_id) {
  TimedSocket conn(std::move(socket), ctx, connection_id);
  const auto accepted_at = Clock::now();
  HttpAuthSession auth(ctx, conn.client_address(), connection_id);
  // The deadline of the request being read and its answer: idle_timeout from
  // the previous answer, and handshake_timeout from the accept until the
  // client has authenticated.
  auto next_deadline = [&] {
    auto at = Clock::now() + ctx.limits.idle_timeout;
    if (!auth.authenticated()) at = std::min(at, accepted_at + ctx.limits.handshake_timeout);
    return at;
  };
  Clock::time_point deadline = next_deadline();

  HttpParseLimits limits;
  limits.max_header_bytes = ctx.limits.max_header_bytes;
  limits.max_body_bytes = ctx.limits.max_body_bytes;
  HttpRequestParser parser(limits);
  std::array<uint8_t, 8192> buffer;
  std::string end_reason;

  for (;;) {
    auto state = parser.Parse();
    bool continue_sent = false;
    bool closed = false;
    while (state == HttpRequestParser::State::kNeedMore) {
      if (parser.headers_complete() && !continue_sent && parser.pending().ExpectsContinue()) {
        continue_sent = true;
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        if (!co_await conn.WriteAll(AsBytes(kContinue), end_reason, deadline)) {
          closed = true;
          break;
        }
      }
      const size_t n =
          co_await conn.ReadSome(asio::buffer(buffer), deadline, kDeadlinePassed, end_reason);
      if (n == 0) {
        if (end_reason == kDeadlinePassed && parser.in_progress()) {
          conn.SendNow(AsBytes(SerializeResponse(
              ErrorResponse(408, "request not complete before the deadline", true))));
        }
        closed = true;
        break;
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
    const std::string bytes = SerializeResponse(response);
    if (!co_await conn.WriteAll(AsBytes(bytes), end_reason, deadline)) break;
    if (!keep_alive) break;
    deadline = next_deadline();
  }
}

}  // namespace ntlm::harness::net
