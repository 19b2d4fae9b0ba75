// rpc_dc_calls.h: the calls `probe --interface lsarpc|samr` makes on the
// standard interfaces every Windows or Samba domain controller serves,
// socket-free (stubs in, stubs out).
//
// Each is a call that opens a context handle and needs no earlier state, so a
// probe can make it twice on one connection (request 1, request 2) and in any
// order. The handles are released when the connection closes.
//
// The IDL, as Samba 4.17's librpc/idl/lsa.idl, samr.idl and misc.idl define it
// (MS-LSAD 3.1.4.4.1, MS-SAMR 3.1.5.1.3; pointer_default(unique), top-level
// pointers ref):
//
//   [uuid("12345778-1234-abcd-ef00-0123456789ab"), version(0.0)] interface lsarpc {
//     typedef struct { uint3264 len; uint8 *root_dir;
//                      [string,charset(UTF16)] uint16 *object_name;
//                      security_descriptor *sec_desc; lsa_QosInfo *sec_qos;
//                      uint32 attributes; } lsa_ObjectAttribute;
//   44 NTSTATUS lsa_OpenPolicy2([in,unique,string,charset(UTF16)] uint16 *system_name,
//                               [in] lsa_ObjectAttribute *attr,
//                               [in] lsa_PolicyAccessMask access_mask,
//                               [out] policy_handle *handle);
//   }
//   [uuid("12345778-1234-abcd-ef00-0123456789ac"), version(1.0)] interface samr {
//   57 NTSTATUS samr_Connect2([in,unique,string,charset(UTF16)] uint16 *system_name,
//                             [in] samr_ConnectAccessMask access_mask,
//                             [out,ref] policy_handle *connect_handle);
//   }
//   typedef struct { uint32 handle_type; GUID uuid; } policy_handle;  (20 bytes)
//
// The requests this project sends: system_name NULL, an empty
// lsa_ObjectAttribute with len 24 (what Windows sends; MS-LSAD says the
// server ignores it), access_mask MAXIMUM_ALLOWED (0x02000000).
//
// Where they work: Samba 4.17's AD DC answers lsa_OpenPolicy2 (and
// lsa_GetUserName) over ncacn_ip_tcp with the fault nca_s_fault_access_denied
// whatever the authentication (they are for ncacn_np and ncalrpc only), which
// a probe cannot tell from a refused AUTHENTICATE; samr_Connect2 is served over
// ncacn_ip_tcp. Hence `--interface samr` against a DC's TCP endpoints.
#pragma once

#include <array>
#include <cstdint>

#include "crypto/bytes.h"
#include "harness/net/rpc_pdu.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

inline constexpr const char* kLsarpcUuid = "12345778-1234-abcd-ef00-0123456789ab";
inline constexpr const char* kSamrUuid = "12345778-1234-abcd-ef00-0123456789ac";
inline constexpr uint16_t kLsarOpenPolicy2Opnum = 44;
inline constexpr uint16_t kSamrConnect2Opnum = 57;
inline constexpr uint32_t kMaximumAllowed = 0x02000000;

SyntaxId LsarpcInterfaceSyntax();  // v0.0
SyntaxId SamrInterfaceSyntax();    // v1.0

Bytes EncodeLsarOpenPolicy2Request(uint32_t access_mask);
Bytes EncodeSamrConnect2Request(uint32_t access_mask);

// The response of both: a policy_handle and the NTSTATUS.
struct HandleResponse {
  std::array<uint8_t, 20> handle{};
  uint32_t status = 0;
  bool handle_is_null() const;
};
ssp::Result<HandleResponse> DecodeHandleResponse(ByteSpan stub);
Bytes EncodeHandleResponse(const HandleResponse& response);

// OK when `stub` is a handle response with NTSTATUS 0 and a non-NULL handle;
// otherwise an error naming what the server answered.
ssp::Status CheckHandleOpened(ByteSpan stub);

}  // namespace ntlm::harness::net::rpc
