// smb_front.cc: the SMB2/3 front's connections (see smb_front.h).
#include "harness/net/io/smb_front.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "asio/co_spawn.hpp"
#include "asio/detached.hpp"
#include "asio/experimental/as_tuple.hpp"
#include "asio/steady_timer.hpp"
#include "asio/use_awaitable.hpp"
#include "harness/net/io/coroutine_warning.h"
#include "harness/net/io/timed_socket.h"
#include "harness/net/rpc_rpcecho_interface.h"
#include "harness/net/smb_wire.h"

namespace ntlm::harness::net {
namespace {

using Clock = TimedSocket::Clock;
constexpr auto kAsTuple = asio::experimental::as_tuple(asio::use_awaitable);

// Appends `message` with its direct-TCP transport header.
void AppendFramed(Bytes& out, const Bytes& message) {
  if (message.empty()) return;
  out.reserve(out.size() + smb::kTransportHeaderSize + message.size());
  smb::AppendTransportHeader(out, message.size());
  out.insert(out.end(), message.begin(), message.end());
}

// One connection. Held by a shared_ptr: the final response of a pending
// pipe READ whose data is a deferred RPC reply (rpcecho TestSleep) is sent by
// its own coroutine on the connection's executor, which keeps the connection
// alive; the reader loop goes on reading meanwhile. Every write goes through
// one queue, so messages never interleave.
class SmbConnection : public std::enable_shared_from_this<SmbConnection> {
 public:
  SmbConnection(AcceptedSocket tcp, const FrontContext& ctx, uint64_t id,
                smb::SmbSessionOptions options)
      : socket_(std::move(tcp), ctx, id),
        ctx_(ctx),
        accepted_at_(Clock::now()),
        session_(ctx, options, socket_.client_address(), id) {}

  asio::awaitable<void> Run() {
    const size_t max_message = std::min(ctx_.limits.max_pdu_bytes, smb::kMaxTransportLength);
    std::string end_reason = "client closed the connection";
    for (;;) {
      std::array<uint8_t, smb::kTransportHeaderSize> header{};
      if (!co_await ReadExactly(asio::buffer(header), end_reason)) break;
      auto length = smb::ParseTransportHeader(header);
      if (!length.ok() || *length > max_message || *length == 0) {
        end_reason = !length.ok() ? length.error().reason
                                  : "message of " + std::to_string(*length) + " bytes (limit " +
                                        std::to_string(max_message) + ")";
        break;
      }
      Bytes message(*length);
      if (!co_await ReadExactly(asio::buffer(message), end_reason)) break;
      auto out = session_.OnMessage(message);
      if (!co_await Deliver(out, end_reason)) break;
      if (out.close) break;
    }
    closed_ = true;
    for (asio::steady_timer* timer : timers_) timer->cancel();
    socket_.Close();
    Report();
  }

 private:
  // The deadline of the next read: idle, or the handshake's when sooner;
  // while a deferred reply is outstanding the client may rightly wait for
  // it, so its longest delay is added.
  asio::awaitable<bool> ReadExactly(asio::mutable_buffer buffer, std::string& end_reason) {
    Clock::time_point deadline = Clock::now() + ctx_.limits.idle_timeout;
    if (session_.deferred_outstanding() > 0) {
      deadline += std::chrono::seconds(rpc::kMaxRpcEchoSleepSeconds);
    }
    const bool complete = session_.handshake_complete();
    if (!complete) deadline = std::min(deadline, accepted_at_ + ctx_.limits.handshake_timeout);
    co_return co_await socket_.ReadExactly(
        buffer, deadline, complete ? "idle timeout" : "idle or handshake timeout", end_reason);
  }

  // Reports, schedules the deferred replies and sends what `out` holds (its
  // reply, then the completions, in one write when no write is under way).
  asio::awaitable<bool> Deliver(smb::SmbSession::Output& out, std::string& end_reason) {
    Report();
    for (const auto& deferred : out.deferred) Schedule(deferred);
    AppendFramed(outbox_, out.reply);
    for (const Bytes& completion : out.completions) AppendFramed(outbox_, completion);
    if (writing_) co_return !write_failed_;
    writing_ = true;
    while (!outbox_.empty() && !write_failed_) {
      Bytes bytes = std::exchange(outbox_, {});
      if (!co_await socket_.WriteAll(bytes, end_reason)) write_failed_ = true;
    }
    outbox_.clear();
    writing_ = false;
    co_return !write_failed_;
  }

  void Schedule(smb::SmbSession::DeferredReply deferred) {
    asio::co_spawn(
        socket_.executor(),
        [self = shared_from_this(), deferred]() -> asio::awaitable<void> {
          co_await self->DeliverLater(deferred);
        },
        asio::detached);
  }

  asio::awaitable<void> DeliverLater(smb::SmbSession::DeferredReply deferred) {
    asio::steady_timer timer(socket_.executor());
    timer.expires_after(std::chrono::seconds(deferred.delay_seconds));
    timers_.insert(&timer);
    co_await timer.async_wait(kAsTuple);
    timers_.erase(&timer);
    if (closed_) co_return;
    auto out = session_.OnDeferredDue(deferred.id);
    std::string reason;
    if (!co_await Deliver(out, reason)) socket_.Close();  // the reader loop ends on its read
  }

  void Report() {
    for (const AuthLogRecord& record : session_.TakeAuthLog()) {
      if (ctx_.log) ctx_.log(record);
    }
    for (const Transcript& transcript : session_.TakeTranscripts()) {
      if (ctx_.record) ctx_.record(transcript);
    }
  }

  TimedSocket socket_;
  const FrontContext& ctx_;
  Clock::time_point accepted_at_;
  smb::SmbSession session_;
  Bytes outbox_;  // framed messages not yet written
  bool writing_ = false;
  bool write_failed_ = false;
  bool closed_ = false;
  std::set<asio::steady_timer*> timers_;
};

}  // namespace

ConnectionHandler MakeSmbConnectionHandler(smb::SmbSessionOptions options) {
  return [options](AcceptedSocket socket, const FrontContext& ctx,
                   uint64_t connection_id) -> asio::awaitable<void> {
    auto connection =
        std::make_shared<SmbConnection>(std::move(socket), ctx, connection_id, options);
    co_await connection->Run();
  };
}

}  // namespace ntlm::harness::net
