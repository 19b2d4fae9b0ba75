// smb_session.h: one SMB2/3 connection as a socket-free state machine:
// SMB2 messages in (without the 4-byte direct-TCP header), the reply out.
//
// Served ([MS-SMB2] 3.3.5): NEGOTIATE (2.0.2, 2.1, 3.0, 3.0.2, 3.1.1 with its
// preauth integrity, encryption and signing capabilities contexts; an SMB1
// multi-protocol NEGOTIATE is answered with the SMB2 wildcard 0x02FF or
// 2.0.2, 3.3.5.3.1), SESSION_SETUP carrying SPNEGO/NTLMSSP over as many legs
// as the client needs (SpnegoNtlmAcceptor on the configured policy), LOGOFF,
// TREE_CONNECT to IPC$, TREE_DISCONNECT, ECHO, CANCEL (no reply) and IOCTL
// FSCTL_VALIDATE_NEGOTIATE_INFO (3.0/3.0.2), and named pipes on IPC$
// (CREATE/READ/WRITE/IOCTL FSCTL_PIPE_TRANSCEIVE/CLOSE, smb_pipes.h) carrying
// the DCE/RPC engine. Any other command on a valid
// session and tree gets STATUS_NOT_SUPPORTED. Compound requests are answered
// as a compound response.
//
// Signing (3.3.5.2.4, 3.3.4.1.1): a signed request is verified with the
// session's key (failure: STATUS_ACCESS_DENIED); a session requires signing
// when the server is configured so or the client's SESSION_SETUP asks
// (SMB2_NEGOTIATE_SIGNING_REQUIRED), and then an unsigned request is refused
// with STATUS_ACCESS_DENIED. Responses are signed when the request was, or the
// session requires it; the final SESSION_SETUP response is signed for 3.x and
// whenever the session requires signing.
//
// Encryption (3.1.4.3, 3.3.5.2.1, smb_encryption.h): the cipher is chosen at
// NEGOTIATE (3.1.1: the encryption capabilities context, AES-128-GCM
// preferred, then AES-128-CCM, AES-256-GCM, AES-256-CCM; 3.0/3.0.2:
// SMB2_GLOBAL_CAP_ENCRYPTION, AES-128-CCM);
// a session of a client that can encrypt gets SMB2_SESSION_FLAG_ENCRYPT_DATA
// unless encryption is off. A TRANSFORM_HEADER message is decrypted with its
// session's key (unknown session, bad header or a tag that does not verify:
// the connection is closed, as Windows does) and answered encrypted, unsigned.
//
// Asynchronous operations (3.3.4.2): a READ or FSCTL_PIPE_TRANSCEIVE on an
// empty named pipe gets an interim response (STATUS_PENDING, ASYNC, a new
// AsyncId, credits granted, not signed) and later its final response (same
// MessageId and AsyncId, CreditResponse 0, 3.3.4.3), which Output carries in
// `completions`: when a deferred RPC reply is due (Output::deferred, then
// OnDeferredDue()), a WRITE fills the pipe, a CANCEL (3.3.5.16) ends it
// (STATUS_CANCELLED), or the pipe's CLOSE or the session's LOGOFF ends it
// (STATUS_PIPE_BROKEN). At most kMaxPendingOperations wait per connection; a
// further read of an empty pipe gets STATUS_INSUFFICIENT_RESOURCES.
//
// Refusals of the logon: the NTSTATUS of SessionSetupStatusFor() (table in
// docs/smb.md), the session is removed, the connection stays usable.
// Protocol violations (bad header, second NEGOTIATE, MessageId outside the
// granted credits, a request before NEGOTIATE) close the connection, as
// Windows does.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "harness/net/front_context.h"
#include "harness/net/smb_pipes.h"
#include "harness/net/smb_signing.h"
#include "harness/net/smb_wire.h"
#include "harness/net/spnego_ntlm_acceptor.h"
#include "harness/net/transcript_recorder.h"

namespace ntlm::harness::net::smb {

// serve --smb-encryption: off (never), desired (sessions of clients that can
// encrypt do), required (as well: a client that cannot is refused, and an
// unencrypted request on an encrypting session gets STATUS_ACCESS_DENIED,
// Windows' RejectUnencryptedAccess).
enum class SmbEncryption { kOff, kDesired, kRequired };

struct SmbSessionOptions {
  bool signing_required = false;  // serve --smb-signing required
  SmbEncryption encryption = SmbEncryption::kOff;
  uint16_t max_dialect = kDialect311;
  uint16_t max_credits = 512;  // granted and not yet used, at most
  size_t max_sessions = 16;    // per connection
  size_t max_trees = 16;       // per session
  std::array<uint8_t, 16> server_guid{};
};

// Operations waiting at once (interim response sent, final one not yet) on one
// connection.
inline constexpr size_t kMaxPendingOperations = 32;

class SmbSession {
 public:
  // `ctx`'s accounts, clock and random must outlive the session.
  SmbSession(const FrontContext& ctx, SmbSessionOptions options, std::string client_address,
             uint64_t connection_id);
  ~SmbSession();

  // A deferred RPC reply: OnDeferredDue(id) after `delay_seconds`.
  struct DeferredReply {
    uint64_t id = 0;
    uint32_t delay_seconds = 0;
  };
  struct Output {
    Bytes reply;         // one SMB2 message or compound chain; empty: nothing to send
    bool close = false;  // close the connection after sending `reply`
    std::string reason;  // why, when close
    // Final responses of asynchronous operations, each its own message, to
    // send after `reply`.
    std::vector<Bytes> completions;
    std::vector<DeferredReply> deferred;
  };
  Output OnMessage(ByteSpan message);
  // The deferred reply `id` is due: its RPC response joins its pipe (the
  // final responses of the reads it completes are in `completions`).
  // Nothing when the pipe or session is gone.
  Output OnDeferredDue(uint64_t id);

  // Operations with an interim response and no final one yet.
  size_t pending_operations() const { return pending_.size(); }
  // Deferred replies not yet due.
  size_t deferred_outstanding() const { return deferred_.size(); }

  // Finished authentications and their exchanges since the last call.
  std::vector<AuthLogRecord> TakeAuthLog();
  std::vector<Transcript> TakeTranscripts();

  // A session has logged on: the handshake deadline no longer applies.
  bool handshake_complete() const { return logged_on_; }
  uint16_t dialect() const { return dialect_; }

 private:
  struct Logon;
  struct Request {
    Header header;
    ByteSpan bytes;  // this request, up to NextCommand
  };
  struct Reply {
    Bytes bytes;
    std::optional<SigningKey> sign_with;
    bool skip = false;  // CANCEL: no response
  };

  Reply Dispatch(const Request& request, Output& out);
  Reply HandleNegotiate(const Request& request, Output& out);
  Output HandleSmb1Negotiate(ByteSpan message);
  Output OnEncrypted(ByteSpan message);
  Output OnPlain(ByteSpan message);
  // `plain` encrypted for `logon` (its reply or a completion).
  Bytes Encrypt(const Logon& logon, ByteSpan plain);
  uint16_t ChooseCipher(uint16_t dialect, const NegotiateRequest& request) const;
  Reply HandleSessionSetup(const Request& request);
  Reply FinishLogon(const Request& request, Logon& logon, SpnegoNtlmAcceptor::Step step);
  Reply RefuseLogon(const Request& request, uint64_t session_id, const Logon& logon,
                    const SpnegoNtlmAcceptor::Step& step);
  Reply HandleLogoff(const Request& request, Logon& logon, Output& out);
  Reply HandlePipe(const Request& request, Logon& logon, Output& out, bool& handled);
  Reply HandleCancel(const Request& request, Output& out);
  Reply Interim(const Request& request, uint64_t async_id);
  // The pipe table's completions as final responses, its deferred calls as
  // Output::deferred.
  void CollectPipeResults(Logon& logon, Output& out);
  Reply HandleTreeConnect(const Request& request, Logon& logon);
  Reply HandleIoctl(const Request& request, Logon& logon, Output& out);
  Reply Respond(const Request& request, uint32_t status, const Bytes& body, const Logon* logon,
                std::optional<uint64_t> session_id = std::nullopt,
                std::optional<uint32_t> tree_id = std::nullopt);
  Reply Error(const Request& request, uint32_t status, const Logon* logon = nullptr);
  bool ConsumeCredits(const Header& header, std::string& reason);
  uint16_t GrantCredits(const Header& header);
  Bytes NegotiateBody(uint16_t dialect, const NegotiateRequest& request);

  const FrontContext& ctx_;
  SmbSessionOptions options_;
  std::string client_address_;
  uint64_t connection_id_;

  bool negotiated_ = false;
  bool smb1_wildcard_ = false;  // SMB2 NEGOTIATE expected after an SMB1 one
  uint16_t dialect_ = 0;
  uint16_t signing_algorithm_ = kSigningAesCmac;
  NegotiateRequest negotiate_request_;
  uint16_t server_security_mode_ = kSigningEnabled;
  uint32_t server_capabilities_ = 0;
  uint16_t cipher_id_ = 0;          // negotiated cipher, 0: none
  bool encrypted_request_ = false;  // the message being handled came encrypted
  PreauthHash connection_preauth_;

  // Credits: every MessageId below low_ was used; used_ holds the used ids
  // at or above it; ids up to granted_ (exclusive) may be used.
  uint64_t low_ = 0;
  uint64_t granted_ = 1;
  std::set<uint64_t> used_;

  std::map<uint64_t, std::unique_ptr<Logon>> logons_;
  uint64_t next_session_ = 0;
  uint32_t next_tree_ = 0;
  unsigned exchanges_ = 0;
  bool logged_on_ = false;

  // Operations answered with an interim response, by AsyncId.
  struct Pending {
    uint64_t message_id = 0;
    uint16_t command = 0;
    uint16_t credit_charge = 0;
    uint64_t session_id = 0;
    bool request_signed = false;
    bool request_encrypted = false;
  };
  std::map<uint64_t, Pending> pending_;
  uint64_t next_async_ = 0;
  // Deferred RPC replies by id: the session and pipe they belong to.
  std::map<uint64_t, std::pair<uint64_t, SmbPipeTable::Deferred>> deferred_;
  uint64_t next_deferred_ = 0;

  std::vector<AuthLogRecord> log_;
  std::vector<Transcript> transcripts_;
};

}  // namespace ntlm::harness::net::smb
