// rpc_probe_interface.h: which interface `probe ncacn_ip_tcp:...` calls
// (`--interface`), and the calls it makes on it, socket-free.
//
//   harness  the harness's own echo interface (rpc_echo_interface.h): Echo
//            (opnum 0) of a ByteArray, answered by the same bytes. The
//            default, what `serve --rpc` offers.
//   rpcecho  Samba's rpcecho (rpc_rpcecho_interface.h): EchoData (opnum 1),
//            answered by the same bytes. `serve --rpc` offers it too, as does
//            a Samba built with the developer echo server.
//   lsarpc   a domain controller's LSA (rpc_dc_calls.h): lsa_OpenPolicy2
//            (opnum 44), answered by a policy handle and NTSTATUS 0. For
//            ncacn_np-style servers; Samba refuses it over ncacn_ip_tcp.
//   samr     a domain controller's SAMR (rpc_dc_calls.h): samr_Connect2
//            (opnum 57), answered the same way. Samba's AD DC serves it over
//            ncacn_ip_tcp (docs/profiles/samba-ad-dc.md).
//   epmapper the endpoint mapper itself (rpc_epm.h), authenticated: ept_map
//            (opnum 3) for samr's tower, answered by any well-formed ept_map
//            response. Samba's epmapper sets no minimum auth level, so it
//            shows what Samba does at the connect level.
//
// A server that does not serve the interface answers the bind_ack with the
// context rejected; probe then says which interface it asked for.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/bytes.h"
#include "harness/net/rpc_pdu.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

enum class ProbeInterface { kHarness, kRpcEcho, kLsarpc, kSamr, kEpmapper };

// "harness", "rpcecho", "lsarpc", "samr" or "epmapper"; nullopt for anything else.
std::optional<ProbeInterface> ParseProbeInterface(std::string_view name);
const char* ProbeInterfaceName(ProbeInterface iface);
// "66491ac2-5d75-4180-b8f1-c43dfe62b11c v1.0 (harness echo)".
std::string ProbeInterfaceText(ProbeInterface iface);
SyntaxId ProbeInterfaceSyntax(ProbeInterface iface);

// One call (carrying `text` where the operation echoes), and how to tell the
// response that proves the server ran it.
struct ProbeCall {
  ProbeInterface iface = ProbeInterface::kHarness;
  uint16_t opnum = 0;
  Bytes stub;
  Bytes expected_response;  // the echo interfaces: the same bytes back
};
ProbeCall MakeProbeCall(ProbeInterface iface, std::string_view text);
// OK when `response` is the answer `call` asks for (the echo, or an opened
// handle with NTSTATUS 0); otherwise what differs.
ssp::Status CheckProbeResponse(const ProbeCall& call, ByteSpan response);

}  // namespace ntlm::harness::net::rpc
