// client_authenticate_draft.h: the AUTHENTICATE_MESSAGE that
// ClientContext::ProcessChallenge builds ([MS-NLMP] 3.1.5.1.2), stage by
// stage, and the stages after which the test client's named deviations
// (ssp/client_deviation.h) are applied. Internal to ssp/: ProcessChallenge
// computes each stage honestly, then ApplyDeviations(stage) runs the
// deviations of that stage, one function each (ssp/client_deviation_steps.cc).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto/secret.h"
#include "ssp/av_pairs.h"
#include "ssp/challenge_message.h"
#include "ssp/client_context.h"
#include "ssp/client_deviation.h"
#include "ssp/keys.h"
#include "ssp/status.h"

namespace ntlm::ssp::client_draft {

// NegotiateFlags sits after Signature, MessageType and six security buffers.
inline constexpr size_t kAuthenticateFlagsOffset = 60;

// The last deviation of `kind` in the policy (the last one wins), or null.
const Deviation* FindDeviation(const std::vector<Deviation>& list, DeviationKind kind);
// The union of the `flags` of every deviation of `kind`.
uint32_t StrippedFlags(const std::vector<Deviation>& list, DeviationKind kind);

// What the NTLMv2 blob carries besides the server's AV pairs (3.1.5.2.1).
struct BlobPlan {
  bool announce_mic = false;       // MsvAvFlags MIC bit
  bool mic_field = false;          // a MIC field will be written
  bool mic_correct = false;        // and computed (a MIC deviation may spoil it later)
  std::optional<std::string> spn;  // MsvAvTargetName
  std::optional<std::array<uint8_t, 16>> channel_bindings_md5;  // MsvAvChannelBindings
};

// The LM/NT responses, SessionBaseKey and MIC decision of one AUTHENTICATE.
struct ClientResponses {
  Bytes lm;
  Bytes nt;
  crypto::Key16 session_base_key;
  ResponseKind kind = ResponseKind::kNtlmV2;
  // NTLMv2 and LMv2: KeyExchangeKey is the SessionBaseKey (3.4.5.1).
  bool ntlmv2_family = false;
  bool mic_field = false;
  bool mic_correct = false;
};

// ExportedSessionKey and EncryptedRandomSessionKey (3.1.5.1.2).
struct SessionKeyChoice {
  crypto::Key16 exported;
  Bytes encrypted;  // EncryptedRandomSessionKey on the wire (empty: none)
};

// The message under construction. The first block is the input; each later
// member is the result of one stage.
struct AuthenticateDraft {
  AuthenticateDraft(const ClientCredentials& c, const ClientPolicy& p, const ChallengeMessage& m,
                    std::vector<std::string>& n)
      : credentials(c), policy(p), challenge(m), notes(n) {}

  const ClientCredentials& credentials;
  const ClientPolicy& policy;
  const ChallengeMessage& challenge;
  std::vector<std::string>& notes;
  Challenge8 sc{};  // ServerChallenge
  Challenge8 cc{};  // ClientChallenge

  uint32_t flags = 0;                    // kFlags
  crypto::Key16 nt_hash;                 // kCredentials
  std::optional<crypto::Key16> lm_hash;  // kCredentials
  BlobPlan blob_plan;                    // kBlobPlan
  AvPairList av;                         // kBlobPairs: the blob's AV pairs
  uint64_t timestamp = 0;                // kBlobPairs: the blob's TimeStamp
  ClientResponses responses;             // kResponses
  SessionKeyChoice keys;                 // kSessionKey
  Bytes out;                             // kMic, kWire, kSend: the encoded message
  bool mic_sent = false;                 // a correct MIC went out
};

// Where deviations apply, in ProcessChallenge's order: after the flags are
// chosen, the hashes taken, the blob planned, its AV pairs built, the
// responses computed, the session key chosen, the MIC written, the message
// complete, and last what is sent of it.
enum class DeviationStage {
  kFlags,
  kCredentials,
  kBlobPlan,
  kBlobPairs,
  kResponses,
  kSessionKey,
  kMic,
  kWire,
  kSend,
};

// The NegotiateFlags of an encoded AUTHENTICATE (offset 60).
uint32_t WireFlags(ByteSpan authenticate);

// Runs the deviations of `stage` that the policy names, in table order.
Status ApplyDeviations(DeviationStage stage, AuthenticateDraft& draft);

}  // namespace ntlm::ssp::client_draft
