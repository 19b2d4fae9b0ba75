// response_verifier.h: THE check of an AUTHENTICATE_MESSAGE's LM and NT
// responses against one account's hashes ([MS-NLMP] 3.3.1, 3.3.2,
// 3.2.5.1.2). The server (ServerContext) and `decode` both call it, so a
// response that decode calls good is one the server accepts, and back.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret.h"
#include "ssp/authenticate_message.h"
#include "ssp/keys.h"
#include "ssp/ntlmv2_response.h"
#include "ssp/server_policy.h"
#include "ssp/status.h"

namespace ntlm::ssp {

/// What the responses of an AUTHENTICATE are.
struct ClassifiedResponses {
  ResponseKind kind = ResponseKind::kNtlmV2;
  /// Empty user, empty NT response, LM response empty or one zero byte
  /// (3.2.5.1.2): the ANONYMOUS logon; `kind` is then kAnonymous.
  bool anonymous = false;
  /// The parsed NTLMv2_RESPONSE when kind is kNtlmV2.
  std::optional<ParsedNtlmV2Response> v2;
};

/// Classifies the responses (anonymous, LM only, NTLMv1, NTLMv1 with ESS,
/// NTLMv2). SEC_E_INVALID_TOKEN (Refusal::kMalformedResponse) when they
/// cannot be verified at all: an NT response of 1-23 bytes, an LM-only
/// response that is not 24 bytes, NTLMv1 with ESS without the 8-byte client
/// challenge in the LM field, an NTLMv2_RESPONSE that does not parse.
Result<ClassifiedResponses> ClassifyResponses(const AuthenticateMessage& auth);

/// The NTOWFv2 domain variants in the order they are tried: as sent,
/// upper-cased (when different), then empty (3.2.5.1.2: servers SHOULD accept
/// responses computed with a NIL UserDom).
std::vector<std::string> DomainVariants(std::string_view domain);

/// One account's responses that verified.
struct VerifiedResponse {
  /// "NTLMv2", "LMv2", "NTLMv1", "NTLMv1 with ESS" or "LM".
  const char* response = "";
  crypto::Key16 session_base_key;
  /// The account's LM hash when an NTLMv1/LM response verified (LM_KEY and
  /// NON_NT_SESSION_KEY derive from it), else zero.
  crypto::Key16 lm_owf;
  /// NTLMv2 or LMv2: KeyExchangeKey = SessionBaseKey (3.3.2).
  bool ntlmv2_family = false;
  /// The LM (v1) response is what verified (an LM field alone, or an NTLMv1
  /// AUTHENTICATE whose NT response did not match but whose LM response did,
  /// 3.2.5.1.2): LmCompatibilityLevel 4 and 5 refuse it.
  bool lm_v1 = false;
  /// The domain variant that verified (NTLMv2/LMv2), else the one given.
  std::string domain;
};

/// Verifies `classified` (from ClassifyResponses(auth)) for `user`/`domain`
/// with the account's hashes: NTLMv2 NTProofStr; NTLMv1 (with or without
/// ESS); an LM-only response as LMv2 first, then, when `lm_hash` is given, as
/// LM. nullopt when nothing verifies (or for kAnonymous).
std::optional<VerifiedResponse> VerifyResponse(const AuthenticateMessage& auth,
                                               const ClassifiedResponses& classified,
                                               std::string_view user, std::string_view domain,
                                               const crypto::Key16& nt_hash,
                                               const std::optional<crypto::Key16>& lm_hash,
                                               const Challenge8& server_challenge);

}  // namespace ntlm::ssp
