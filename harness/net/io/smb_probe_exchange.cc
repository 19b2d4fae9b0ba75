// smb_probe_exchange.cc: see smb_probe_exchange.h. The socket is driven by a
// private io_context, run for at most the step timeout per step (connect,
// one request out and its reply in); a step that does not finish closes the
// socket and fails.
#include "harness/net/io/smb_probe_exchange.h"

#include <array>
#include <string_view>

#include "asio/buffer.hpp"
#include "asio/connect.hpp"
#include "asio/io_context.hpp"
#include "asio/ip/tcp.hpp"
#include "asio/read.hpp"
#include "asio/write.hpp"
#include "harness/ascii.h"
#include "harness/net/io/port_number.h"
#include "harness/net/smb_logon_client.h"
#include "harness/net/smb_status.h"
#include "harness/net/spnego.h"
#include "harness/net/spnego_mic.h"

namespace ntlm::harness::net {
namespace {

using asio::ip::tcp;

// Largest reply accepted (a SESSION_SETUP response carries one token).
constexpr size_t kMaxReplyBytes = 1024 * 1024;

class SmbTcpChannel {
 public:
  explicit SmbTcpChannel(std::chrono::milliseconds timeout) : socket_(io_), timeout_(timeout) {}

  bool Connect(const SmbTarget& target, std::string& error) {
    tcp::resolver resolver(io_);
    asio::error_code ec;
    auto endpoints = resolver.resolve(target.host, std::to_string(target.port), ec);
    if (ec) {
      error = "resolving " + target.host + ": " + ec.message();
      return false;
    }
    bool done = false;
    asio::async_connect(socket_, endpoints, [&](const asio::error_code& e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    if (!Run(done, "connecting", error)) return false;
    if (ec)
      error =
          "connecting to " + target.host + ":" + std::to_string(target.port) + ": " + ec.message();
    return !ec;
  }

  smb::SmbAnswer RoundTrip(const Bytes& message) {
    smb::SmbAnswer answer;
    Bytes framed;
    smb::AppendTransportHeader(framed, message.size());
    framed.insert(framed.end(), message.begin(), message.end());
    bool done = false;
    asio::error_code ec;
    asio::async_write(socket_, asio::buffer(framed), [&](const asio::error_code& e, size_t) {
      ec = e;
      if (ec) {
        done = true;
        return;
      }
      ReadReply(answer, ec, done);
    });
    if (!Run(done, "waiting for the reply", answer.error)) return answer;
    if (ec == asio::error::eof || ec == asio::error::connection_reset) {
      answer.closed = true;
      answer.error.clear();
    } else if (ec) {
      answer.error = ec.message();
    }
    return answer;
  }

 private:
  void ReadReply(smb::SmbAnswer& answer, asio::error_code& ec, bool& done) {
    asio::async_read(socket_, asio::buffer(length_), [&](const asio::error_code& e, size_t) {
      ec = e;
      if (ec) {
        done = true;
        return;
      }
      auto size = smb::ParseTransportHeader(length_);
      if (!size.ok() || *size > kMaxReplyBytes) {
        answer.error = size.ok() ? "reply over 1 MiB" : size.error().reason;
        done = true;
        return;
      }
      answer.reply.resize(*size);
      asio::async_read(socket_, asio::buffer(answer.reply),
                       [&](const asio::error_code& e2, size_t) {
                         ec = e2;
                         done = true;
                       });
    });
  }

  // Runs the io_context until `done` or the step timeout.
  bool Run(bool& done, const char* what, std::string& error) {
    io_.restart();
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    while (!done && std::chrono::steady_clock::now() < deadline) {
      io_.run_one_until(deadline);
    }
    if (done) return true;
    asio::error_code ignored;
    socket_.close(ignored);
    io_.restart();
    io_.run_for(std::chrono::milliseconds(100));  // let the cancelled handlers run
    error = std::string("timed out ") + what;
    return false;
  }

  asio::io_context io_;
  tcp::socket socket_;
  std::chrono::milliseconds timeout_;
  std::array<uint8_t, 4> length_{};
};

using RefusedAt = SmbProbeExchange::RefusedAt;

// A leg's reply; false when the exchange ends here.
bool TakeLeg(const smb::SmbAnswer& reply, RefusedAt at, SmbProbeExchange& x) {
  if (!reply.error.empty()) {
    x.error = reply.error;
    return false;
  }
  if (reply.closed) {
    x.refused_at = at;
    x.answer = "connection closed";
    return false;
  }
  const uint32_t status = reply.header.status;
  if (status == smb::kStatusMoreProcessingRequired || status == smb::kStatusSuccess) return true;
  x.refused_at = at;
  x.answer = smb::NtStatusName(status);
  return false;
}

}  // namespace

SmbProbeExchange RunSmbProbeExchange(const SmbTarget& target, ssp::ClientContext& client,
                                     const Bytes& negotiate, std::chrono::milliseconds step_timeout,
                                     const Bytes* replay_authenticate) {
  SmbProbeExchange x;
  SmbTcpChannel channel(step_timeout);
  if (!channel.Connect(target, x.error)) return x;
  x.connected = true;
  smb::SmbLogonClient smb([&](const Bytes& m) { return channel.RoundTrip(m); }, target.dialect);
  if (!smb.Negotiate(x.error)) return x;
  x.dialect = smb::DialectName(smb.dialect());
  Bytes challenge;
  if (!TakeLeg(smb.SessionSetup(negotiate, challenge), RefusedAt::kNegotiate, x)) return x;
  if (challenge.empty()) {
    x.error = "the first SESSION_SETUP response carries no NTLM CHALLENGE";
    return x;
  }
  x.challenged = true;
  std::optional<Bytes> mic;
  if (replay_authenticate) {
    x.authenticate = *replay_authenticate;
    mic = InitiatorMechListMic(client);
  } else {
    auto produced = client.ProcessChallenge(challenge);
    if (!produced.ok()) {
      x.client_error = "client: " + produced.error().reason;
      return x;
    }
    x.authenticate = std::move(*produced);
    mic = InitiatorMechListMic(client);
  }
  Bytes last;
  const smb::SmbAnswer reply = smb.SessionSetup(x.authenticate, last, mic);
  if (!TakeLeg(reply, RefusedAt::kAuthenticate, x)) return x;
  if (reply.header.status != smb::kStatusSuccess) {
    x.error =
        "a third SESSION_SETUP leg was asked for (" + smb::NtStatusName(reply.header.status) + ")";
    return x;
  }
  x.accepted = true;
  return x;
}

std::optional<SmbTarget> ParseSmbTarget(const std::string& text, std::string& error) {
  const std::string prefix = "smb://";
  if (!EqualsIgnoreAsciiCase(std::string_view(text).substr(0, prefix.size()), prefix)) {
    error = "'" + text + "' must start with smb://";
    return std::nullopt;
  }
  std::string rest = text.substr(prefix.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  SmbTarget target;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string::npos) {
      error = "'" + text + "': '[' without ']' around the IPv6 address";
      return std::nullopt;
    }
    target.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') {
      error = "'" + text + "': only ':PORT' may follow the host";
      return std::nullopt;
    }
    if (!rest.empty()) port = rest.substr(1);
  } else {
    const size_t colon = rest.find(':');
    target.host = rest.substr(0, colon);
    if (colon != std::string::npos) port = rest.substr(colon + 1);
  }
  if (target.host.empty() || target.host.find_first_of("/[] \t@") != std::string::npos) {
    error = "'" + text + "': give smb://HOST[:PORT] (no share, path or user)";
    return std::nullopt;
  }
  if (!port.empty() || rest.find(':') != std::string::npos) {
    const auto number = ParsePortNumber(port);
    if (!number) {
      error = "'" + text + "': port '" + port + "' must be 1..65535";
      return std::nullopt;
    }
    target.port = *number;
  }
  return target;
}

}  // namespace ntlm::harness::net
