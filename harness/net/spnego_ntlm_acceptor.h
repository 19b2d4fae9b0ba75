// spnego_ntlm_acceptor.h: the acceptor side of SPNEGO (RFC 4178, [MS-SPNG])
// carrying NTLMSSP, over one ssp::ServerContext, for fronts whose security
// blobs are opaque byte strings (SMB2 SESSION_SETUP). Socket-free.
//
//   NegTokenInit, NTLM first, mechToken NEGOTIATE  -> accept-incomplete + CHALLENGE
//   NegTokenInit, NTLM offered but not first (or no mechToken)
//                                                  -> request-mic, supportedMech NTLM
//   NegTokenResp with the NEGOTIATE (after that)   -> accept-incomplete + CHALLENGE
//   NegTokenResp with the AUTHENTICATE             -> accept-completed (+ mechListMIC)
//   a raw NTLMSSP NEGOTIATE / AUTHENTICATE          -> answered raw (as Windows does)
// A client mechListMIC is verified over the DER mechTypes with the new NTLM
// session and answered with the server's own ([MS-SPNG] 3.1.5.1); it is
// required when NTLM was not the initiator's first mech. A refusal carries the
// SSPI status and reason; the tokens are recorded in the transcript builder.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "harness/net/front_context.h"
#include "harness/net/transcript_recorder.h"
#include "ssp/server_context.h"

namespace ntlm::harness::net {

// The server's NegTokenResp: accept-completed or accept-incomplete, the NTLM
// token (when not empty) and mechListMIC (when given); supportedMech NTLM
// the first time (`supported_mech_sent` is then set).
Bytes EncodeServerNegTokenResp(ByteSpan ntlm_token, bool complete,
                               const std::optional<Bytes>& mech_list_mic,
                               bool& supported_mech_sent);

class SpnegoNtlmAcceptor {
 public:
  enum class State { kContinue, kComplete, kRefused };
  struct Step {
    State state = State::kContinue;
    Bytes token;  // to send (may be empty)
    ssp::Error error;
    std::optional<size_t> at;  // transcript entry the refusal applies to
  };

  // `ctx` and `transcript` must outlive the acceptor.
  SpnegoNtlmAcceptor(const FrontContext& ctx, ExchangeTranscriptBuilder& transcript);
  ~SpnegoNtlmAcceptor();

  // One security blob from the client.
  Step Accept(ByteSpan token);

  // Set once an AUTHENTICATE was accepted (and, with SPNEGO, its mechListMIC).
  const std::optional<ssp::ServerResult>& result() const { return result_; }
  // What the client's AUTHENTICATE named (for the log of a refusal).
  const std::string& user() const { return user_; }
  const std::string& domain() const { return domain_; }
  const std::string& workstation() const { return workstation_; }
  uint32_t flags() const { return flags_; }
  bool spnego() const { return spnego_; }
  // "verified", "absent" (SPNEGO without one) or "n/a" (raw NTLMSSP).
  const std::string& mech_list_mic() const { return mech_list_mic_; }

 private:
  Step AcceptSpnego(ByteSpan token);
  Step Negotiate(ByteSpan negotiate);
  Step Authenticate(ByteSpan authenticate, const std::optional<Bytes>& client_mic);
  Step Refuse(ssp::Error error, std::optional<size_t> at = std::nullopt);
  Bytes Wrap(ByteSpan ntlm_token, bool complete, const std::optional<Bytes>& mic);

  const FrontContext& ctx_;
  ExchangeTranscriptBuilder& transcript_;
  std::unique_ptr<ssp::ServerContext> server_;
  bool spnego_ = false;
  bool started_ = false;  // a NegTokenInit or raw NEGOTIATE came
  Bytes mech_types_der_;
  bool ntlm_preferred_ = true;
  bool supported_mech_sent_ = false;
  std::optional<ssp::ServerResult> result_;
  std::string user_, domain_, workstation_;
  uint32_t flags_ = 0;
  std::string mech_list_mic_ = "n/a";
};

}  // namespace ntlm::harness::net
