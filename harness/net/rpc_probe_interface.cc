// rpc_probe_interface.cc: the interfaces probe calls (see rpc_probe_interface.h).
#include "harness/net/rpc_probe_interface.h"

#include <string>

#include "harness/net/rpc_echo_interface.h"
#include "harness/net/rpc_rpcecho_interface.h"

namespace ntlm::harness::net::rpc {

std::optional<ProbeInterface> ParseProbeInterface(std::string_view name) {
  if (name == "harness") return ProbeInterface::kHarness;
  if (name == "rpcecho") return ProbeInterface::kRpcEcho;
  return std::nullopt;
}

const char* ProbeInterfaceName(ProbeInterface iface) {
  return iface == ProbeInterface::kRpcEcho ? "rpcecho" : "harness";
}

SyntaxId ProbeInterfaceSyntax(ProbeInterface iface) {
  return iface == ProbeInterface::kRpcEcho ? RpcEchoInterfaceSyntax() : EchoInterfaceSyntax();
}

std::string ProbeInterfaceText(ProbeInterface iface) {
  const SyntaxId syntax = ProbeInterfaceSyntax(iface);
  return FormatUuid(syntax.uuid) + " v" + std::to_string(syntax.major) + "." +
         std::to_string(syntax.minor) + " (" + ProbeInterfaceName(iface) + ")";
}

ProbeCall MakeProbeCall(ProbeInterface iface, std::string_view text) {
  const ByteSpan bytes(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  if (iface == ProbeInterface::kRpcEcho) {
    return ProbeCall{static_cast<uint16_t>(RpcEchoOp::kEchoData), EncodeSizedArrayRequest(bytes),
                     EncodeConformantBytes(bytes)};
  }
  Bytes stub = EncodeByteArray(bytes);
  return ProbeCall{kEchoOpnum, stub, stub};
}

}  // namespace ntlm::harness::net::rpc
