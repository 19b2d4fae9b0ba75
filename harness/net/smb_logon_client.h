// smb_logon_client.h: the client side of one SMB2 connection that logs on
// with an NTLM client (ssp::ClientContext) inside SPNEGO, as Samba's and
// Windows' SMB clients do, then sends signed requests. Socket-free: every
// request goes through a round-trip function (the in-process SmbSession for
// `matrix --transport smb`, a TCP connection for `probe smb://`).
//
//   NEGOTIATE (one dialect; for 3.1.1 the preauth integrity and signing
//     capabilities contexts)
//   SESSION_SETUP leg 1: NegTokenInit {mechTypes NTLM, mechToken NEGOTIATE}
//   SESSION_SETUP leg 2: NegTokenResp {responseToken AUTHENTICATE}
//   then requests signed with the dialect's key ([MS-SMB2] 3.1.4.1, keys of
//   3.2.5.3.1 from the NTLM ExportedSessionKey; for 3.1.1 the preauth
//   integrity hash of the NEGOTIATE and every SESSION_SETUP but the final
//   response, 3.2.5.2, 3.2.5.3.1).
// The SESSION_SETUP requests set SMB2_NEGOTIATE_SIGNING_REQUIRED, so the
// server requires signing on the session.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "harness/net/smb_client.h"
#include "harness/net/smb_signing.h"
#include "harness/net/smb_wire.h"

namespace ntlm::harness::net::smb {

// The server's answer to one request.
struct SmbAnswer {
  bool closed = false;  // the connection closed instead of a reply
  std::string error;    // a transport or protocol problem ("" when none)
  Bytes reply;          // one SMB2 message
  Header header;        // its header, when a reply came
};

// Sends one SMB2 message (without the direct-TCP header) and returns the reply.
using SmbRoundTrip = std::function<SmbAnswer(const Bytes& request)>;

class SmbLogonClient {
 public:
  SmbLogonClient(SmbRoundTrip round_trip, uint16_t dialect);

  // The NEGOTIATE; false with `error` when the server does not answer it with
  // success and the dialect asked for.
  bool Negotiate(std::string& error);

  // One SESSION_SETUP leg carrying `ntlm_token` in SPNEGO (NegTokenInit on the
  // first leg, NegTokenResp after, with `mech_list_mic` when given).
  // `server_token` receives the NTLM token of the response's SPNEGO (empty
  // when none).
  SmbAnswer SessionSetup(ByteSpan ntlm_token, Bytes& server_token,
                         const std::optional<Bytes>& mech_list_mic = std::nullopt);

  // After a successful logon: the signing key from the NTLM session key.
  // Anonymous (NULL) sessions are not signed.
  void Establish(const crypto::Key16& session_key);
  bool signing() const { return key_.has_value(); }
  bool null_session() const { return null_session_; }

  // A request on the session (ECHO here) with the next MessageId, signed when
  // the session signs; `tamper` may change it after signing.
  Bytes SignedEcho(const std::function<void(Bytes&)>& tamper = {});
  // `request` signed when the session signs (for requests built with builder()).
  Bytes Signed(Bytes request) const;
  SmbRequestBuilder& builder() { return builder_; }
  // Sends a prepared request. A signed reply whose signature does not verify
  // sets `error`.
  SmbAnswer Send(const Bytes& request);

  uint64_t session_id() const { return session_id_; }
  // 3.1.1: the preauth integrity hash the session's keys come from (every
  // message of the logon but the final SESSION_SETUP response).
  const PreauthHashValue& preauth_hash() const { return preauth_.value(); }
  uint16_t dialect() const { return dialect_; }

 private:
  SmbAnswer Exchange(const Bytes& request);

  SmbRoundTrip round_trip_;
  uint16_t dialect_;
  SmbRequestBuilder builder_;
  PreauthHash preauth_;
  uint64_t session_id_ = 0;
  bool first_leg_ = true;
  bool null_session_ = false;
  std::optional<SigningKey> key_;
};

}  // namespace ntlm::harness::net::smb
