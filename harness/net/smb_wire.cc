// smb_wire.cc: SMB2 codecs (see smb_wire.h).
#include "harness/net/smb_wire.h"

#include <algorithm>
#include <cstdio>

#include "ssp/byte_reader.h"
#include "ssp/unicode.h"

namespace ntlm::harness::net::smb {
namespace {

using ssp::ByteReader;
using ssp::MakeError;
using ssp::SecStatus;

constexpr std::array<uint8_t, 4> kSmb2ProtocolId = {0xFE, 'S', 'M', 'B'};
constexpr std::array<uint8_t, 4> kSmb1ProtocolId = {0xFF, 'S', 'M', 'B'};
constexpr uint8_t kSmb1ComNegotiate = 0x72;
constexpr size_t kMaxDialects = 64;
constexpr size_t kMaxContexts = 32;

void PutU16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v));
  out.push_back(static_cast<uint8_t>(v >> 8));
}
void PutU32(Bytes& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutU64(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PadTo8(Bytes& out, size_t base) {
  while ((out.size() - base) % 8 != 0) out.push_back(0);
}
ssp::Result<std::vector<uint16_t>> ReadIdList(ByteReader& reader, size_t count, const char* what) {
  std::vector<uint16_t> ids;
  for (size_t i = 0; i < count; ++i) {
    auto id = reader.ReadU16(what);
    if (!id.ok()) return id.error();
    ids.push_back(*id);
  }
  return ids;
}

// Parses the data of the contexts this server looks at (2.2.3.1.1, 2.2.3.1.2, 2.2.3.1.7).
ssp::Status ParseKnownContext(NegotiateRequest& request, const NegotiateContext& context) {
  ByteReader reader(context.data, "NEGOTIATE context");
  if (context.type == kPreauthIntegrityCapabilities) {
    auto count = reader.ReadU16("HashAlgorithmCount");
    if (!count.ok()) return count.error();
    if (*count == 0) return reader.MakeParseError("HashAlgorithmCount", "is 0");
    if (!reader.Skip(2, "SaltLength").ok()) return reader.MakeParseError("SaltLength", "missing");
    auto ids = ReadIdList(reader, *count, "HashAlgorithms");
    if (!ids.ok()) return ids.error();
    request.preauth_hash_algorithms = *ids;
  } else if (context.type == kEncryptionCapabilities || context.type == kSigningCapabilities) {
    const char* name =
        context.type == kEncryptionCapabilities ? "CipherCount" : "SigningAlgorithmCount";
    auto count = reader.ReadU16(name);
    if (!count.ok()) return count.error();
    if (*count == 0) return reader.MakeParseError(name, "is 0");
    auto ids = ReadIdList(reader, *count, name);
    if (!ids.ok()) return ids.error();
    (context.type == kEncryptionCapabilities ? request.ciphers : request.signing_algorithms) = *ids;
  }
  return ssp::Status::Ok();
}

ssp::Status ParseNegotiateContexts(ByteSpan message, uint32_t offset, uint16_t count,
                                   NegotiateRequest& request) {
  if (count > kMaxContexts) {
    return MakeError(SecStatus::kInvalidToken, "NEGOTIATE: NegotiateContextCount " +
                                                   std::to_string(count) + " over " +
                                                   std::to_string(kMaxContexts));
  }
  if (count == 0) return ssp::Status::Ok();
  if (offset < kHeaderSize || offset > message.size() || offset % 8 != 0) {
    return MakeError(SecStatus::kInvalidToken,
                     "NEGOTIATE: NegotiateContextOffset " + std::to_string(offset) +
                         " not an 8-byte aligned offset inside the message");
  }
  ByteReader reader(message.subspan(offset), "NEGOTIATE context list", offset);
  for (uint16_t i = 0; i < count; ++i) {
    if (i > 0 && !reader.Skip((8 - reader.offset() % 8) % 8, "context padding").ok()) {
      return reader.MakeParseError("NegotiateContextList", "truncated padding");
    }
    auto type = reader.ReadU16("ContextType");
    auto length = reader.ReadU16("DataLength");
    if (!type.ok() || !length.ok() || !reader.Skip(4, "Reserved").ok()) {
      return reader.MakeParseError("NegotiateContextList", "truncated context header");
    }
    auto data = reader.ReadBytes(*length, "context Data");
    if (!data.ok()) return data.error();
    NegotiateContext context{*type, Bytes(data->begin(), data->end())};
    if (auto parsed = ParseKnownContext(request, context); !parsed.ok()) return parsed;
    request.contexts.push_back(std::move(context));
  }
  return ssp::Status::Ok();
}

}  // namespace

ssp::ByteReader BodyReader(ByteSpan message, const char* what) {
  return ssp::ByteReader(message.subspan(std::min(message.size(), kHeaderSize)), what, kHeaderSize);
}

ssp::Result<ByteSpan> Buffer(ByteSpan message, size_t offset, size_t length, const char* what,
                             const char* field) {
  if (length == 0) return ByteSpan();
  if (offset < kHeaderSize || offset > message.size() || length > message.size() - offset) {
    return ssp::MakeError(ssp::SecStatus::kInvalidToken,
                          std::string(what) + ": " + field + " offset " + std::to_string(offset) +
                              " + length " + std::to_string(length) + " outside the message (" +
                              std::to_string(message.size()) + " bytes)");
  }
  return message.subspan(offset, length);
}

const char* CommandName(uint16_t command) {
  static constexpr const char* kNames[] = {
      "NEGOTIATE",     "SESSION_SETUP", "LOGOFF",   "TREE_CONNECT", "TREE_DISCONNECT",
      "CREATE",        "CLOSE",         "FLUSH",    "READ",         "WRITE",
      "LOCK",          "IOCTL",         "CANCEL",   "ECHO",         "QUERY_DIRECTORY",
      "CHANGE_NOTIFY", "QUERY_INFO",    "SET_INFO", "OPLOCK_BREAK"};
  return command < std::size(kNames) ? kNames[command] : "unknown";
}

bool IsSmb3(uint16_t dialect) { return dialect >= kDialect300 && dialect != kDialectWildcard; }

std::optional<uint16_t> DialectFromName(std::string_view name) {
  for (uint16_t dialect : {kDialect202, kDialect210, kDialect300, kDialect302, kDialect311}) {
    if (DialectName(dialect) == name) return dialect;
  }
  return std::nullopt;
}

std::string DialectName(uint16_t dialect) {
  switch (dialect) {
    case kDialect202:
      return "2.0.2";
    case kDialect210:
      return "2.1";
    case kDialect300:
      return "3.0";
    case kDialect302:
      return "3.0.2";
    case kDialect311:
      return "3.1.1";
    default: {
      char text[8];
      std::snprintf(text, sizeof text, "0x%04x", dialect);
      return text;
    }
  }
}

ssp::Result<size_t> ParseTransportHeader(ByteSpan four_bytes) {
  if (four_bytes.size() != kTransportHeaderSize || four_bytes[0] != 0) {
    return MakeError(SecStatus::kInvalidToken,
                     "direct TCP transport header does not start with a zero byte");
  }
  return (size_t{four_bytes[1]} << 16) | (size_t{four_bytes[2]} << 8) | size_t{four_bytes[3]};
}

void AppendTransportHeader(Bytes& out, size_t length) {
  out.push_back(0);
  out.push_back(static_cast<uint8_t>(length >> 16));
  out.push_back(static_cast<uint8_t>(length >> 8));
  out.push_back(static_cast<uint8_t>(length));
}

ssp::Result<Header> ParseHeader(ByteSpan message) {
  ByteReader reader(message, "SMB2 header");
  auto id = reader.ReadBytes(4, "ProtocolId");
  if (!id.ok()) return id.error();
  if (!std::equal(id->begin(), id->end(), kSmb2ProtocolId.begin())) {
    return reader.MakeParseErrorAt(0, "ProtocolId", "is not 0xFE 'SMB'");
  }
  auto structure_size = reader.ReadU16("StructureSize");
  if (!structure_size.ok()) return structure_size.error();
  if (*structure_size != kHeaderSize)
    return reader.MakeParseErrorAt(4, "StructureSize", "is not 64");
  Header h;
  auto charge = reader.ReadU16("CreditCharge");
  auto status = reader.ReadU32("Status");
  auto command = reader.ReadU16("Command");
  auto credits = reader.ReadU16("CreditRequest");
  auto flags = reader.ReadU32("Flags");
  auto next = reader.ReadU32("NextCommand");
  auto message_id = reader.ReadU64("MessageId");
  auto reserved = reader.ReadU64("AsyncId/TreeId");
  auto session = reader.ReadU64("SessionId");
  auto signature = reader.ReadBytes(kSignatureSize, "Signature");
  if (!signature.ok()) return signature.error();
  h.credit_charge = *charge;
  h.status = *status;
  h.command = *command;
  h.credits = *credits;
  h.flags = *flags;
  h.next_command = *next;
  h.message_id = *message_id;
  if (h.flags & kFlagAsyncCommand) {
    h.async_id = *reserved;
  } else {
    h.tree_id = static_cast<uint32_t>(*reserved >> 32);
  }
  h.session_id = *session;
  std::copy(signature->begin(), signature->end(), h.signature.begin());
  return h;
}

void AppendHeader(Bytes& out, const Header& h) {
  out.insert(out.end(), kSmb2ProtocolId.begin(), kSmb2ProtocolId.end());
  PutU16(out, kHeaderSize);
  PutU16(out, h.credit_charge);
  PutU32(out, h.status);
  PutU16(out, h.command);
  PutU16(out, h.credits);
  PutU32(out, h.flags);
  PutU32(out, h.next_command);
  PutU64(out, h.message_id);
  if (h.flags & kFlagAsyncCommand) {
    PutU64(out, h.async_id);
  } else {
    PutU32(out, 0);  // Reserved (process id)
    PutU32(out, h.tree_id);
  }
  PutU64(out, h.session_id);
  out.insert(out.end(), h.signature.begin(), h.signature.end());
}

ssp::Status CheckStructureSize(ByteSpan message, uint16_t expected, const char* what) {
  ByteReader reader = BodyReader(message, what);
  auto size = reader.ReadU16("StructureSize");
  if (!size.ok()) return size.error();
  if (*size != expected) {
    return reader.MakeParseErrorAt(
        kHeaderSize, "StructureSize",
        "is " + std::to_string(*size) + ", expected " + std::to_string(expected));
  }
  // The fixed part is StructureSize rounded down to even (an odd size
  // counts one byte of the variable buffer).
  if (message.size() < kHeaderSize + (expected & ~1u)) {
    return reader.MakeParseErrorAt(
        kHeaderSize, "body",
        "shorter than its " + std::to_string(expected & ~1u) + "-byte fixed part");
  }
  return ssp::Status::Ok();
}

ssp::Result<NegotiateRequest> ParseNegotiateRequest(ByteSpan message) {
  if (auto s = CheckStructureSize(message, 36, "NEGOTIATE"); !s.ok()) return s.error();
  ByteReader reader = BodyReader(message, "NEGOTIATE");
  NegotiateRequest request;
  (void)reader.Skip(2);
  uint16_t dialect_count = *reader.ReadU16();
  request.security_mode = *reader.ReadU16();
  (void)reader.Skip(2);
  request.capabilities = *reader.ReadU32();
  auto guid = *reader.ReadBytes(16);
  std::copy(guid.begin(), guid.end(), request.client_guid.begin());
  uint32_t context_offset = *reader.ReadU32();
  uint16_t context_count = *reader.ReadU16();
  (void)reader.Skip(2);
  if (dialect_count == 0 || dialect_count > kMaxDialects) {
    return reader.MakeParseErrorAt(
        kHeaderSize + 2, "DialectCount",
        std::to_string(dialect_count) + " is not 1.." + std::to_string(kMaxDialects));
  }
  auto dialects = ReadIdList(reader, dialect_count, "Dialects");
  if (!dialects.ok()) return dialects.error();
  request.dialects = *dialects;
  if (std::find(request.dialects.begin(), request.dialects.end(), kDialect311) !=
      request.dialects.end()) {
    if (auto s = ParseNegotiateContexts(message, context_offset, context_count, request); !s.ok()) {
      return s.error();
    }
  }
  return request;
}

NegotiateContext MakePreauthContext(ByteSpan salt) {
  NegotiateContext context{kPreauthIntegrityCapabilities, {}};
  PutU16(context.data, 1);
  PutU16(context.data, static_cast<uint16_t>(salt.size()));
  PutU16(context.data, kHashSha512);
  context.data.insert(context.data.end(), salt.begin(), salt.end());
  return context;
}

NegotiateContext MakeIdListContext(uint16_t type, std::span<const uint16_t> ids) {
  NegotiateContext context{type, {}};
  PutU16(context.data, static_cast<uint16_t>(ids.size()));
  for (uint16_t id : ids) PutU16(context.data, id);
  return context;
}

NegotiateContext MakeSingleIdContext(uint16_t type, uint16_t id) {
  return MakeIdListContext(type, std::span<const uint16_t>(&id, 1));
}

void AppendNegotiateResponse(Bytes& out, const NegotiateResponse& r) {
  const size_t base = out.size() - kHeaderSize;  // header start
  PutU16(out, 65);
  PutU16(out, r.security_mode);
  PutU16(out, r.dialect);
  PutU16(out, static_cast<uint16_t>(r.contexts.size()));
  out.insert(out.end(), r.server_guid.begin(), r.server_guid.end());
  PutU32(out, r.capabilities);
  PutU32(out, r.max_transact_size);
  PutU32(out, r.max_read_size);
  PutU32(out, r.max_write_size);
  PutU64(out, r.system_time);
  PutU64(out, 0);  // ServerStartTime
  PutU16(out, static_cast<uint16_t>(kHeaderSize + 64));
  PutU16(out, static_cast<uint16_t>(r.security_buffer.size()));
  const size_t context_offset_at = out.size();
  PutU32(out, 0);
  out.insert(out.end(), r.security_buffer.begin(), r.security_buffer.end());
  if (r.security_buffer.empty()) out.push_back(0);  // the variable part is at least 1 byte
  if (r.contexts.empty()) return;
  PadTo8(out, base);
  const uint32_t offset = static_cast<uint32_t>(out.size() - base);
  for (int i = 0; i < 4; ++i) out[context_offset_at + i] = static_cast<uint8_t>(offset >> (8 * i));
  for (size_t i = 0; i < r.contexts.size(); ++i) {
    if (i > 0) PadTo8(out, base);
    PutU16(out, r.contexts[i].type);
    PutU16(out, static_cast<uint16_t>(r.contexts[i].data.size()));
    PutU32(out, 0);
    out.insert(out.end(), r.contexts[i].data.begin(), r.contexts[i].data.end());
  }
}

ssp::Result<std::vector<std::string>> ParseSmb1NegotiateDialects(ByteSpan message) {
  ByteReader reader(message, "SMB1 NEGOTIATE");
  auto id = reader.ReadBytes(4, "Protocol");
  if (!id.ok()) return id.error();
  if (!std::equal(id->begin(), id->end(), kSmb1ProtocolId.begin())) {
    return reader.MakeParseErrorAt(0, "Protocol", "is neither 0xFE 'SMB' nor 0xFF 'SMB'");
  }
  auto command = reader.ReadU8("Command");
  if (!command.ok()) return command.error();
  if (*command != kSmb1ComNegotiate) {
    return reader.MakeParseErrorAt(4, "Command", "SMB1 command other than NEGOTIATE (0x72)");
  }
  // 32-byte header, WordCount (0), ByteCount, then 0x02-prefixed strings.
  if (!reader.Skip(27, "header").ok() || !reader.Skip(1, "WordCount").ok()) {
    return reader.MakeParseError("header", "truncated");
  }
  auto byte_count = reader.ReadU16("ByteCount");
  if (!byte_count.ok()) return byte_count.error();
  auto bytes = reader.ReadBytes(*byte_count, "Dialects");
  if (!bytes.ok()) return bytes.error();
  std::vector<std::string> dialects;
  std::string current;
  bool in_string = false;
  for (uint8_t b : *bytes) {
    if (!in_string) {
      if (b != 0x02) return reader.MakeParseError("Dialects", "a dialect does not start with 0x02");
      in_string = true;
    } else if (b == 0) {
      dialects.push_back(current);
      current.clear();
      in_string = false;
    } else {
      current.push_back(static_cast<char>(b));
    }
  }
  return dialects;
}

ssp::Result<SessionSetupRequest> ParseSessionSetupRequest(ByteSpan message) {
  if (auto s = CheckStructureSize(message, 25, "SESSION_SETUP"); !s.ok()) return s.error();
  ByteReader reader = BodyReader(message, "SESSION_SETUP");
  SessionSetupRequest request;
  (void)reader.Skip(2);
  request.flags = *reader.ReadU8();
  request.security_mode = *reader.ReadU8();
  request.capabilities = *reader.ReadU32();
  (void)reader.Skip(4);  // Channel
  uint16_t offset = *reader.ReadU16();
  uint16_t length = *reader.ReadU16();
  request.previous_session_id = *reader.ReadU64();
  auto buffer = Buffer(message, offset, length, "SESSION_SETUP", "SecurityBuffer");
  if (!buffer.ok()) return buffer.error();
  request.security_buffer.assign(buffer->begin(), buffer->end());
  return request;
}

void AppendSessionSetupResponse(Bytes& out, uint16_t session_flags, ByteSpan security_buffer) {
  PutU16(out, 9);
  PutU16(out, session_flags);
  PutU16(out, static_cast<uint16_t>(kHeaderSize + 8));
  PutU16(out, static_cast<uint16_t>(security_buffer.size()));
  out.insert(out.end(), security_buffer.begin(), security_buffer.end());
  if (security_buffer.empty()) out.push_back(0);
}

ssp::Result<std::string> ParseTreeConnectPath(ByteSpan message) {
  if (auto s = CheckStructureSize(message, 9, "TREE_CONNECT"); !s.ok()) return s.error();
  ByteReader reader = BodyReader(message, "TREE_CONNECT");
  (void)reader.Skip(4);  // StructureSize, Flags
  uint16_t offset = *reader.ReadU16();
  uint16_t length = *reader.ReadU16();
  auto path = Buffer(message, offset, length, "TREE_CONNECT", "Path");
  if (!path.ok()) return path.error();
  if (path->empty() || path->size() % 2 != 0) {
    return MakeError(
        SecStatus::kInvalidToken,
        "TREE_CONNECT: PathLength " + std::to_string(length) + " is not a non-empty UTF-16 string");
  }
  return ssp::Utf16LeToUtf8(*path);
}

void AppendTreeConnectResponse(Bytes& out, uint8_t share_type, uint32_t share_flags,
                               uint32_t capabilities, uint32_t maximal_access) {
  PutU16(out, 16);
  out.push_back(share_type);
  out.push_back(0);
  PutU32(out, share_flags);
  PutU32(out, capabilities);
  PutU32(out, maximal_access);
}

void AppendEmptyBody(Bytes& out) {
  PutU16(out, 4);
  PutU16(out, 0);
}

void AppendErrorBody(Bytes& out) {
  PutU16(out, 9);
  out.push_back(0);  // ErrorContextCount
  out.push_back(0);
  PutU32(out, 0);    // ByteCount
  out.push_back(0);  // ErrorData: one byte when ByteCount is 0
}

ssp::Result<IoctlRequest> ParseIoctlRequest(ByteSpan message) {
  if (auto s = CheckStructureSize(message, 57, "IOCTL"); !s.ok()) return s.error();
  ByteReader reader = BodyReader(message, "IOCTL");
  IoctlRequest request;
  (void)reader.Skip(4);  // StructureSize, Reserved
  request.ctl_code = *reader.ReadU32();
  (void)reader.Skip(16);  // FileId
  uint32_t input_offset = *reader.ReadU32();
  uint32_t input_count = *reader.ReadU32();
  (void)reader.Skip(16);  // MaxInputResponse, OutputOffset, OutputCount, MaxOutputResponse
  request.flags = *reader.ReadU32();
  auto input = Buffer(message, input_offset, input_count, "IOCTL", "Input");
  if (!input.ok()) return input.error();
  request.input.assign(input->begin(), input->end());
  return request;
}

void AppendIoctlResponse(Bytes& out, uint32_t ctl_code, ByteSpan output) {
  PutU16(out, 49);
  PutU16(out, 0);
  PutU32(out, ctl_code);
  for (int i = 0; i < 16; ++i) out.push_back(0xFF);  // FileId
  const uint32_t offset = static_cast<uint32_t>(kHeaderSize + 48);
  PutU32(out, offset);  // InputOffset
  PutU32(out, 0);       // InputCount
  PutU32(out, offset);  // OutputOffset
  PutU32(out, static_cast<uint32_t>(output.size()));
  PutU32(out, 0);  // Flags
  PutU32(out, 0);  // Reserved2
  out.insert(out.end(), output.begin(), output.end());
}

ssp::Result<ValidateNegotiateInfo> ParseValidateNegotiateInfo(ByteSpan input) {
  ByteReader reader(input, "VALIDATE_NEGOTIATE_INFO");
  ValidateNegotiateInfo info;
  auto capabilities = reader.ReadU32("Capabilities");
  auto guid = reader.ReadBytes(16, "Guid");
  auto mode = reader.ReadU16("SecurityMode");
  auto count = reader.ReadU16("DialectCount");
  if (!count.ok()) return count.error();
  if (*count == 0 || *count > kMaxDialects) {
    return reader.MakeParseError("DialectCount", "is not 1.." + std::to_string(kMaxDialects));
  }
  auto dialects = ReadIdList(reader, *count, "Dialects");
  if (!dialects.ok()) return dialects.error();
  info.capabilities = *capabilities;
  std::copy(guid->begin(), guid->end(), info.guid.begin());
  info.security_mode = *mode;
  info.dialects = *dialects;
  return info;
}

Bytes EncodeValidateNegotiateResponse(uint32_t capabilities, const std::array<uint8_t, 16>& guid,
                                      uint16_t security_mode, uint16_t dialect) {
  Bytes out;
  PutU32(out, capabilities);
  out.insert(out.end(), guid.begin(), guid.end());
  PutU16(out, security_mode);
  PutU16(out, dialect);
  return out;
}

}  // namespace ntlm::harness::net::smb
