// negotiate_message.cc: NEGOTIATE_MESSAGE codec ([MS-NLMP] 2.2.1.1).
#include "ssp/negotiate_message.h"

#include "ssp/byte_reader.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {
constexpr std::string_view kName = "NEGOTIATE";
}  // namespace

Result<NegotiateMessage> DecodeNegotiateMessage(ByteSpan token) {
  if (Status framing = CheckMessageFraming(token, MessageType::kNegotiate); !framing.ok()) {
    return framing.error();
  }
  ByteReader reader(token, kName);
  (void)reader.Skip(12);  // Signature + MessageType, checked above.
  NegotiateMessage msg;
  auto flags = reader.ReadU32("NegotiateFlags");
  if (!flags.ok()) return flags.error();
  msg.flags = *flags;

  if (token.size() == kNegotiateShortHeaderSize) {
    msg.short_form = true;
    msg.layout = PayloadLayout{kNegotiateShortHeaderSize, {}, {}};
    return msg;
  }

  auto domain_fields = ReadSecurityBuffer(reader, "DomainNameFields");
  if (!domain_fields.ok()) return domain_fields.error();
  auto workstation_fields = ReadSecurityBuffer(reader, "WorkstationFields");
  if (!workstation_fields.ok()) return workstation_fields.error();

  const SecurityBuffer fields[2] = {*domain_fields, *workstation_fields};
  const uint64_t payload_start = LowestPayloadOffset(fields, token.size());
  const size_t header = payload_start >= kNegotiateHeaderWithVersionSize
                            ? kNegotiateHeaderWithVersionSize
                            : kNegotiateHeaderSize;
  static constexpr std::string_view kFieldNames[2] = {"DomainNameFields", "WorkstationFields"};
  for (size_t i = 0; i < 2; ++i) {
    if (Status s = ValidateSecurityBuffer(fields[i], header, token.size(), kName, kFieldNames[i]);
        !s.ok()) {
      return s.error();
    }
  }
  if (header == kNegotiateHeaderWithVersionSize) {
    auto version = ReadVersion(reader);
    if (!version.ok()) return version.error();
    msg.has_version = true;
    msg.version = *version;
  }
  // Always OEM (2.2.1.1): never fails.
  msg.domain = OemToUtf8(SecurityBufferBytes(token, fields[0]));
  msg.workstation = OemToUtf8(SecurityBufferBytes(token, fields[1]));
  msg.layout =
      PayloadLayout{header,
                    {fields[0], fields[1]},
                    Bytes(token.begin() + static_cast<std::ptrdiff_t>(header), token.end())};
  return msg;
}

Bytes EncodeNegotiateMessage(const NegotiateMessage& message) {
  const bool short_form = message.short_form && message.domain.empty() &&
                          message.workstation.empty() && !message.has_version;
  ByteWriter w;
  w.WriteBytes(kNtlmSignature);
  w.WriteU32(static_cast<uint32_t>(MessageType::kNegotiate));
  w.WriteU32(message.flags);
  if (short_form) return w.Finish();

  const ByteWriter::Slot domain_slot = w.ReserveSecurityBuffer();
  const ByteWriter::Slot workstation_slot = w.ReserveSecurityBuffer();
  if (message.has_version) w.WriteBytes(EncodeVersion(message.version));

  const Bytes domain = EncodeWireString(message.domain, /*unicode=*/false);
  const Bytes workstation = EncodeWireString(message.workstation, /*unicode=*/false);

  const ByteWriter::Slot slots[2] = {domain_slot, workstation_slot};
  const ByteSpan data[2] = {domain, workstation};
  static constexpr size_t kOrder[2] = {0, 1};  // DomainName, WorkstationName
  return FinishMessage(w, message.layout, slots, data, kOrder);
}

}  // namespace ntlm::ssp
