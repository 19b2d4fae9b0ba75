// http_auth.h: NTLM and Negotiate (SPNEGO carrying NTLMSSP) HTTP
// authentication for one connection, free of sockets.
//
// The NTLM context is bound to the connection (as IIS does): the session owns
// at most one ssp::ServerContext, a new NEGOTIATE restarts it, and once a
// client has authenticated, later requests on the same connection are
// answered as that client without a new exchange. The session is dropped with
// the connection.
//
// Answers:
//   no Authorization, not authenticated      401, WWW-Authenticate: Negotiate and NTLM
//   NEGOTIATE                                401 with the CHALLENGE
//   AUTHENTICATE accepted                    200, JSON {user, domain, flags, policy, verdict}
//   refused by NtlmMinServerSec              403 (SEC_E_UNSUPPORTED_FUNCTION)
//   refused otherwise                        401
//   undecodable token (base64, SPNEGO, NTLMSSP)  400
// Refusals carry X-NTLM-Status (the SSPI status name) and X-NTLM-Reason.
//
// Negotiate: a DER NegTokenInit whose mechTypes offer NTLM
// (1.3.6.1.4.1.311.2.2.10) is answered with NegTokenResp accept-incomplete
// carrying the CHALLENGE (or, when NTLM is not the initiator's first mech or
// no mechToken came, request-mic with supportedMech NTLM and no token); the
// NegTokenResp carrying the AUTHENTICATE gets accept-completed. A mechListMIC
// from the client is verified with the NTLM session (GSS_VerifyMIC over the
// DER mechTypes, [MS-SPNG] 3.1.5.1) and answered with the server's own, after
// which the sealing state is reset ([MS-SPNG] 3.2.5.1); it is required when
// NTLM was not the initiator's first choice (RFC 4178 5). A raw NTLMSSP token
// on the Negotiate scheme is accepted and answered raw, as Windows does.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "harness/net/front_context.h"
#include "harness/net/http_request.h"
#include "harness/net/http_response.h"
#include "harness/net/transcript_recorder.h"
#include "ssp/server_context.h"

namespace ntlm::harness::net {

struct HttpAuthOutcome {
  HttpResponse response;
  std::optional<AuthLogRecord> log;      // a finished authentication
  std::optional<Transcript> transcript;  // its exchange, when recording
};

class HttpAuthSession {
 public:
  HttpAuthSession(const FrontContext& ctx, std::string client_address, uint64_t connection_id);
  ~HttpAuthSession();

  // Answers one request. Never throws on client input.
  HttpAuthOutcome Handle(const HttpRequest& request);

  bool authenticated() const { return authenticated_.has_value(); }

 private:
  enum class Scheme { kNtlm, kNegotiateRaw, kNegotiateSpnego };
  struct Authenticated {
    ssp::ServerResult result;
    Scheme scheme;
    std::string mech_list_mic;  // "verified", "absent", "n/a"
  };

  HttpAuthOutcome Offer(std::string_view reason) const;
  HttpAuthOutcome HandleNtlmToken(Scheme scheme, ByteSpan token, const HttpRequest& request);
  HttpAuthOutcome HandleSpnego(ByteSpan token, const HttpRequest& request);
  HttpAuthOutcome StartExchange(Scheme scheme, ByteSpan negotiate, const HttpRequest& request);
  HttpAuthOutcome FinishExchange(ByteSpan authenticate,
                                 const std::optional<Bytes>& client_mech_list_mic);
  HttpAuthOutcome Refuse(const ssp::Error& error, std::optional<size_t> at, const std::string& user,
                         const std::string& domain, const std::string& workstation, uint32_t flags,
                         std::optional<int> http_status);
  HttpAuthOutcome Success(const Authenticated& auth, const std::optional<Bytes>& server_mic);
  HttpResponse SuccessResponse(const Authenticated& auth) const;
  std::string SchemeName(Scheme scheme) const;
  std::string WrapServerToken(ByteSpan ntlm_token, bool complete,
                              const std::optional<Bytes>& mech_list_mic);
  void NewExchange();

  const FrontContext& ctx_;
  std::string client_address_;
  uint64_t connection_id_;
  unsigned exchanges_ = 0;
  std::unique_ptr<ssp::ServerContext> server_;
  Scheme scheme_ = Scheme::kNtlm;
  // SPNEGO: the initiator's DER mechTypes, whether NTLM was its first choice,
  // and whether the NTLM NEGOTIATE has arrived.
  Bytes mech_types_der_;
  bool ntlm_preferred_ = true;
  bool have_negotiate_ = false;
  bool supported_mech_sent_ = false;
  std::optional<Authenticated> authenticated_;
  ExchangeTranscriptBuilder transcript_;
};

}  // namespace ntlm::harness::net
