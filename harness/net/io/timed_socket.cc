// timed_socket.cc: reads and writes with deadlines (see timed_socket.h).
#include "harness/net/io/timed_socket.h"

#include <algorithm>
#include <cstring>
#include <system_error>
#include <variant>

#include "asio/experimental/as_tuple.hpp"
#include "asio/experimental/awaitable_operators.hpp"
#include "asio/use_awaitable.hpp"
#include "asio/write.hpp"
#include "harness/net/io/coroutine_warning.h"
#include "harness/net/io/server_runner.h"

namespace ntlm::harness::net {
namespace {

using asio::experimental::awaitable_operators::operator||;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace

TimedSocket::TimedSocket(AcceptedSocket accepted, const FrontContext& ctx, uint64_t id)
    : socket_(std::move(accepted.socket)),
      timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()),
      ctx_(ctx),
      id_(id) {
  std::error_code ec;
  // Non-blocking from the start: WriteAll's first send must never block (Asio
  // would set it at the first asynchronous operation anyway: no extra call).
  socket_.non_blocking(true, ec);
  const auto& remote = accepted.remote;
  const auto& local = accepted.local;
  client_address_ = EndpointText(remote);
  local_port_ = local.port();
  if (ctx_.tap) {
    ctx_.tap->OnOpen(id_, TrafficTap::Endpoints{remote.address().to_string(), remote.port(),
                                                local.address().to_string(), local.port()});
  }
}

TimedSocket::~TimedSocket() {
  *alive_ = false;
  Close();
  if (ctx_.tap) ctx_.tap->OnClose(id_);
}

void TimedSocket::Close() {
  if (!socket_.is_open()) return;
  std::error_code ec;
  socket_.close(ec);
}

asio::awaitable<bool> TimedSocket::ReadExactly(asio::mutable_buffer buffer,
                                               Clock::time_point deadline,
                                               const std::string& timeout_reason,
                                               std::string& end_reason) {
  buffer += TakeReadAhead(buffer);
  while (buffer.size() != 0) {
    if (buffer.size() >= kReadAhead) {  // a large rest: straight into its place
      const size_t n = co_await ReadFromSocket(buffer, deadline, timeout_reason, end_reason);
      if (n == 0) co_return false;
      buffer += n;
      continue;
    }
    const size_t n =
        co_await ReadFromSocket(asio::buffer(read_ahead_), deadline, timeout_reason, end_reason);
    if (n == 0) co_return false;
    ahead_begin_ = 0;
    ahead_end_ = n;
    buffer += TakeReadAhead(buffer);
  }
  co_return true;
}

asio::awaitable<size_t> TimedSocket::ReadSome(asio::mutable_buffer buffer,
                                              Clock::time_point deadline,
                                              const std::string& timeout_reason,
                                              std::string& end_reason) {
  if (ahead_begin_ != ahead_end_) co_return TakeReadAhead(buffer);
  co_return co_await ReadFromSocket(buffer, deadline, timeout_reason, end_reason);
}

asio::awaitable<size_t> TimedSocket::ReadFromSocket(asio::mutable_buffer buffer,
                                                    Clock::time_point deadline,
                                                    const std::string& timeout_reason,
                                                    std::string& end_reason) {
  BeginRead(deadline);
  auto [ec, n] = co_await socket_.async_read_some(buffer, kUseTuple);
  co_return Settle(ec, n, buffer, timeout_reason, end_reason);
}

size_t TimedSocket::TakeReadAhead(asio::mutable_buffer buffer) {
  const size_t n = std::min(buffer.size(), ahead_end_ - ahead_begin_);
  if (n != 0) std::memcpy(buffer.data(), read_ahead_.data() + ahead_begin_, n);
  ahead_begin_ += n;
  return n;
}

void TimedSocket::BeginRead(Clock::time_point deadline) {
  read_deadline_ = deadline;
  read_timed_out_ = false;
  reading_ = true;
  if (deadline < watchdog_at_) ArmWatchdog(deadline);
}

void TimedSocket::ArmWatchdog(Clock::time_point at) {
  timer_.expires_at(at);  // a wait still pending ends with operation_aborted
  watchdog_at_ = at;
  timer_.async_wait([this, alive = alive_](std::error_code ec) {
    if (ec || !*alive) return;  // re-armed, or the socket is gone
    watchdog_at_ = Clock::time_point::max();
    OnWatchdog();
  });
}

void TimedSocket::OnWatchdog() {
  if (!reading_) return;  // between reads: the next read arms it again
  if (Clock::now() < read_deadline_) {
    ArmWatchdog(read_deadline_);
    return;
  }
  read_timed_out_ = true;
  std::error_code ignored;
  socket_.cancel(ignored);  // the pending read ends with operation_aborted
}

asio::awaitable<bool> TimedSocket::WriteAll(ByteSpan bytes, std::string& end_reason,
                                            std::optional<Clock::time_point> deadline) {
  // First without a timer: a reply that fits the socket buffer (nearly every
  // one) leaves in this one send, and arming and cancelling the deadline would
  // cost two more system calls. The socket is non-blocking (constructor).
  std::error_code send_error;
  const size_t first = socket_.write_some(asio::buffer(bytes.data(), bytes.size()), send_error);
  if (send_error && send_error != asio::error::would_block &&
      send_error != asio::error::try_again) {
    end_reason = send_error.message();
    co_return false;
  }
  if (first != 0) Tap(TrafficDirection::kServerToClient, bytes.first(first));
  bytes = bytes.subspan(first);
  if (bytes.empty()) co_return true;
  write_timer_.expires_at(deadline.value_or(Clock::now() + ctx_.limits.idle_timeout));
  auto result =
      co_await (asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()), kUseTuple) ||
                write_timer_.async_wait(kUseTuple));
  if (result.index() == 1) {
    end_reason = "write timeout";
    co_return false;
  }
  auto [ec, n] = std::get<0>(result);
  if (ec) {
    end_reason = ec.message();
    co_return false;
  }
  Tap(TrafficDirection::kServerToClient, bytes.first(n));
  co_return true;
}

void TimedSocket::SendNow(ByteSpan bytes) {
  std::error_code ec;
  const size_t sent = socket_.write_some(asio::buffer(bytes.data(), bytes.size()), ec);
  if (!ec) Tap(TrafficDirection::kServerToClient, bytes.first(sent));
}

size_t TimedSocket::Settle(std::error_code ec, size_t n, asio::mutable_buffer buffer,
                           const std::string& timeout_reason, std::string& end_reason) {
  reading_ = false;
  if (read_timed_out_) {
    end_reason = timeout_reason;
    return 0;
  }
  if (ec) {
    end_reason = ec == asio::error::eof ? "client closed the connection" : ec.message();
    return 0;
  }
  Tap(TrafficDirection::kClientToServer, ByteSpan(static_cast<const uint8_t*>(buffer.data()), n));
  return n;
}

void TimedSocket::Tap(TrafficDirection direction, ByteSpan bytes) {
  if (ctx_.tap && !bytes.empty()) ctx_.tap->OnData(id_, direction, bytes);
}

}  // namespace ntlm::harness::net
