// rpc_front.cc: ServeRpcConnection (see rpc_front.h).
#include "harness/net/io/rpc_front.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "asio/buffer.hpp"
#include "asio/co_spawn.hpp"
#include "asio/detached.hpp"
#include "asio/experimental/as_tuple.hpp"
#include "asio/steady_timer.hpp"
#include "asio/use_awaitable.hpp"
#include "harness/net/auth_log.h"
#include "harness/net/io/coroutine_warning.h"
#include "harness/net/io/timed_socket.h"
#include "harness/net/rpc_rpcecho_interface.h"
#include "harness/net/rpc_session.h"
#include "harness/net/transcript_recorder.h"

namespace ntlm::harness::net {

namespace {

using Clock = TimedSocket::Clock;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

// One connection. Held by a shared_ptr: a deferred reply (rpcecho
// TestSleep) runs as its own coroutine on the same executor and keeps the
// connection alive until it has finished; writes of the reader loop and of
// deferred replies go through one queue, so PDUs are never interleaved and are
// sent in the order their sequence numbers were assigned.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(AcceptedSocket socket, const FrontContext& ctx, uint64_t id)
      : socket_(std::move(socket), ctx, id), ctx_(ctx), id_(id), accepted_at_(Clock::now()) {}

  asio::awaitable<void> Run() {
    session_.emplace(ctx_, SessionOptions());
    rpc::RpcSession& session = *session_;
    std::string end_reason = "client closed the connection";
    for (;;) {
      std::array<uint8_t, rpc::kCommonHeaderSize> header{};
      if (!co_await ReadExactly(asio::buffer(header), session, end_reason)) break;
      auto parsed = rpc::ParseCommonHeader(header, session.max_recv_frag());
      rpc::RpcSession::Output out;
      if (!parsed.ok()) {
        out = session.OnBadHeader(header, parsed.error());
      } else {
        Bytes fragment(parsed->frag_length);
        std::copy(header.begin(), header.end(), fragment.begin());
        if (!co_await ReadExactly(
                asio::buffer(fragment.data() + header.size(), fragment.size() - header.size()),
                session, end_reason)) {
          break;
        }
        out = session.OnFragment(fragment);
      }
      Log(session);
      for (rpc::DeferredCall& call : out.deferred) ScheduleReply(std::move(call));
      if (!co_await Send(std::move(out.pdus), end_reason)) break;
      if (out.close) {
        end_reason = out.reason;
        break;
      }
    }
    closed_ = true;
    for (asio::steady_timer* t : reply_timers_) t->cancel();
    socket_.Close();
    Log(session);
    if (ctx_.record) {
      auto transcript = session.BuildTranscript(
          net::RecordedExchangeName(ctx_, "rpc", id_, 1),
          "DCE/RPC ncacn_ip_tcp connection " + std::to_string(id_) + " from " +
              socket_.client_address() + "; ended: " + end_reason);
      if (transcript) ctx_.record(*transcript);
    }
  }

 private:
  rpc::RpcSessionOptions SessionOptions() const {
    rpc::RpcSessionOptions options;
    options.min_auth_level = rpc::MinAuthLevelForPolicy(ctx_.policy);
    options.max_frag = static_cast<uint16_t>(
        std::clamp<size_t>(ctx_.limits.max_pdu_bytes, rpc::kMustRecvFragSize, size_t{65535}));
    options.max_request_bytes = ctx_.limits.max_pdu_bytes;
    options.max_token_bytes = ctx_.limits.max_token_bytes;
    options.assoc_group_id = 0x00010000u | static_cast<uint32_t>(id_ & 0xFFFF);
    options.secondary_address = std::to_string(socket_.local_port());
    return options;
  }

  // Sends `call`'s response after its delay, unless the connection closed.
  void ScheduleReply(rpc::DeferredCall call) {
    asio::co_spawn(
        socket_.executor(),
        [self = shared_from_this(), call = std::move(call)]() -> asio::awaitable<void> {
          co_await self->ReplyLater(call);
        },
        asio::detached);
  }

  asio::awaitable<void> ReplyLater(rpc::DeferredCall call) {
    asio::steady_timer timer(socket_.executor());
    timer.expires_after(std::chrono::seconds(call.delay_seconds));
    reply_timers_.insert(&timer);
    co_await timer.async_wait(kUseTuple);
    reply_timers_.erase(&timer);
    if (closed_) co_return;
    std::string reason;
    if (!co_await Send(session_->Reply(call), reason)) {
      socket_.Close();  // the reader loop ends on its failed read
    }
  }

  // Queues `pdus` and writes the queue unless a write is in progress (that
  // writer then sends them). False when a write failed.
  asio::awaitable<bool> Send(std::vector<Bytes> pdus, std::string& end_reason) {
    for (Bytes& pdu : pdus) outbox_.push_back(std::move(pdu));
    if (writing_) co_return !write_failed_;
    writing_ = true;
    while (!outbox_.empty() && !write_failed_) {
      Bytes pdu = std::move(outbox_.front());
      outbox_.pop_front();
      if (!co_await socket_.WriteAll(pdu, end_reason)) write_failed_ = true;
    }
    outbox_.clear();
    writing_ = false;
    co_return !write_failed_;
  }

  // The deadline of the next read: idle, or the handshake's when sooner;
  // while responses are held back the client may rightly send nothing, so
  // their longest delay is added.
  asio::awaitable<bool> ReadExactly(asio::mutable_buffer buffer, const rpc::RpcSession& session,
                                    std::string& end_reason) {
    Clock::time_point deadline = Clock::now() + ctx_.limits.idle_timeout;
    if (session.deferred_outstanding() > 0) {
      deadline += std::chrono::seconds(rpc::kMaxRpcEchoSleepSeconds);
    }
    if (!session.handshake_complete()) {
      deadline = std::min(deadline, accepted_at_ + ctx_.limits.handshake_timeout);
    }
    co_return co_await socket_.ReadExactly(
        buffer, deadline,
        session.handshake_complete() ? "idle timeout" : "idle or handshake timeout", end_reason);
  }

  void Log(rpc::RpcSession& session) {
    auto outcome = session.TakeAuthOutcome();
    if (!outcome || !ctx_.log) return;
    AuthLogRecord record = NewAuthLogRecord(ctx_, "rpc", socket_.client_address());
    record.mechanism = outcome->auth_type == rpc::kAuthTypeSpnego ? "spnego" : "ntlmssp";
    record.user = outcome->user;
    record.domain = outcome->domain;
    record.workstation = outcome->workstation;
    record.negotiated_flags = outcome->negotiated_flags;
    record.accepted = outcome->accepted;
    record.status = outcome->status;
    record.reason = outcome->reason;
    ctx_.log(record);
  }

  TimedSocket socket_;
  const FrontContext& ctx_;
  uint64_t id_;
  Clock::time_point accepted_at_;
  std::optional<rpc::RpcSession> session_;
  std::deque<Bytes> outbox_;
  bool writing_ = false;
  bool write_failed_ = false;
  bool closed_ = false;
  std::set<asio::steady_timer*> reply_timers_;
};

}  // namespace

asio::awaitable<void> ServeRpcConnection(AcceptedSocket socket, const FrontContext& ctx,
                                         uint64_t connection_id) {
  auto connection = std::make_shared<Connection>(std::move(socket), ctx, connection_id);
  co_await connection->Run();
}

}  // namespace ntlm::harness::net
