// timed_socket.h: a connection's socket with a deadline on every read and
// write, its client's "ADDR:PORT" for the log, and its bytes mirrored to the
// front's TrafficTap. The one connection helper of every front (HTTP,
// DCE/RPC, SMB).
//
// Read deadlines cost no timer operation per read: one watchdog timer per
// connection stays armed at the earliest deadline it was given and is only
// re-armed when a read brings an earlier one (or, when it fires early, for
// the read's later deadline). A read past its deadline is cancelled by the
// watchdog and ends with its timeout reason. A reply that fits the socket
// buffer is sent at once, with no timer at all (WriteAll).
//
// Reads go through a read-ahead buffer of kReadAhead bytes: ReadExactly of a
// small part (a 4-byte SMB framing header, a 16-byte DCE/RPC PDU header)
// reads whatever has arrived, so the rest of the message (and a pipelined
// next one) is served from memory without another system call.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "asio/any_io_executor.hpp"
#include "asio/awaitable.hpp"
#include "asio/buffer.hpp"
#include "asio/ip/tcp.hpp"
#include "asio/steady_timer.hpp"
#include "crypto/bytes.h"
#include "harness/net/front_context.h"
#include "harness/net/io/accepted_socket.h"

namespace ntlm::harness::net {

class TimedSocket {
 public:
  using Clock = std::chrono::steady_clock;

  // Reports the connection to ctx.tap (OnOpen) and keeps the client's
  // "ADDR:PORT" for the log.
  TimedSocket(AcceptedSocket accepted, const FrontContext& ctx, uint64_t id);
  // Close(), then OnClose on the tap.
  ~TimedSocket();
  TimedSocket(const TimedSocket&) = delete;
  TimedSocket& operator=(const TimedSocket&) = delete;

  static constexpr size_t kReadAhead = 8192;

  // Fills `buffer` before `deadline`; false with `end_reason` ("client closed
  // the connection", `timeout_reason`, the socket error) otherwise. The bytes
  // read from the socket go to the tap.
  asio::awaitable<bool> ReadExactly(asio::mutable_buffer buffer, Clock::time_point deadline,
                                    const std::string& timeout_reason, std::string& end_reason);
  // Reads what has arrived (at least one byte) before `deadline`: the count,
  // or 0 with `end_reason` as ReadExactly. Bytes already read ahead come
  // first, without a system call. The bytes read from the socket go to the tap.
  asio::awaitable<size_t> ReadSome(asio::mutable_buffer buffer, Clock::time_point deadline,
                                   const std::string& timeout_reason, std::string& end_reason);
  // Writes all of `bytes` before `deadline` (default: the idle timeout from
  // now), else "write timeout". Its own timer: a write may run while a read
  // waits (a deferred DCE/RPC reply).
  asio::awaitable<bool> WriteAll(ByteSpan bytes, std::string& end_reason,
                                 std::optional<Clock::time_point> deadline = std::nullopt);
  // One bounded, non-blocking attempt to send `bytes` (a last answer on a
  // connection being cut off); what was sent goes to the tap.
  void SendNow(ByteSpan bytes);
  // Closes the socket (again: no effect); a pending read or write ends with
  // an error. No shutdown(2) first: close sends the same FIN (or RST when
  // unread bytes remain, as it would after a shutdown too).
  void Close();

  asio::any_io_executor executor() { return socket_.get_executor(); }

  const std::string& client_address() const { return client_address_; }
  uint16_t local_port() const { return local_port_; }

 private:
  // The bytes a read delivered (`n`), tapped; 0 with `end_reason` when the
  // watchdog cut it off (`timeout_reason`), on end of stream or an error.
  size_t Settle(std::error_code ec, size_t n, asio::mutable_buffer buffer,
                const std::string& timeout_reason, std::string& end_reason);
  void Tap(TrafficDirection direction, ByteSpan bytes);
  // One read from the socket into `buffer` (at least one byte), or 0 with
  // `end_reason`.
  asio::awaitable<size_t> ReadFromSocket(asio::mutable_buffer buffer, Clock::time_point deadline,
                                         const std::string& timeout_reason,
                                         std::string& end_reason);
  // Moves up to buffer.size() read-ahead bytes into `buffer`; the count.
  size_t TakeReadAhead(asio::mutable_buffer buffer);
  // Before a read: its deadline, and the watchdog armed no later than it.
  void BeginRead(Clock::time_point deadline);
  void ArmWatchdog(Clock::time_point at);
  // The watchdog fired: cancel the read past its deadline, or wait on.
  void OnWatchdog();

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;        // the read watchdog
  asio::steady_timer write_timer_;  // writes that do not fit the socket buffer
  Clock::time_point read_deadline_ = Clock::time_point::max();
  Clock::time_point watchdog_at_ = Clock::time_point::max();  // max: no wait pending
  std::array<uint8_t, kReadAhead> read_ahead_;  // bytes [ahead_begin_, ahead_end_) not yet taken
  size_t ahead_begin_ = 0;
  size_t ahead_end_ = 0;
  bool reading_ = false;
  bool read_timed_out_ = false;
  // False once the socket is destroyed: a watchdog handler already queued
  // then must not touch it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  const FrontContext& ctx_;
  uint64_t id_;
  std::string client_address_;
  uint16_t local_port_ = 0;
};

}  // namespace ntlm::harness::net
