// rpc_epm.h: the endpoint mapper's ept_map (C706 appendix L / MS-RPCE 2.2.1.2,
// 3.1.4), socket-free: what a client sends to port 135 to learn the TCP port
// of an interface, and how it reads the answer.
//
//   [uuid(e1af8308-5d1f-11c9-91a4-08002b14a0fa), version(3.0)] interface epmapper {
//   3 void ept_map([in,ptr] uuid_p_t object, [in,ptr] twr_p_t map_tower,
//                  [in,out] ept_lookup_handle_t *entry_handle,
//                  [in,range(0,500)] unsigned32 max_towers,
//                  [out] unsigned32 *num_towers,
//                  [out,ptr,size_is(max_towers),length_is(*num_towers)] twr_p_t *towers,
//                  [out] error_status_t *status);
//   }
//   typedef struct { unsigned32 tower_length;
//                    [size_is(tower_length)] byte tower_octet_string[]; } twr_t;
//
// A tower (C706 appendix L) is a floor count (uint16 LE) and that many
// floors, each a left-hand side (uint16 LE length, bytes) and a right-hand
// side (uint16 LE length, bytes). An ncacn_ip_tcp tower has five:
//   1  0x0d, interface uuid (wire order), major version (LE) | minor version (LE)
//   2  0x0d, NDR uuid 8a885d04-1ceb-11c9-9fe8-08002b104860, 2 (LE) | 0 (LE)
//   3  0x0b (connection-oriented RPC) | minor version 0 (LE)
//   4  0x07 (TCP)                     | port (big-endian)
//   5  0x09 (IP)                      | IPv4 address (4 bytes, network order)
// The request's map_tower carries port 0 and address 0.0.0.0; the answer's
// towers carry the port the interface listens on.
//
// Decoding is bounded by the stub: every count and length is checked before
// use (NdrReader, ssp::ByteReader), so any bytes give a value or an error.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "crypto/bytes.h"
#include "harness/net/rpc_pdu.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

inline constexpr const char* kEpmUuid = "e1af8308-5d1f-11c9-91a4-08002b14a0fa";
inline constexpr uint16_t kEptMapOpnum = 3;
inline constexpr uint16_t kEndpointMapperPort = 135;
inline constexpr uint32_t kEptMapMaxTowers = 4;
inline constexpr size_t kMaxTowerFloors = 16;

SyntaxId EpmInterfaceSyntax();  // v3.0

struct TcpTower {
  SyntaxId iface;
  uint16_t port = 0;
  std::array<uint8_t, 4> ipv4{};
};
Bytes EncodeTcpTower(const TcpTower& tower);
// The ncacn_ip_tcp tower's interface, port and address; an error for
// another protocol or a malformed tower.
ssp::Result<TcpTower> DecodeTcpTower(ByteSpan tower);

// ept_map for `iface` over ncacn_ip_tcp: object a pointer to the nil uuid,
// a zero entry handle, max_towers kEptMapMaxTowers.
Bytes EncodeEptMapRequest(const SyntaxId& iface);

struct EptMapResponse {
  std::array<uint8_t, 20> entry_handle{};
  std::vector<Bytes> towers;  // the towers' octet strings
  uint32_t status = 0;        // 0, or e.g. EPT_S_NOT_REGISTERED 0x16c9a0d6
};
ssp::Result<EptMapResponse> DecodeEptMapResponse(ByteSpan stub);
// The encoding a server sends (for the tests and a server).
Bytes EncodeEptMapResponse(const EptMapResponse& response);

// The port of the first tower for `iface` with a non-zero port; an error
// naming the status or what the towers held otherwise.
ssp::Result<uint16_t> EptMapPort(const EptMapResponse& response, const SyntaxId& iface);

// An unauthenticated bind (one context: `iface` over NDR 2.0) and request,
// as a client sends them to the endpoint mapper.
Bytes EncodeUnauthenticatedBind(const SyntaxId& iface, uint32_t call_id);
Bytes EncodeUnauthenticatedRequest(uint32_t call_id, uint16_t opnum, ByteSpan stub);
// The answer to that bind: OK for a bind_ack accepting the context; an error
// naming a bind_nak, a fault or a rejected context.
ssp::Status CheckUnauthenticatedBindAck(ByteSpan fragment);
// The answer to that request: the stub of a single-fragment response; an
// error naming a fault or anything else.
ssp::Result<Bytes> UnauthenticatedResponseStub(ByteSpan fragment);

}  // namespace ntlm::harness::net::rpc
