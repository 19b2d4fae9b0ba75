// ntlmv2_response.h: the NTLMv2 NtChallengeResponse ([MS-NLMP] 2.2.2.8) and
// its client challenge blob NTLMv2_CLIENT_CHALLENGE (2.2.2.7).
//
// Layout: NTProofStr (16) || RespType (1) HiRespType (1) Reserved1 (2)
// Reserved2 (4) TimeStamp (8) ChallengeFromClient (8) Reserved3 (4) AvPairs
// (to MsvAvEOL) || trailing bytes (the Z(4) of 3.3.2's temp, kept in
// AvPairList::trailing). The bytes after NTProofStr are the "temp" that
// NTProofStr covers; use NtlmV2Blob() to get them exactly as received.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "ssp/av_pairs.h"
#include "ssp/status.h"

namespace ntlm::ssp {

/// Minimum NTLMv2 response: NTProofStr (16) + fixed client challenge (28).
inline constexpr size_t kNtlmV2MinResponseSize = 16 + 28;
/// An NTLMv1 (or NTLMv1-ESS) NT response is exactly 24 bytes (2.2.2.6).
inline constexpr size_t kNtlmV1ResponseSize = 24;

/// NTLMv2_CLIENT_CHALLENGE ([MS-NLMP] 2.2.2.7). Reserved fields are kept as
/// read so re-encoding is byte-exact.
struct NtlmV2ClientChallenge {
  uint8_t resp_type = 1;
  uint8_t hi_resp_type = 1;
  uint16_t reserved1 = 0;
  uint32_t reserved2 = 0;
  uint64_t timestamp = 0;  // FILETIME
  std::array<uint8_t, 8> client_challenge{};
  uint32_t reserved3 = 0;
  /// nullopt when the blob ends right after Reserved3 (no AV pairs at all).
  std::optional<AvPairList> av_pairs;

  friend bool operator==(const NtlmV2ClientChallenge&, const NtlmV2ClientChallenge&) = default;
};

/// NTLMv2_RESPONSE ([MS-NLMP] 2.2.2.8), decoded. (Not "NtlmV2Response": that
/// name is the response-computing function in ssp/keys.h.)
struct ParsedNtlmV2Response {
  std::array<uint8_t, 16> nt_proof_str{};
  NtlmV2ClientChallenge client;

  friend bool operator==(const ParsedNtlmV2Response&, const ParsedNtlmV2Response&) = default;
};

/// What an NtChallengeResponse is, by length (3.3.1 / 3.3.2).
enum class NtResponseKind {
  kEmpty,          // 0 bytes (anonymous, 3.2.5.1.2)
  kNtlmV1,         // exactly 24 bytes
  kNtlmV2,         // more than 24 bytes (parse with DecodeNtlmV2Response)
  kInvalidLength,  // 1..23 bytes
};
NtResponseKind ClassifyNtResponse(ByteSpan nt_response);
/// True for more than 24 bytes (NTLMv2), false for NTLMv1 (24) and others.
inline bool IsNtlmV2Response(ByteSpan nt_response) {
  return nt_response.size() > kNtlmV1ResponseSize;
}

/// Parses an NTLMv2 NtChallengeResponse. Shorter than 44 bytes, or AV pairs
/// that do not parse: SEC_E_INVALID_TOKEN. `base_offset` (the response's
/// offset inside its AUTHENTICATE) makes errors report token offsets.
Result<ParsedNtlmV2Response> DecodeNtlmV2Response(ByteSpan nt_response, size_t base_offset = 0);

/// The client challenge blob ("temp" of 3.3.2): everything after NTProofStr.
Bytes EncodeNtlmV2ClientChallenge(const NtlmV2ClientChallenge& client);
/// NTProofStr || EncodeNtlmV2ClientChallenge(client).
Bytes EncodeNtlmV2Response(const ParsedNtlmV2Response& response);

/// nt_response[16..] as received (empty when shorter than 16 bytes).
ByteSpan NtlmV2Blob(ByteSpan nt_response);

}  // namespace ntlm::ssp
