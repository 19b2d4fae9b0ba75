// rpc_rpcecho_interface.cc: Samba's rpcecho interface (see rpc_rpcecho_interface.h).
#include "harness/net/rpc_rpcecho_interface.h"

#include <string>
#include <utility>

#include "harness/net/rpc_ndr.h"

namespace ntlm::harness::net::rpc {

namespace {

template <typename T>
ssp::Result<T> Finished(NdrReader& r, T value) {
  if (ssp::Status st = r.Finish(); !st.ok()) return st.error();
  return value;
}

CallOutcome Ok(Bytes stub) {
  CallOutcome out;
  out.ok = true;
  out.stub = std::move(stub);
  return out;
}

CallOutcome Refuse(uint32_t status, std::string reason) {
  CallOutcome out;
  out.fault_status = status;
  out.reason = std::move(reason);
  return out;
}

CallOutcome BadStub(const ssp::Error& error) { return Refuse(kFaultBadStubData, error.reason); }

EchoEnum2 ReadEnum2(NdrReader& r) {
  EchoEnum2 e;
  r.Align(4);  // the struct's alignment is its largest member's (uint32)
  e.e1 = r.U16("e1");
  e.e2 = r.U32("e2");
  return e;
}

void WriteEnum2(NdrWriter& w, const EchoEnum2& e) {
  w.Align(4);
  w.U16(e.e1);
  w.U32(e.e2);
}

CallOutcome SourceData(ByteSpan stub) {
  auto len = DecodeUint32Request(stub, "rpcecho.SourceData request");
  if (!len.ok()) return BadStub(len.error());
  if (*len > kMaxRpcEchoResponseBytes) {
    return Refuse(kFaultInvalidBound, "SourceData: len " + std::to_string(*len) +
                                          " exceeds the server's bound of " +
                                          std::to_string(kMaxRpcEchoResponseBytes));
  }
  Bytes data(*len);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i & 0xFF);
  return Ok(EncodeConformantBytes(data));
}

CallOutcome TestSleep(ByteSpan stub) {
  auto seconds = DecodeUint32Request(stub, "rpcecho.TestSleep request");
  if (!seconds.ok()) return BadStub(seconds.error());
  if (*seconds > kMaxRpcEchoSleepSeconds) {
    return Refuse(kFaultInvalidBound, "TestSleep: " + std::to_string(*seconds) +
                                          " seconds exceed the server's bound of " +
                                          std::to_string(kMaxRpcEchoSleepSeconds));
  }
  CallOutcome out = Ok(EncodeUint32(*seconds));
  out.delay_seconds = *seconds;
  return out;
}

CallOutcome TestSurrounding(ByteSpan stub) {
  auto in = DecodeSurrounding(stub, "rpcecho.TestSurrounding request");
  if (!in.ok()) return BadStub(in.error());
  const uint64_t doubled = uint64_t{in->x} * 2;
  if (doubled * 2 > kMaxRpcEchoResponseBytes) {
    return Refuse(kFaultInvalidBound, "TestSurrounding: x " + std::to_string(in->x) +
                                          " doubled exceeds the server's bound");
  }
  EchoSurrounding out;
  out.x = static_cast<uint32_t>(doubled);
  out.surrounding.assign(out.x, 0);
  return Ok(EncodeSurrounding(out));
}

}  // namespace

SyntaxId RpcEchoInterfaceSyntax() { return SyntaxId{*ParseUuid(kRpcEchoUuid), 1, 0}; }

ssp::Result<uint32_t> DecodeUint32Request(ByteSpan stub, const char* context) {
  NdrReader r(stub, context);
  const uint32_t v = r.U32("value");
  return Finished(r, v);
}

Bytes EncodeUint32(uint32_t value) {
  NdrWriter w;
  w.U32(value);
  return w.Finish();
}

ssp::Result<ByteSpan> DecodeSizedArrayRequest(ByteSpan stub, const char* context) {
  NdrReader r(stub, context);
  const uint32_t len = r.U32("len");
  ByteSpan data = r.ConformantArray(1, len, "data");
  return Finished(r, data);
}

Bytes EncodeSizedArrayRequest(ByteSpan data) {
  NdrWriter w;
  w.U32(static_cast<uint32_t>(data.size()));
  w.ConformantArray(static_cast<uint32_t>(data.size()), data);
  return w.Finish();
}

Bytes EncodeConformantBytes(ByteSpan data) {
  NdrWriter w;
  w.ConformantArray(static_cast<uint32_t>(data.size()), data);
  return w.Finish();
}

ssp::Result<ByteSpan> DecodeConformantBytes(ByteSpan stub, uint32_t expected_len) {
  NdrReader r(stub, "rpcecho response");
  ByteSpan data = r.ConformantArray(1, expected_len, "data");
  return Finished(r, data);
}

ssp::Result<Bytes> DecodeTestCallRequest(ByteSpan stub) {
  NdrReader r(stub, "rpcecho.TestCall request");
  ByteSpan units = r.Utf16String("s1");
  return Finished(r, Bytes(units.begin(), units.end()));
}

Bytes EncodeTestCallRequest(ByteSpan units) {
  NdrWriter w;
  w.Utf16String(units);
  return w.Finish();
}

Bytes EncodeTestCallResponse(const Bytes* units) {
  NdrWriter w;
  w.Pointer(units != nullptr);
  if (units) w.Utf16String(*units);
  return w.Finish();
}

ssp::Result<std::optional<Bytes>> DecodeTestCallResponse(ByteSpan stub) {
  NdrReader r(stub, "rpcecho.TestCall response");
  std::optional<Bytes> s2;
  if (r.Pointer("s2") != 0) {
    ByteSpan units = r.Utf16String("*s2");
    s2 = Bytes(units.begin(), units.end());
  }
  return Finished(r, std::move(s2));
}

ssp::Result<uint16_t> DecodeTestCall2Request(ByteSpan stub) {
  NdrReader r(stub, "rpcecho.TestCall2 request");
  const uint16_t level = r.U16("level");
  return Finished(r, level);
}

Bytes EncodeTestCall2Request(uint16_t level) {
  NdrWriter w;
  w.U16(level);
  return w.Finish();
}

std::optional<Bytes> EncodeTestCall2Response(uint16_t level) {
  NdrWriter w;
  w.U16(level);  // the union's discriminant
  switch (level) {
    case 1:
      w.U8(10);
      break;
    case 2:
      w.U16(20);
      break;
    case 3:
      w.U32(30);
      break;
    case 4:
      w.U64(40);
      break;
    case 5:  // echo_info5 {uint8 v1; hyper v2}: the struct is 8-aligned
      w.Align(8);
      w.U8(50);
      w.U64(60);
      break;
    case 6:
      w.U8(70);
      w.U8(80);
      break;
    case 7:  // echo_info7 {uint8 v1; echo_info4 info4}: 8-aligned
      w.Align(8);
      w.U8(80);
      w.U64(90);
      break;
    default:
      return std::nullopt;
  }
  w.U32(0);  // NT_STATUS_OK
  return w.Finish();
}

ssp::Result<EchoInfoValues> DecodeTestCall2Response(ByteSpan stub, uint16_t level) {
  NdrReader r(stub, "rpcecho.TestCall2 response");
  EchoInfoValues v;
  if (r.U16("level") != level) r.Fail("level", "differs from the request's level");
  switch (level) {
    case 1:
      v.v1 = r.U8("info1.v");
      break;
    case 2:
      v.v1 = r.U16("info2.v");
      break;
    case 3:
      v.v1 = r.U32("info3.v");
      break;
    case 4:
      v.v1 = r.U64("info4.v");
      break;
    case 5:
    case 7:
      r.Align(8);
      v.v1 = r.U8("v1");
      v.v2 = r.U64("v2");
      break;
    case 6:
      v.v1 = r.U8("v1");
      v.v2 = r.U8("info1.v");
      break;
    default:
      r.Fail("level", "not 1..7");
  }
  v.result = r.U32("result");
  return Finished(r, v);
}

ssp::Result<EchoEnumArgs> DecodeTestEnum(ByteSpan stub, const char* context) {
  NdrReader r(stub, context);
  EchoEnumArgs a;
  a.foo1 = r.U16("foo1");
  a.foo2 = ReadEnum2(r);
  const uint16_t level = r.U16("foo3 level");
  if (r.ok() && level != a.foo1) {
    r.Fail("foo3 level", "differs from *foo1 " + std::to_string(a.foo1));
  }
  if (level == 1) {
    a.foo3_e1 = r.U16("foo3.e1");
  } else if (level == 2) {
    a.foo3_e2 = ReadEnum2(r);
  } else {
    r.Fail("foo3 level", std::to_string(level) + " is not ECHO_ENUM1 (1) or ECHO_ENUM2 (2)");
  }
  return Finished(r, a);
}

Bytes EncodeTestEnum(const EchoEnumArgs& args) {
  NdrWriter w;
  w.U16(args.foo1);
  WriteEnum2(w, args.foo2);
  w.U16(args.foo1);
  if (args.foo1 == 1) {
    w.U16(args.foo3_e1);
  } else {
    WriteEnum2(w, args.foo3_e2);
  }
  return w.Finish();
}

ssp::Result<EchoSurrounding> DecodeSurrounding(ByteSpan stub, const char* context) {
  NdrReader r(stub, context);
  // A conformant struct: the array's max_count comes first.
  const uint32_t max_count = r.U32("surrounding max_count");
  EchoSurrounding s;
  s.x = r.U32("x");
  if (r.ok() && max_count != s.x) {
    r.Fail("surrounding max_count", "differs from x " + std::to_string(s.x));
  }
  if (r.ok() && s.x > stub.size() / 2) r.Fail("surrounding", "array exceeds the stub");
  if (r.ok()) {
    s.surrounding.reserve(s.x);
    for (uint32_t i = 0; i < s.x && r.ok(); ++i) s.surrounding.push_back(r.U16("surrounding"));
  }
  return Finished(r, std::move(s));
}

Bytes EncodeSurrounding(const EchoSurrounding& data) {
  NdrWriter w;
  w.U32(data.x);
  w.U32(data.x);
  for (uint16_t v : data.surrounding) w.U16(v);
  return w.Finish();
}

ssp::Result<std::optional<uint16_t>> DecodeDoublePointerRequest(ByteSpan stub) {
  NdrReader r(stub, "rpcecho.TestDoublePointer request");
  std::optional<uint16_t> value;
  if (r.Pointer("*data") != 0 && r.Pointer("**data") != 0) value = r.U16("***data");
  return Finished(r, value);
}

Bytes EncodeDoublePointerRequest(std::optional<uint16_t> value) {
  NdrWriter w;
  w.Pointer(value.has_value());
  if (value) {
    w.Pointer(true);
    w.U16(*value);
  }
  return w.Finish();
}

CallOutcome DispatchRpcEchoCall(uint16_t opnum, ByteSpan stub) {
  switch (static_cast<RpcEchoOp>(opnum)) {
    case RpcEchoOp::kAddOne: {
      auto v = DecodeUint32Request(stub, "rpcecho.AddOne request");
      return v.ok() ? Ok(EncodeUint32(*v + 1)) : BadStub(v.error());
    }
    case RpcEchoOp::kEchoData: {
      auto data = DecodeSizedArrayRequest(stub, "rpcecho.EchoData request");
      return data.ok() ? Ok(EncodeConformantBytes(*data)) : BadStub(data.error());
    }
    case RpcEchoOp::kSinkData: {
      auto data = DecodeSizedArrayRequest(stub, "rpcecho.SinkData request");
      return data.ok() ? Ok({}) : BadStub(data.error());
    }
    case RpcEchoOp::kSourceData:
      return SourceData(stub);
    case RpcEchoOp::kTestCall: {
      auto s1 = DecodeTestCallRequest(stub);
      return s1.ok() ? Ok(EncodeTestCallResponse(&*s1)) : BadStub(s1.error());
    }
    case RpcEchoOp::kTestCall2: {
      auto level = DecodeTestCall2Request(stub);
      if (!level.ok()) return BadStub(level.error());
      auto out = EncodeTestCall2Response(*level);
      if (!out)
        return Refuse(kFaultInvalidTag, "TestCall2: level " + std::to_string(*level) +
                                            " is not an arm of echo_Info (1..7)");
      return Ok(std::move(*out));
    }
    case RpcEchoOp::kTestSleep:
      return TestSleep(stub);
    case RpcEchoOp::kTestEnum: {
      auto args = DecodeTestEnum(stub, "rpcecho.TestEnum request");
      if (!args.ok()) return BadStub(args.error());
      args->foo2.e1 = 2;  // ECHO_ENUM2, as Samba's server answers
      return Ok(EncodeTestEnum(*args));
    }
    case RpcEchoOp::kTestSurrounding:
      return TestSurrounding(stub);
    case RpcEchoOp::kTestDoublePointer: {
      auto value = DecodeDoublePointerRequest(stub);
      if (!value.ok()) return BadStub(value.error());
      NdrWriter w;
      w.U16(value->value_or(0));
      return Ok(w.Finish());
    }
  }
  return Refuse(kFaultOpRangeError, "rpcecho: opnum " + std::to_string(opnum) +
                                        " is not defined (0 AddOne .. 9 TestDoublePointer)");
}

}  // namespace ntlm::harness::net::rpc
