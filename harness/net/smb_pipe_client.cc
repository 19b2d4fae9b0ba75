// smb_pipe_client.cc: see smb_pipe_client.h.
#include "harness/net/smb_pipe_client.h"

#include "harness/net/smb_wire.h"
#include "ssp/byte_reader.h"
#include "ssp/byte_writer.h"
#include "ssp/unicode.h"

namespace ntlm::harness::net::smb {

Bytes SmbPipeRequests::Create(const std::string& name) {
  auto utf16 = ssp::Utf8ToUtf16Le(name);
  const Bytes encoded = utf16.ok() ? *utf16 : Bytes{};
  ssp::ByteWriter body;
  body.WriteU16(57);
  body.WriteU8(0);            // SecurityFlags
  body.WriteU8(0);            // RequestedOplockLevel
  body.WriteU32(2);           // ImpersonationLevel: Impersonation
  body.WriteZeros(16);        // SmbCreateFlags, Reserved
  body.WriteU32(0x0012019F);  // DesiredAccess: read/write data and attributes
  body.WriteU32(0);           // FileAttributes
  body.WriteU32(3);           // ShareAccess: read | write
  body.WriteU32(1);           // CreateDisposition: FILE_OPEN
  body.WriteU32(0);           // CreateOptions
  body.WriteU16(static_cast<uint16_t>(kHeaderSize + 56));
  body.WriteU16(static_cast<uint16_t>(encoded.size()));
  body.WriteU32(0);  // CreateContextsOffset
  body.WriteU32(0);  // CreateContextsLength
  body.WriteBytes(encoded);
  return builder_.Message(Command::kCreate, session_id_, tree_id_, body.Finish());
}

Bytes SmbPipeRequests::Write(const FileId& file, ByteSpan data) {
  ssp::ByteWriter body;
  body.WriteU16(49);
  body.WriteU16(static_cast<uint16_t>(kHeaderSize + 48));
  body.WriteU32(static_cast<uint32_t>(data.size()));
  body.WriteU64(0);  // Offset
  body.WriteBytes(file);
  body.WriteZeros(16);  // Channel, RemainingBytes, WriteChannelInfo*, Flags
  body.WriteBytes(data);
  return builder_.Message(Command::kWrite, session_id_, tree_id_, body.Finish());
}

Bytes SmbPipeRequests::Read(const FileId& file, uint32_t length) {
  ssp::ByteWriter body;
  body.WriteU16(49);
  body.WriteU16(0);  // Padding, Flags
  body.WriteU32(length);
  body.WriteU64(0);  // Offset
  body.WriteBytes(file);
  body.WriteZeros(17);  // MinimumCount, Channel, RemainingBytes, ReadChannelInfo*, Buffer
  return builder_.Message(Command::kRead, session_id_, tree_id_, body.Finish());
}

Bytes SmbPipeRequests::Transceive(const FileId& file, ByteSpan input, uint32_t max_output) {
  ssp::ByteWriter body;
  body.WriteU16(57);
  body.WriteU16(0);
  body.WriteU32(kFsctlPipeTransceive);
  body.WriteBytes(file);
  body.WriteU32(static_cast<uint32_t>(kHeaderSize + 56));  // InputOffset
  body.WriteU32(static_cast<uint32_t>(input.size()));
  body.WriteU32(0);  // MaxInputResponse
  body.WriteU32(0);  // OutputOffset
  body.WriteU32(0);  // OutputCount
  body.WriteU32(max_output);
  body.WriteU32(1);  // Flags: SMB2_0_IOCTL_IS_FSCTL
  body.WriteU32(0);
  body.WriteBytes(input);
  return builder_.Message(Command::kIoctl, session_id_, tree_id_, body.Finish());
}

Bytes SmbPipeRequests::Close(const FileId& file) {
  ssp::ByteWriter body;
  body.WriteU16(24);
  body.WriteU16(0);
  body.WriteU32(0);
  body.WriteBytes(file);
  return builder_.Message(Command::kClose, session_id_, tree_id_, body.Finish());
}

ssp::Result<FileId> CreateResponseFileId(ByteSpan response) {
  ssp::ByteReader reader = BodyReader(response, "CREATE response");
  if (!reader.Skip(64, "fixed part").ok()) return reader.MakeParseError("FileId", "truncated");
  auto bytes = reader.ReadBytes(16, "FileId");
  if (!bytes.ok()) return bytes.error();
  FileId id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

ssp::Result<Bytes> ResponseData(ByteSpan response) {
  auto header = ParseHeader(response);
  if (!header.ok()) return header.error();
  ssp::ByteReader reader = BodyReader(response, "response");
  uint32_t offset = 0, length = 0;
  if (header->command == static_cast<uint16_t>(Command::kIoctl)) {
    if (!reader.Skip(32, "fixed part").ok()) return reader.MakeParseError("Output", "truncated");
    auto output_offset = reader.ReadU32("OutputOffset");
    auto output_count = reader.ReadU32("OutputCount");
    if (!output_count.ok()) return output_count.error();
    offset = *output_offset;
    length = *output_count;
  } else {
    if (!reader.Skip(2, "fixed part").ok()) return reader.MakeParseError("Data", "truncated");
    auto data_offset = reader.ReadU8("DataOffset");
    if (!data_offset.ok()) return data_offset.error();
    offset = *data_offset;
    (void)reader.Skip(1);
    auto data_length = reader.ReadU32("DataLength");
    if (!data_length.ok()) return data_length.error();
    length = *data_length;
  }
  auto data = Buffer(response, offset, length, "response", "Data");
  if (!data.ok()) return data.error();
  return Bytes(data->begin(), data->end());
}

}  // namespace ntlm::harness::net::smb
