// server_context.h: the NTLMSSP acceptor as a sans-I/O state machine.
//
// Feed it the client's tokens; it returns the CHALLENGE or the verdict. The
// clock, the randomness and the account store are injected, so a replay or a
// test is deterministic. Decisions follow [MS-NLMP] 3.2.5.1.1 (NEGOTIATE) and
// 3.2.5.1.2 (AUTHENTICATE); statuses and their order follow the table in
// docs/transcript-format.md:
//   1 malformed token / wrong message / out of order  SEC_E_INVALID_TOKEN
//   2 NtlmMinServerSec not met (NEGOTIATE, then the AUTHENTICATE's flags)
//                                                     SEC_E_UNSUPPORTED_FUNCTION
//   3 LM or NTLMv1 refused by lm_compat_level         SEC_E_LOGON_DENIED
//   4 unknown account or response does not verify     SEC_E_LOGON_DENIED
//   5 NTLMv2 timestamp outside the allowed skew       SEC_E_TIME_SKEW
//   6 MIC wrong, announced but absent, or required and absent
//                                                     SEC_E_INVALID_TOKEN
//     server target info not echoed                   SEC_E_LOGON_DENIED
//   7 MsvAvTargetName / MsvAvChannelBindings differ   SEC_E_BAD_BINDINGS
// Every refusal carries its Refusal value (status.h) next to the status.
//
// AcceptAuthenticate runs named stages, one function each, in this order
// (in the spirit of BoringSSL's one do_* function per handshake state):
// DoClassify, DoPolicy, DoVerifyResponse, DoClock, DoKeys, DoMicAndEcho,
// DoExtendedProtection.
//
// Stable library API (find_package(ntlmssp) -> ntlmssp::ssp): the classes and
// members listed in docs/library.md keep their meaning within a minor version.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "ssp/av_pairs.h"
#include "ssp/challenge_message.h"
#include "ssp/credentials.h"
#include "ssp/environment.h"
#include "ssp/server_policy.h"
#include "ssp/status.h"
#include "ssp/version.h"

namespace ntlm::ssp {

// Who the server says it is in the CHALLENGE (3.2.5.1.1).
struct ServerIdentity {
  std::string nb_computer_name = "SRV01";
  std::string nb_domain_name = "CONTOSO";
  std::string dns_computer_name = "srv01.contoso.test";
  std::string dns_domain_name = "contoso.test";
  std::string dns_tree_name = "contoso.test";
  // A domain member names its NetBIOS domain as TargetName with
  // NTLMSSP_TARGET_TYPE_DOMAIN; a standalone server names itself with
  // NTLMSSP_TARGET_TYPE_SERVER and sends no DNS tree name.
  bool domain_member = true;
  Version version = MakeVersion(10, 0, 20348);
};

// One structured log event. Carries names, flags and reasons, never a key,
// hash, proof or password.
struct LogEvent {
  std::string kind;  // "negotiate", "challenge", "policy_refused", "logon_denied", "logon", ...
  std::string text;
};

// The verdict of a successful AUTHENTICATE.
struct ServerResult {
  std::string user;    // as the client sent it
  std::string domain;  // as the client sent it
  std::string workstation;
  ResponseKind kind = ResponseKind::kNtlmV2;
  uint32_t negotiated_flags = 0;  // the AUTHENTICATE's NegotiateFlags
  crypto::Key16 exported_session_key;
  bool anonymous = false;
  bool mic_verified = false;
  std::optional<std::string> client_target_name;  // MsvAvTargetName
  // "DOMAIN\user" as the client sent the names.
  std::string QualifiedUser() const { return domain + "\\" + user; }
};

// The first AV pair of the server's CHALLENGE target info that the client's
// NTLMv2 blob does not echo unchanged ("MsvAvNbComputerName differs"), or
// nullopt. MsvAvEOL and MsvAvFlags are exempt: the client rewrites MsvAvFlags
// with its own bits (3.1.5.1.2).
std::optional<std::string> TargetInfoEchoMismatch(const AvPairList& sent, const AvPairList& echoed);

enum class ServerState { kAwaitNegotiate, kAwaitAuthenticate, kAuthenticated, kFailed };
const char* ServerStateName(ServerState state);

class ServerContext {
 public:
  // `credentials`, `clock` and `random` must outlive the context.
  ServerContext(ServerIdentity identity, ServerPolicy policy, const CredentialStore& credentials,
                const Clock& clock, RandomSource& random);

  // NEGOTIATE in, CHALLENGE out (3.2.5.1.1). Fails with
  // SEC_E_UNSUPPORTED_FUNCTION, and no CHALLENGE, when the flags the server
  // would return lack a bit NtlmMinServerSec requires.
  Result<Bytes> AcceptNegotiate(ByteSpan negotiate);

  // Replay: take a recorded CHALLENGE as the one this context sent (its
  // server challenge, flags, target info and timestamp). Allowed after
  // AcceptNegotiate succeeded, instead of the CHALLENGE it produced.
  Status AdoptChallenge(ByteSpan challenge);

  // AUTHENTICATE in, verdict out (3.2.5.1.2).
  Result<ServerResult> AcceptAuthenticate(ByteSpan authenticate);

  // Dispatches on the state: NEGOTIATE -> CHALLENGE token (complete false),
  // AUTHENTICATE -> empty token (complete true). Out-of-order or unknown
  // messages fail with SEC_E_INVALID_TOKEN.
  struct StepOutput {
    Bytes token;
    bool complete = false;
  };
  Result<StepOutput> Step(ByteSpan token);

  ServerState state() const { return state_; }
  const std::vector<LogEvent>& events() const { return events_; }
  const std::optional<ServerResult>& result() const { return result_; }
  // The CHALLENGE this context sent (or adopted); nullptr before.
  const ChallengeMessage* challenge() const { return challenge_ ? &*challenge_ : nullptr; }
  const ServerPolicy& policy() const { return policy_; }

  // The CHALLENGE flags for a client's NEGOTIATE flags under `policy`
  // (3.2.5.1.1 and the echo rules of 2.2.2.5).
  static uint32_t NegotiateResponseFlags(uint32_t client_flags, const ServerPolicy& policy);

 private:
  struct AuthState;
  Error Fail(Error error);
  Status DoClassify(AuthState& s);
  Status DoPolicy(AuthState& s);
  Status DoVerifyResponse(AuthState& s);
  Status DoClock(AuthState& s);
  Status DoKeys(AuthState& s);
  Status DoMicAndEcho(AuthState& s);
  Status DoExtendedProtection(AuthState& s);
  Error LmCompatRefusal(ResponseKind kind) const;

  ServerIdentity identity_;
  ServerPolicy policy_;
  const CredentialStore& credentials_;
  const Clock& clock_;
  RandomSource& random_;

  ServerState state_ = ServerState::kAwaitNegotiate;
  Bytes negotiate_bytes_;
  Bytes challenge_bytes_;
  std::optional<ChallengeMessage> challenge_;
  std::optional<ServerResult> result_;
  std::vector<LogEvent> events_;
};

}  // namespace ntlm::ssp
