// byte_reader.cc: bounds-checked reader and security-buffer validation.
#include "ssp/byte_reader.h"

#include <algorithm>
#include <cstdio>

#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

std::string Prefix(std::string_view context, std::string_view what) {
  std::string out;
  if (!context.empty()) {
    out.append(context);
    out.append(": ");
  }
  if (!what.empty()) {
    out.append(what);
    out.push_back(' ');
  }
  return out;
}

}  // namespace

std::string HexOffset(uint64_t offset) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%llX", static_cast<unsigned long long>(offset));
  return buf;
}

Error ByteReader::MakeParseErrorAt(size_t absolute_offset, std::string_view what,
                                   std::string_view detail) const {
  std::string reason = Prefix(context_, what);
  reason += "at offset " + HexOffset(absolute_offset) + ": ";
  reason.append(detail);
  return MakeError(SecStatus::kInvalidToken, std::move(reason));
}

Error ByteReader::MakeParseError(std::string_view what, std::string_view detail) const {
  return MakeParseErrorAt(offset(), what, detail);
}

Error ByteReader::Truncated(size_t need, std::string_view what) const {
  return MakeParseError(what, "truncated: need " + std::to_string(need) + " bytes, " +
                                  std::to_string(remaining()) + " remain");
}

template <typename T>
Result<T> ByteReader::ReadLe(std::string_view what) {
  if (remaining() < sizeof(T)) return Truncated(sizeof(T), what);
  T value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<T>(value | (static_cast<T>(data_[pos_ + i]) << (8 * i)));
  }
  pos_ += sizeof(T);
  return value;
}

Result<uint8_t> ByteReader::ReadU8(std::string_view what) { return ReadLe<uint8_t>(what); }
Result<uint16_t> ByteReader::ReadU16(std::string_view what) { return ReadLe<uint16_t>(what); }
Result<uint32_t> ByteReader::ReadU32(std::string_view what) { return ReadLe<uint32_t>(what); }
Result<uint64_t> ByteReader::ReadU64(std::string_view what) { return ReadLe<uint64_t>(what); }

Result<ByteSpan> ByteReader::ReadBytes(size_t n, std::string_view what) {
  if (remaining() < n) return Truncated(n, what);
  ByteSpan out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Status ByteReader::Skip(size_t n, std::string_view what) {
  if (remaining() < n) return Truncated(n, what);
  pos_ += n;
  return Status::Ok();
}

Result<ByteReader> ByteReader::Sub(size_t n, std::string_view what) {
  if (remaining() < n) return Truncated(n, what);
  ByteReader sub(data_.subspan(pos_, n), context_, base_ + pos_);
  pos_ += n;
  return sub;
}

Result<SecurityBuffer> ReadSecurityBuffer(ByteReader& reader, std::string_view field) {
  if (reader.remaining() < 8) {
    return reader.MakeParseError(
        field, "truncated: need 8 bytes, " + std::to_string(reader.remaining()) + " remain");
  }
  SecurityBuffer buffer;
  // Cannot fail after the check above.
  buffer.length = reader.ReadU16().value();
  buffer.max_length = reader.ReadU16().value();
  buffer.offset = reader.ReadU32().value();
  return buffer;
}

Status ValidateSecurityBuffer(const SecurityBuffer& buffer, size_t header_length, size_t token_size,
                              std::string_view message, std::string_view field) {
  if (buffer.length == 0) return Status::Ok();
  const uint64_t offset = buffer.offset;
  const uint64_t end = offset + buffer.length;  // cannot overflow in 64 bits
  std::string reason = Prefix(message, field);
  if (offset < header_length) {
    reason += "offset " + HexOffset(offset) + " (length " + std::to_string(buffer.length) +
              ") lies inside the fixed header (" + std::to_string(header_length) + " bytes)";
    return MakeError(SecStatus::kInvalidToken, std::move(reason));
  }
  if (end > token_size) {
    reason += "offset " + HexOffset(offset) + " + length " + std::to_string(buffer.length) +
              " past end of token (" + std::to_string(token_size) + " bytes)";
    return MakeError(SecStatus::kInvalidToken, std::move(reason));
  }
  return Status::Ok();
}

ByteSpan SecurityBufferBytes(ByteSpan token, const SecurityBuffer& buffer) {
  if (buffer.length == 0) return {};
  return token.subspan(buffer.offset, buffer.length);
}

uint64_t LowestPayloadOffset(std::span<const SecurityBuffer> fields, size_t token_size) {
  uint64_t lowest = token_size;
  for (const SecurityBuffer& f : fields) {
    if (f.length != 0) lowest = std::min<uint64_t>(lowest, f.offset);
  }
  return lowest;
}

Result<std::string> DecodeWireString(ByteSpan bytes, bool unicode, std::string_view message,
                                     std::string_view field, size_t offset) {
  if (!unicode) return OemToUtf8(bytes);
  auto text = Utf16LeToUtf8(bytes);
  if (!text.ok()) {
    return MakeError(SecStatus::kInvalidToken, Prefix(message, field) + "at offset " +
                                                   HexOffset(offset) + ": " + text.error().reason);
  }
  return std::move(text).value();
}

std::string MessageTypeName(uint32_t type) {
  switch (type) {
    case 1:
      return "NEGOTIATE";
    case 2:
      return "CHALLENGE";
    case 3:
      return "AUTHENTICATE";
    default:
      return "type " + std::to_string(type);
  }
}

namespace {

Result<MessageType> ReadFraming(ByteSpan token, std::string_view context) {
  ByteReader reader(token, context);
  if (token.size() > kMaxTokenSize) {
    return MakeError(SecStatus::kInvalidToken,
                     Prefix(context, {}) + "token of " + std::to_string(token.size()) +
                         " bytes exceeds the " + std::to_string(kMaxTokenSize) + "-byte limit");
  }
  NTLM_ASSIGN_OR_RETURN(auto signature, reader.ReadBytes(8, "Signature"));
  if (!std::equal(signature.begin(), signature.end(), std::begin(kNtlmSignature))) {
    return reader.MakeParseErrorAt(0, "Signature", "not \"NTLMSSP\\0\"");
  }
  NTLM_ASSIGN_OR_RETURN(auto type, reader.ReadU32("MessageType"));
  if (type < 1 || type > 3) {
    return reader.MakeParseErrorAt(8, "MessageType",
                                   "unknown message type " + std::to_string(type));
  }
  return static_cast<MessageType>(type);
}

}  // namespace

Result<MessageType> ReadMessageType(ByteSpan token) { return ReadFraming(token, "NTLMSSP"); }

Status CheckMessageFraming(ByteSpan token, MessageType expected) {
  const std::string name = MessageTypeName(static_cast<uint32_t>(expected));
  auto type = ReadFraming(token, name);
  if (!type.ok()) {
    // Unknown type values are reported as a type mismatch for this message.
    return type.error();
  }
  if (*type != expected) {
    return MakeError(SecStatus::kInvalidToken,
                     name + ": MessageType at offset 0x8: expected " +
                         std::to_string(static_cast<uint32_t>(expected)) + ", got " +
                         std::to_string(static_cast<uint32_t>(*type)) + " (" +
                         MessageTypeName(static_cast<uint32_t>(*type)) + ")");
  }
  return Status::Ok();
}

}  // namespace ntlm::ssp
