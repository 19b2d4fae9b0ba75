// transport_cell.h: one matrix cell carried by a network front's socket-free
// session, in process (`matrix --transport http|rpc|smb`).
//
// The client is the cell's (cell_runner.h: the variation's baseline and
// deviation, the same seeded randomness); the server is the front's session
// (HttpAuthSession, rpc::RpcSession, smb::SmbSession) on a FrontContext with
// the column's policy. The NTLM tokens travel as that transport carries them:
//   http  Authorization / WWW-Authenticate "NTLM <base64>" on one connection;
//         no session security (the session scenarios have nothing to act on)
//   rpc   bind (NEGOTIATE) -> bind_ack, alter_context (AUTHENTICATE) ->
//         alter_context_resp; the session messages are two echo requests
//         protected at the RPC layer with NTLM sign/seal (pkt_privacy when
//         SEAL was asked for, pkt_integrity for SIGN)
//   smb   NEGOTIATE 3.1.1, SESSION_SETUP legs with SPNEGO; the session
//         messages are two ECHO requests signed with SMB's own key (derived
//         from the NTLM session key), not with NTLM's sign/seal
// The session scenarios act on those messages: alter (a bit of the message
// or of its signature), replay (message 1 delivered again), reorder (message
// 2 first), authenticate-twice (the AUTHENTICATE sent again on the
// established connection).
//
// A refusal of the NEGOTIATE or AUTHENTICATE shows the acceptor's SSPI status
// (from the front's auth log) and the transport's answer in the reason. A
// refusal of a session message shows the SSPI status the transport's answer
// stands for (TransportSessionStatus).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "harness/catalogue.h"
#include "harness/cell_runner.h"

namespace ntlm::harness::net {

enum class MatrixTransport { kInproc, kHttp, kRpc, kSmb };
const char* MatrixTransportName(MatrixTransport transport);
std::optional<MatrixTransport> MatrixTransportFromName(std::string_view name);

// The catalogue's (in-process) expectation carried over to `transport`.
// Refusals of the NEGOTIATE or AUTHENTICATE are NTLM's and stay as they are
// on every transport. Refusals of session messages depend on who protects
// them:
//   inproc       NTLM sign/seal
//   rpc          NTLM sign/seal on the requests: unchanged, but a second
//                AUTHENTICATE (alter_context on the established context) is
//                refused by the RPC layer before NTLM sees it (fault
//                nca_s_fault_access_denied, read as SEC_E_OUT_OF_SEQUENCE) at
//                message 1
//   http         nothing protects them: accepted; a second AUTHENTICATE on
//                the connection reaches NTLM (out of order) as in process
//   smb          SMB signing: an altered message or signature is refused
//                (STATUS_ACCESS_DENIED, read as SEC_E_MESSAGE_ALTERED) at
//                message 1; a replayed message reuses its MessageId and the
//                connection is closed (SEC_E_OUT_OF_SEQUENCE) at message 2;
//                reordered messages are accepted (MessageIds only need to be
//                inside the credit window, [MS-SMB2] 3.3.5.2.3, 3.3.1.1); a second
//                AUTHENTICATE on the session is re-authentication, refused
//                (STATUS_REQUEST_NOT_ACCEPTED, SEC_E_OUT_OF_SEQUENCE) at
//                message 1; an anonymous (NULL) session is not signed, so
//                nothing is refused.
//
// One more rule reads the client's tokens (never the server's answers): on
// rpc the auth level is fixed at the bind from the NEGOTIATE's flags
// (pkt_privacy for SEAL, pkt_integrity for SIGN); when the AUTHENTICATE then
// drops the flag that level needs and NTLM accepts it (no policy requires
// it), the association cannot carry a protected call: the first request is
// refused (SEC_E_UNSUPPORTED_FUNCTION) at message 1.
struct ClientFlags {
  uint32_t negotiate = 0;     // the NEGOTIATE's flags
  uint32_t authenticate = 0;  // the AUTHENTICATE's flags
};
Outcome TransportExpectation(MatrixTransport transport, const Catalogue& catalogue,
                             const Variation& variation, const Outcome& inproc,
                             const std::optional<ClientFlags>& flags = std::nullopt);

// One cell on `transport` (kInproc: RunCell).
CellResult RunTransportCell(MatrixTransport transport, const Catalogue& catalogue,
                            const Variation& variation, const PolicyColumn& column,
                            const CellEnvironment& environment);

}  // namespace ntlm::harness::net
