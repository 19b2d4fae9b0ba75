// rpc_dc_calls.cc: lsa_OpenPolicy2 and samr_Connect2 stubs (see rpc_dc_calls.h).
#include "harness/net/rpc_dc_calls.h"

#include <algorithm>

#include "harness/net/rpc_ndr.h"
#include "ssp/hex.h"

namespace ntlm::harness::net::rpc {

namespace {

inline constexpr uint32_t kObjectAttributeLength = 24;

}  // namespace

SyntaxId LsarpcInterfaceSyntax() { return SyntaxId{*ParseUuid(kLsarpcUuid), 0, 0}; }

SyntaxId SamrInterfaceSyntax() { return SyntaxId{*ParseUuid(kSamrUuid), 1, 0}; }

Bytes EncodeLsarOpenPolicy2Request(uint32_t access_mask) {
  NdrWriter w;
  w.Pointer(false);  // system_name
  w.U32(kObjectAttributeLength);
  for (int i = 0; i < 4; ++i) w.Pointer(false);  // root_dir, object_name, sec_desc, sec_qos
  w.U32(0);                                      // attributes
  w.U32(access_mask);
  return w.Finish();
}

Bytes EncodeSamrConnect2Request(uint32_t access_mask) {
  NdrWriter w;
  w.Pointer(false);  // system_name
  w.U32(access_mask);
  return w.Finish();
}

bool HandleResponse::handle_is_null() const {
  return std::all_of(handle.begin(), handle.end(), [](uint8_t b) { return b == 0; });
}

ssp::Result<HandleResponse> DecodeHandleResponse(ByteSpan stub) {
  NdrReader r(stub, "policy_handle response");
  HandleResponse out;
  r.Align(4);
  const ByteSpan handle = r.Raw(out.handle.size(), "policy_handle");
  out.status = r.U32("NTSTATUS");
  if (ssp::Status st = r.Finish(); !st.ok()) return st.error();
  std::copy(handle.begin(), handle.end(), out.handle.begin());
  return out;
}

Bytes EncodeHandleResponse(const HandleResponse& response) {
  NdrWriter w;
  w.Raw(response.handle);
  w.U32(response.status);
  return w.Finish();
}

ssp::Status CheckHandleOpened(ByteSpan stub) {
  auto response = DecodeHandleResponse(stub);
  if (!response.ok()) return response.error();
  if (response->status != 0) {
    return ssp::Error{ssp::SecStatus::kInvalidToken,
                      "the call ran but returned NTSTATUS " + ssp::Hex32(response->status)};
  }
  if (response->handle_is_null()) {
    return ssp::Error{ssp::SecStatus::kInvalidToken,
                      "the call returned NTSTATUS 0 with a NULL handle"};
  }
  return ssp::Status::Ok();
}

}  // namespace ntlm::harness::net::rpc
