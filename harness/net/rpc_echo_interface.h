// rpc_echo_interface.h: the harness's own DCE/RPC test interface.
//
//   [uuid(66491ac2-5d75-4180-b8f1-c43dfe62b11c), version(1.0)]
//   interface NtlmHarnessEcho {
//     opnum 0  Echo:   in  ByteArray  -> out ByteArray (the same bytes)
//     opnum 1  WhoAmI: in  (nothing)  -> out ByteArray (UTF-8 text
//              "DOMAIN\user flags=0x........ level=pkt_privacy")
//   }
//
// ByteArray is a uint32 length followed by an NDR conformant byte array of
// that length (NDR 2.0, little-endian):
//   uint32 length | uint32 max_count (== length) | length bytes
// The stub holds exactly that (impacket, or any NDR encoder of
//   [in] unsigned long length, [in, size_is(length)] byte data[]
// produces it). A request stub that does not decode (short, max_count !=
// length, trailing bytes other than up to 7 alignment bytes) is answered with
// the fault rpc_x_bad_stub_data; an unknown opnum with nca_s_op_rng_error.
// The UUID was generated at random for this project (UUID version 4).
#pragma once

#include <cstdint>
#include <string>

#include "crypto/bytes.h"
#include "harness/net/rpc_pdu.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

inline constexpr const char* kEchoInterfaceUuid = "66491ac2-5d75-4180-b8f1-c43dfe62b11c";
inline constexpr uint16_t kEchoInterfaceMajor = 1;
inline constexpr uint16_t kEchoInterfaceMinor = 0;
inline constexpr uint16_t kEchoOpnum = 0;
inline constexpr uint16_t kWhoAmIOpnum = 1;

// The interface's abstract syntax (uuid and version 1.0).
SyntaxId EchoInterfaceSyntax();

// Who made the call, for WhoAmI.
struct CallerInfo {
  std::string domain;
  std::string user;
  uint32_t negotiated_flags = 0;
  uint8_t auth_level = kAuthLevelNone;
};

// A call's outcome: the response stub, or a fault status with a reason.
struct CallOutcome {
  bool ok = false;
  Bytes stub;
  uint32_t fault_status = 0;
  std::string reason;
  // When > 0 the response is sent only after this many seconds (rpcecho
  // TestSleep); the connection serves other calls meanwhile.
  uint32_t delay_seconds = 0;
};

// Runs opnum `opnum` on the request stub.
CallOutcome DispatchEchoCall(uint16_t opnum, ByteSpan stub, const CallerInfo& caller);

// The ByteArray encoding above.
Bytes EncodeByteArray(ByteSpan bytes);
// Decodes a ByteArray from a whole stub; SEC_E_INVALID_TOKEN naming the field.
ssp::Result<ByteSpan> DecodeByteArray(ByteSpan stub);

}  // namespace ntlm::harness::net::rpc
