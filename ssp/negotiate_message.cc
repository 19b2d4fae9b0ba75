// negotiate_message.cc: NEGOTIATE_MESSAGE codec ([MS-NLMP] 2.2.1.1).
#include "ssp/negotiate_message.h"

#include "ssp/byte_reader.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {
constexpr std::string_view kName = "NEGOTIATE";
Bytes ToBytes(ByteSpan span) { return Bytes(span.begin(), span.end()); }
}  // namespace

Result<NegotiateMessage> DecodeNegotiateMessage(ByteSpan token) {
  if (Status framing = CheckMessageFraming(token, MessageType::kNegotiate); !framing.ok()) {
    return framing.error();
  }
  ByteReader reader(token, kName);
  (void)reader.Skip(12);  // Signature + MessageType, checked above.
  NegotiateMessage msg;
  NTLM_ASSIGN_OR_RETURN(auto flags, reader.ReadU32("NegotiateFlags"));
  msg.flags = flags;

  if (token.size() < kNegotiateHeaderSize) {
    msg.short_form = true;
    if (token.size() > kNegotiateShortHeaderSize) {
      msg.ignored_fields.push_back(
          std::string(kName) + ": DomainNameFields/WorkstationFields at offset 0x10: truncated (" +
          std::to_string(token.size()) + "-byte token, the 32-byte header is incomplete)");
    }
    msg.layout = PayloadLayout{kNegotiateShortHeaderSize, {}, ToBytes(token.subspan(16)), {}};
    return msg;
  }

  // Cannot fail: the token holds the 32-byte header.
  const SecurityBuffer fields[2] = {ReadSecurityBuffer(reader, "DomainNameFields").value(),
                                    ReadSecurityBuffer(reader, "WorkstationFields").value()};
  // The header form follows the fields whose bytes lie inside the token
  // (Heimdal's DomainName at 0x18 says the payload starts before 40: no
  // Version); a field past the end says nothing about it.
  SecurityBuffer placed[2];
  for (size_t i = 0; i < 2; ++i) {
    if (uint64_t{fields[i].offset} + fields[i].length <= token.size()) placed[i] = fields[i];
  }
  const uint64_t payload_start = LowestPayloadOffset(placed, token.size());
  const size_t header = payload_start >= kNegotiateHeaderWithVersionSize
                            ? kNegotiateHeaderWithVersionSize
                            : kNegotiateHeaderSize;
  static constexpr std::string_view kFieldNames[2] = {"DomainNameFields", "WorkstationFields"};
  std::string* const text[2] = {&msg.domain, &msg.workstation};
  std::vector<bool> unread(2, false);
  for (size_t i = 0; i < 2; ++i) {
    if (Status s = ValidateSecurityBuffer(fields[i], header, token.size(), kName, kFieldNames[i]);
        !s.ok()) {
      msg.ignored_fields.push_back(s.error().reason);
      unread[i] = true;
      continue;
    }
    *text[i] = OemToUtf8(SecurityBufferBytes(token, fields[i]));  // Always OEM (2.2.1.1).
  }
  if (header == kNegotiateHeaderWithVersionSize) {
    NTLM_ASSIGN_OR_RETURN(auto version, ReadVersion(reader));
    msg.has_version = true;
    msg.version = version;
  }
  msg.layout = PayloadLayout{
      header, {fields[0], fields[1]}, ToBytes(token.subspan(header)), std::move(unread)};
  return msg;
}

Bytes EncodeNegotiateMessage(const NegotiateMessage& message) {
  const bool short_form = message.short_form && message.domain.empty() &&
                          message.workstation.empty() && !message.has_version;
  ByteWriter w;
  w.WriteBytes(kNtlmSignature);
  w.WriteU32(static_cast<uint32_t>(MessageType::kNegotiate));
  w.WriteU32(message.flags);
  if (short_form) {
    // Trailing bytes of a decoded short form are kept (Encode(Decode(t)) == t).
    if (message.layout && message.layout->header_length == kNegotiateShortHeaderSize) {
      w.WriteBytes(message.layout->payload);
    }
    return w.Finish();
  }

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
