// ntlmv2_response.cc: NTLMv2_RESPONSE codec ([MS-NLMP] 2.2.2.7, 2.2.2.8).
#include "ssp/ntlmv2_response.h"

#include <algorithm>

#include "ssp/byte_reader.h"
#include "ssp/byte_writer.h"

namespace ntlm::ssp {

NtResponseKind ClassifyNtResponse(ByteSpan nt_response) {
  if (nt_response.empty()) return NtResponseKind::kEmpty;
  if (nt_response.size() == kNtlmV1ResponseSize) return NtResponseKind::kNtlmV1;
  if (nt_response.size() > kNtlmV1ResponseSize) return NtResponseKind::kNtlmV2;
  return NtResponseKind::kInvalidLength;
}

Result<ParsedNtlmV2Response> DecodeNtlmV2Response(ByteSpan nt_response, size_t base_offset) {
  constexpr std::string_view kContext = "NTLMv2_RESPONSE";
  if (nt_response.size() < kNtlmV2MinResponseSize) {
    return MakeError(SecStatus::kInvalidToken,
                     std::string(kContext) + " at offset " + HexOffset(base_offset) + ": " +
                         std::to_string(nt_response.size()) +
                         " bytes, shorter than NTProofStr (16) + client challenge (28)");
  }
  ByteReader reader(nt_response, kContext, base_offset);
  ParsedNtlmV2Response out;
  ByteSpan proof = reader.ReadBytes(16).value();
  std::copy(proof.begin(), proof.end(), out.nt_proof_str.begin());
  NtlmV2ClientChallenge& c = out.client;
  c.resp_type = reader.ReadU8().value();
  c.hi_resp_type = reader.ReadU8().value();
  c.reserved1 = reader.ReadU16().value();
  c.reserved2 = reader.ReadU32().value();
  c.timestamp = reader.ReadU64().value();
  ByteSpan cc = reader.ReadBytes(8).value();
  std::copy(cc.begin(), cc.end(), c.client_challenge.begin());
  c.reserved3 = reader.ReadU32().value();
  if (!reader.empty()) {
    NTLM_ASSIGN_OR_RETURN(
        auto pairs, DecodeAvPairs(reader.rest(), "NTLMv2_RESPONSE: AvPairs", reader.offset()));
    c.av_pairs = std::move(pairs);
  }
  return out;
}

Bytes EncodeNtlmV2ClientChallenge(const NtlmV2ClientChallenge& client) {
  ByteWriter w;
  w.WriteU8(client.resp_type);
  w.WriteU8(client.hi_resp_type);
  w.WriteU16(client.reserved1);
  w.WriteU32(client.reserved2);
  w.WriteU64(client.timestamp);
  w.WriteBytes(client.client_challenge);
  w.WriteU32(client.reserved3);
  if (client.av_pairs) w.WriteBytes(EncodeAvPairs(*client.av_pairs));
  return w.Finish();
}

Bytes EncodeNtlmV2Response(const ParsedNtlmV2Response& response) {
  Bytes out(response.nt_proof_str.begin(), response.nt_proof_str.end());
  Bytes blob = EncodeNtlmV2ClientChallenge(response.client);
  out.insert(out.end(), blob.begin(), blob.end());
  return out;
}

ByteSpan NtlmV2Blob(ByteSpan nt_response) {
  if (nt_response.size() < 16) return {};
  return nt_response.subspan(16);
}

}  // namespace ntlm::ssp
