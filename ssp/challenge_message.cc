// challenge_message.cc: CHALLENGE_MESSAGE codec ([MS-NLMP] 2.2.1.2).
#include "ssp/challenge_message.h"

#include <algorithm>

#include "ssp/byte_reader.h"
#include "ssp/flags.h"

namespace ntlm::ssp {
namespace {
constexpr std::string_view kName = "CHALLENGE";
}  // namespace

Result<ChallengeMessage> DecodeChallengeMessage(ByteSpan token) {
  if (Status framing = CheckMessageFraming(token, MessageType::kChallenge); !framing.ok()) {
    return framing.error();
  }
  ByteReader reader(token, kName);
  (void)reader.Skip(12);  // Signature + MessageType, checked above.
  ChallengeMessage msg;
  NTLM_ASSIGN_OR_RETURN(auto target_name_fields, ReadSecurityBuffer(reader, "TargetNameFields"));
  NTLM_ASSIGN_OR_RETURN(auto flags, reader.ReadU32("NegotiateFlags"));
  msg.flags = flags;
  NTLM_ASSIGN_OR_RETURN(auto challenge, reader.ReadBytes(8, "ServerChallenge"));
  std::copy(challenge.begin(), challenge.end(), msg.server_challenge.begin());
  NTLM_ASSIGN_OR_RETURN(auto reserved, reader.ReadBytes(8, "Reserved"));
  std::copy(reserved.begin(), reserved.end(), msg.reserved.begin());
  NTLM_ASSIGN_OR_RETURN(auto target_info_fields, ReadSecurityBuffer(reader, "TargetInfoFields"));

  const SecurityBuffer fields[2] = {target_name_fields, target_info_fields};
  const uint64_t payload_start = LowestPayloadOffset(fields, token.size());
  const size_t header = payload_start >= kChallengeHeaderWithVersionSize
                            ? kChallengeHeaderWithVersionSize
                            : kChallengeHeaderSize;
  static constexpr std::string_view kFieldNames[2] = {"TargetNameFields", "TargetInfoFields"};
  for (size_t i = 0; i < 2; ++i) {
    if (Status s = ValidateSecurityBuffer(fields[i], header, token.size(), kName, kFieldNames[i]);
        !s.ok()) {
      return s.error();
    }
  }
  if (header == kChallengeHeaderWithVersionSize) {
    NTLM_ASSIGN_OR_RETURN(auto version, ReadVersion(reader));
    msg.has_version = true;
    msg.version = version;
  }
  NTLM_ASSIGN_OR_RETURN(msg.target_name, DecodeWireString(SecurityBufferBytes(token, fields[0]),
                                                          (msg.flags & kNegotiateUnicode) != 0,
                                                          kName, "TargetName", fields[0].offset));
  if (fields[1].length != 0) {
    NTLM_ASSIGN_OR_RETURN(auto info, DecodeAvPairs(SecurityBufferBytes(token, fields[1]),
                                                   "CHALLENGE: TargetInfo", fields[1].offset));
    msg.target_info = std::move(info);
  }
  msg.layout =
      PayloadLayout{header,
                    {fields[0], fields[1]},
                    Bytes(token.begin() + static_cast<std::ptrdiff_t>(header), token.end()),
                    {}};
  return msg;
}

Bytes EncodeChallengeMessage(const ChallengeMessage& message) {
  ByteWriter w;
  w.WriteBytes(kNtlmSignature);
  w.WriteU32(static_cast<uint32_t>(MessageType::kChallenge));
  const ByteWriter::Slot name_slot = w.ReserveSecurityBuffer();
  w.WriteU32(message.flags);
  w.WriteBytes(message.server_challenge);
  w.WriteBytes(message.reserved);
  const ByteWriter::Slot info_slot = w.ReserveSecurityBuffer();
  if (message.has_version) w.WriteBytes(EncodeVersion(message.version));

  const Bytes name =
      EncodeWireString(message.target_name, (message.flags & kNegotiateUnicode) != 0);
  const Bytes info = message.target_info ? EncodeAvPairs(*message.target_info) : Bytes{};
  const ByteWriter::Slot slots[2] = {name_slot, info_slot};
  const ByteSpan data[2] = {name, info};
  // TargetName, then TargetInfo. Without TargetInfo its fields stay
  // (0, 0, 0), as in the MS-NLMP 4.2.2.3 example.
  static constexpr size_t kOrder[2] = {0, 1};
  return FinishMessage(w, message.layout, slots, data,
                       std::span<const size_t>(kOrder, message.target_info ? 2 : 1));
}

}  // namespace ntlm::ssp
