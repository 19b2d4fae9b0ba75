// smb_bench_client.h: a blocking SMB2 client for the benchmarks and the load
// generator (bench/net/): NEGOTIATE and the SPNEGO-wrapped NTLM logon with
// this project's request builders (harness/net/smb_client.h), one framed
// message at a time. Every send and receive is bounded by the step timeout.
#pragma once

#include <sys/socket.h>

#include <array>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

#include "harness/net/smb_client.h"
#include "harness/net/smb_status.h"
#include "harness/net/smb_wire.h"
#include "harness/net/spnego.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

// A blocking SMB2 client connection; every send and receive is bounded by
// `step_timeout` (SO_SNDTIMEO / SO_RCVTIMEO).
class SmbBenchClient {
 public:
  SmbBenchClient(asio::io_context& io, const asio::ip::tcp::endpoint& server,
                 std::chrono::seconds step_timeout)
      : socket_(io) {
    asio::error_code ec;
    socket_.connect(server, ec);
    if (ec) {
      error_ = "connect: " + ec.message();
      return;
    }
    const timeval tv{static_cast<time_t>(step_timeout.count()), 0};
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  }

  // Sends one message and returns the reply (empty with error() on failure).
  Bytes Exchange(const Bytes& message) {
    if (!error_.empty()) return {};
    Bytes framed;
    smb::AppendTransportHeader(framed, message.size());
    framed.insert(framed.end(), message.begin(), message.end());
    asio::error_code ec;
    asio::write(socket_, asio::buffer(framed), ec);
    std::array<uint8_t, smb::kTransportHeaderSize> header{};
    if (!ec) asio::read(socket_, asio::buffer(header), ec);
    auto length = smb::ParseTransportHeader(header);
    if (ec || !length.ok() || *length < smb::kHeaderSize || *length > (1u << 20)) {
      error_ = ec ? ec.message() : "bad reply framing";
      return {};
    }
    Bytes reply(*length);
    asio::read(socket_, asio::buffer(reply), ec);
    if (ec) error_ = ec.message();
    return ec ? Bytes{} : reply;
  }

  // NEGOTIATE at `dialect` and the SPNEGO logon; the session id, or 0.
  uint64_t Logon(uint16_t dialect, ssp::ClientContext& client) {
    if (Status(Exchange(builder_.Negotiate({dialect}, smb::kSigningEnabled))) != 0) return 0;
    NegTokenInit init;
    init.mech_types = {Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end())};
    init.mech_token = *client.CreateNegotiate();
    Bytes first = Exchange(builder_.SessionSetup(0, EncodeNegTokenInit(init), 1));
    if (Status(first) != smb::kStatusMoreProcessingRequired) return 0;
    const uint64_t session_id = smb::ParseHeader(first)->session_id;
    auto buffer = smb::ResponseSecurityBuffer(first);
    auto resp = buffer.ok() ? DecodeNegotiationToken(*buffer) : buffer.error();
    if (!resp.ok() || !std::holds_alternative<NegTokenResp>(*resp)) return Fail("no NegTokenResp");
    const auto& challenge = std::get<NegTokenResp>(*resp);
    if (!challenge.response_token) return Fail("no CHALLENGE");
    auto authenticate = client.ProcessChallenge(*challenge.response_token);
    if (!authenticate.ok()) return Fail(authenticate.error().reason);
    NegTokenResp answer;
    answer.response_token = *authenticate;
    Bytes last = Exchange(builder_.SessionSetup(session_id, EncodeNegTokenResp(answer), 1));
    return Status(last) == smb::kStatusSuccess ? session_id : 0;
  }

  // The reply's NTSTATUS; error() is set when it is not `expected`.
  uint32_t Status(const Bytes& reply) {
    auto header = smb::ParseHeader(reply);
    if (!header.ok()) {
      if (error_.empty()) error_ = "no SMB2 reply";
      return ~0u;
    }
    return header->status;
  }

  smb::SmbRequestBuilder& builder() { return builder_; }
  const std::string& error() const { return error_; }

 private:
  uint64_t Fail(std::string why) {
    error_ = std::move(why);
    return 0;
  }
  asio::ip::tcp::socket socket_;
  smb::SmbRequestBuilder builder_;
  std::string error_;
};

}  // namespace ntlm::harness::net
