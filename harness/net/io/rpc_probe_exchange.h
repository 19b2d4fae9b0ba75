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
// Two scenarios act on the AUTHENTICATE instead:
//  - authenticate-twice: once request 1 has been answered (the AUTHENTICATE
//    was accepted), an alter_context carrying the same AUTHENTICATE on the
//    same auth context. MS-RPCE lets an alter_context carry a verifier only
//    while the context is being established; on an established one our
//    server (rpc_session.h) and Samba (dcesrv_auth_alter) answer fault
//    nca_s_fault_access_denied, which reads as the refusal of message 1
//    (the repeated AUTHENTICATE). A second auth3 would have no reply.
//  - replay-authenticate: `replay_authenticate` is sent in the auth3 instead
//    of `client`'s answer to this connection's CHALLENGE (the AUTHENTICATE
//    recorded on an earlier connection); request 1 is protected with
//    `client`'s (already complete) session security, so a server that
//    wrongly accepted the replay would answer it.
//
// How answers read (MS-RPCE 3.3.1.5.2.2, the Windows behaviour rpc_session.h
// documents): bind_nak or a fault to the bind is a refusal of the NEGOTIATE;
// fault nca_s_fault_access_denied (5) to request 1 is a refusal of the
// AUTHENTICATE (auth3 has no reply), and so is nca_s_proto_error, which is how
// Samba answers a request after a failed auth3 (librpc/rpc/dcesrv_core.c,
// dcesrv_request: the auth is not finished); any other fault is a refusal of that
// message. When the negotiated flags cannot protect the bound level (the
// AUTHENTICATE dropped SEAL or SIGN) request 1 carries a blank verifier: a
// fault other than 5 then still means the AUTHENTICATE was accepted.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "crypto/bytes.h"
#include "harness/net/io/rpc_client.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

enum class RpcProbeScenario {
  kNone,
  kReplayMessage,
  kReorderMessages,
  kAlterStub,
  kAlterSignature,
  kAuthenticateTwice
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
  Bytes authenticate;        // the AUTHENTICATE the auth3 carried
};

// `negotiate` is `client`'s NEGOTIATE (already created). With
// `replay_authenticate`, `client` must already be complete (see above).
RpcProbeExchange RunRpcProbeExchange(const RpcTarget& target, ssp::ClientContext& client,
                                     const Bytes& negotiate, RpcProbeScenario scenario,
                                     std::chrono::milliseconds step_timeout,
                                     const Bytes* replay_authenticate = nullptr);

}  // namespace ntlm::harness::net
