// byte_writer.h: little-endian writer that lays out NTLMSSP messages.
//
// A message ([MS-NLMP] 2.2.1) is a fixed header holding (Len, MaxLen, Offset)
// security buffer headers followed by a payload. ByteWriter writes the header
// sequentially, reserves the 8-byte security buffer slots, queues the payload
// of each slot, and at Finish() appends the queued payloads (in queue order)
// right after the header and patches every slot with (len, len, offset).
//
// PayloadLayout records a decoded message's exact wire layout so a codec can
// re-encode it byte for byte (EncodeWithLayout).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "ssp/byte_reader.h"

namespace ntlm::ssp {

/// How a decoded message's payload was laid out on the wire, kept so that
/// Encode(Decode(token)) == token. `fields` are in the order the message
/// declares its security buffers (e.g. AUTHENTICATE: LmChallengeResponse,
/// NtChallengeResponse, DomainName, UserName, Workstation,
/// EncryptedRandomSessionKey); `payload` is every token byte from
/// `header_length` to the end, including padding, gaps and trailing bytes.
struct PayloadLayout {
  size_t header_length = 0;
  std::vector<SecurityBuffer> fields;
  Bytes payload;
  /// Per field (or empty: none): the decoder did not read this field because
  /// the message's reader ignores it when it is malformed (NEGOTIATE's
  /// DomainName/Workstation). Its header is reproduced as recorded and its
  /// bytes are left as they are in `payload`.
  std::vector<bool> unread;
};

/// Sequential little-endian writer with security-buffer slots.
class ByteWriter {
 public:
  /// Handle of a reserved 8-byte security buffer header.
  struct Slot {
    size_t position = 0;  ///< offset of the 8-byte header in the message
  };

  /// Append little-endian integers, raw bytes or `count` zero bytes.
  void WriteU8(uint8_t value);
  void WriteU16(uint16_t value);
  void WriteU32(uint32_t value);
  void WriteU64(uint64_t value);
  void WriteBytes(ByteSpan bytes);
  void WriteZeros(size_t count);

  /// Writes an 8-byte placeholder for a security buffer header.
  Slot ReserveSecurityBuffer();
  /// Writes explicit (Len, MaxLen, Offset) values into a slot now.
  void SetSecurityBuffer(Slot slot, const SecurityBuffer& buffer);
  /// Queues `data` as the payload of `slot`. At Finish() queued payloads are
  /// appended in queue order; each slot gets Len = MaxLen = size (saturated at
  /// 0xFFFF: callers keep fields <= 65535 bytes) and Offset = where its bytes
  /// start (for an empty payload: where the next payload would start).
  void QueuePayload(Slot slot, ByteSpan data);
  /// Overwrites already-written bytes at `offset` (must lie within size()).
  void PatchBytes(size_t offset, ByteSpan data);

  /// Bytes written so far (queued payloads not included).
  size_t size() const { return out_.size(); }
  /// Appends queued payloads, patches their slots and returns the message.
  Bytes Finish();

 private:
  struct Pending {
    Slot slot;
    Bytes data;
  };
  Bytes out_;
  std::vector<Pending> pending_;
};

/// Encodes a message string: UTF-16LE when `unicode`, else OEM (Latin-1).
/// Never fails: invalid UTF-8 becomes U+FFFD (UTF-16) or '?' (OEM), and
/// characters outside Latin-1 become '?' in OEM, as WideCharToMultiByte's
/// default character does.
Bytes EncodeWireString(std::string_view utf8, bool unicode);

/// Re-emits a message from a decoded layout: writes `header` (the message's
/// fixed header as the caller built it, with placeholder slots at
/// `slot_positions`), then layout.payload, patches the security buffer
/// headers with layout.fields and overwrites each field's bytes with
/// `field_data[i]`. Returns false (writing nothing) when the layout cannot be
/// honoured: field count differs, a field's data size differs from the
/// recorded length, header size differs from layout.header_length, or a field
/// lies outside the payload. An `unread` field must come with empty data; its
/// recorded header is written unchanged and nothing is copied for it.
bool EncodeWithLayout(const PayloadLayout& layout, const Bytes& header,
                      const std::vector<size_t>& slot_positions,
                      const std::vector<ByteSpan>& field_data, Bytes& out);

/// Completes a message whose fixed header is fully written in `writer` (with
/// one reserved slot per security buffer, `slots[i]` holding `field_data[i]`,
/// both in the message's declaration order). If `layout` is set and
/// EncodeWithLayout accepts it, the decoded layout is reproduced; otherwise
/// the payloads are placed after the header in `fresh_order` (indices into
/// slots) with MaxLen = Len.
Bytes FinishMessage(ByteWriter& writer, const std::optional<PayloadLayout>& layout,
                    std::span<const ByteWriter::Slot> slots, std::span<const ByteSpan> field_data,
                    std::span<const size_t> fresh_order);

}  // namespace ntlm::ssp
