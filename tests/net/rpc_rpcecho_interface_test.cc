// rpc_rpcecho_interface_test.cc: the NDR of every rpcecho operation.
//
// The expected stubs were produced by Samba 4.17's own NDR code (pidl, through
// python3-samba: samba.ndr.ndr_pack_in / ndr_pack_out of samba.dcerpc.echo
// objects) and copied here as hex, so each case checks our encoder and decoder
// against the encoding Samba's clients send and expect.
#include "harness/net/rpc_rpcecho_interface.h"

#include <gtest/gtest.h>

#include "harness/net/rpc_ndr.h"
#include "harness/net/rpc_verification_trailer.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::harness::net::rpc {
namespace {

using ntlm::crypto::test_util::FromHex;

Bytes Utf16(const std::string& ascii) {
  Bytes out;
  for (char c : ascii) {
    out.push_back(static_cast<uint8_t>(c));
    out.push_back(0);
  }
  out.push_back(0);
  out.push_back(0);
  return out;
}

CallOutcome Call(RpcEchoOp op, const Bytes& stub) {
  return DispatchRpcEchoCall(static_cast<uint16_t>(op), stub);
}

TEST(RpcEchoNdr, AddOne) {
  // ndr_pack_in(AddOne(in_data=0x01020304)) / ndr_pack_out(out_data=0x01020305)
  EXPECT_EQ(*DecodeUint32Request(FromHex("04030201"), "t"), 0x01020304u);
  CallOutcome out = Call(RpcEchoOp::kAddOne, FromHex("04030201"));
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_EQ(out.stub, FromHex("05030201"));
  // 0xFFFFFFFF + 1 wraps, as smbtorture's addone expects.
  EXPECT_EQ(Call(RpcEchoOp::kAddOne, FromHex("ffffffff")).stub, FromHex("00000000"));
  EXPECT_EQ(Call(RpcEchoOp::kAddOne, FromHex("0403")).fault_status, kFaultBadStubData);
}

TEST(RpcEchoNdr, EchoData) {
  const Bytes in = FromHex("0300000003000000010203");  // len 3, [1 2 3]
  EXPECT_EQ(EncodeSizedArrayRequest(FromHex("010203")), in);
  CallOutcome out = Call(RpcEchoOp::kEchoData, in);
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_EQ(out.stub, FromHex("03000000010203"));
  const ByteSpan echoed = *DecodeConformantBytes(out.stub, 3);
  EXPECT_EQ(Bytes(echoed.begin(), echoed.end()), FromHex("010203"));
  // max_count must equal len.
  CallOutcome bad = Call(RpcEchoOp::kEchoData, FromHex("0300000004000000010203"));
  EXPECT_EQ(bad.fault_status, kFaultBadStubData);
  EXPECT_NE(bad.reason.find("size_is"), std::string::npos) << bad.reason;
  // A length beyond the stub.
  EXPECT_EQ(Call(RpcEchoOp::kEchoData, FromHex("ffffff7fffffff7f01")).fault_status,
            kFaultBadStubData);
}

TEST(RpcEchoNdr, SinkData) {
  CallOutcome out = Call(RpcEchoOp::kSinkData, FromHex("0300000003000000010203"));
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_TRUE(out.stub.empty());  // ndr_pack_out(SinkData) is empty
}

TEST(RpcEchoNdr, SourceData) {
  CallOutcome out = Call(RpcEchoOp::kSourceData, FromHex("05000000"));
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_EQ(out.stub, FromHex("050000000001020304"));
  CallOutcome big = Call(RpcEchoOp::kSourceData, FromHex("00000001"));  // 16 MiB
  EXPECT_EQ(big.fault_status, kFaultInvalidBound);
}

TEST(RpcEchoNdr, TestCall) {
  // ndr_pack_in(TestCall(in_s1="abc")), ndr_pack_out(out_s2="xy"), out_s2=None
  const Bytes in = FromHex("0400000000000000040000006100620063000000");
  EXPECT_EQ(EncodeTestCallRequest(Utf16("abc")), in);
  EXPECT_EQ(*DecodeTestCallRequest(in), Utf16("abc"));
  const Bytes xy = Utf16("xy");
  EXPECT_EQ(EncodeTestCallResponse(&xy), FromHex("00000200030000000000000003000000780079000000"));
  EXPECT_EQ(EncodeTestCallResponse(nullptr), FromHex("00000000"));
  CallOutcome out = Call(RpcEchoOp::kTestCall, in);
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_EQ(**DecodeTestCallResponse(out.stub), Utf16("abc"));
  // No terminating zero; offset not 0; actual_count above max_count.
  EXPECT_FALSE(DecodeTestCallRequest(FromHex("020000000000000002000000610062")).ok());
  EXPECT_FALSE(DecodeTestCallRequest(FromHex("020000000100000001000000000000")).ok());
  EXPECT_FALSE(DecodeTestCallRequest(FromHex("010000000000000002000000610000000000")).ok());
}

TEST(RpcEchoNdr, TestCall2EveryLevel) {
  // ndr_pack_out(TestCall2(level, out_info=<Samba's values>, result=0))
  const char* expected[] = {
      "01000a0000000000",
      "0200140000000000",
      "030000001e00000000000000",
      "0400000000000000280000000000000000000000",
      "050000000000000032000000000000003c0000000000000000000000",
      "0600465000000000",
      "070000000000000050000000000000005a0000000000000000000000",
  };
  const EchoInfoValues values[] = {{10, 0, 0},  {20, 0, 0},  {30, 0, 0}, {40, 0, 0},
                                   {50, 60, 0}, {70, 80, 0}, {80, 90, 0}};
  for (uint16_t level = 1; level <= 7; ++level) {
    SCOPED_TRACE(level);
    const Bytes in = EncodeTestCall2Request(level);
    EXPECT_EQ(in, (Bytes{static_cast<uint8_t>(level), 0}));
    CallOutcome out = Call(RpcEchoOp::kTestCall2, in);
    ASSERT_TRUE(out.ok) << out.reason;
    EXPECT_EQ(out.stub, FromHex(expected[level - 1]));
    auto decoded = DecodeTestCall2Response(out.stub, level);
    ASSERT_TRUE(decoded.ok()) << decoded.error().reason;
    EXPECT_EQ(decoded->v1, values[level - 1].v1);
    EXPECT_EQ(decoded->v2, values[level - 1].v2);
    EXPECT_EQ(decoded->result, 0u);
  }
  EXPECT_EQ(Call(RpcEchoOp::kTestCall2, FromHex("0800")).fault_status, kFaultInvalidTag);
}

TEST(RpcEchoNdr, TestSleepIsDeferredAndBounded) {
  CallOutcome out = Call(RpcEchoOp::kTestSleep, FromHex("02000000"));
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_EQ(out.stub, FromHex("02000000"));  // ndr_pack_out(result=2)
  EXPECT_EQ(out.delay_seconds, 2u);
  EXPECT_EQ(Call(RpcEchoOp::kTestSleep, EncodeUint32(kMaxRpcEchoSleepSeconds + 1)).fault_status,
            kFaultInvalidBound);
}

TEST(RpcEchoNdr, TestEnum) {
  // ndr_pack_in(TestEnum(foo1=1, foo2={e1=1,e2=1}, foo3.e1=1))
  const Bytes in = FromHex("01000000010000000100000001000100");
  auto args = DecodeTestEnum(in, "t");
  ASSERT_TRUE(args.ok()) << args.error().reason;
  EXPECT_EQ(args->foo1, 1);
  EXPECT_EQ(args->foo2, (EchoEnum2{1, 1}));
  EXPECT_EQ(args->foo3_e1, 1);
  EXPECT_EQ(EncodeTestEnum(*args), in);
  CallOutcome out = Call(RpcEchoOp::kTestEnum, in);
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_EQ(DecodeTestEnum(out.stub, "out")->foo2.e1, 2);  // ECHO_ENUM2, as Samba answers
  // foo1 = 2 selects the Enum2 arm of foo3.
  EchoEnumArgs two{2, {2, 1}, 0, {2, 2}};
  auto round = DecodeTestEnum(EncodeTestEnum(two), "t");
  ASSERT_TRUE(round.ok()) << round.error().reason;
  EXPECT_EQ(*round, two);
  // The union's level must be *foo1.
  EXPECT_EQ(Call(RpcEchoOp::kTestEnum, FromHex("01000000010000000100000002000100")).fault_status,
            kFaultBadStubData);
}

TEST(RpcEchoNdr, TestSurrounding) {
  // ndr_pack_in(data={x=3, surrounding=[1,2,3]}), ndr_pack_out(x=6, six zeros)
  const Bytes in = FromHex("0300000003000000010002000300");
  auto data = DecodeSurrounding(in, "t");
  ASSERT_TRUE(data.ok()) << data.error().reason;
  EXPECT_EQ(data->x, 3u);
  EXPECT_EQ(data->surrounding, (std::vector<uint16_t>{1, 2, 3}));
  EXPECT_EQ(EncodeSurrounding(*data), in);
  CallOutcome out = Call(RpcEchoOp::kTestSurrounding, in);
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_EQ(out.stub, FromHex("0600000006000000000000000000000000000000"));
  EXPECT_FALSE(DecodeSurrounding(FromHex("0400000003000000010002000300"), "t").ok());
}

TEST(RpcEchoNdr, TestDoublePointer) {
  const Bytes in = EncodeDoublePointerRequest(12);
  EXPECT_EQ(in, FromHex("00000200040002000c00"));
  CallOutcome out = Call(RpcEchoOp::kTestDoublePointer, in);
  ASSERT_TRUE(out.ok) << out.reason;
  EXPECT_EQ(out.stub, FromHex("0c00"));  // ndr_pack_out(result=12)
  EXPECT_EQ(Call(RpcEchoOp::kTestDoublePointer, FromHex("00000000")).stub, FromHex("0000"));
  EXPECT_EQ(Call(RpcEchoOp::kTestDoublePointer, FromHex("0000020000000000")).stub, FromHex("0000"));
}

TEST(RpcEchoNdr, UnknownOpnumAndTrailingBytes) {
  EXPECT_EQ(DispatchRpcEchoCall(10, {}).fault_status, kFaultOpRangeError);
  EXPECT_EQ(Call(RpcEchoOp::kAddOne, FromHex("040302010000000000000000")).fault_status,
            kFaultBadStubData);
}

TEST(RpcVerificationTrailer, FoundAfterTheArgumentsAndRoundTrips) {
  const Bytes args = FromHex("0403020105");  // 5 bytes: the trailer is 4-aligned after them
  Bytes stub = args;
  const Bytes trailer =
      EncodeVerificationTrailer(args.size(), 1, RpcEchoInterfaceSyntax(), NdrTransferSyntax());
  stub.insert(stub.end(), trailer.begin(), trailer.end());
  auto found = FindVerificationTrailer(stub);
  ASSERT_TRUE(found.ok()) << found.error().reason;
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->offset, 8u);
  EXPECT_EQ((*found)->bitmask1, 1u);
  EXPECT_EQ((*found)->abstract_syntax, RpcEchoInterfaceSyntax());
  EXPECT_EQ((*found)->transfer_syntax, NdrTransferSyntax());
  // Without a trailer the stub is all arguments.
  EXPECT_FALSE(FindVerificationTrailer(args)->has_value());
  // An unknown must-process command is refused.
  Bytes must = FromHex("8ae3137102f43671");
  const Bytes cmd = FromHex("09c00000");  // command 9 | END | MUST_PROCESS, length 0
  must.insert(must.end(), cmd.begin(), cmd.end());
  EXPECT_FALSE(FindVerificationTrailer(must).ok());
}

}  // namespace
}  // namespace ntlm::harness::net::rpc
