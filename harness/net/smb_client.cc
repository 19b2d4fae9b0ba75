// smb_client.cc: SMB2 request builders and response readers (see smb_client.h).
#include "harness/net/smb_client.h"

#include <algorithm>

#include "ssp/byte_reader.h"
#include "ssp/byte_writer.h"
#include "ssp/unicode.h"

namespace ntlm::harness::net::smb {
namespace {

constexpr uint16_t kNegotiateStructureSize = 36;
constexpr uint16_t kSessionSetupStructureSize = 25;
constexpr uint16_t kTreeConnectStructureSize = 9;

void AppendContext(ssp::ByteWriter& writer, size_t header_start, const NegotiateContext& context) {
  writer.WriteZeros((8 - (writer.size() + header_start) % 8) % 8);
  writer.WriteU16(context.type);
  writer.WriteU16(static_cast<uint16_t>(context.data.size()));
  writer.WriteU32(0);
  writer.WriteBytes(context.data);
}

}  // namespace

Bytes SmbRequestBuilder::Message(Command command, uint64_t session_id, uint32_t tree_id,
                                 ByteSpan body) {
  Header h;
  h.command = static_cast<uint16_t>(command);
  h.credit_charge = 1;
  h.credits = 32;
  h.message_id = next_message_id_++;
  h.session_id = session_id;
  h.tree_id = tree_id;
  Bytes out;
  AppendHeader(out, h);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

Bytes SmbRequestBuilder::Negotiate(const std::vector<uint16_t>& dialects, uint16_t security_mode) {
  const bool v311 = std::find(dialects.begin(), dialects.end(), kDialect311) != dialects.end();
  const size_t dialects_end = kHeaderSize + kNegotiateStructureSize + 2 * dialects.size();
  const uint32_t context_offset = static_cast<uint32_t>((dialects_end + 7) / 8 * 8);
  ssp::ByteWriter body;
  body.WriteU16(kNegotiateStructureSize);
  body.WriteU16(static_cast<uint16_t>(dialects.size()));
  body.WriteU16(security_mode);
  body.WriteU16(0);
  body.WriteU32(capabilities);
  body.WriteBytes(client_guid);
  body.WriteU32(v311 ? context_offset : 0);
  const bool encryption = v311 && !ciphers.empty();
  body.WriteU16(v311 ? (encryption ? 3 : 2) : 0);
  body.WriteU16(0);
  for (uint16_t dialect : dialects) body.WriteU16(dialect);
  if (v311) {
    const std::array<uint8_t, 32> salt{0x5A};
    AppendContext(body, kHeaderSize, MakePreauthContext(salt));
    AppendContext(body, kHeaderSize, MakeSingleIdContext(kSigningCapabilities, kSigningAesCmac));
  }
  if (encryption)
    AppendContext(body, kHeaderSize, MakeIdListContext(kEncryptionCapabilities, ciphers));
  return Message(Command::kNegotiate, 0, 0, body.Finish());
}

Bytes SmbRequestBuilder::SessionSetup(uint64_t session_id, ByteSpan token, uint8_t security_mode) {
  ssp::ByteWriter body;
  body.WriteU16(kSessionSetupStructureSize);
  body.WriteU8(0);  // Flags
  body.WriteU8(security_mode);
  body.WriteU32(0);  // Capabilities
  body.WriteU32(0);  // Channel
  body.WriteU16(static_cast<uint16_t>(kHeaderSize + 24));
  body.WriteU16(static_cast<uint16_t>(token.size()));
  body.WriteU64(0);  // PreviousSessionId
  body.WriteBytes(token);
  return Message(Command::kSessionSetup, session_id, 0, body.Finish());
}

Bytes SmbRequestBuilder::TreeConnect(uint64_t session_id, const std::string& unc_path) {
  auto path = ssp::Utf8ToUtf16Le(unc_path);
  const Bytes unc = path.ok() ? *path : Bytes{};
  ssp::ByteWriter body;
  body.WriteU16(kTreeConnectStructureSize);
  body.WriteU16(0);
  body.WriteU16(static_cast<uint16_t>(kHeaderSize + 8));
  body.WriteU16(static_cast<uint16_t>(unc.size()));
  body.WriteBytes(unc);
  return Message(Command::kTreeConnect, session_id, 0, body.Finish());
}

Bytes SmbRequestBuilder::Simple(Command command, uint64_t session_id, uint32_t tree_id) {
  Bytes body;
  AppendEmptyBody(body);
  return Message(command, session_id, tree_id, body);
}

ssp::Result<Bytes> ResponseSecurityBuffer(ByteSpan response) {
  auto header = ParseHeader(response);
  if (!header.ok()) return header.error();
  const bool negotiate = header->command == static_cast<uint16_t>(Command::kNegotiate);
  ssp::ByteReader reader(response.subspan(kHeaderSize), "SMB2 response", kHeaderSize);
  if (!reader.Skip(negotiate ? 56 : 4, "fixed part").ok()) {
    return reader.MakeParseError("fixed part", "truncated");
  }
  auto offset = reader.ReadU16("SecurityBufferOffset");
  auto length = reader.ReadU16("SecurityBufferLength");
  if (!length.ok()) return length.error();
  if (*length == 0) return Bytes{};
  if (*offset < kHeaderSize || *offset + size_t{*length} > response.size()) {
    return reader.MakeParseError("SecurityBuffer", "outside the message");
  }
  return Bytes(response.begin() + *offset, response.begin() + *offset + *length);
}

}  // namespace ntlm::harness::net::smb
