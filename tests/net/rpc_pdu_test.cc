// rpc_pdu_test.cc: the DCE/RPC PDU codec: UUID wire order, header checks,
// sec_trailer location and auth padding, bind / bind_ack / fault bodies, and
// the echo interface's NDR.
#include "harness/net/rpc_pdu.h"

#include <gtest/gtest.h>

#include "harness/net/rpc_echo_interface.h"

namespace ntlm::harness::net::rpc {
namespace {

TEST(RpcPduTest, UuidTextAndWireOrder) {
  auto ndr = ParseUuid("8a885d04-1ceb-11c9-9fe8-08002b104860");
  ASSERT_TRUE(ndr.has_value());
  // As every NDR bind carries it (time_low, time_mid, time_hi little-endian).
  const std::array<uint8_t, 16> wire = {0x04, 0x5d, 0x88, 0x8a, 0xeb, 0x1c, 0xc9, 0x11,
                                        0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
  EXPECT_EQ(ndr->bytes, wire);
  EXPECT_EQ(FormatUuid(*ndr), "8a885d04-1ceb-11c9-9fe8-08002b104860");
  EXPECT_EQ(FormatUuid(EchoInterfaceSyntax().uuid), kEchoInterfaceUuid);
  EXPECT_FALSE(ParseUuid("8a885d04-1ceb-11c9-9fe8-08002b10486").has_value());
  EXPECT_FALSE(ParseUuid("8a885d04x1ceb-11c9-9fe8-08002b104860").has_value());
  EXPECT_FALSE(ParseUuid("8a885d04-1ceb-11c9-9fe8-08002b10486g").has_value());
}

Bytes Header(uint8_t type, uint16_t frag, uint16_t auth) {
  CommonHeader h;
  h.type = type;
  Bytes body(frag - kCommonHeaderSize);
  Bytes out = EncodeFragment(h, body, nullptr);
  out[10] = static_cast<uint8_t>(auth);
  out[11] = static_cast<uint8_t>(auth >> 8);
  return out;
}

TEST(RpcPduTest, CommonHeaderChecks) {
  Bytes ok = Header(0, 40, 0);
  auto h = ParseCommonHeader(ok, 1000);
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->frag_length, 40);
  Bytes v4 = ok;
  v4[0] = 4;
  EXPECT_NE(ParseCommonHeader(v4, 1000).error().reason.find("rpc_vers"), std::string::npos);
  Bytes big_endian = ok;
  big_endian[4] = 0x00;
  EXPECT_NE(ParseCommonHeader(big_endian, 1000).error().reason.find("drep"), std::string::npos);
  auto over = ParseCommonHeader(ok, 39);
  ASSERT_FALSE(over.ok());
  EXPECT_NE(over.error().reason.find("exceeds the limit of 39"), std::string::npos);
  // auth_length 16 needs 16 + 8 + 16 bytes at least.
  auto small = ParseCommonHeader(Header(0, 36, 16), 1000);
  ASSERT_FALSE(small.ok());
  EXPECT_NE(small.error().reason.find("frag_length"), std::string::npos);
  EXPECT_FALSE(ParseCommonHeader(ByteSpan(ok).first(10), 1000).ok());
}

TEST(RpcPduTest, FragmentWithVerifierAndPad) {
  CommonHeader h;
  h.type = static_cast<uint8_t>(PduType::kRequest);
  h.call_id = 7;
  Bytes body = EncodeRequestHeader(5, 1, 0);
  const uint8_t stub[5] = {1, 2, 3, 4, 5};
  body.insert(body.end(), stub, stub + 5);
  const uint8_t sig[16] = {0xAA};
  Verifier v{SecTrailer{kAuthTypeWinNt, kAuthLevelPktPrivacy, 0, 0, 0x1234}, ByteSpan(sig)};
  Bytes pdu = EncodeFragment(h, body, &v, 24, 16);
  // 24 + 5 stub + 11 pad = 40, then trailer 8 and signature 16.
  ASSERT_EQ(pdu.size(), 64u);
  auto f = ParseFragment(pdu, 65535);
  ASSERT_TRUE(f.ok()) << f.error().reason;
  EXPECT_EQ(f->header.frag_length, 64);
  EXPECT_EQ(f->header.auth_length, 16);
  EXPECT_EQ(f->trailer_offset, 40u);
  EXPECT_EQ(f->trailer->auth_pad_length, 11);
  EXPECT_EQ(f->trailer->auth_context_id, 0x1234u);
  EXPECT_EQ(f->auth_pad.size(), 11u);
  auto r = ParseRequestHeader(*f);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->context_id, 1);
  EXPECT_EQ(r->stub_offset, 24u);
  EXPECT_EQ(Bytes(r->stub.begin(), r->stub.end()), Bytes(stub, stub + 5));
  // An auth_pad_length longer than the body is refused with its offset.
  Bytes bad = pdu;
  bad[40 + 2] = 30;
  auto e = ParseFragment(bad, 65535);
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.error().reason.find("auth_pad_length"), std::string::npos);
  // Size must equal frag_length.
  EXPECT_FALSE(ParseFragment(ByteSpan(pdu).first(63), 65535).ok());
}

TEST(RpcPduTest, BindBodyRoundTripAndTruncation) {
  BindBody b{5840, 4280, 0x77, {{3, EchoInterfaceSyntax(), {NdrTransferSyntax()}}}};
  CommonHeader h;
  h.type = static_cast<uint8_t>(PduType::kBind);
  Bytes pdu = EncodeFragment(h, EncodeBindBody(b), nullptr);
  auto f = ParseFragment(pdu, 65535);
  ASSERT_TRUE(f.ok());
  auto parsed = ParseBindBody(*f);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->max_xmit_frag, 5840);
  EXPECT_EQ(parsed->assoc_group_id, 0x77u);
  ASSERT_EQ(parsed->contexts.size(), 1u);
  EXPECT_EQ(parsed->contexts[0].context_id, 3);
  EXPECT_EQ(parsed->contexts[0].abstract_syntax, EchoInterfaceSyntax());
  EXPECT_EQ(parsed->contexts[0].transfer_syntaxes.at(0), NdrTransferSyntax());
  Bytes cut = EncodeFragment(h, ByteSpan(EncodeBindBody(b)).first(30), nullptr);
  auto bad = ParseBindBody(*ParseFragment(cut, 65535));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().reason.find("bind"), std::string::npos);
  EXPECT_NE(bad.error().reason.find("abstract_syntax"), std::string::npos);
}

TEST(RpcPduTest, BindAckLayoutAndRoundTrip) {
  BindAckBody ack{4280, 4280, 0x1234, "49664", {{0, 0, NdrTransferSyntax()}, {2, 1, {}}}};
  CommonHeader h;
  h.type = static_cast<uint8_t>(PduType::kBindAck);
  Bytes body = EncodeBindAckBody(ack);
  // 8 fixed + 2 + "49664\0" (6) = 16, already 4-aligned; 4 + 2 * 24 results.
  EXPECT_EQ(body.size(), 16u + 4 + 48);
  auto parsed = ParseBindAckBody(*ParseFragment(EncodeFragment(h, body, nullptr), 65535));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->secondary_address, "49664");
  ASSERT_EQ(parsed->results.size(), 2u);
  EXPECT_EQ(parsed->results[1].result, 2);
  EXPECT_EQ(parsed->results[1].reason, 1);
  ack.secondary_address = "135";  // 8 + 2 + 4 = 14 -> padded to 16
  EXPECT_EQ(EncodeBindAckBody(ack).size(), 16u + 4 + 48);
}

TEST(RpcPduTest, FaultAndBindNakBodies) {
  CommonHeader h;
  h.type = static_cast<uint8_t>(PduType::kFault);
  const Bytes fault = EncodeFragment(h, EncodeFaultBody(1, kFaultAccessDenied), nullptr);
  auto f = ParseFragment(fault, 100);  // views into `fault`
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->header.frag_length, 32);
  EXPECT_EQ(*ParseFaultStatus(*f), kFaultAccessDenied);
  h.type = static_cast<uint8_t>(PduType::kBindNak);
  const Bytes nak = EncodeFragment(h, EncodeBindNakBody(kNakInvalidChecksum), nullptr);
  auto n = ParseFragment(nak, 100);
  EXPECT_EQ(*ParseBindNakReason(*n), kNakInvalidChecksum);
}

TEST(RpcEchoInterfaceTest, ByteArrayNdr) {
  const Bytes data = {'h', 'i', '!'};
  const Bytes stub = EncodeByteArray(data);
  EXPECT_EQ(stub, (Bytes{3, 0, 0, 0, 3, 0, 0, 0, 'h', 'i', '!'}));
  auto back = DecodeByteArray(stub);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(Bytes(back->begin(), back->end()), data);
  Bytes padded = stub;
  padded.push_back(0);  // one NDR alignment byte is fine
  EXPECT_TRUE(DecodeByteArray(padded).ok());
  padded.resize(stub.size() + 8);
  EXPECT_FALSE(DecodeByteArray(padded).ok());
  Bytes short_data = stub;
  short_data[0] = short_data[4] = 9;
  EXPECT_NE(DecodeByteArray(short_data).error().reason.find("data"), std::string::npos);
  Bytes mismatch = stub;
  mismatch[4] = 4;
  EXPECT_NE(DecodeByteArray(mismatch).error().reason.find("max_count"), std::string::npos);
}

TEST(RpcEchoInterfaceTest, Dispatch) {
  CallerInfo caller{"CONTOSO", "alice", 0xe2888215, kAuthLevelPktIntegrity};
  auto echo = DispatchEchoCall(kEchoOpnum, EncodeByteArray(Bytes{7, 8}), caller);
  ASSERT_TRUE(echo.ok);
  EXPECT_EQ(echo.stub, EncodeByteArray(Bytes{7, 8}));
  auto who = DispatchEchoCall(kWhoAmIOpnum, {}, caller);
  ASSERT_TRUE(who.ok);
  const std::string text = "CONTOSO\\alice flags=0xe2888215 level=pkt_integrity";
  EXPECT_EQ(who.stub, EncodeByteArray(Bytes(text.begin(), text.end())));
  auto bad = DispatchEchoCall(kEchoOpnum, Bytes{1, 2}, caller);
  EXPECT_FALSE(bad.ok);
  EXPECT_EQ(bad.fault_status, kFaultBadStubData);
  auto op = DispatchEchoCall(2, {}, caller);
  EXPECT_EQ(op.fault_status, kFaultOpRangeError);
}

}  // namespace
}  // namespace ntlm::harness::net::rpc
