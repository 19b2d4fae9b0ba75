// rpc_pdu_target.cc: the DCE/RPC connection-oriented PDU codec
// (harness/net/rpc_pdu.h): common header, fragment split (body, auth pad,
// sec_trailer, auth_value) and every body parser.
//
// Input: byte 0 selects the fragment size limit {65535, 4280, 1432, 64}, the
// rest is one fragment. Invariants: an accepted header respects the limit
// and covers its verifier; the parts of a parsed fragment tile it exactly
// (header | body | pad | sec_trailer | auth_value) and the sec_trailer
// re-encodes to its bytes; a parsed bind/alter_context body re-encodes and
// parses back to the same contexts (encode -> decode round trip), and a
// parsed request header's stub lies where it says.
//
// The same bytes are also read as the client-side stubs and towers probe
// decodes (harness/net/rpc_epm.h, rpc_dc_calls.h): an ept_map response, an
// ncacn_ip_tcp tower, a policy_handle response. Invariants: a decoded tower
// and a decoded ept_map response re-encode and decode to the same values.
#include "harness/net/rpc_dc_calls.h"
#include "harness/net/rpc_epm.h"
#include "harness/net/rpc_pdu.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

namespace rpc = harness::net::rpc;

constexpr size_t kLimits[4] = {65535, 4280, rpc::kMustRecvFragSize, 64};

bool SameContexts(const rpc::BindBody& a, const rpc::BindBody& b) {
  if (a.max_xmit_frag != b.max_xmit_frag || a.max_recv_frag != b.max_recv_frag ||
      a.assoc_group_id != b.assoc_group_id || a.contexts.size() != b.contexts.size()) {
    return false;
  }
  for (size_t i = 0; i < a.contexts.size(); ++i) {
    if (a.contexts[i].context_id != b.contexts[i].context_id ||
        !(a.contexts[i].abstract_syntax == b.contexts[i].abstract_syntax) ||
        a.contexts[i].transfer_syntaxes != b.contexts[i].transfer_syntaxes) {
      return false;
    }
  }
  return true;
}

void CheckFragmentLayout(const rpc::Fragment& f, ByteSpan bytes) {
  FuzzCheck(bytes.size() == f.header.frag_length, "rpc_pdu: fragment size is not frag_length");
  FuzzCheck(f.body.data() == bytes.data() + rpc::kCommonHeaderSize,
            "rpc_pdu: body not after header");
  if (!f.trailer) {
    FuzzCheck(f.header.auth_length == 0 && f.auth_value.empty() && f.auth_pad.empty(),
              "rpc_pdu: verifier parts without a sec_trailer");
    FuzzCheck(f.body.size() == bytes.size() - rpc::kCommonHeaderSize, "rpc_pdu: body size");
    FuzzCheck(f.trailer_offset == bytes.size(), "rpc_pdu: trailer offset without a trailer");
    return;
  }
  FuzzCheck(f.auth_value.size() == f.header.auth_length, "rpc_pdu: auth_value is not auth_length");
  FuzzCheck(f.auth_pad.size() == f.trailer->auth_pad_length, "rpc_pdu: pad is not auth_pad_length");
  FuzzCheck(rpc::kCommonHeaderSize + f.body.size() + f.auth_pad.size() + rpc::kSecTrailerSize +
                    f.auth_value.size() ==
                bytes.size(),
            "rpc_pdu: the parts do not tile the fragment");
  FuzzCheck(f.auth_pad.data() == f.body.data() + f.body.size() &&
                f.trailer_offset == rpc::kCommonHeaderSize + f.body.size() + f.auth_pad.size(),
            "rpc_pdu: pad or sec_trailer misplaced");
  const auto trailer = rpc::EncodeSecTrailer(*f.trailer);
  FuzzCheck(std::equal(trailer.begin(), trailer.end(), bytes.begin() + f.trailer_offset),
            "rpc_pdu: sec_trailer does not re-encode to its bytes");
}

void CheckBindRoundTrip(const rpc::Fragment& f, const rpc::BindBody& body) {
  if (body.contexts.size() > 255) return;
  rpc::CommonHeader header = f.header;
  header.auth_length = 0;
  const Bytes encoded = rpc::EncodeBindBody(body);
  if (rpc::kCommonHeaderSize + encoded.size() > 65535) return;
  const Bytes fragment = rpc::EncodeFragment(header, encoded, nullptr);
  auto again = rpc::ParseFragment(fragment, 65535);
  FuzzCheck(again.ok(), "rpc_pdu: re-encoded bind fragment does not parse");
  auto body2 = rpc::ParseBindBody(*again);
  FuzzCheck(body2.ok(), "rpc_pdu: re-encoded bind body does not parse");
  FuzzCheck(SameContexts(body, *body2), "rpc_pdu: bind body round trip changed a field");
}

void CheckClientStubs(ByteSpan bytes) {
  if (auto tower = rpc::DecodeTcpTower(bytes); tower.ok()) {
    auto again = rpc::DecodeTcpTower(rpc::EncodeTcpTower(*tower));
    FuzzCheck(again.ok() && again->iface == tower->iface && again->port == tower->port &&
                  again->ipv4 == tower->ipv4,
              "rpc_pdu: tower round trip changed it");
  }
  if (auto map = rpc::DecodeEptMapResponse(bytes); map.ok()) {
    auto again = rpc::DecodeEptMapResponse(rpc::EncodeEptMapResponse(*map));
    FuzzCheck(again.ok() && again->towers == map->towers && again->status == map->status,
              "rpc_pdu: ept_map response round trip changed it");
    (void)rpc::EptMapPort(*map, rpc::SamrInterfaceSyntax());
  }
  if (auto handle = rpc::DecodeHandleResponse(bytes); handle.ok()) {
    (void)rpc::CheckHandleOpened(bytes);
  }
}

}  // namespace

int FuzzRpcPdu(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const size_t limit = kLimits[in.TakeU8() & 3];
  const ByteSpan bytes = in.TakeRest();
  CheckClientStubs(bytes);

  auto header = rpc::ParseCommonHeader(bytes, limit);
  if (header.ok()) {
    FuzzCheck(header->frag_length <= limit, "rpc_pdu: frag_length over the limit accepted");
    FuzzCheck(
        header->frag_length >=
            rpc::kCommonHeaderSize +
                (header->auth_length ? rpc::kSecTrailerSize + size_t{header->auth_length} : 0),
        "rpc_pdu: frag_length shorter than header and verifier accepted");
    (void)rpc::PduTypeName(header->type);
  } else {
    FuzzCheck(!header.error().reason.empty(), "rpc_pdu: header refusal without a reason");
  }

  auto fragment = rpc::ParseFragment(bytes, limit);
  if (!fragment.ok()) return 0;
  CheckFragmentLayout(*fragment, bytes);
  if (fragment->trailer) (void)rpc::AuthLevelName(fragment->trailer->auth_level);

  if (auto bind = rpc::ParseBindBody(*fragment); bind.ok()) CheckBindRoundTrip(*fragment, *bind);
  if (auto request = rpc::ParseRequestHeader(*fragment); request.ok()) {
    FuzzCheck(request->stub_offset + request->stub.size() ==
                  rpc::kCommonHeaderSize + fragment->body.size(),
              "rpc_pdu: request stub does not end with the body");
    FuzzCheck(request->stub.data() == bytes.data() + request->stub_offset,
              "rpc_pdu: request stub not at stub_offset");
  }
  if (auto ack = rpc::ParseBindAckBody(*fragment); ack.ok()) {
    (void)rpc::EncodeBindAckBody(*ack);
  }
  (void)rpc::ParseBindNakReason(*fragment);
  (void)rpc::ParseFaultStatus(*fragment);
  return 0;
}

}  // namespace ntlm::fuzz
