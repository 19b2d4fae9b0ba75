// rpc_epm.cc: ept_map and ncacn_ip_tcp towers (see rpc_epm.h).
#include "harness/net/rpc_epm.h"

#include <algorithm>
#include <string>

#include "harness/net/rpc_ndr.h"
#include "ssp/byte_reader.h"
#include "ssp/byte_writer.h"
#include "ssp/hex.h"

namespace ntlm::harness::net::rpc {

namespace {

inline constexpr uint8_t kFloorUuid = 0x0d;
inline constexpr uint8_t kFloorRpcCo = 0x0b;
inline constexpr uint8_t kFloorTcp = 0x07;
inline constexpr uint8_t kFloorIp = 0x09;
inline constexpr size_t kTcpFloors = 5;

void Floor(ssp::ByteWriter& w, ByteSpan lhs, ByteSpan rhs) {
  w.WriteU16(static_cast<uint16_t>(lhs.size()));
  w.WriteBytes(lhs);
  w.WriteU16(static_cast<uint16_t>(rhs.size()));
  w.WriteBytes(rhs);
}

void SyntaxFloor(ssp::ByteWriter& w, const SyntaxId& syntax) {
  Bytes lhs = {kFloorUuid};
  lhs.insert(lhs.end(), syntax.uuid.bytes.begin(), syntax.uuid.bytes.end());
  lhs.push_back(static_cast<uint8_t>(syntax.major));
  lhs.push_back(static_cast<uint8_t>(syntax.major >> 8));
  const Bytes rhs = {static_cast<uint8_t>(syntax.minor), static_cast<uint8_t>(syntax.minor >> 8)};
  Floor(w, lhs, rhs);
}

struct RawFloor {
  ByteSpan lhs;
  ByteSpan rhs;
};

ssp::Result<std::vector<RawFloor>> ParseFloors(ByteSpan tower) {
  ssp::ByteReader r(tower, "tower");
  NTLM_ASSIGN_OR_RETURN(const uint16_t count, r.ReadU16("floor count"));
  if (count < kTcpFloors || count > kMaxTowerFloors) {
    return r.MakeParseError("floor count", std::to_string(count) +
                                               " floors (an ncacn_ip_tcp "
                                               "tower has 5)");
  }
  std::vector<RawFloor> floors;
  for (uint16_t i = 0; i < count; ++i) {
    NTLM_ASSIGN_OR_RETURN(const uint16_t lhs_length, r.ReadU16("floor lhs length"));
    NTLM_ASSIGN_OR_RETURN(const ByteSpan lhs, r.ReadBytes(lhs_length, "floor lhs"));
    NTLM_ASSIGN_OR_RETURN(const uint16_t rhs_length, r.ReadU16("floor rhs length"));
    NTLM_ASSIGN_OR_RETURN(const ByteSpan rhs, r.ReadBytes(rhs_length, "floor rhs"));
    if (lhs.empty()) return r.MakeParseError("floor lhs", "empty protocol identifier");
    floors.push_back(RawFloor{lhs, rhs});
  }
  return floors;
}

ssp::Error TowerError(std::string reason) {
  return ssp::Error{ssp::SecStatus::kInvalidToken, "tower: " + std::move(reason)};
}

}  // namespace

SyntaxId EpmInterfaceSyntax() { return SyntaxId{*ParseUuid(kEpmUuid), 3, 0}; }

Bytes EncodeTcpTower(const TcpTower& tower) {
  ssp::ByteWriter w;
  w.WriteU16(kTcpFloors);
  SyntaxFloor(w, tower.iface);
  SyntaxFloor(w, NdrTransferSyntax());
  Floor(w, Bytes{kFloorRpcCo}, Bytes{0, 0});
  Floor(w, Bytes{kFloorTcp},
        Bytes{static_cast<uint8_t>(tower.port >> 8), static_cast<uint8_t>(tower.port)});
  Floor(w, Bytes{kFloorIp}, tower.ipv4);
  return w.Finish();
}

ssp::Result<TcpTower> DecodeTcpTower(ByteSpan bytes) {
  NTLM_ASSIGN_OR_RETURN(const auto floors, ParseFloors(bytes));
  const RawFloor& f1 = floors[0];
  if (f1.lhs[0] != kFloorUuid || f1.lhs.size() != 19 || f1.rhs.size() != 2) {
    return TowerError("floor 1 is not an interface uuid and version");
  }
  if (floors[2].lhs[0] != kFloorRpcCo) return TowerError("floor 3 is not connection-oriented RPC");
  if (floors[3].lhs[0] != kFloorTcp || floors[3].rhs.size() != 2) {
    return TowerError("floor 4 is not a TCP port");
  }
  if (floors[4].lhs[0] != kFloorIp || floors[4].rhs.size() != 4) {
    return TowerError("floor 5 is not an IPv4 address");
  }
  TcpTower t;
  std::copy(f1.lhs.begin() + 1, f1.lhs.begin() + 17, t.iface.uuid.bytes.begin());
  t.iface.major = static_cast<uint16_t>(f1.lhs[17] | f1.lhs[18] << 8);
  t.iface.minor = static_cast<uint16_t>(f1.rhs[0] | f1.rhs[1] << 8);
  t.port = static_cast<uint16_t>(floors[3].rhs[0] << 8 | floors[3].rhs[1]);
  std::copy(floors[4].rhs.begin(), floors[4].rhs.end(), t.ipv4.begin());
  return t;
}

Bytes EncodeEptMapRequest(const SyntaxId& iface) {
  const Bytes tower = EncodeTcpTower(TcpTower{iface, 0, {}});
  NdrWriter w;
  w.Pointer(true);  // object: the nil uuid
  w.Raw(Uuid{}.bytes);
  w.Pointer(true);  // map_tower: twr_t, a conformant struct (max_count first)
  w.U32(static_cast<uint32_t>(tower.size()));
  w.U32(static_cast<uint32_t>(tower.size()));
  w.Raw(tower);
  w.Align(4);
  w.Raw(std::array<uint8_t, 20>{});  // entry_handle
  w.U32(kEptMapMaxTowers);
  return w.Finish();
}

ssp::Result<EptMapResponse> DecodeEptMapResponse(ByteSpan stub) {
  NdrReader r(stub, "ept_map response");
  EptMapResponse out;
  const ByteSpan handle = r.Raw(out.entry_handle.size(), "entry_handle");
  const uint32_t num_towers = r.U32("num_towers");
  const uint32_t max_count = r.U32("towers max_count");
  const uint32_t offset = r.U32("towers offset");
  const uint32_t actual = r.U32("towers actual_count");
  if (r.ok() && (offset != 0 || actual != num_towers || actual > max_count ||
                 actual > kEptMapMaxTowers || max_count > 500)) {
    r.Fail("towers", "num_towers " + std::to_string(num_towers) + ", max_count " +
                         std::to_string(max_count) + ", offset " + std::to_string(offset) +
                         ", actual_count " + std::to_string(actual));
  }
  std::vector<uint32_t> referents;
  for (uint32_t i = 0; r.ok() && i < actual; ++i) referents.push_back(r.Pointer("tower pointer"));
  for (uint32_t referent : referents) {
    if (referent == 0 || !r.ok()) continue;
    const uint32_t conformance = r.U32("twr_t max_count");
    const uint32_t length = r.U32("tower_length");
    if (r.ok() && conformance != length) r.Fail("twr_t", "max_count differs from tower_length");
    const ByteSpan tower = r.Raw(length, "tower_octet_string");
    r.Align(4);
    out.towers.emplace_back(tower.begin(), tower.end());
  }
  out.status = r.U32("status");
  if (ssp::Status st = r.Finish(); !st.ok()) return st.error();
  std::copy(handle.begin(), handle.end(), out.entry_handle.begin());
  return out;
}

Bytes EncodeEptMapResponse(const EptMapResponse& response) {
  NdrWriter w;
  w.Raw(response.entry_handle);
  const auto n = static_cast<uint32_t>(response.towers.size());
  w.U32(n);
  w.U32(kEptMapMaxTowers);
  w.U32(0);
  w.U32(n);
  for (uint32_t i = 0; i < n; ++i) w.Pointer(true);
  for (const Bytes& tower : response.towers) {
    w.U32(static_cast<uint32_t>(tower.size()));
    w.U32(static_cast<uint32_t>(tower.size()));
    w.Raw(tower);
    w.Align(4);
  }
  w.U32(response.status);
  return w.Finish();
}

ssp::Result<uint16_t> EptMapPort(const EptMapResponse& response, const SyntaxId& iface) {
  if (response.status != 0) {
    return ssp::Error{ssp::SecStatus::kInvalidToken,
                      "the endpoint mapper answered status " + ssp::Hex32(response.status) +
                          (response.status == 0x16c9a0d6 ? " (EPT_S_NOT_REGISTERED)" : "")};
  }
  for (const Bytes& bytes : response.towers) {
    auto tower = DecodeTcpTower(bytes);
    if (tower.ok() && tower->iface == iface && tower->port != 0) return tower->port;
  }
  return ssp::Error{ssp::SecStatus::kInvalidToken,
                    "the endpoint mapper returned " + std::to_string(response.towers.size()) +
                        " tower(s), none an ncacn_ip_tcp port of " + FormatUuid(iface.uuid)};
}

Bytes EncodeUnauthenticatedBind(const SyntaxId& iface, uint32_t call_id) {
  BindBody body;
  body.max_xmit_frag = kMustRecvFragSize;
  body.max_recv_frag = kMustRecvFragSize;
  body.contexts.push_back(ContextElement{0, iface, {NdrTransferSyntax()}});
  CommonHeader header;
  header.type = static_cast<uint8_t>(PduType::kBind);
  header.call_id = call_id;
  return EncodeFragment(header, EncodeBindBody(body), nullptr);
}

Bytes EncodeUnauthenticatedRequest(uint32_t call_id, uint16_t opnum, ByteSpan stub) {
  Bytes body = EncodeRequestHeader(static_cast<uint32_t>(stub.size()), 0, opnum);
  body.insert(body.end(), stub.begin(), stub.end());
  CommonHeader header;
  header.type = static_cast<uint8_t>(PduType::kRequest);
  header.call_id = call_id;
  return EncodeFragment(header, body, nullptr);
}

ssp::Status CheckUnauthenticatedBindAck(ByteSpan fragment) {
  NTLM_ASSIGN_OR_RETURN(const Fragment f, ParseFragment(fragment, kMustRecvFragSize));
  if (f.header.type == static_cast<uint8_t>(PduType::kBindNak)) {
    NTLM_ASSIGN_OR_RETURN(const uint16_t reason, ParseBindNakReason(f));
    return ssp::Error{ssp::SecStatus::kInvalidToken,
                      "bind_nak " + std::string(NakReasonName(reason))};
  }
  NTLM_ASSIGN_OR_RETURN(const BindAckBody ack, ParseBindAckBody(f));
  if (ack.results.empty() || ack.results[0].result != kResultAcceptance) {
    return ssp::Error{ssp::SecStatus::kInvalidToken, "the bind_ack rejected the context"};
  }
  return ssp::Status::Ok();
}

ssp::Result<Bytes> UnauthenticatedResponseStub(ByteSpan fragment) {
  NTLM_ASSIGN_OR_RETURN(const Fragment f, ParseFragment(fragment, kMustRecvFragSize));
  if (f.header.type == static_cast<uint8_t>(PduType::kFault)) {
    NTLM_ASSIGN_OR_RETURN(const uint32_t status, ParseFaultStatus(f));
    return ssp::Error{ssp::SecStatus::kInvalidToken, "fault " + ssp::Hex32(status)};
  }
  NTLM_ASSIGN_OR_RETURN(const ResponseHeader response, ParseResponseHeader(f));
  if ((f.header.pfc_flags & kPfcLastFrag) == 0) {
    return ssp::Error{ssp::SecStatus::kInvalidToken, "a response of more than one fragment"};
  }
  return Bytes(response.stub.begin(), response.stub.end());
}

}  // namespace ntlm::harness::net::rpc
