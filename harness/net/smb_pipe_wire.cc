// smb_pipe_wire.cc: see smb_pipe_wire.h.
#include "harness/net/smb_pipe_wire.h"

#include "harness/net/smb_wire.h"
#include "ssp/byte_writer.h"
#include "ssp/unicode.h"

namespace ntlm::harness::net::smb {
namespace {

constexpr uint16_t kCreateStructureSize = 57;
constexpr uint16_t kWriteStructureSize = 49;
constexpr uint16_t kReadStructureSize = 49;
constexpr uint16_t kCloseStructureSize = 24;
constexpr uint16_t kIoctlStructureSize = 57;

struct FileIdField {
  Command command;
  uint16_t structure_size;
  size_t offset;  // of the FileId in the body
  const char* what;
};
constexpr FileIdField kFileIdFields[] = {
    {Command::kRead, kReadStructureSize, 16, "READ"},
    {Command::kWrite, kWriteStructureSize, 16, "WRITE"},
    {Command::kClose, kCloseStructureSize, 8, "CLOSE"},
    {Command::kIoctl, kIoctlStructureSize, 8, "IOCTL"},
};

}  // namespace

ssp::Result<std::string> ParseCreateName(ByteSpan message) {
  if (auto s = CheckStructureSize(message, kCreateStructureSize, "CREATE"); !s.ok()) {
    return s.error();
  }
  ssp::ByteReader reader = BodyReader(message, "CREATE");
  (void)reader.Skip(44);  // up to NameOffset
  const uint16_t offset = *reader.ReadU16();
  const uint16_t length = *reader.ReadU16();
  auto name = Buffer(message, offset, length, "CREATE", "Name");
  if (!name.ok()) return name.error();
  if (name->empty() || name->size() % 2 != 0) {
    return ssp::MakeError(
        ssp::SecStatus::kInvalidToken,
        "CREATE: NameLength " + std::to_string(length) + " is not a non-empty UTF-16 string");
  }
  return ssp::Utf16LeToUtf8(*name);
}

void AppendCreateResponse(Bytes& out, const FileId& file_id) {
  ssp::ByteWriter w;
  w.WriteU16(89);
  w.WriteU8(0);      // OplockLevel
  w.WriteU8(0);      // Flags
  w.WriteU32(1);     // CreateAction: FILE_OPENED
  w.WriteZeros(32);  // CreationTime, LastAccessTime, LastWriteTime, ChangeTime
  w.WriteU64(4096);  // AllocationSize
  w.WriteU64(0);     // EndofFile
  w.WriteU32(0x80);  // FileAttributes: FILE_ATTRIBUTE_NORMAL
  w.WriteU32(0);     // Reserved2
  w.WriteBytes(file_id);
  w.WriteU32(0);  // CreateContextsOffset
  w.WriteU32(0);  // CreateContextsLength
  w.WriteU8(0);   // Buffer (StructureSize counts one byte)
  const Bytes bytes = w.Finish();
  out.insert(out.end(), bytes.begin(), bytes.end());
}

ssp::Result<FileId> ParseFileId(ByteSpan message, uint16_t command) {
  for (const auto& f : kFileIdFields) {
    if (static_cast<uint16_t>(f.command) != command) continue;
    if (auto s = CheckStructureSize(message, f.structure_size, f.what); !s.ok()) return s.error();
    ssp::ByteReader reader = BodyReader(message, f.what);
    (void)reader.Skip(f.offset);
    auto bytes = reader.ReadBytes(16, "FileId");
    if (!bytes.ok()) return bytes.error();
    FileId id{};
    std::copy(bytes->begin(), bytes->end(), id.begin());
    return id;
  }
  return ssp::MakeError(ssp::SecStatus::kInvalidToken, "no FileId in this command");
}

ssp::Result<Bytes> ParseWriteData(ByteSpan message) {
  if (auto s = CheckStructureSize(message, kWriteStructureSize, "WRITE"); !s.ok()) {
    return s.error();
  }
  ssp::ByteReader reader = BodyReader(message, "WRITE");
  (void)reader.Skip(2);
  const uint16_t offset = *reader.ReadU16();
  const uint32_t length = *reader.ReadU32();
  auto data = Buffer(message, offset, length, "WRITE", "Data");
  if (!data.ok()) return data.error();
  return Bytes(data->begin(), data->end());
}

void AppendWriteResponse(Bytes& out, uint32_t count) {
  ssp::ByteWriter w;
  w.WriteU16(17);
  w.WriteU16(0);
  w.WriteU32(count);
  w.WriteU32(0);  // Remaining
  w.WriteU32(0);  // WriteChannelInfoOffset, WriteChannelInfoLength
  const Bytes bytes = w.Finish();
  out.insert(out.end(), bytes.begin(), bytes.end());
}

ssp::Result<uint32_t> ParseReadLength(ByteSpan message) {
  if (auto s = CheckStructureSize(message, kReadStructureSize, "READ"); !s.ok()) {
    return s.error();
  }
  ssp::ByteReader reader = BodyReader(message, "READ");
  (void)reader.Skip(4);  // StructureSize, Padding, Flags
  return *reader.ReadU32();
}

void AppendReadResponse(Bytes& out, ByteSpan data) {
  ssp::ByteWriter w;
  w.WriteU16(17);
  w.WriteU8(static_cast<uint8_t>(kHeaderSize + 16));  // DataOffset
  w.WriteU8(0);
  w.WriteU32(static_cast<uint32_t>(data.size()));
  w.WriteU32(0);  // DataRemaining
  w.WriteU32(0);  // Reserved2
  w.WriteBytes(data);
  if (data.empty()) w.WriteU8(0);
  const Bytes bytes = w.Finish();
  out.insert(out.end(), bytes.begin(), bytes.end());
}

ssp::Result<uint32_t> ParseIoctlMaxOutput(ByteSpan message) {
  if (auto s = CheckStructureSize(message, kIoctlStructureSize, "IOCTL"); !s.ok()) {
    return s.error();
  }
  ssp::ByteReader reader = BodyReader(message, "IOCTL");
  (void)reader.Skip(44);  // up to MaxOutputResponse
  return *reader.ReadU32();
}

void AppendFileIoctlResponse(Bytes& out, uint32_t ctl_code, const FileId& file_id,
                             ByteSpan output) {
  const size_t start = out.size();
  AppendIoctlResponse(out, ctl_code, output);
  std::copy(file_id.begin(), file_id.end(), out.begin() + static_cast<std::ptrdiff_t>(start + 8));
}

void AppendCloseResponse(Bytes& out) {
  ssp::ByteWriter w;
  w.WriteU16(60);
  w.WriteZeros(58);
  const Bytes bytes = w.Finish();
  out.insert(out.end(), bytes.begin(), bytes.end());
}

}  // namespace ntlm::harness::net::smb
