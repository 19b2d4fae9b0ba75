// rpc_front.cc: ServeRpcConnection (see rpc_front.h).
#include "harness/net/io/rpc_front.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>
#include <system_error>
#include <tuple>
#include <variant>

#include "asio/buffer.hpp"
#include "asio/experimental/as_tuple.hpp"
#include "asio/experimental/awaitable_operators.hpp"
#include "asio/read.hpp"
#include "asio/steady_timer.hpp"
#include "asio/use_awaitable.hpp"
#include "asio/write.hpp"
#include "harness/net/rpc_session.h"

namespace ntlm::harness::net {

namespace {

using asio::experimental::awaitable_operators::operator||;
using Clock = std::chrono::steady_clock;
constexpr auto kUseTuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string FormatAddress(const asio::ip::tcp::endpoint& endpoint) {
  const std::string ip = endpoint.address().to_string();
  const std::string port = std::to_string(endpoint.port());
  return endpoint.address().is_v6() ? "[" + ip + "]:" + port : ip + ":" + port;
}

class Connection {
 public:
  Connection(asio::ip::tcp::socket socket, const FrontContext& ctx, uint64_t id)
      : socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        ctx_(ctx),
        id_(id),
        accepted_at_(Clock::now()) {}

  asio::awaitable<void> Run() {
    std::error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    const auto local = socket_.local_endpoint(ec);
    client_address_ = FormatAddress(remote);
    if (ctx_.tap) {
      ctx_.tap->OnOpen(id_, TrafficTap::Endpoints{remote.address().to_string(), remote.port(),
                                                  local.address().to_string(), local.port()});
    }
    rpc::RpcSessionOptions options;
    options.min_auth_level = rpc::MinAuthLevelForPolicy(ctx_.policy);
    options.max_frag = static_cast<uint16_t>(
        std::clamp<size_t>(ctx_.limits.max_pdu_bytes, rpc::kMustRecvFragSize, size_t{65535}));
    options.max_request_bytes = ctx_.limits.max_pdu_bytes;
    options.max_token_bytes = ctx_.limits.max_token_bytes;
    options.assoc_group_id = 0x00010000u | static_cast<uint32_t>(id_ & 0xFFFF);
    options.secondary_address = std::to_string(local.port());
    rpc::RpcSession session(ctx_, options);

    std::string end_reason = "client closed the connection";
    for (;;) {
      std::array<uint8_t, rpc::kCommonHeaderSize> header{};
      if (!co_await ReadExactly(asio::buffer(header), session, end_reason)) break;
      Tap(TrafficDirection::kClientToServer, header);
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
        Tap(TrafficDirection::kClientToServer, ByteSpan(fragment).subspan(header.size()));
        out = session.OnFragment(fragment);
      }
      Log(session);
      bool sent = true;
      for (const Bytes& pdu : out.pdus) {
        if (!co_await WriteAll(pdu, end_reason)) {
          sent = false;
          break;
        }
      }
      if (!sent) break;
      if (out.close) {
        end_reason = out.reason;
        break;
      }
    }
    socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket_.close(ec);
    if (ctx_.tap) ctx_.tap->OnClose(id_);
    Log(session);
    if (ctx_.record) {
      auto transcript = session.BuildTranscript(
          "rpc-" + std::to_string(id_), "DCE/RPC ncacn_ip_tcp connection " + std::to_string(id_) +
                                            " from " + client_address_ + "; ended: " + end_reason);
      if (transcript) ctx_.record(*transcript);
    }
  }

 private:
  // The deadline of the next read: idle, or the handshake's when sooner.
  Clock::time_point Deadline(const rpc::RpcSession& session) const {
    Clock::time_point deadline = Clock::now() + ctx_.limits.idle_timeout;
    if (!session.handshake_complete()) {
      deadline = std::min(deadline, accepted_at_ + ctx_.limits.handshake_timeout);
    }
    return deadline;
  }

  asio::awaitable<bool> ReadExactly(asio::mutable_buffer buffer, const rpc::RpcSession& session,
                                    std::string& end_reason) {
    if (buffer.size() == 0) co_return true;
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

  void Log(rpc::RpcSession& session) {
    auto outcome = session.TakeAuthOutcome();
    if (!outcome || !ctx_.log) return;
    AuthLogRecord record;
    record.front = "rpc";
    record.client_address = client_address_;
    record.user = outcome->user;
    record.domain = outcome->domain;
    record.workstation = outcome->workstation;
    record.negotiated_flags = outcome->negotiated_flags;
    record.min_server_sec = ctx_.policy.min_server_sec;
    record.lm_compat_level = ctx_.policy.lm_compat_level;
    record.accepted = outcome->accepted;
    record.status = outcome->status;
    record.reason = outcome->reason;
    ctx_.log(record);
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  const FrontContext& ctx_;
  uint64_t id_;
  Clock::time_point accepted_at_;
  std::string client_address_;
};

}  // namespace

asio::awaitable<void> ServeRpcConnection(asio::ip::tcp::socket socket, const FrontContext& ctx,
                                         uint64_t connection_id) {
  Connection connection(std::move(socket), ctx, connection_id);
  co_await connection.Run();
}

}  // namespace ntlm::harness::net
