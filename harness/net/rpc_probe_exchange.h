// rpc_probe_exchange.h: one client variation played against a DCE/RPC
// server (ncacn_ip_tcp) for `probe`, on one connection, every step bounded.
//
//   bind (NEGOTIATE, auth_type 10)  -> bind_ack (CHALLENGE) | bind_nak | fault
//   auth3 (AUTHENTICATE)            (no reply)
//   request 1 (echo)                -> response | fault
//   request 2 (echo)                -> response | fault
//
// The auth level follows the NEGOTIATE's flags: pkt_privacy when it asks for
// SEAL, pkt_integrity for SIGN, connect otherwise. The session scenarios of
// the catalogue act on the protected requests: request 1 delivered twice
// (replay), request 2 sent before request 1 (reorder), a bit of request 1's
// stub or of its signature's checksum flipped (alter).
//
// How answers read (MS-RPCE 3.3.1.5.2.2, the Windows behaviour rpc_session.h
// documents): bind_nak or a fault to the bind is a refusal of the NEGOTIATE;
// fault nca_s_fault_access_denied (5) to request 1 is a refusal of the
// AUTHENTICATE (auth3 has no reply); any other fault is a refusal of that
// message. When the negotiated flags cannot protect the bound level (the
// AUTHENTICATE dropped SEAL or SIGN) request 1 carries a blank verifier: a
// fault other than 5 then still means the AUTHENTICATE was accepted.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "crypto/bytes.h"
#include "harness/net/rpc_client.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

enum class RpcProbeScenario {
  kNone,
  kReplayMessage,
  kReorderMessages,
  kAlterStub,
  kAlterSignature
};

struct RpcProbeExchange {
  enum class RefusedAt { kNone, kNegotiate, kAuthenticate, kMessage1, kMessage2 };
  bool connected = false;
  bool challenged = false;  // the bind got a bind_ack with a CHALLENGE
  bool accepted = false;
  RefusedAt refused_at = RefusedAt::kNone;
  uint8_t auth_level = 0;
  std::string answer;  // the refusing PDU: "bind_nak invalid_checksum (9)", "fault 0x00000005"
  std::string note;    // e.g. the blank verifier, or what a scenario did
  std::string error;   // transport or protocol problem
  std::string client_error;  // our client refused (CHALLENGE, session security)
};

// `negotiate` is `client`'s NEGOTIATE (already created).
RpcProbeExchange RunRpcProbeExchange(const RpcTarget& target, ssp::ClientContext& client,
                                     const Bytes& negotiate, RpcProbeScenario scenario,
                                     std::chrono::milliseconds step_timeout);

}  // namespace ntlm::harness::net
