// byte_reader_test.cc: ByteReader, security-buffer validation, ByteWriter,
// message framing.
#include "ssp/byte_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "ssp/byte_writer.h"

namespace ntlm::ssp {
namespace {

using ::testing::HasSubstr;

const Bytes kData = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b};

TEST(ByteReader, ReadsLittleEndian) {
  ByteReader r(kData);
  EXPECT_EQ(r.ReadU8().value(), 0x01);
  EXPECT_EQ(r.ReadU16().value(), 0x0302);
  EXPECT_EQ(r.ReadU32().value(), 0x07060504u);
  EXPECT_EQ(r.offset(), 7u);
  EXPECT_EQ(r.remaining(), 4u);
  ByteReader r2(kData);
  EXPECT_EQ(r2.ReadU64().value(), 0x0807060504030201ull);
  auto bytes = r2.ReadBytes(3);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(Bytes(bytes->begin(), bytes->end()), (Bytes{0x09, 0x0a, 0x0b}));
  EXPECT_TRUE(r2.empty());
}

TEST(ByteReader, FailureLeavesReaderUnchangedAndNamesOffset) {
  ByteReader r(kData, "TEST");
  ASSERT_TRUE(r.Skip(9).ok());
  auto v = r.ReadU32("Field");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status(), SecStatus::kInvalidToken);
  EXPECT_THAT(v.error().reason, HasSubstr("TEST: Field at offset 0x9"));
  EXPECT_THAT(v.error().reason, HasSubstr("need 4 bytes, 2 remain"));
  EXPECT_EQ(r.offset(), 9u);
  EXPECT_FALSE(r.ReadU64().ok());
  EXPECT_FALSE(r.ReadBytes(3).ok());
  EXPECT_FALSE(r.Skip(3).ok());
  EXPECT_FALSE(r.Sub(3).ok());
  EXPECT_EQ(r.offset(), 9u);
  EXPECT_EQ(r.ReadU16().value(), 0x0b0a);
  EXPECT_FALSE(r.ReadU8().ok());
  // Huge sizes do not wrap.
  ByteReader r3(kData);
  EXPECT_FALSE(r3.ReadBytes(SIZE_MAX).ok());
  EXPECT_FALSE(r3.Skip(SIZE_MAX).ok());
  EXPECT_EQ(r3.offset(), 0u);
}

TEST(ByteReader, SubReaderReportsAbsoluteOffsets) {
  ByteReader r(kData, "MSG", 100);
  ASSERT_TRUE(r.Skip(2).ok());
  auto sub = r.Sub(4, "Inner");
  ASSERT_TRUE(sub.ok());
  EXPECT_EQ(r.offset(), 106u);
  EXPECT_EQ(sub->offset(), 102u);
  EXPECT_EQ(sub->remaining(), 4u);
  EXPECT_EQ(sub->ReadU32().value(), 0x06050403u);
  auto fail = sub->ReadU8("X");
  ASSERT_FALSE(fail.ok());
  EXPECT_THAT(fail.error().reason, HasSubstr("MSG: X at offset 0x6A"));
}

TEST(SecurityBuffer, ReadAndValidate) {
  const Bytes raw = {0x18, 0x00, 0x20, 0x00, 0x40, 0x00, 0x00, 0x00};
  ByteReader r(raw);
  auto b = ReadSecurityBuffer(r, "F");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->length, 24);
  EXPECT_EQ(b->max_length, 32);
  EXPECT_EQ(b->offset, 64u);
  EXPECT_TRUE(ValidateSecurityBuffer(*b, 64, 88, "M", "F").ok());
  EXPECT_TRUE(ValidateSecurityBuffer(*b, 64, 200, "M", "F").ok());
  // Past the end.
  auto past = ValidateSecurityBuffer(*b, 64, 87, "AUTHENTICATE", "NtChallengeResponseFields");
  ASSERT_FALSE(past.ok());
  EXPECT_EQ(past.status(), SecStatus::kInvalidToken);
  EXPECT_EQ(past.error().reason,
            "AUTHENTICATE: NtChallengeResponseFields offset 0x40 + length 24 past end of token "
            "(87 bytes)");
  // Inside the fixed header.
  auto inside = ValidateSecurityBuffer(*b, 72, 200, "M", "F");
  ASSERT_FALSE(inside.ok());
  EXPECT_THAT(inside.error().reason, HasSubstr("inside the fixed header"));
  // 32-bit wrap-around is not possible: computed in 64 bits.
  SecurityBuffer wrap{0x20, 0x20, 0xFFFFFFF0u};
  auto w = ValidateSecurityBuffer(wrap, 64, 200, "M", "F");
  ASSERT_FALSE(w.ok());
  EXPECT_THAT(w.error().reason, HasSubstr("0xFFFFFFF0 + length 32 past end"));
  SecurityBuffer max{0xFFFF, 0xFFFF, 0xFFFFFFFFu};
  EXPECT_FALSE(ValidateSecurityBuffer(max, 64, 200, "M", "F").ok());
  // Zero length: any offset.
  for (uint32_t off : {0u, 10u, 0xFFFFFFFFu}) {
    EXPECT_TRUE(ValidateSecurityBuffer(SecurityBuffer{0, 0, off}, 64, 64, "M", "F").ok());
    EXPECT_TRUE(ValidateSecurityBuffer(SecurityBuffer{0, 99, off}, 64, 64, "M", "F").ok());
  }
  // Truncated header.
  ByteReader short_reader(ByteSpan(raw).first(7), "M");
  auto t = ReadSecurityBuffer(short_reader, "F");
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(t.error().reason, HasSubstr("M: F at offset 0x0: truncated"));
  EXPECT_EQ(short_reader.offset(), 0u);
}

TEST(SecurityBuffer, LowestPayloadOffsetIgnoresEmptyFields) {
  const SecurityBuffer f[3] = {{0, 0, 0}, {5, 5, 90}, {3, 3, 72}};
  EXPECT_EQ(LowestPayloadOffset(f, 200), 72u);
  const SecurityBuffer empty[2] = {{0, 0, 0}, {0, 0, 40}};
  EXPECT_EQ(LowestPayloadOffset(empty, 32), 32u);
}

TEST(ByteWriter, WritesAndPatchesSlots) {
  ByteWriter w;
  w.WriteU8(0xAA);
  auto s1 = w.ReserveSecurityBuffer();
  auto s2 = w.ReserveSecurityBuffer();
  w.WriteU16(0x0102);
  w.WriteU32(0x03040506);
  w.WriteU64(0x0708090a0b0c0d0eull);
  EXPECT_EQ(w.size(), 1u + 16 + 2 + 4 + 8);
  const Bytes p1 = {1, 2, 3};
  w.QueuePayload(s2, p1);
  w.QueuePayload(s1, {});
  const Bytes out = w.Finish();
  ASSERT_EQ(out.size(), 31u + 3);
  // s2: len 3, maxlen 3, offset 31.
  EXPECT_EQ(Bytes(out.begin() + 9, out.begin() + 17), (Bytes{3, 0, 3, 0, 31, 0, 0, 0}));
  // s1: empty, offset = where the next payload starts (34).
  EXPECT_EQ(Bytes(out.begin() + 1, out.begin() + 9), (Bytes{0, 0, 0, 0, 34, 0, 0, 0}));
  EXPECT_EQ(Bytes(out.begin() + 17, out.begin() + 19), (Bytes{0x02, 0x01}));
  EXPECT_EQ(Bytes(out.end() - 3, out.end()), p1);
}

TEST(ByteWriter, LayoutReproducesGapsAndFallsBack) {
  PayloadLayout layout;
  layout.header_length = 16;
  layout.fields = {{2, 7, 20}, {0, 0, 0}};
  layout.payload = {0xEE, 0xEE, 0xEE, 0xEE, 'h', 'i', 0xEE};
  Bytes header(16, 0);
  const Bytes hi = {'h', 'i'};
  Bytes out;
  ASSERT_TRUE(EncodeWithLayout(layout, header, {0, 8}, {hi, {}}, out));
  ASSERT_EQ(out.size(), 23u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 8), (Bytes{2, 0, 7, 0, 20, 0, 0, 0}));
  EXPECT_EQ(Bytes(out.begin() + 16, out.end()), layout.payload);
  // Changed length: refused.
  const Bytes longer = {'h', 'i', '!'};
  EXPECT_FALSE(EncodeWithLayout(layout, header, {0, 8}, {longer, {}}, out));
  // Header size differs from the layout: refused.
  EXPECT_FALSE(EncodeWithLayout(layout, Bytes(24, 0), {0, 8}, {hi, {}}, out));
  // FinishMessage falls back to a fresh layout in the given order.
  ByteWriter w;
  auto a = w.ReserveSecurityBuffer();
  auto b = w.ReserveSecurityBuffer();
  const ByteWriter::Slot slots[2] = {a, b};
  const Bytes x = {'x'};
  const ByteSpan data[2] = {longer, x};
  const size_t order[2] = {1, 0};
  const Bytes fresh = FinishMessage(w, layout, slots, data, order);
  EXPECT_EQ(fresh, (Bytes{3, 0, 3, 0, 17, 0, 0, 0, 1, 0, 1, 0, 16, 0, 0, 0, 'x', 'h', 'i', '!'}));
}

TEST(ByteWriter, WireStringsNeverFail) {
  EXPECT_EQ(EncodeWireString("Ab", true), (Bytes{'A', 0, 'b', 0}));
  EXPECT_EQ(EncodeWireString("Ab", false), (Bytes{'A', 'b'}));
  EXPECT_EQ(EncodeWireString("\xC3\xA9", false), (Bytes{0xE9}));
  // Not Latin-1 in OEM mode: '?'.
  EXPECT_EQ(EncodeWireString("a\xE2\x82\xAC", false), (Bytes{'a', '?'}));
  // Invalid UTF-8: U+FFFD / '?'.
  EXPECT_EQ(EncodeWireString("a\xFF", true), (Bytes{'a', 0, 0xFD, 0xFF}));
  EXPECT_EQ(EncodeWireString("\xC3", false), (Bytes{'?'}));
}

Bytes Header(uint32_t type) {
  Bytes t = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
  for (int i = 0; i < 4; ++i) t.push_back(static_cast<uint8_t>(type >> (8 * i)));
  return t;
}

TEST(MessageFraming, SignatureTypeAndSize) {
  EXPECT_EQ(ReadMessageType(Header(1)).value(), MessageType::kNegotiate);
  EXPECT_EQ(ReadMessageType(Header(3)).value(), MessageType::kAuthenticate);
  EXPECT_TRUE(CheckMessageFraming(Header(2), MessageType::kChallenge).ok());

  auto wrong = CheckMessageFraming(Header(2), MessageType::kAuthenticate);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status(), SecStatus::kInvalidToken);
  EXPECT_EQ(wrong.error().reason,
            "AUTHENTICATE: MessageType at offset 0x8: expected 3, got 2 (CHALLENGE)");
  auto unknown = ReadMessageType(Header(7));
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(unknown.error().reason, HasSubstr("unknown message type 7"));

  Bytes bad_sig = Header(1);
  bad_sig[6] = 'Q';
  auto sig = CheckMessageFraming(bad_sig, MessageType::kNegotiate);
  ASSERT_FALSE(sig.ok());
  EXPECT_THAT(sig.error().reason, HasSubstr("NEGOTIATE: Signature at offset 0x0"));

  Bytes truncated = Header(1);
  truncated.resize(10);
  auto tr = CheckMessageFraming(truncated, MessageType::kNegotiate);
  ASSERT_FALSE(tr.ok());
  EXPECT_THAT(tr.error().reason, HasSubstr("MessageType at offset 0x8: truncated"));
  EXPECT_FALSE(CheckMessageFraming({}, MessageType::kNegotiate).ok());

  Bytes big = Header(1);
  big.resize(kMaxTokenSize, 0);
  EXPECT_TRUE(CheckMessageFraming(big, MessageType::kNegotiate).ok());
  big.push_back(0);
  auto over = CheckMessageFraming(big, MessageType::kNegotiate);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status(), SecStatus::kInvalidToken);
  EXPECT_THAT(over.error().reason, HasSubstr("exceeds the 65536-byte limit"));
}

}  // namespace
}  // namespace ntlm::ssp
