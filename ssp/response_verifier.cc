// response_verifier.cc: one verifier of LM/NT responses for the server and
// `decode` ([MS-NLMP] 3.3.1, 3.3.2, 3.2.5.1.2).
#include "ssp/response_verifier.h"

#include <algorithm>
#include <array>
#include <utility>

#include "crypto/secret.h"
#include "ssp/flags.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

Error Malformed(std::string reason) {
  return MakeError(SecStatus::kInvalidToken, Refusal::kMalformedResponse, std::move(reason));
}

bool IsAnonymous(const AuthenticateMessage& auth) {
  if (!auth.user.empty() || !auth.nt_challenge_response.empty()) return false;
  const auto& lm = auth.lm_challenge_response;
  return lm.empty() || (lm.size() == 1 && lm[0] == 0);
}

Challenge8 First8(ByteSpan bytes, size_t at = 0) {
  Challenge8 out;
  std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), 8, out.begin());
  return out;
}

std::optional<VerifiedResponse> VerifyNtlmV2(const AuthenticateMessage& auth,
                                             const ParsedNtlmV2Response& v2, std::string_view user,
                                             std::string_view domain, const crypto::Key16& nt_hash,
                                             const Challenge8& sc) {
  const ByteSpan blob = NtlmV2Blob(auth.nt_challenge_response);
  for (const auto& variant : DomainVariants(domain)) {
    auto key = NtOwfV2(nt_hash, user, variant);
    if (!key.ok()) continue;
    if (crypto::ConstantTimeEqual(NtProofStr(*key, sc, blob), v2.nt_proof_str)) {
      VerifiedResponse out;
      out.response = "NTLMv2";
      out.session_base_key = NtlmV2SessionBaseKey(*key, v2.nt_proof_str);
      out.ntlmv2_family = true;
      out.domain = variant;
      return out;
    }
  }
  return std::nullopt;
}

std::optional<VerifiedResponse> VerifyNtlmV1(const AuthenticateMessage& auth, bool ess,
                                             std::string_view domain, const crypto::Key16& nt_hash,
                                             const std::optional<crypto::Key16>& lm_hash,
                                             const Challenge8& sc) {
  const std::array<uint8_t, 24> expected =
      ess ? NtlmV1EssResponse(nt_hash, sc, First8(auth.lm_challenge_response))
          : NtlmV1Response(nt_hash, sc);
  VerifiedResponse out;
  out.response = ess ? "NTLMv1 with ESS" : "NTLMv1";
  if (!crypto::ConstantTimeEqual(expected, auth.nt_challenge_response)) {
    // 3.2.5.1.2: the logon succeeds when the NT response OR the LM response
    // matches. With ESS the LM field is CC || Z(16): nothing to verify.
    const Bytes& lm = auth.lm_challenge_response;
    if (ess || !lm_hash || lm.size() != 24 ||
        !crypto::ConstantTimeEqual(LmV1Response(*lm_hash, sc), lm)) {
      return std::nullopt;
    }
    out.response = "LM";
    out.lm_v1 = true;
  }
  out.session_base_key = NtlmV1SessionBaseKey(nt_hash);
  if (lm_hash) out.lm_owf = *lm_hash;
  out.domain = std::string(domain);
  return out;
}

// LM field only: LMv2 (NTLMv2 family) first, then LM with the LM hash.
std::optional<VerifiedResponse> VerifyLmOnly(const AuthenticateMessage& auth, std::string_view user,
                                             std::string_view domain, const crypto::Key16& nt_hash,
                                             const std::optional<crypto::Key16>& lm_hash,
                                             const Challenge8& sc) {
  const Bytes& lm = auth.lm_challenge_response;
  for (const auto& variant : DomainVariants(domain)) {
    auto key = NtOwfV2(nt_hash, user, variant);
    if (!key.ok()) continue;
    if (crypto::ConstantTimeEqual(LmV2Response(*key, sc, First8(lm, 16)), lm)) {
      // SessionBaseKey for LMv2 = HMAC_MD5(ResponseKeyLM, LMv2 proof).
      std::array<uint8_t, 16> proof;
      std::copy_n(lm.begin(), 16, proof.begin());
      VerifiedResponse out;
      out.response = "LMv2";
      out.session_base_key = NtlmV2SessionBaseKey(*key, proof);
      out.ntlmv2_family = true;
      out.domain = variant;
      return out;
    }
  }
  if (lm_hash && crypto::ConstantTimeEqual(LmV1Response(*lm_hash, sc), lm)) {
    VerifiedResponse out;
    out.response = "LM";
    out.lm_v1 = true;
    out.lm_owf = *lm_hash;
    // LM authentication: the session key comes from the LM hash.
    out.session_base_key = NtlmV1SessionBaseKey(nt_hash);
    out.domain = std::string(domain);
    return out;
  }
  return std::nullopt;
}

}  // namespace

Result<ClassifiedResponses> ClassifyResponses(const AuthenticateMessage& auth) {
  ClassifiedResponses out;
  if (IsAnonymous(auth)) {
    out.anonymous = true;
    out.kind = ResponseKind::kAnonymous;
    return out;
  }
  const size_t lm_size = auth.lm_challenge_response.size();
  switch (ClassifyNtResponse(auth.nt_challenge_response)) {
    case NtResponseKind::kEmpty:
      if (lm_size != 24) {
        return Malformed("AUTHENTICATE: no NT response and an LM response of " +
                         std::to_string(lm_size) + " bytes (expected 24)");
      }
      out.kind = ResponseKind::kLm;
      return out;
    case NtResponseKind::kNtlmV1:
      out.kind =
          (auth.flags & kNegotiateEss) != 0 ? ResponseKind::kNtlmV1Ess : ResponseKind::kNtlmV1;
      if (out.kind == ResponseKind::kNtlmV1Ess && lm_size < 8) {
        return Malformed(
            "AUTHENTICATE: NTLMv1 with ESS needs the client challenge in the LM response, which "
            "has " +
            std::to_string(lm_size) + " bytes");
      }
      return out;
    case NtResponseKind::kNtlmV2: {
      auto parsed = DecodeNtlmV2Response(auth.nt_challenge_response);
      if (!parsed.ok()) return Malformed(parsed.error().reason);
      out.kind = ResponseKind::kNtlmV2;
      out.v2 = std::move(*parsed);
      return out;
    }
    case NtResponseKind::kInvalidLength:
      break;
  }
  return Malformed("AUTHENTICATE: NtChallengeResponse of " +
                   std::to_string(auth.nt_challenge_response.size()) +
                   " bytes (expected 0, 24 or more than 24)");
}

std::vector<std::string> DomainVariants(std::string_view domain) {
  std::vector<std::string> variants{std::string(domain)};
  std::string upper = ToUpperUtf8(domain);
  if (upper != domain) variants.push_back(std::move(upper));
  if (!domain.empty()) variants.emplace_back();
  return variants;
}

std::optional<VerifiedResponse> VerifyResponse(const AuthenticateMessage& auth,
                                               const ClassifiedResponses& classified,
                                               std::string_view user, std::string_view domain,
                                               const crypto::Key16& nt_hash,
                                               const std::optional<crypto::Key16>& lm_hash,
                                               const Challenge8& server_challenge) {
  switch (classified.kind) {
    case ResponseKind::kNtlmV2:
      if (!classified.v2) return std::nullopt;
      return VerifyNtlmV2(auth, *classified.v2, user, domain, nt_hash, server_challenge);
    case ResponseKind::kNtlmV1:
    case ResponseKind::kNtlmV1Ess:
      return VerifyNtlmV1(auth, classified.kind == ResponseKind::kNtlmV1Ess, domain, nt_hash,
                          lm_hash, server_challenge);
    case ResponseKind::kLm:
      return VerifyLmOnly(auth, user, domain, nt_hash, lm_hash, server_challenge);
    case ResponseKind::kAnonymous:
      break;
  }
  return std::nullopt;
}

}  // namespace ntlm::ssp
