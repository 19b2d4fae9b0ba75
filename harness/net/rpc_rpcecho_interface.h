// rpc_rpcecho_interface.h: Samba's rpcecho test interface, served next to the
// harness's own echo interface so that Samba's clients (smbtorture rpc.echo,
// python3-samba's samba.dcerpc.echo) run their own conformance tests against
// `serve --rpc`. Socket-free: stubs in, stubs out.
//
// The interface as Samba's librpc/idl/echo.idl defines it (IDL definitions
// carried over from Samba 4.17, GPLv3, (C) Tim Potter 2003; pointer_default
// is unique, top-level pointers are ref; enums without [v1_enum] are 16 bit
// in NDR32):
//
//   [uuid("60a15ec5-4de8-11d7-a637-005056a20182"), version(1.0),
//    pointer_default(unique)] interface rpcecho {
//   0 void echo_AddOne([in] uint32 in_data, [out] uint32 *out_data);
//   1 void echo_EchoData([in] uint32 len, [in,size_is(len)] uint8 in_data[],
//                        [out,size_is(len)] uint8 out_data[]);
//   2 void echo_SinkData([in] uint32 len, [in,size_is(len)] uint8 data[]);
//   3 void echo_SourceData([in] uint32 len, [out,size_is(len)] uint8 data[]);
//   4 void echo_TestCall([in,string,charset(UTF16)] uint16 *s1,
//                        [out,string,charset(UTF16)] uint16 **s2);
//     typedef struct { uint8 v; } echo_info1;   typedef struct { uint16 v; } echo_info2;
//     typedef struct { uint32 v; } echo_info3;  typedef struct { hyper v; } echo_info4;
//     typedef struct { uint8 v1; hyper v2; } echo_info5;
//     typedef struct { uint8 v1; echo_info1 info1; } echo_info6;
//     typedef struct { uint8 v1; echo_info4 info4; } echo_info7;
//     typedef [switch_type(uint16)] union { [case(1)] echo_info1 info1; ...
//                                           [case(7)] echo_info7 info7; } echo_Info;
//   5 NTSTATUS echo_TestCall2([in] uint16 level, [out,switch_is(level),ref] echo_Info *info);
//   6 uint32 echo_TestSleep([in] uint32 seconds);
//     typedef enum { ECHO_ENUM1 = 1, ECHO_ENUM2 = 2 } echo_Enum1;
//     typedef [v1_enum] enum { ECHO_ENUM1_32 = 1, ECHO_ENUM2_32 = 2 } echo_Enum1_32;
//     typedef struct { echo_Enum1 e1; echo_Enum1_32 e2; } echo_Enum2;
//     typedef [switch_type(uint16)] union { [case(ECHO_ENUM1)] echo_Enum1 e1;
//                                           [case(ECHO_ENUM2)] echo_Enum2 e2; } echo_Enum3;
//   7 void echo_TestEnum([in,out,ref] echo_Enum1 *foo1, [in,out,ref] echo_Enum2 *foo2,
//                        [in,out,ref,switch_is(*foo1)] echo_Enum3 *foo3);
//     typedef struct { uint32 x; [size_is(x)] uint16 surrounding[*]; } echo_Surrounding;
//   8 void echo_TestSurrounding([in,out,ref] echo_Surrounding *data);
//   9 uint16 echo_TestDoublePointer([in] uint16 ***data);
//   }
//
// What the server answers is what Samba's own server (source4/rpc_server/echo)
// answers: AddOne in_data+1 (mod 2^32); EchoData the same bytes; SinkData
// nothing; SourceData bytes i & 0xFF; TestCall s2 = s1; TestCall2 level 1..7
// the values 10, 20, 30, 40, (50, 60), (70, 80), (80, 90) and NT_STATUS_OK;
// TestSleep `seconds` after `seconds` seconds (the reply is deferred, see
// CallOutcome::delay_seconds; other calls and connections go on meanwhile);
// TestEnum the arguments back with foo2.e1 = ECHO_ENUM2; TestSurrounding x
// doubled and 2x zeros; TestDoublePointer the value behind the pointers (0 for
// a NULL pointer).
//
// Bounds (so a client cannot make the server allocate or wait without limit):
// SourceData and TestSurrounding responses above kMaxRpcEchoResponseBytes and
// TestSleep above kMaxRpcEchoSleepSeconds get the fault
// nca_s_fault_invalid_bound; a TestCall2 level outside 1..7 (which Samba
// cannot marshal either) gets nca_s_fault_invalid_tag; a stub that does not
// decode gets rpc_x_bad_stub_data; an unknown opnum nca_s_op_rng_error.
#pragma once

#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_pdu.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

inline constexpr const char* kRpcEchoUuid = "60a15ec5-4de8-11d7-a637-005056a20182";
inline constexpr size_t kMaxRpcEchoResponseBytes = 4 * 1024 * 1024;
inline constexpr uint32_t kMaxRpcEchoSleepSeconds = 10;
inline constexpr uint32_t kFaultInvalidTag = 0x1C000006;    // nca_s_fault_invalid_tag
inline constexpr uint32_t kFaultInvalidBound = 0x1C000007;  // nca_s_fault_invalid_bound

enum class RpcEchoOp : uint16_t {
  kAddOne = 0,
  kEchoData = 1,
  kSinkData = 2,
  kSourceData = 3,
  kTestCall = 4,
  kTestCall2 = 5,
  kTestSleep = 6,
  kTestEnum = 7,
  kTestSurrounding = 8,
  kTestDoublePointer = 9,
};

// uuid 60a15ec5-4de8-11d7-a637-005056a20182 version 1.0.
SyntaxId RpcEchoInterfaceSyntax();

// Runs opnum `opnum` of rpcecho on a request stub.
CallOutcome DispatchRpcEchoCall(uint16_t opnum, ByteSpan stub);

// The per-operation codecs (requests decoded and encoded, responses encoded
// and decoded), used by the dispatcher, by clients and by the tests.
struct EchoEnum2 {
  uint16_t e1 = 0;  // echo_Enum1 (16 bit)
  uint32_t e2 = 0;  // echo_Enum1_32 ([v1_enum], 32 bit)
  friend bool operator==(const EchoEnum2&, const EchoEnum2&) = default;
};
// The arguments of TestEnum (in and out have one layout): foo3's arm is
// chosen by foo1 (1: e1, 2: e2).
struct EchoEnumArgs {
  uint16_t foo1 = 0;
  EchoEnum2 foo2;
  uint16_t foo3_e1 = 0;
  EchoEnum2 foo3_e2;
  friend bool operator==(const EchoEnumArgs&, const EchoEnumArgs&) = default;
};

ssp::Result<uint32_t> DecodeUint32Request(ByteSpan stub, const char* context);
Bytes EncodeUint32(uint32_t value);
// EchoData and SinkData requests: len and the array.
ssp::Result<ByteSpan> DecodeSizedArrayRequest(ByteSpan stub, const char* context);
Bytes EncodeSizedArrayRequest(ByteSpan data);
// EchoData / SourceData responses: the conformant array alone.
Bytes EncodeConformantBytes(ByteSpan data);
ssp::Result<ByteSpan> DecodeConformantBytes(ByteSpan stub, uint32_t expected_len);
// TestCall: UTF-16 code units with the terminating zero.
ssp::Result<Bytes> DecodeTestCallRequest(ByteSpan stub);
Bytes EncodeTestCallRequest(ByteSpan units);
Bytes EncodeTestCallResponse(const Bytes* units);  // nullptr: a NULL s2
ssp::Result<std::optional<Bytes>> DecodeTestCallResponse(ByteSpan stub);
// TestCall2.
ssp::Result<uint16_t> DecodeTestCall2Request(ByteSpan stub);
Bytes EncodeTestCall2Request(uint16_t level);
std::optional<Bytes> EncodeTestCall2Response(uint16_t level);  // nullopt outside 1..7
// The values a TestCall2 response carries for `level`, in wire order, and its
// NTSTATUS (what a client decodes).
struct EchoInfoValues {
  uint64_t v1 = 0;
  uint64_t v2 = 0;  // 0 for the one-value levels 1..4
  uint32_t result = 0;
};
ssp::Result<EchoInfoValues> DecodeTestCall2Response(ByteSpan stub, uint16_t level);
// TestEnum.
ssp::Result<EchoEnumArgs> DecodeTestEnum(ByteSpan stub, const char* context);
Bytes EncodeTestEnum(const EchoEnumArgs& args);
// TestSurrounding: x and the array (x uint16 values).
struct EchoSurrounding {
  uint32_t x = 0;
  std::vector<uint16_t> surrounding;
};
ssp::Result<EchoSurrounding> DecodeSurrounding(ByteSpan stub, const char* context);
Bytes EncodeSurrounding(const EchoSurrounding& data);
// TestDoublePointer: nullopt for a NULL at either level.
ssp::Result<std::optional<uint16_t>> DecodeDoublePointerRequest(ByteSpan stub);
Bytes EncodeDoublePointerRequest(std::optional<uint16_t> value);

}  // namespace ntlm::harness::net::rpc
