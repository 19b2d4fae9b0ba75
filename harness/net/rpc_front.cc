// rpc_front.cc: ServeRpcConnection (see rpc_front.h).
#include "harness/net/rpc_front.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>

#include "asio/buffer.hpp"
#include "harness/net/auth_log.h"
#include "harness/net/rpc_session.h"
#include "harness/net/timed_socket.h"

namespace ntlm::harness::net {

namespace {

using Clock = TimedSocket::Clock;

class Connection {
 public:
  Connection(asio::ip::tcp::socket socket, const FrontContext& ctx, uint64_t id)
      : socket_(std::move(socket), ctx, id), ctx_(ctx), id_(id), accepted_at_(Clock::now()) {}

  asio::awaitable<void> Run() {
    rpc::RpcSessionOptions options;
    options.min_auth_level = rpc::MinAuthLevelForPolicy(ctx_.policy);
    options.max_frag = static_cast<uint16_t>(
        std::clamp<size_t>(ctx_.limits.max_pdu_bytes, rpc::kMustRecvFragSize, size_t{65535}));
    options.max_request_bytes = ctx_.limits.max_pdu_bytes;
    options.max_token_bytes = ctx_.limits.max_token_bytes;
    options.assoc_group_id = 0x00010000u | static_cast<uint32_t>(id_ & 0xFFFF);
    options.secondary_address = std::to_string(socket_.local_port());
    rpc::RpcSession session(ctx_, options);

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
      bool sent = true;
      for (const Bytes& pdu : out.pdus) {
        if (!co_await socket_.WriteAll(pdu, end_reason)) {
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
    Log(session);
    if (ctx_.record) {
      auto transcript = session.BuildTranscript(
          "rpc-" + std::to_string(id_), "DCE/RPC ncacn_ip_tcp connection " + std::to_string(id_) +
                                            " from " + socket_.client_address() +
                                            "; ended: " + end_reason);
      if (transcript) ctx_.record(*transcript);
    }
  }

 private:
  // The deadline of the next read: idle, or the handshake's when sooner.
  asio::awaitable<bool> ReadExactly(asio::mutable_buffer buffer, const rpc::RpcSession& session,
                                    std::string& end_reason) {
    Clock::time_point deadline = Clock::now() + ctx_.limits.idle_timeout;
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
};

}  // namespace

asio::awaitable<void> ServeRpcConnection(asio::ip::tcp::socket socket, const FrontContext& ctx,
                                         uint64_t connection_id) {
  Connection connection(std::move(socket), ctx, connection_id);
  co_await connection.Run();
}

}  // namespace ntlm::harness::net
