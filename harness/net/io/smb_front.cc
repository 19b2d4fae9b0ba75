// smb_front.cc: the SMB2/3 front's connection coroutine (see smb_front.h).
#include "harness/net/io/smb_front.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>

#include "harness/net/io/coroutine_warning.h"
#include "harness/net/io/timed_socket.h"
#include "harness/net/smb_wire.h"

namespace ntlm::harness::net {
namespace {

using Clock = TimedSocket::Clock;

// Sends what the session produced, framed; false when the write failed.
asio::awaitable<bool> SendReply(TimedSocket& socket, const Bytes& reply, std::string& end_reason) {
  if (reply.empty()) co_return true;
  Bytes framed;
  framed.reserve(reply.size() + smb::kTransportHeaderSize);
  smb::AppendTransportHeader(framed, reply.size());
  framed.insert(framed.end(), reply.begin(), reply.end());
  co_return co_await socket.WriteAll(framed, end_reason);
}

void Report(const FrontContext& ctx, smb::SmbSession& session) {
  for (const AuthLogRecord& record : session.TakeAuthLog()) {
    if (ctx.log) ctx.log(record);
  }
  for (const Transcript& transcript : session.TakeTranscripts()) {
    if (ctx.record) ctx.record(transcript);
  }
}

// The options travel by value into the coroutine frame.
asio::awaitable<void> ServeSmbConnection(AcceptedSocket tcp, const FrontContext& ctx,
                                         uint64_t connection_id, smb::SmbSessionOptions options) {
  const Clock::time_point accepted_at = Clock::now();
  TimedSocket socket(std::move(tcp), ctx, connection_id);
  smb::SmbSession session(ctx, options, socket.client_address(), connection_id);
  const size_t max_message = std::min(ctx.limits.max_pdu_bytes, smb::kMaxTransportLength);
  // The deadline of the next read: idle, or the handshake's when sooner.
  auto deadline = [&] {
    Clock::time_point at = Clock::now() + ctx.limits.idle_timeout;
    if (!session.handshake_complete())
      at = std::min(at, accepted_at + ctx.limits.handshake_timeout);
    return at;
  };
  auto timeout_reason = [&] {
    return std::string(session.handshake_complete() ? "idle timeout" : "idle or handshake timeout");
  };
  std::string end_reason = "client closed the connection";
  for (;;) {
    std::array<uint8_t, smb::kTransportHeaderSize> header{};
    if (!co_await socket.ReadExactly(asio::buffer(header), deadline(), timeout_reason(),
                                     end_reason)) {
      break;
    }
    auto length = smb::ParseTransportHeader(header);
    if (!length.ok() || *length > max_message || *length == 0) {
      end_reason = !length.ok() ? length.error().reason
                                : "message of " + std::to_string(*length) + " bytes (limit " +
                                      std::to_string(max_message) + ")";
      break;
    }
    Bytes message(*length);
    if (!co_await socket.ReadExactly(asio::buffer(message), deadline(), timeout_reason(),
                                     end_reason)) {
      break;
    }
    auto out = session.OnMessage(message);
    Report(ctx, session);
    if (!co_await SendReply(socket, out.reply, end_reason)) break;
    if (out.close) break;
  }
  Report(ctx, session);
}

}  // namespace

ConnectionHandler MakeSmbConnectionHandler(smb::SmbSessionOptions options) {
  return [options](AcceptedSocket socket, const FrontContext& ctx, uint64_t connection_id) {
    return ServeSmbConnection(std::move(socket), ctx, connection_id, options);
  };
}

}  // namespace ntlm::harness::net
