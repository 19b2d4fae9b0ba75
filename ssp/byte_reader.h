// byte_reader.h: bounds-checked little-endian reader for untrusted bytes,
// and the one validation function for NTLMSSP security buffers.
//
// Every NTLMSSP message ([MS-NLMP] 2.2.1) is read through ByteReader. A read
// that does not fit leaves the reader unchanged and returns an Error with
// status SEC_E_INVALID_TOKEN whose reason names the context (message), the
// field and the absolute byte offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "ssp/status.h"

namespace ntlm::ssp {

/// Largest NTLMSSP token the codecs accept (64 KiB, inclusive). Security
/// buffer lengths are 16-bit ([MS-NLMP] 2.2.1), so no real message comes
/// near it; the cap bounds the work done on hostile input.
inline constexpr size_t kMaxTokenSize = 64 * 1024;

/// "0x1A" formatting used in every parse error reason.
std::string HexOffset(uint64_t offset);

/// Bounds-checked little-endian reader over a ByteSpan.
///
/// `context` (e.g. "AUTHENTICATE") prefixes error reasons; it must outlive the
/// reader (string literals in practice). `base_offset` is the absolute offset
/// of data[0] inside the whole token, so errors from sub-readers report token
/// offsets.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan data, std::string_view context = {}, size_t base_offset = 0)
      : data_(data), context_(context), base_(base_offset) {}

  /// Reads one little-endian integer; `what` names the field for errors.
  Result<uint8_t> ReadU8(std::string_view what = {});
  Result<uint16_t> ReadU16(std::string_view what = {});
  Result<uint32_t> ReadU32(std::string_view what = {});
  Result<uint64_t> ReadU64(std::string_view what = {});
  /// Returns a view of the next `n` bytes (valid as long as the input is).
  Result<ByteSpan> ReadBytes(size_t n, std::string_view what = {});
  /// Advances by `n` bytes.
  Status Skip(size_t n, std::string_view what = {});
  /// Consumes `n` bytes and returns a reader over exactly them, with the same
  /// context and absolute offsets.
  Result<ByteReader> Sub(size_t n, std::string_view what = {});

  /// Absolute offset of the next byte (base_offset + bytes consumed).
  size_t offset() const { return base_ + pos_; }
  /// Bytes consumed from this reader's own data.
  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return remaining() == 0; }
  /// The unread bytes.
  ByteSpan rest() const { return data_.subspan(pos_); }
  std::string_view context() const { return context_; }

  /// An InvalidToken error "<context>: <what> at offset 0x..: <detail>" at the
  /// current offset (for checks done by callers on values they read).
  Error MakeParseError(std::string_view what, std::string_view detail) const;
  Error MakeParseErrorAt(size_t absolute_offset, std::string_view what,
                         std::string_view detail) const;

 private:
  Error Truncated(size_t need, std::string_view what) const;
  template <typename T>
  Result<T> ReadLe(std::string_view what);

  ByteSpan data_;
  std::string_view context_;
  size_t base_ = 0;
  size_t pos_ = 0;
};

/// A security buffer header ([MS-NLMP] 2.2.1.1 DomainNameFields etc.):
/// Len (2), MaxLen (2), BufferOffset (4), as read or to be written.
struct SecurityBuffer {
  uint16_t length = 0;
  uint16_t max_length = 0;
  uint32_t offset = 0;

  friend bool operator==(const SecurityBuffer&, const SecurityBuffer&) = default;
};

/// Reads the 8-byte security buffer header (no validation).
Result<SecurityBuffer> ReadSecurityBuffer(ByteReader& reader, std::string_view field);

/// THE validation rule for every security buffer of every message:
///  - a zero-length buffer is accepted with any offset (it names no bytes);
///  - otherwise offset >= header_length (the end of the fixed header) and
///    offset + length (computed in 64 bits) <= token_size.
/// MaxLen is ignored ([MS-NLMP] 2.2.1: "MUST be ignored on receipt").
/// Errors are SEC_E_INVALID_TOKEN, e.g. "AUTHENTICATE: NtChallengeResponseFields
/// offset 0x1234 + length 24 past end of token (200 bytes)".
Status ValidateSecurityBuffer(const SecurityBuffer& buffer, size_t header_length, size_t token_size,
                              std::string_view message, std::string_view field);

/// The bytes a validated buffer names inside `token` (empty for length 0).
/// Precondition: ValidateSecurityBuffer succeeded for the same token.
ByteSpan SecurityBufferBytes(ByteSpan token, const SecurityBuffer& buffer);

/// Lowest offset of the non-empty buffers, or `token_size` when all are empty.
/// The codecs derive the fixed-header length (Version / MIC present or not)
/// from it, as Samba and gss-ntlmssp do.
uint64_t LowestPayloadOffset(std::span<const SecurityBuffer> fields, size_t token_size);

/// Decodes a message string: UTF-16LE when `unicode`, else OEM (Latin-1).
/// Odd length or unpaired surrogates: SEC_E_INVALID_TOKEN naming
/// "<message>: <field> at offset 0x..".
Result<std::string> DecodeWireString(ByteSpan bytes, bool unicode, std::string_view message,
                                     std::string_view field, size_t offset);

// --- NTLMSSP framing shared by the three message codecs ([MS-NLMP] 2.2.1) ---

/// Signature "NTLMSSP\0" that starts every message.
inline constexpr uint8_t kNtlmSignature[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};

/// MessageType field values ([MS-NLMP] 2.2.1.1-2.2.1.3).
enum class MessageType : uint32_t {
  kNegotiate = 1,
  kChallenge = 2,
  kAuthenticate = 3,
};

/// "NEGOTIATE", "CHALLENGE", "AUTHENTICATE", or "type N".
std::string MessageTypeName(uint32_t type);

/// Checks size cap, signature and MessageType without decoding the rest.
/// Returns the type (1, 2 or 3); anything else is SEC_E_INVALID_TOKEN.
Result<MessageType> ReadMessageType(ByteSpan token);

/// Checks what every Decode checks first: token size <= kMaxTokenSize, at
/// least 12 bytes, signature "NTLMSSP\0", MessageType == `expected`. Errors
/// (SEC_E_INVALID_TOKEN) are prefixed with the expected message's name.
Status CheckMessageFraming(ByteSpan token, MessageType expected);

}  // namespace ntlm::ssp
