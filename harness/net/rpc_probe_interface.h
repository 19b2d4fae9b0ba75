// rpc_probe_interface.h: which interface `probe ncacn_ip_tcp:...` calls
// (`--interface`), and the calls it makes on it, socket-free.
//
//   harness  the harness's own echo interface (rpc_echo_interface.h): Echo
//            (opnum 0) of a ByteArray, answered by the same bytes. The
//            default, what `serve --rpc` offers.
//   rpcecho  Samba's rpcecho (rpc_rpcecho_interface.h): EchoData (opnum 1),
//            answered by the same bytes. `serve --rpc` offers it too, as does
//            a Samba built with the developer echo server.
//
// A server that does not serve the interface answers the bind_ack with the
// context rejected; probe then says which interface it asked for.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/bytes.h"
#include "harness/net/rpc_pdu.h"

namespace ntlm::harness::net::rpc {

enum class ProbeInterface { kHarness, kRpcEcho };

// "harness" or "rpcecho"; nullopt for anything else.
std::optional<ProbeInterface> ParseProbeInterface(std::string_view name);
const char* ProbeInterfaceName(ProbeInterface iface);
// "66491ac2-5d75-4180-b8f1-c43dfe62b11c v1.0 (harness echo)".
std::string ProbeInterfaceText(ProbeInterface iface);
SyntaxId ProbeInterfaceSyntax(ProbeInterface iface);

// One call carrying `text`, and the response stub that proves the server
// ran it.
struct ProbeCall {
  uint16_t opnum = 0;
  Bytes stub;
  Bytes expected_response;
};
ProbeCall MakeProbeCall(ProbeInterface iface, std::string_view text);

}  // namespace ntlm::harness::net::rpc
