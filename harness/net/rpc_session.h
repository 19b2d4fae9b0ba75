// rpc_session.h: one DCE/RPC association (one TCP connection) as a
// socket-free state machine: fragments in, fragments out.
//
// Authentication is NTLMSSP (auth_type 10) with one ssp::ServerContext per
// association, in the legacy three-leg form
//   bind(NEGOTIATE) -> bind_ack(CHALLENGE) -> auth3(AUTHENTICATE)
// or the four-leg form with alter_context(AUTHENTICATE) ->
// alter_context_resp. An alter_context may also start the exchange on an
// association bound without authentication. Auth levels connect (2),
// pkt_integrity (5) and pkt_privacy (6) are served; call (3) and pkt (4) are
// refused (bind_nak).
//
// Per-message security (MS-RPCE 3.3.1.5.2.2, 2.2.2.11): request and response
// fragments carry an auth verifier: the stub is padded with zeros to a
// multiple of 16 (auth_pad_length), then the 8-byte sec_trailer, then the
// 16-byte NTLMSSP signature. The signature covers the fragment from the
// common header through the sec_trailer (header with its final frag_length
// and auth_length) through the ssp::SessionSecurity multi-buffer form
// {header, stub+pad, sec_trailer}; at pkt_privacy only stub+pad is sealed.
// With extended session security every buffer is in the checksum anyway;
// without it the header and trailer are in it only when header signing
// (PFC_SUPPORT_HEADER_SIGN) was negotiated, as for Windows. Each fragment of a
// multi-fragment call is protected on its own (one sequence number each).
//
// Refusals, and what a Windows server does (documented in the README):
//  - NTLM fails on the NEGOTIATE (e.g. NtlmMinServerSec): bind_nak
//    invalid_checksum (9), as Samba does for a failed first leg; in an
//    alter_context: fault nca_s_fault_access_denied. The connection closes.
//  - auth_type other than 10: bind_nak authentication_type_not_recognized (8).
//  - auth level below the minimum, or not served: bind_nak
//    reason_not_specified (0).
//  - AUTHENTICATE refused in auth3: auth3 has no reply; the first request
//    then gets fault nca_s_fault_access_denied (5) and the connection closes
//    (Windows behaviour). In an alter_context the refusal is that fault at once.
//  - a request whose verifier does not verify: fault with the SSPI status
//    (SEC_E_MESSAGE_ALTERED, SEC_E_OUT_OF_SEQUENCE, ...), connection closed.
//  - unknown opnum / bad stub / unknown presentation context: fault
//    nca_s_op_rng_error / rpc_x_bad_stub_data / nca_s_unk_if; the
//    association stays usable.
//  - malformed or oversized fragment: bind_nak (bind) or fault
//    nca_s_proto_error / nca_s_fault_remote_no_memory, connection closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "harness/net/front_context.h"
#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_pdu.h"
#include "harness/transcript.h"
#include "ssp/server_context.h"
#include "ssp/session_security.h"

namespace ntlm::harness::net::rpc {

// The interfaces `serve --rpc` offers (each over NDR 2.0).
enum class ServedInterface {
  kHarnessEcho,  // rpc_echo_interface.h
  kRpcEcho,      // Samba's rpcecho, rpc_rpcecho_interface.h
};
// The served interface with this abstract syntax (uuid and major version).
std::optional<ServedInterface> FindServedInterface(const SyntaxId& abstract_syntax);

// A response held back (rpcecho TestSleep): the front sends
// RpcSession::Reply(call) after `delay_seconds`.
struct DeferredCall {
  uint32_t call_id = 0;
  uint16_t context_id = 0;
  Bytes stub;
  uint32_t delay_seconds = 0;
};

// Responses held back at once on one association; a further deferred call
// gets the fault nca_s_server_too_busy.
inline constexpr size_t kMaxDeferredCalls = 8;
inline constexpr uint32_t kFaultServerTooBusy = 0x1C010014;  // nca_s_server_too_busy

struct RpcSessionOptions {
  // Lowest auth level a bind may ask for (kAuthLevelNone admits
  // unauthenticated binds).
  uint8_t min_auth_level = kAuthLevelConnect;
  // Largest fragment offered in bind_ack (max_xmit_frag / max_recv_frag are
  // the client's values capped here); at least kMustRecvFragSize.
  uint16_t max_frag = 65535;
  // Largest reassembled request stub.
  size_t max_request_bytes = 1024 * 1024;
  // Largest auth_value (NTLMSSP token).
  size_t max_token_bytes = 64 * 1024;
  uint32_t assoc_group_id = 0x00010001;
  // bind_ack's secondary address (the server's TCP port, as text).
  std::string secondary_address;
  // Sealed/signed messages kept in the transcript after the handshake.
  size_t max_recorded_messages = 64;
};

// NtlmMinServerSec mapped onto the auth level: confidentiality (0x20) needs
// pkt_privacy, integrity (0x10) pkt_integrity, otherwise connect. (An RPC
// client at pkt_integrity seals nothing even when SEAL was negotiated.)
uint8_t MinAuthLevelForPolicy(const ssp::ServerPolicy& policy);

// A finished authentication, for the auth log.
struct RpcAuthOutcome {
  bool accepted = false;
  ssp::SecStatus status = ssp::SecStatus::kOk;
  std::string reason;
  std::string user;
  std::string domain;
  std::string workstation;
  uint32_t negotiated_flags = 0;
  uint8_t auth_level = kAuthLevelNone;
  uint8_t auth_type = kAuthTypeWinNt;
};

class RpcSession {
 public:
  // `ctx`'s accounts, clock and random must outlive the session.
  RpcSession(const FrontContext& ctx, RpcSessionOptions options);

  struct Output {
    std::vector<Bytes> pdus;  // to send, in order
    bool close = false;       // close the connection after sending them
    std::string reason;       // why, when close (or a refused call)
    // Responses to send later (after each one's delay), through Reply().
    std::vector<DeferredCall> deferred;
  };

  // The response PDUs of a deferred call, protected with the association's
  // security at the time of sending (so sequence numbers follow the order
  // in which responses are sent).
  std::vector<Bytes> Reply(const DeferredCall& call);
  // Deferred calls not yet replied to.
  size_t deferred_outstanding() const { return deferred_outstanding_; }

  // The fragment size limit for the next fragment header (before bind: the
  // configured maximum; after: the negotiated max_recv_frag).
  size_t max_recv_frag() const { return max_recv_; }

  // One complete fragment (exactly frag_length bytes).
  Output OnFragment(ByteSpan fragment);

  // The first bytes of a fragment that cannot be accepted (its header failed
  // ParseCommonHeader with `error`, e.g. frag_length over the limit): the
  // refusal to send before closing.
  Output OnBadHeader(ByteSpan header_bytes, const ssp::Error& error);

  // A finished authentication not yet reported (once each).
  std::optional<RpcAuthOutcome> TakeAuthOutcome();

  // The NTLM exchange so far as a transcript; nullopt when no NTLM token
  // arrived. Accounts and the session key are left out (secrets).
  std::optional<Transcript> BuildTranscript(const std::string& name,
                                            const std::string& description) const;

  bool authenticated() const { return auth_state_ == AuthState::kEstablished; }
  // Authenticated, or bound without authentication where that is allowed:
  // the handshake deadline no longer applies.
  bool handshake_complete() const {
    return authenticated() || (bound_ && auth_state_ == AuthState::kNone);
  }
  uint8_t auth_level() const { return auth_level_; }

 private:
  enum class AuthState { kNone, kAwaitNegotiate, kAwaitAuthenticate, kEstablished, kFailed };
  struct PendingCall {
    uint32_t call_id = 0;
    uint16_t context_id = 0;
    uint16_t opnum = 0;
    Bytes stub;
  };

  struct BindReplyAuth {
    std::optional<SecTrailer> trailer;  // the verifier of the bind_ack / alter_context_resp
    Bytes token;
  };
  struct AcceptedContext {
    uint16_t id = 0;
    ServedInterface iface = ServedInterface::kHarnessEcho;
  };

  Output HandleBind(const Fragment& fragment, bool alter);
  std::optional<Output> CheckBindFrame(const Fragment& fragment, const BindBody& body, bool alter);
  std::vector<ContextResult> NegotiateContexts(const BindBody& body,
                                               std::vector<AcceptedContext>& accepted) const;
  // The bind's auth verifier: a refusal, or what the reply carries.
  std::optional<Output> BindAuthentication(const Fragment& fragment, bool alter,
                                           BindReplyAuth& reply);
  std::optional<Output> StartAuthentication(const Fragment& fragment, bool alter,
                                            BindReplyAuth& reply);
  // The NTLM NEGOTIATE (bare, or from SPNEGO): the CHALLENGE in `reply`.
  std::optional<Output> AcceptNtlmNegotiate(ByteSpan negotiate, uint32_t call_id, bool alter,
                                            BindReplyAuth& reply);
  // SPNEGO: the NEGOTIATE in an alter_context, after NTLM was selected.
  std::optional<Output> ContinueNegotiate(const Fragment& fragment, BindReplyAuth& reply);
  // The AUTHENTICATE leg in an alter_context.
  std::optional<Output> ContinueAuthentication(const Fragment& fragment, BindReplyAuth& reply);
  Output AcceptBind(uint32_t call_id, bool alter, std::vector<ContextResult> results,
                    const std::vector<AcceptedContext>& accepted, const BindReplyAuth& reply);
  Output Refuse(uint32_t call_id, bool alter, uint16_t nak_reason, std::string why);
  Output Dispatch(uint32_t call_id, uint16_t context_id, uint16_t opnum, ByteSpan stub);
  Output HandleAuth3(const Fragment& fragment);
  Output HandleRequest(const Fragment& fragment, ByteSpan bytes);
  Output BindNak(uint32_t call_id, uint16_t reason, std::string why);
  Output Fault(uint32_t call_id, uint16_t context_id, uint32_t status, std::string why, bool close);
  ssp::Status CompleteAuthentication(ByteSpan token);
  // NTLM refused the token just recorded: the association fails with `error`.
  void FailAuthentication(const ssp::Error& error);
  // The AUTHENTICATE leg's auth_value (an NTLM token, or a SPNEGO
  // NegTokenResp around one): accepted, and for SPNEGO the acceptor's
  // mechListMIC (nullopt when none).
  ssp::Result<std::optional<Bytes>> FinishAuthentication(ByteSpan auth_value);
  void ReportAuth(bool accepted, ssp::SecStatus status, std::string reason);
  std::vector<Bytes> BuildResponse(uint32_t call_id, uint16_t context_id, ByteSpan stub);
  bool RecordingMessages() const;
  void RecordMessage(EntryDir dir, bool sealed, ByteSpan fragment, size_t data_begin,
                     size_t data_end, ByteSpan cipher, ByteSpan signature);
  bool HeaderCovered() const;

  const FrontContext& ctx_;
  RpcSessionOptions options_;

  bool bound_ = false;
  uint16_t max_xmit_ = kMustRecvFragSize;
  uint16_t max_recv_ = kMustRecvFragSize;
  bool header_sign_ = false;
  std::vector<AcceptedContext> contexts_;  // accepted presentation contexts

  AuthState auth_state_ = AuthState::kNone;
  uint8_t auth_level_ = kAuthLevelNone;
  uint8_t auth_type_ = kAuthTypeWinNt;  // or kAuthTypeSpnego
  Bytes spnego_mech_types_;             // the NegTokenInit's MechTypeList (DER)
  bool spnego_ntlm_preferred_ = true;   // NTLM was the initiator's first mech
  uint32_t auth_context_id_ = 0;
  std::optional<ssp::ServerContext> ntlm_;
  std::optional<ssp::SessionSecurity> security_;
  std::optional<ssp::ServerResult> result_;
  RpcAuthOutcome outcome_;
  bool outcome_pending_ = false;

  std::optional<PendingCall> pending_;
  size_t deferred_outstanding_ = 0;

  // Transcript.
  std::vector<TranscriptEntry> entries_;
  size_t recorded_messages_ = 0;
  std::optional<ssp::FileTime> negotiate_time_;
  bool rejected_ = false;
  ssp::SecStatus reject_status_ = ssp::SecStatus::kOk;
  std::optional<size_t> reject_at_;
};

}  // namespace ntlm::harness::net::rpc
