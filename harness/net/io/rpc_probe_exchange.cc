// rpc_probe_exchange.cc: RunRpcProbeExchange (see rpc_probe_exchange.h).
#include "harness/net/io/rpc_probe_exchange.h"

#include <exception>
#include <string_view>
#include <utility>

#include "asio/co_spawn.hpp"
#include "asio/io_context.hpp"
#include "harness/net/io/coroutine_warning.h"
#include "harness/net/rpc_echo_interface.h"
#include "ssp/flags.h"
#include "ssp/hex.h"

namespace ntlm::harness::net {

namespace {

using RefusedAt = RpcProbeExchange::RefusedAt;

// A NEGOTIATE_MESSAGE's NegotiateFlags (offset 12, MS-NLMP 2.2.1.1); 0 when short.
uint32_t NegotiateFlags(const Bytes& negotiate) {
  if (negotiate.size() < 16) return 0;
  return static_cast<uint32_t>(negotiate[12]) | static_cast<uint32_t>(negotiate[13]) << 8 |
         static_cast<uint32_t>(negotiate[14]) << 16 | static_cast<uint32_t>(negotiate[15]) << 24;
}

uint8_t LevelFor(uint32_t flags) {
  if (flags & ssp::kNegotiateSeal) return rpc::kAuthLevelPktPrivacy;
  if (flags & ssp::kNegotiateSign) return rpc::kAuthLevelPktIntegrity;
  return rpc::kAuthLevelConnect;
}

std::string NakText(uint16_t reason) {
  return "bind_nak " + std::string(rpc::NakReasonName(reason)) + " (" + std::to_string(reason) +
         ")";
}

std::string FaultText(uint32_t status) {
  std::string name;
  switch (status) {
    case rpc::kFaultAccessDenied:
      name = "nca_s_fault_access_denied";
      break;
    case rpc::kFaultProtocolError:
      name = "nca_s_proto_error";
      break;
    case rpc::kFaultBadStubData:
      name = "rpc_x_bad_stub_data";
      break;
    default:
      if (status & 0x80000000u) name = ssp::StatusName(static_cast<ssp::SecStatus>(status));
  }
  return "fault " + ssp::Hex32(status) + (name.empty() ? "" : " " + name);
}

// A fault to the first request after the auth3 that says the AUTHENTICATE was
// refused: nca_s_fault_access_denied (Windows, this project's server), or
// nca_s_proto_error (Samba: dcesrv_request faults a request on an auth
// context whose auth3 failed with it and disconnects).
bool RefusesAuthenticate(uint32_t fault_status) {
  return fault_status == rpc::kFaultAccessDenied || fault_status == rpc::kFaultProtocolError;
}

// The server's answer to one request.
struct Reply {
  bool fault = false;
  uint32_t fault_status = 0;
  Bytes stub;
  std::string verify_error;  // a response came but our session refused it
};

asio::awaitable<bool> ReadReply(RpcClientConnection& connection, rpc::RpcClientSession& session,
                                Reply& reply, std::string& error) {
  // Bounded: a reply of at most 64 fragments (our echo messages are small).
  for (int i = 0; i < 64; ++i) {
    auto fragment = co_await connection.Receive(session.max_recv_frag(), error);
    if (!fragment) co_return false;
    auto f = rpc::ParseFragment(*fragment, session.max_recv_frag());
    if (!f.ok()) {
      error = "server sent " + f.error().reason;
      co_return false;
    }
    if (f->header.type == static_cast<uint8_t>(rpc::PduType::kFault)) {
      auto status = rpc::ParseFaultStatus(*f);
      if (!status.ok()) {
        error = "server sent " + status.error().reason;
        co_return false;
      }
      reply.fault = true;
      reply.fault_status = *status;
      co_return true;
    }
    auto r = session.OnResponseFragment(*fragment);
    if (!r.ok()) {
      reply.verify_error = ssp::StatusName(r.status()) + ": " + r.error().reason;
      co_return true;
    }
    if (r->complete) {
      reply.stub = std::move(r->stub);
      co_return true;
    }
  }
  error = "reply of more than 64 fragments";
  co_return false;
}

// authenticate-twice, after request 1 was answered: the same AUTHENTICATE in
// an alter_context on the same auth context, and the server's answer to it.
asio::awaitable<void> SendAuthenticateAgain(RpcClientConnection& connection,
                                            rpc::RpcClientSession& session, RpcProbeExchange& x) {
  const std::string sent = "the same AUTHENTICATE sent again in an alter_context";
  x.note = x.note.empty() ? sent : x.note + "; " + sent;
  const std::vector<Bytes> alter = {session.AlterContext(x.authenticate)};
  if (!co_await connection.Send(alter, x.error)) co_return;
  std::string receive_error;
  auto fragment = co_await connection.Receive(session.max_recv_frag(), receive_error);
  if (!fragment) {
    if (receive_error != kConnectionClosed) {
      x.error = "answer to the alter_context: " + receive_error;
      co_return;
    }
    x.refused_at = RefusedAt::kMessage1;  // closed without a word: not taken
    x.answer = receive_error;
    co_return;
  }
  auto reply = session.OnBindReply(*fragment);
  if (!reply.ok()) {
    x.error = "answer to the alter_context: " + reply.error().reason;
    co_return;
  }
  switch (reply->kind) {
    case rpc::ClientBindReply::Kind::kAck:
      x.accepted = true;  // alter_context_resp: the server took it again
      x.answer = "alter_context_resp";
      break;
    case rpc::ClientBindReply::Kind::kNak:
      x.refused_at = RefusedAt::kMessage1;
      x.answer = NakText(reply->nak_reason);
      break;
    case rpc::ClientBindReply::Kind::kFault:
      x.refused_at = RefusedAt::kMessage1;
      x.answer = FaultText(reply->fault_status);
      break;
  }
  connection.Close();
}

// bind (NEGOTIATE) -> bind_ack (CHALLENGE) | bind_nak | fault, then auth3
// (AUTHENTICATE). False when the exchange ends there (refused, or an error).
asio::awaitable<bool> BindAndAuthenticate(RpcClientConnection& connection,
                                          rpc::RpcClientSession& session,
                                          ssp::ClientContext& client, const Bytes& negotiate,
                                          const Bytes* replay_authenticate,
                                          rpc::ProbeInterface iface, RpcProbeExchange& x) {
  const std::vector<Bytes> bind_pdu = {session.Bind(negotiate)};
  if (!co_await connection.Send(bind_pdu, x.error)) co_return false;
  auto fragment = co_await connection.Receive(session.max_recv_frag(), x.error);
  if (!fragment) co_return false;
  auto bind = session.OnBindReply(*fragment);
  if (!bind.ok()) {
    x.error = "bind reply: " + bind.error().reason;
    co_return false;
  }
  if (bind->kind != rpc::ClientBindReply::Kind::kAck) {
    x.refused_at = RefusedAt::kNegotiate;
    x.answer = bind->kind == rpc::ClientBindReply::Kind::kNak ? NakText(bind->nak_reason)
                                                              : FaultText(bind->fault_status);
    co_return false;
  }
  if (!bind->context_accepted) {
    x.error = "the server does not offer the interface " + rpc::ProbeInterfaceText(iface) +
              " over NDR (see --interface)";
    co_return false;
  }
  x.challenged = true;
  if (replay_authenticate) {
    x.authenticate = *replay_authenticate;
  } else {
    auto authenticate = client.ProcessChallenge(bind->challenge);
    if (!authenticate.ok()) {
      x.client_error = "client refused the CHALLENGE: " + authenticate.error().reason;
      co_return false;
    }
    x.authenticate = std::move(*authenticate);
  }
  const std::vector<Bytes> auth3 = {session.Auth3(x.authenticate)};
  co_return co_await connection.Send(auth3, x.error);
}

// The client's session security at pkt_integrity / pkt_privacy. False (with
// client_error) when it cannot be made, or a message scenario needs it.
bool EstablishSecurity(ssp::ClientContext& client, rpc::RpcClientSession& session,
                       bool message_scenario, RpcProbeExchange& x) {
  const bool protect = x.auth_level >= rpc::kAuthLevelPktIntegrity;
  if (protect) {
    auto security = client.CreateSessionSecurity();
    if (!security.ok()) {
      x.client_error = "client session security: " + security.error().reason;
      return false;
    }
    session.Establish(client.negotiated_flags(), std::move(*security));
  }
  if (message_scenario && !protect) {
    x.client_error = "the scenario needs SIGN or SEAL, which this NEGOTIATE does not ask for";
    return false;
  }
  return true;
}

// reorder: request 2 before request 1.
asio::awaitable<void> PlayReordered(RpcClientConnection& connection, rpc::RpcClientSession& session,
                                    const rpc::ProbeCall& call2, RpcProbeExchange& x) {
  auto request2 = session.Request(call2.opnum, call2.stub);
  if (!request2.ok()) {
    x.client_error = "protecting request 2: " + request2.error().reason;
    co_return;
  }
  x.note = "request 2 sent before request 1";
  if (!co_await connection.Send(*request2, x.error)) co_return;
  Reply reply;
  if (!co_await ReadReply(connection, session, reply, x.error)) co_return;
  if (reply.fault) {
    x.refused_at =
        RefusesAuthenticate(reply.fault_status) ? RefusedAt::kAuthenticate : RefusedAt::kMessage1;
    x.answer = FaultText(reply.fault_status);
  } else {
    x.accepted = true;  // the server took request 2 before request 1
  }
}

// Request 2 (or request 1 delivered again), after request 1 was answered.
asio::awaitable<void> PlaySecondRequest(RpcClientConnection& connection,
                                        rpc::RpcClientSession& session, RpcProbeScenario scenario,
                                        const rpc::ProbeCall& call2,
                                        const std::vector<Bytes>& original, RpcProbeExchange& x) {
  std::vector<Bytes> second;
  if (scenario == RpcProbeScenario::kReplayMessage) {
    second = original;
    x.note = "request 1 delivered twice";
  } else {
    auto request2 = session.Request(call2.opnum, call2.stub);
    if (!request2.ok()) {
      x.client_error = "protecting request 2: " + request2.error().reason;
      co_return;
    }
    second = std::move(*request2);
  }
  Reply reply2;
  if (!co_await connection.Send(second, x.error)) co_return;
  if (!co_await ReadReply(connection, session, reply2, x.error)) co_return;
  if (reply2.fault) {
    x.refused_at = RefusedAt::kMessage2;
    x.answer = FaultText(reply2.fault_status);
    co_return;
  }
  if (!reply2.verify_error.empty() && scenario != RpcProbeScenario::kReplayMessage) {
    x.error = "the server's response to request 2 did not verify: " + reply2.verify_error;
    co_return;
  }
  x.accepted = true;
  connection.Close();
}

// Request 1 and what follows it, per scenario.
asio::awaitable<void> PlayRequests(RpcClientConnection& connection, rpc::RpcClientSession& session,
                                   RpcProbeScenario scenario, rpc::ProbeInterface iface,
                                   bool message_scenario, RpcProbeExchange& x) {
  const rpc::ProbeCall call1 = rpc::MakeProbeCall(iface, "ntlmssp-harness probe: client message 1");
  const rpc::ProbeCall call2 = rpc::MakeProbeCall(iface, "ntlmssp-harness probe: client message 2");
  auto request1 = session.Request(call1.opnum, call1.stub);
  bool blank = false;
  std::vector<Bytes> first;
  if (request1.ok()) {
    first = std::move(*request1);
  } else if (!message_scenario) {
    blank = true;
    x.note = "the negotiated flags cannot protect " +
             std::string(rpc::AuthLevelName(x.auth_level)) + " (" + request1.error().reason +
             "): request 1 carried a blank verifier";
    first = session.RequestWithBlankVerifier(call1.opnum, call1.stub);
  } else {
    x.client_error = "protecting request 1: " + request1.error().reason;
    co_return;
  }
  if (scenario == RpcProbeScenario::kReorderMessages) {
    co_await PlayReordered(connection, session, call2, x);
    co_return;
  }
  const std::vector<Bytes> original = first;
  if (scenario == RpcProbeScenario::kAlterStub) {
    first[0][rpc::RpcClientSession::kRequestStubOffset] ^= 0x01;
    x.note = "one bit of request 1's stub flipped";
  } else if (scenario == RpcProbeScenario::kAlterSignature) {
    first[0][first[0].size() - ssp::kMessageSignatureSize + 4] ^= 0x01;
    x.note = "one bit of request 1's checksum flipped";
  }
  Reply reply;
  if (!co_await connection.Send(first, x.error)) co_return;
  if (!co_await ReadReply(connection, session, reply, x.error)) co_return;
  if (reply.fault) {
    x.answer = FaultText(reply.fault_status);
    if (RefusesAuthenticate(reply.fault_status)) {
      x.refused_at = RefusedAt::kAuthenticate;
    } else if (scenario == RpcProbeScenario::kAuthenticateTwice) {
      // Not a refusal of the repeated AUTHENTICATE, which was never sent.
      x.error =
          "request 1 was answered " + x.answer + ", before the AUTHENTICATE could be sent again";
      x.answer.clear();
    } else if (blank) {
      x.accepted = true;  // the server verified the request with an established context
    } else {
      x.refused_at = RefusedAt::kMessage1;
    }
    co_return;
  }
  if (!reply.verify_error.empty()) {
    x.error = "the server's response to request 1 did not verify: " + reply.verify_error;
    co_return;
  }
  if (ssp::Status answer = rpc::CheckProbeResponse(call1, reply.stub);
      !answer.ok() && !message_scenario) {
    x.error = "the server's answer to request 1: " + answer.error().reason;
    co_return;
  }
  if (scenario == RpcProbeScenario::kAuthenticateTwice) {
    co_await SendAuthenticateAgain(connection, session, x);
  } else if (blank) {
    x.accepted = true;
  } else {
    co_await PlaySecondRequest(connection, session, scenario, call2, original, x);
  }
}

asio::awaitable<void> Play(asio::any_io_executor executor, const RpcTarget& target,
                           ssp::ClientContext& client, const Bytes& negotiate,
                           RpcProbeScenario scenario, std::chrono::milliseconds timeout,
                           const Bytes* replay_authenticate, RpcProbeExchange& x) {
  RpcClientConnection connection(executor, timeout);
  if (!co_await connection.Connect(target, x.error)) co_return;
  x.connected = true;
  x.auth_level = LevelFor(NegotiateFlags(negotiate));
  rpc::RpcClientSession session(x.auth_level, 65535, rpc::ProbeInterfaceSyntax(target.iface));
  if (!co_await BindAndAuthenticate(connection, session, client, negotiate, replay_authenticate,
                                    target.iface, x)) {
    co_return;
  }
  // The scenarios that act on the protected requests (not on the AUTHENTICATE).
  const bool message_scenario =
      scenario != RpcProbeScenario::kNone && scenario != RpcProbeScenario::kAuthenticateTwice;
  if (!EstablishSecurity(client, session, message_scenario, x)) co_return;
  co_await PlayRequests(connection, session, scenario, target.iface, message_scenario, x);
}

}  // namespace

RpcProbeExchange RunRpcProbeExchange(const RpcTarget& target, ssp::ClientContext& client,
                                     const Bytes& negotiate, RpcProbeScenario scenario,
                                     std::chrono::milliseconds step_timeout,
                                     const Bytes* replay_authenticate) {
  RpcProbeExchange x;
  asio::io_context io;
  // Every step of Play is bounded by step_timeout, so run() returns.
  asio::co_spawn(io,
                 Play(io.get_executor(), target, client, negotiate, scenario, step_timeout,
                      replay_authenticate, x),
                 [&x](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& what) {
                     x.error = std::string("internal error: ") + what.what();
                   }
                 });
  io.run();
  return x;
}

}  // namespace ntlm::harness::net
