// rpc_probe_interface.cc: the interfaces probe calls (see rpc_probe_interface.h).
#include "harness/net/rpc_probe_interface.h"

#include <string>

#include "harness/net/rpc_dc_calls.h"
#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_epm.h"
#include "harness/net/rpc_rpcecho_interface.h"

namespace ntlm::harness::net::rpc {

std::optional<ProbeInterface> ParseProbeInterface(std::string_view name) {
  if (name == "harness") return ProbeInterface::kHarness;
  if (name == "rpcecho") return ProbeInterface::kRpcEcho;
  if (name == "lsarpc") return ProbeInterface::kLsarpc;
  if (name == "samr") return ProbeInterface::kSamr;
  if (name == "epmapper") return ProbeInterface::kEpmapper;
  return std::nullopt;
}

const char* ProbeInterfaceName(ProbeInterface iface) {
  switch (iface) {
    case ProbeInterface::kRpcEcho:
      return "rpcecho";
    case ProbeInterface::kLsarpc:
      return "lsarpc";
    case ProbeInterface::kSamr:
      return "samr";
    case ProbeInterface::kEpmapper:
      return "epmapper";
    case ProbeInterface::kHarness:
      break;
  }
  return "harness";
}

SyntaxId ProbeInterfaceSyntax(ProbeInterface iface) {
  switch (iface) {
    case ProbeInterface::kRpcEcho:
      return RpcEchoInterfaceSyntax();
    case ProbeInterface::kLsarpc:
      return LsarpcInterfaceSyntax();
    case ProbeInterface::kSamr:
      return SamrInterfaceSyntax();
    case ProbeInterface::kEpmapper:
      return EpmInterfaceSyntax();
    case ProbeInterface::kHarness:
      break;
  }
  return EchoInterfaceSyntax();
}

std::string ProbeInterfaceText(ProbeInterface iface) {
  const SyntaxId syntax = ProbeInterfaceSyntax(iface);
  return FormatUuid(syntax.uuid) + " v" + std::to_string(syntax.major) + "." +
         std::to_string(syntax.minor) + " (" + ProbeInterfaceName(iface) + ")";
}

ProbeCall MakeProbeCall(ProbeInterface iface, std::string_view text) {
  const ByteSpan bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  switch (iface) {
    case ProbeInterface::kRpcEcho:
      return ProbeCall{iface, static_cast<uint16_t>(RpcEchoOp::kEchoData),
                       EncodeSizedArrayRequest(bytes), EncodeConformantBytes(bytes)};
    case ProbeInterface::kLsarpc:
      return ProbeCall{
          iface, kLsarOpenPolicy2Opnum, EncodeLsarOpenPolicy2Request(kMaximumAllowed), {}};
    case ProbeInterface::kSamr:
      return ProbeCall{iface, kSamrConnect2Opnum, EncodeSamrConnect2Request(kMaximumAllowed), {}};
    case ProbeInterface::kEpmapper:
      return ProbeCall{iface, kEptMapOpnum, EncodeEptMapRequest(SamrInterfaceSyntax()), {}};
    case ProbeInterface::kHarness:
      break;
  }
  Bytes stub = EncodeByteArray(bytes);
  return ProbeCall{iface, kEchoOpnum, stub, stub};
}

ssp::Status CheckProbeResponse(const ProbeCall& call, ByteSpan response) {
  if (call.iface == ProbeInterface::kLsarpc || call.iface == ProbeInterface::kSamr) {
    return CheckHandleOpened(response);
  }
  if (call.iface == ProbeInterface::kEpmapper) {
    auto map = DecodeEptMapResponse(response);
    if (!map.ok()) return map.error();
    return ssp::Status::Ok();
  }
  if (Bytes(response.begin(), response.end()) != call.expected_response) {
    return ssp::Error{ssp::SecStatus::kInvalidToken, "differs from the echo of what was sent"};
  }
  return ssp::Status::Ok();
}

}  // namespace ntlm::harness::net::rpc
