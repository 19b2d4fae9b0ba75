// smb_front.cc: the SMB2/3 front's connection coroutine (see smb_front.h).
#include "harness/net/smb_front.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <system_error>
#include <variant>

#include "asio/buffer.hpp"
#include "asio/experimental/as_tuple.hpp"
#include "asio/experimental/awaitable_operators.hpp"
#include "asio/read.hpp"
#include "asio/steady_timer.hpp"
#include "asio/use_awaitable.hpp"
#include "asio/write.hpp"
#include "harness/net/smb_wire.h"

// GCC 12 reports Asio's coroutine frame operator delete as mismatched with its
// operator new (a false positive: both are Asio's own frame allocator).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace ntlm::harness::net {
namespace {

using asio::experimental::awaitable_operators::operator||;
using Clock = std::chrono::steady_clock;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

class SmbConnection {
 public:
  SmbConnection(asio::ip::tcp::socket socket, const FrontContext& ctx, uint64_t id,
                const smb::SmbSessionOptions& options)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        ctx_(ctx),
        id_(id),
        options_(options),
        accepted_at_(Clock::now()) {}

  asio::awaitable<void> Run() {
    std::error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    const auto local = socket_.local_endpoint(ec);
    const std::string client_address = EndpointText(remote);
    if (ctx_.tap) {
      ctx_.tap->OnOpen(id_, TrafficTap::Endpoints{remote.address().to_string(), remote.port(),
                                                  local.address().to_string(), local.port()});
    }
    smb::SmbSession session(ctx_, options_, client_address, id_);
    std::string end_reason = "client closed the connection";
    const size_t max_message = std::min(ctx_.limits.max_pdu_bytes, smb::kMaxTransportLength);
    for (;;) {
      std::array<uint8_t, smb::kTransportHeaderSize> header{};
      if (!co_await ReadExactly(asio::buffer(header), session, end_reason)) break;
      Tap(TrafficDirection::kClientToServer, header);
      auto length = smb::ParseTransportHeader(header);
      if (!length.ok() || *length > max_message || *length == 0) {
        end_reason = !length.ok() ? length.error().reason
                                  : "message of " + std::to_string(*length) + " bytes (limit " +
                                        std::to_string(max_message) + ")";
        break;
      }
      Bytes message(*length);
      if (!co_await ReadExactly(asio::buffer(message), session, end_reason)) break;
      Tap(TrafficDirection::kClientToServer, message);
      auto out = session.OnMessage(message);
      Report(session);
      if (!out.reply.empty()) {
        Bytes framed;
        framed.reserve(out.reply.size() + smb::kTransportHeaderSize);
        smb::AppendTransportHeader(framed, out.reply.size());
        framed.insert(framed.end(), out.reply.begin(), out.reply.end());
        if (!co_await WriteAll(framed, end_reason)) break;
      }
      if (out.close) {
        end_reason = out.reason;
        break;
      }
    }
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    if (ctx_.tap) ctx_.tap->OnClose(id_);
    Report(session);
  }

 private:
  Clock::time_point Deadline(const smb::SmbSession& session) const {
    Clock::time_point deadline = Clock::now() + ctx_.limits.idle_timeout;
    if (!session.handshake_complete()) {
      deadline = std::min(deadline, accepted_at_ + ctx_.limits.handshake_timeout);
    }
    return deadline;
  }

  asio::awaitable<bool> ReadExactly(asio::mutable_buffer buffer, const smb::SmbSession& session,
                                    std::string& end_reason) {
    timer_.expires_at(Deadline(session));
    auto result =
        co_await (asio::async_read(socket_, buffer, kUseTuple) || timer_.async_wait(kUseTuple));
    if (result.index() == 1) {
      end_reason = session.handshake_complete() ? "idle timeout" : "idle or handshake timeout";
      co_return false;
    }
    auto [ec, n] = std::get<0>(result);
    if (ec) {
      end_reason = ec == asio::error::eof ? "client closed the connection" : ec.message();
      co_return false;
    }
    co_return n == buffer.size();
  }

  asio::awaitable<bool> WriteAll(const Bytes& bytes, std::string& end_reason) {
    timer_.expires_at(Clock::now() + ctx_.limits.idle_timeout);
    auto result = co_await (asio::async_write(socket_, asio::buffer(bytes), kUseTuple) ||
                            timer_.async_wait(kUseTuple));
    if (result.index() == 1) {
      end_reason = "write timeout";
      co_return false;
    }
    auto [ec, n] = std::get<0>(result);
    if (ec) {
      end_reason = ec.message();
      co_return false;
    }
    Tap(TrafficDirection::kServerToClient, ByteSpan(bytes).first(n));
    co_return true;
  }

  void Tap(TrafficDirection direction, ByteSpan bytes) {
    if (ctx_.tap && !bytes.empty()) ctx_.tap->OnData(id_, direction, bytes);
  }

  void Report(smb::SmbSession& session) {
    for (const AuthLogRecord& record : session.TakeAuthLog()) {
      if (ctx_.log) ctx_.log(record);
    }
    for (const Transcript& transcript : session.TakeTranscripts()) {
      if (ctx_.record) ctx_.record(transcript);
    }
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  const FrontContext& ctx_;
  uint64_t id_;
  smb::SmbSessionOptions options_;
  Clock::time_point accepted_at_;
};

// The options travel by value into the coroutine frame.
asio::awaitable<void> ServeSmbConnection(asio::ip::tcp::socket socket, const FrontContext& ctx,
                                         uint64_t connection_id, smb::SmbSessionOptions options) {
  SmbConnection connection(std::move(socket), ctx, connection_id, options);
  co_await connection.Run();
}

}  // namespace

ConnectionHandler MakeSmbConnectionHandler(smb::SmbSessionOptions options) {
  return [options](asio::ip::tcp::socket socket, const FrontContext& ctx, uint64_t connection_id) {
    return ServeSmbConnection(std::move(socket), ctx, connection_id, options);
  };
}

}  // namespace ntlm::harness::net
