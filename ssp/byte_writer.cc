// byte_writer.cc: message writer with deferred security-buffer payloads.
#include "ssp/byte_writer.h"

#include <algorithm>

#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

void PutLe(Bytes& out, size_t position, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) out[position + i] = static_cast<uint8_t>(value >> (8 * i));
}

void PutBuffer(Bytes& out, size_t position, const SecurityBuffer& buffer) {
  PutLe(out, position, buffer.length, 2);
  PutLe(out, position + 2, buffer.max_length, 2);
  PutLe(out, position + 4, buffer.offset, 4);
}

size_t Utf8SequenceLength(uint8_t lead) {
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

}  // namespace

Bytes EncodeWireString(std::string_view utf8, bool unicode) {
  auto whole = unicode ? Utf8ToUtf16Le(utf8) : Utf8ToOem(utf8);
  if (whole.ok()) return std::move(whole).value();
  // Slow path: convert sequence by sequence, substituting what fails.
  Bytes out;
  size_t i = 0;
  while (i < utf8.size()) {
    size_t n = std::min(Utf8SequenceLength(static_cast<uint8_t>(utf8[i])), utf8.size() - i);
    std::string_view seq = utf8.substr(i, n);
    auto part = unicode ? Utf8ToUtf16Le(seq) : Utf8ToOem(seq);
    if (part.ok()) {
      out.insert(out.end(), part->begin(), part->end());
    } else {
      if (unicode) {
        out.push_back(0xFD);  // U+FFFD
        out.push_back(0xFF);
      } else {
        out.push_back('?');
      }
      // An invalid lead byte or broken sequence: skip one byte; a valid
      // sequence that is merely unrepresentable in OEM: skip all of it.
      auto valid = Utf8ToUtf16Le(seq);
      if (!valid.ok()) n = 1;
    }
    i += n;
  }
  return out;
}

void ByteWriter::WriteU8(uint8_t value) { out_.push_back(value); }

void ByteWriter::WriteU16(uint16_t value) {
  out_.resize(out_.size() + 2);
  PutLe(out_, out_.size() - 2, value, 2);
}

void ByteWriter::WriteU32(uint32_t value) {
  out_.resize(out_.size() + 4);
  PutLe(out_, out_.size() - 4, value, 4);
}

void ByteWriter::WriteU64(uint64_t value) {
  out_.resize(out_.size() + 8);
  PutLe(out_, out_.size() - 8, value, 8);
}

void ByteWriter::WriteBytes(ByteSpan bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }

void ByteWriter::WriteZeros(size_t count) { out_.resize(out_.size() + count, 0); }

ByteWriter::Slot ByteWriter::ReserveSecurityBuffer() {
  Slot slot{out_.size()};
  WriteZeros(8);
  return slot;
}

void ByteWriter::SetSecurityBuffer(Slot slot, const SecurityBuffer& buffer) {
  PutBuffer(out_, slot.position, buffer);
}

void ByteWriter::QueuePayload(Slot slot, ByteSpan data) {
  pending_.push_back(Pending{slot, Bytes(data.begin(), data.end())});
}

void ByteWriter::PatchBytes(size_t offset, ByteSpan data) {
  std::copy(data.begin(), data.end(), out_.begin() + static_cast<std::ptrdiff_t>(offset));
}

Bytes ByteWriter::Finish() {
  for (const Pending& p : pending_) {
    SecurityBuffer buffer;
    const auto length = static_cast<uint16_t>(std::min<size_t>(p.data.size(), 0xFFFF));
    buffer.length = length;
    buffer.max_length = length;
    buffer.offset = static_cast<uint32_t>(out_.size());
    PutBuffer(out_, p.slot.position, buffer);
    WriteBytes(p.data);
  }
  pending_.clear();
  return std::move(out_);
}

bool EncodeWithLayout(const PayloadLayout& layout, const Bytes& header,
                      const std::vector<size_t>& slot_positions,
                      const std::vector<ByteSpan>& field_data, Bytes& out) {
  if (layout.fields.size() != slot_positions.size() || layout.fields.size() != field_data.size() ||
      header.size() != layout.header_length) {
    return false;
  }
  const uint64_t total = layout.header_length + layout.payload.size();
  auto unread = [&](size_t i) { return i < layout.unread.size() && layout.unread[i]; };
  for (size_t i = 0; i < layout.fields.size(); ++i) {
    const SecurityBuffer& f = layout.fields[i];
    if (unread(i)) {
      if (!field_data[i].empty() || slot_positions[i] + 8 > header.size()) return false;
      continue;
    }
    if (field_data[i].size() != f.length) return false;
    if (slot_positions[i] + 8 > header.size()) return false;
    if (f.length == 0) continue;
    if (f.offset < layout.header_length || uint64_t{f.offset} + f.length > total) return false;
  }
  Bytes result = header;
  result.insert(result.end(), layout.payload.begin(), layout.payload.end());
  for (size_t i = 0; i < layout.fields.size(); ++i) {
    PutBuffer(result, slot_positions[i], layout.fields[i]);
    if (unread(i)) continue;
    const ByteSpan data = field_data[i];
    std::copy(data.begin(), data.end(),
              result.begin() + static_cast<std::ptrdiff_t>(layout.fields[i].offset));
  }
  out = std::move(result);
  return true;
}

Bytes FinishMessage(ByteWriter& writer, const std::optional<PayloadLayout>& layout,
                    std::span<const ByteWriter::Slot> slots, std::span<const ByteSpan> field_data,
                    std::span<const size_t> fresh_order) {
  if (layout) {
    Bytes header = writer.Finish();
    std::vector<size_t> positions;
    for (const ByteWriter::Slot& slot : slots) positions.push_back(slot.position);
    const std::vector<ByteSpan> data(field_data.begin(), field_data.end());
    Bytes out;
    if (EncodeWithLayout(*layout, header, positions, data, out)) return out;
    writer = ByteWriter();
    writer.WriteBytes(header);
  }
  for (size_t index : fresh_order) writer.QueuePayload(slots[index], field_data[index]);
  return writer.Finish();
}

}  // namespace ntlm::ssp
