// rpc_client_session.h: the client side of one DCE/RPC association
// (ncacn_ip_tcp) with NTLMSSP, socket-free: it builds the PDUs a client sends
// and reads the ones a server answers, using the rpc_pdu codec.
//
//   Bind(NEGOTIATE)        -> bind with one presentation context (the echo
//                             interface over NDR 2.0) and a sec_trailer
//                             (auth_type 10, the chosen level, context id 0)
//   OnBindReply(fragment)  -> bind_ack with the CHALLENGE, bind_nak (reason)
//                             or fault (status)
//   Auth3(AUTHENTICATE)    -> auth3 (no reply)
//   AlterContext(token)    -> alter_context on the echo context carrying an
//                             NTLMSSP token at the association's level and
//                             auth context id; answered (OnBindReply) by
//                             alter_context_resp, bind_nak or fault
//   Establish(security)    -> the client's ssp::SessionSecurity, used at
//                             pkt_integrity / pkt_privacy
//   Request(opnum, stub)   -> the request's fragments, each protected as the
//                             server expects (rpc_session.h): stub padded to
//                             16, sec_trailer, 16-byte signature over
//                             {header, stub+pad, sec_trailer}, the stub+pad
//                             sealed at pkt_privacy
//   OnResponseFragment(f)  -> verifies / unseals and reassembles the reply
//
// Header signing (PFC_SUPPORT_HEADER_SIGN) is requested in the bind and used
// when the bind_ack grants it. One call at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "harness/net/rpc_pdu.h"
#include "ssp/session_security.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

// The server's answer to a bind.
struct ClientBindReply {
  enum class Kind { kAck, kNak, kFault };
  Kind kind = Kind::kAck;
  Bytes challenge;                // kAck: the auth_value (the CHALLENGE)
  bool context_accepted = false;  // kAck: the echo context was accepted
  uint16_t nak_reason = 0;        // kNak
  uint32_t fault_status = 0;      // kFault
};

// One fragment of the answer to a request.
struct ClientCallReply {
  bool complete = false;  // the response's last fragment (or a fault) arrived
  bool fault = false;
  uint32_t fault_status = 0;
  Bytes stub;  // the reassembled response stub, when complete and not a fault
};

class RpcClientSession {
 public:
  // `auth_level`: kAuthLevelConnect, kAuthLevelPktIntegrity or
  // kAuthLevelPktPrivacy. `max_frag`: the max_xmit_frag / max_recv_frag the
  // bind proposes (at least kMustRecvFragSize).
  // `abstract_syntax`: the interface of the one presentation context.
  explicit RpcClientSession(uint8_t auth_level, uint16_t max_frag = 65535,
                            SyntaxId abstract_syntax = DefaultAbstractSyntax());
  static SyntaxId DefaultAbstractSyntax();

  uint8_t auth_level() const { return auth_level_; }
  // The largest fragment to accept from the server (before the bind_ack: the
  // proposed size).
  size_t max_recv_frag() const { return max_recv_; }

  Bytes Bind(ByteSpan negotiate);
  // The reply to the last Bind or AlterContext; an error when it is not a
  // well-formed bind_ack (alter_context_resp after AlterContext), bind_nak or
  // fault for that call. After AlterContext, kAck is the alter_context_resp
  // (`challenge` its auth_value, if any) and the fragment sizes stay those of
  // the bind_ack.
  ssp::Result<ClientBindReply> OnBindReply(ByteSpan fragment);
  Bytes Auth3(ByteSpan authenticate);
  // An alter_context for the echo context whose verifier carries `token`
  // (e.g. an AUTHENTICATE sent again on an established association).
  Bytes AlterContext(ByteSpan token);

  // The security of the established context (needed at pkt_integrity and
  // pkt_privacy; `negotiated_flags` says whether ESS covers the header).
  void Establish(uint32_t negotiated_flags, ssp::SessionSecurity security);

  // The fragments of one request on the echo context, each protected at the
  // association's level. Fails when the session security cannot protect them
  // (e.g. pkt_privacy without NTLMSSP_NEGOTIATE_SEAL). Each call consumes one
  // call id and, when protected, one sequence number per fragment.
  ssp::Result<std::vector<Bytes>> Request(uint16_t opnum, ByteSpan stub);
  // The same request with a verifier of 16 zero bytes where a signature
  // belongs (for a context whose flags cannot protect the level: the server's
  // answer still tells whether it accepted the AUTHENTICATE).
  std::vector<Bytes> RequestWithBlankVerifier(uint16_t opnum, ByteSpan stub);
  // Offset of the stub in a request fragment (where a test flips a bit).
  static constexpr size_t kRequestStubOffset = kCommonHeaderSize + kRequestHeaderSize;

  // One fragment received for the call in progress. An error when it is
  // malformed, for another call, or its verifier does not verify (the
  // status is the SSPI one, e.g. SEC_E_MESSAGE_ALTERED).
  ssp::Result<ClientCallReply> OnResponseFragment(ByteSpan fragment);

 private:
  // A bind or alter_context PDU for the echo interface carrying `token`.
  Bytes EncodeBindOrAlter(PduType type, uint8_t header_sign_flag, ByteSpan token);
  std::vector<Bytes> BuildRequest(uint16_t opnum, ByteSpan stub, bool blank, ssp::Status& status);
  bool HeaderCovered() const;
  bool Protected() const { return auth_level_ >= kAuthLevelPktIntegrity; }

  uint8_t auth_level_;
  SyntaxId abstract_syntax_;
  uint16_t proposed_frag_;
  size_t max_recv_;
  size_t max_xmit_;
  bool header_sign_ = false;
  uint32_t next_call_id_ = 1;
  uint32_t bind_call_id_ = 0;  // of the last bind or alter_context
  bool alter_ = false;         // that call was an alter_context
  uint32_t negotiated_flags_ = 0;
  std::optional<ssp::SessionSecurity> security_;
  // The call whose response is being received.
  std::optional<uint32_t> call_id_;
  Bytes response_;
};

}  // namespace ntlm::harness::net::rpc
