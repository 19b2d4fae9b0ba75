// rpc_pdu.cc: connection-oriented DCE/RPC PDU codec (see rpc_pdu.h).
#include "harness/net/rpc_pdu.h"

#include <cstdio>
#include <string>

#include "ssp/byte_reader.h"
#include "ssp/byte_writer.h"

namespace ntlm::harness::net::rpc {

using ssp::ByteReader;
using ssp::ByteWriter;
using ssp::Error;
using ssp::Result;

const char* PduTypeName(uint8_t type) {
  switch (static_cast<PduType>(type)) {
    case PduType::kRequest:
      return "request";
    case PduType::kPing:
      return "ping";
    case PduType::kResponse:
      return "response";
    case PduType::kFault:
      return "fault";
    case PduType::kWorking:
      return "working";
    case PduType::kNocall:
      return "nocall";
    case PduType::kReject:
      return "reject";
    case PduType::kAck:
      return "ack";
    case PduType::kClCancel:
      return "cl_cancel";
    case PduType::kFack:
      return "fack";
    case PduType::kCancelAck:
      return "cancel_ack";
    case PduType::kBind:
      return "bind";
    case PduType::kBindAck:
      return "bind_ack";
    case PduType::kBindNak:
      return "bind_nak";
    case PduType::kAlterContext:
      return "alter_context";
    case PduType::kAlterContextResp:
      return "alter_context_resp";
    case PduType::kAuth3:
      return "auth3";
    case PduType::kShutdown:
      return "shutdown";
    case PduType::kCoCancel:
      return "co_cancel";
    case PduType::kOrphaned:
      return "orphaned";
  }
  return "unknown";
}

const char* AuthLevelName(uint8_t level) {
  switch (level) {
    case kAuthLevelNone:
      return "none";
    case kAuthLevelConnect:
      return "connect";
    case kAuthLevelCall:
      return "call";
    case kAuthLevelPkt:
      return "pkt";
    case kAuthLevelPktIntegrity:
      return "pkt_integrity";
    case kAuthLevelPktPrivacy:
      return "pkt_privacy";
    default:
      return "unknown";
  }
}

const char* NakReasonName(uint16_t reason) {
  switch (reason) {
    case kNakReasonNotSpecified:
      return "reason_not_specified";
    case kNakProtocolVersionNotSupported:
      return "protocol_version_not_supported";
    case kNakAuthenticationTypeNotRecognized:
      return "authentication_type_not_recognized";
    case kNakInvalidChecksum:
      return "invalid_checksum";
    default:
      return "unknown";
  }
}

namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Text order -> wire order: the first three fields are little-endian.
constexpr size_t kWireIndex[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};

Result<SyntaxId> ReadSyntax(ByteReader& r, std::string_view what) {
  NTLM_ASSIGN_OR_RETURN(auto uuid, r.ReadBytes(16, what));
  NTLM_ASSIGN_OR_RETURN(auto major, r.ReadU16(what));
  NTLM_ASSIGN_OR_RETURN(auto minor, r.ReadU16(what));
  SyntaxId id;
  std::copy(uuid.begin(), uuid.end(), id.uuid.bytes.begin());
  id.major = major;
  id.minor = minor;
  return id;
}

void WriteSyntax(ByteWriter& w, const SyntaxId& id) {
  w.WriteBytes(id.uuid.bytes);
  w.WriteU16(id.major);
  w.WriteU16(id.minor);
}

void WriteHeader(ByteWriter& w, const CommonHeader& h) {
  w.WriteU8(h.rpc_vers);
  w.WriteU8(h.rpc_vers_minor);
  w.WriteU8(h.type);
  w.WriteU8(h.pfc_flags);
  w.WriteBytes(h.drep);
  w.WriteU16(h.frag_length);
  w.WriteU16(h.auth_length);
  w.WriteU32(h.call_id);
}

const char* ContextName(uint8_t type) { return PduTypeName(type); }

}  // namespace

std::optional<Uuid> ParseUuid(std::string_view text) {
  if (text.size() != 36) return std::nullopt;
  std::array<uint8_t, 16> plain{};
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i] != '-') return std::nullopt;
      ++i;
      continue;
    }
    int hi = HexDigit(text[i]);
    int lo = HexDigit(text[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    plain[n++] = static_cast<uint8_t>(hi << 4 | lo);
    i += 2;
  }
  Uuid uuid;
  for (size_t i = 0; i < 16; ++i) uuid.bytes[kWireIndex[i]] = plain[i];
  return uuid;
}

std::string FormatUuid(const Uuid& uuid) {
  std::string out;
  char hex[3];
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    std::snprintf(hex, sizeof hex, "%02x", uuid.bytes[kWireIndex[i]]);
    out += hex;
  }
  return out;
}

SyntaxId NdrTransferSyntax() {
  return SyntaxId{*ParseUuid("8a885d04-1ceb-11c9-9fe8-08002b104860"), 2, 0};
}

Result<CommonHeader> ParseCommonHeader(ByteSpan bytes, size_t max_frag_length) {
  ByteReader r(bytes.first(std::min(bytes.size(), kCommonHeaderSize)), "DCE/RPC header");
  CommonHeader h;
  NTLM_ASSIGN_OR_RETURN(auto vers, r.ReadU8("rpc_vers"));
  if (vers != 5) {
    return r.MakeParseErrorAt(0, "rpc_vers", "version " + std::to_string(vers) + " is not 5");
  }
  h.rpc_vers = vers;
  NTLM_ASSIGN_OR_RETURN(auto minor, r.ReadU8("rpc_vers_minor"));
  if (minor > 1) {
    return r.MakeParseErrorAt(1, "rpc_vers_minor",
                              "minor version " + std::to_string(minor) + " is not 0 or 1");
  }
  h.rpc_vers_minor = minor;
  NTLM_ASSIGN_OR_RETURN(auto type, r.ReadU8("PTYPE"));
  h.type = type;
  NTLM_ASSIGN_OR_RETURN(auto flags, r.ReadU8("pfc_flags"));
  h.pfc_flags = flags;
  NTLM_ASSIGN_OR_RETURN(auto drep, r.ReadBytes(4, "drep"));
  std::copy(drep.begin(), drep.end(), h.drep.begin());
  if (h.drep[0] != 0x10 || h.drep[1] != 0) {
    return r.MakeParseErrorAt(4, "drep",
                              "only little-endian ASCII IEEE data (10 00 00 00) is supported");
  }
  NTLM_ASSIGN_OR_RETURN(auto frag, r.ReadU16("frag_length"));
  h.frag_length = frag;
  NTLM_ASSIGN_OR_RETURN(auto auth, r.ReadU16("auth_length"));
  h.auth_length = auth;
  NTLM_ASSIGN_OR_RETURN(auto call, r.ReadU32("call_id"));
  h.call_id = call;
  const size_t minimum =
      kCommonHeaderSize + (h.auth_length ? kSecTrailerSize + size_t{h.auth_length} : 0);
  if (h.frag_length < minimum) {
    return r.MakeParseErrorAt(8, "frag_length",
                              std::to_string(h.frag_length) + " is less than the " +
                                  std::to_string(minimum) + " bytes of header and verifier");
  }
  if (h.frag_length > max_frag_length) {
    return r.MakeParseErrorAt(8, "frag_length",
                              std::to_string(h.frag_length) + " exceeds the limit of " +
                                  std::to_string(max_frag_length) + " bytes");
  }
  return h;
}

Result<Fragment> ParseFragment(ByteSpan bytes, size_t max_frag_length) {
  NTLM_ASSIGN_OR_RETURN(auto header, ParseCommonHeader(bytes, max_frag_length));
  Fragment f;
  f.header = header;
  ByteReader r(bytes, ContextName(f.header.type));
  if (bytes.size() != f.header.frag_length) {
    return r.MakeParseErrorAt(8, "frag_length",
                              std::to_string(f.header.frag_length) + " but the fragment has " +
                                  std::to_string(bytes.size()) + " bytes");
  }
  f.trailer_offset = bytes.size();
  if (f.header.auth_length > 0) {
    f.trailer_offset = bytes.size() - f.header.auth_length - kSecTrailerSize;
    ByteReader t(bytes.subspan(f.trailer_offset), ContextName(f.header.type), f.trailer_offset);
    SecTrailer s;
    auto type = t.ReadU8("auth_type");
    auto level = t.ReadU8("auth_level");
    auto pad = t.ReadU8("auth_pad_length");
    auto reserved = t.ReadU8("auth_reserved");
    auto ctx = t.ReadU32("auth_context_id");
    if (!type.ok() || !level.ok() || !pad.ok() || !reserved.ok() || !ctx.ok()) {
      return t.MakeParseError("sec_trailer", "truncated");
    }
    s.auth_type = *type;
    s.auth_level = *level;
    s.auth_pad_length = *pad;
    s.auth_reserved = *reserved;
    s.auth_context_id = *ctx;
    if (f.trailer_offset - kCommonHeaderSize < s.auth_pad_length) {
      return r.MakeParseErrorAt(f.trailer_offset + 2, "auth_pad_length",
                                std::to_string(s.auth_pad_length) + " is longer than the " +
                                    std::to_string(f.trailer_offset - kCommonHeaderSize) +
                                    " bytes of body before the sec_trailer");
    }
    f.trailer = s;
    f.auth_value = bytes.subspan(f.trailer_offset + kSecTrailerSize);
    const size_t pad_start = f.trailer_offset - s.auth_pad_length;
    f.auth_pad = bytes.subspan(pad_start, s.auth_pad_length);
    f.body = bytes.subspan(kCommonHeaderSize, pad_start - kCommonHeaderSize);
  } else {
    f.body = bytes.subspan(kCommonHeaderSize);
  }
  return f;
}

Result<BindBody> ParseBindBody(const Fragment& fragment) {
  ByteReader r(fragment.body, ContextName(fragment.header.type), kCommonHeaderSize);
  BindBody b;
  NTLM_ASSIGN_OR_RETURN(auto xmit, r.ReadU16("max_xmit_frag"));
  NTLM_ASSIGN_OR_RETURN(auto recv, r.ReadU16("max_recv_frag"));
  NTLM_ASSIGN_OR_RETURN(auto group, r.ReadU32("assoc_group_id"));
  NTLM_ASSIGN_OR_RETURN(auto count, r.ReadU8("n_context_elem"));
  NTLM_RETURN_IF_ERROR(r.Skip(3, "reserved"));
  b.max_xmit_frag = xmit;
  b.max_recv_frag = recv;
  b.assoc_group_id = group;
  for (uint8_t i = 0; i < count; ++i) {
    ContextElement e;
    NTLM_ASSIGN_OR_RETURN(auto id, r.ReadU16("p_cont_id"));
    NTLM_ASSIGN_OR_RETURN(auto n, r.ReadU8("n_transfer_syn"));
    NTLM_RETURN_IF_ERROR(r.Skip(1, "reserved"));
    NTLM_ASSIGN_OR_RETURN(auto abstract, ReadSyntax(r, "abstract_syntax"));
    e.context_id = id;
    e.abstract_syntax = abstract;
    for (uint8_t j = 0; j < n; ++j) {
      NTLM_ASSIGN_OR_RETURN(auto transfer, ReadSyntax(r, "transfer_syntaxes"));
      e.transfer_syntaxes.push_back(transfer);
    }
    b.contexts.push_back(std::move(e));
  }
  return b;
}

Result<RequestHeader> ParseRequestHeader(const Fragment& fragment) {
  ByteReader r(fragment.body, "request", kCommonHeaderSize);
  RequestHeader h;
  NTLM_ASSIGN_OR_RETURN(auto hint, r.ReadU32("alloc_hint"));
  NTLM_ASSIGN_OR_RETURN(auto ctx, r.ReadU16("p_cont_id"));
  NTLM_ASSIGN_OR_RETURN(auto opnum, r.ReadU16("opnum"));
  h.alloc_hint = hint;
  h.context_id = ctx;
  h.opnum = opnum;
  if (fragment.header.pfc_flags & kPfcObjectUuid) {
    NTLM_ASSIGN_OR_RETURN(auto object, r.ReadBytes(16, "object"));
    Uuid uuid;
    std::copy(object.begin(), object.end(), uuid.bytes.begin());
    h.object = uuid;
  }
  h.stub_offset = r.offset();
  h.stub = r.rest();
  return h;
}

Result<ResponseHeader> ParseResponseHeader(const Fragment& fragment) {
  ByteReader r(fragment.body, "response", kCommonHeaderSize);
  ResponseHeader h;
  NTLM_ASSIGN_OR_RETURN(auto hint, r.ReadU32("alloc_hint"));
  NTLM_ASSIGN_OR_RETURN(auto ctx, r.ReadU16("p_cont_id"));
  NTLM_ASSIGN_OR_RETURN(auto cancels, r.ReadU8("cancel_count"));
  NTLM_RETURN_IF_ERROR(r.Skip(1, "reserved"));
  h.alloc_hint = hint;
  h.context_id = ctx;
  h.cancel_count = cancels;
  h.stub_offset = r.offset();
  h.stub = r.rest();
  return h;
}

std::array<uint8_t, kSecTrailerSize> EncodeSecTrailer(const SecTrailer& t) {
  std::array<uint8_t, kSecTrailerSize> out{};
  out[0] = t.auth_type;
  out[1] = t.auth_level;
  out[2] = t.auth_pad_length;
  out[3] = t.auth_reserved;
  out[4] = static_cast<uint8_t>(t.auth_context_id);
  out[5] = static_cast<uint8_t>(t.auth_context_id >> 8);
  out[6] = static_cast<uint8_t>(t.auth_context_id >> 16);
  out[7] = static_cast<uint8_t>(t.auth_context_id >> 24);
  return out;
}

Bytes EncodeFragment(CommonHeader header, ByteSpan body, const Verifier* verifier, size_t pad_from,
                     size_t pad_alignment) {
  ByteWriter w;
  header.auth_length = 0;
  WriteHeader(w, header);
  w.WriteBytes(body);
  if (verifier != nullptr) {
    SecTrailer trailer = verifier->trailer;
    const size_t relative = w.size() - std::min(pad_from, w.size());
    const size_t align = pad_alignment == 0 ? 1 : pad_alignment;
    trailer.auth_pad_length = static_cast<uint8_t>((align - relative % align) % align);
    w.WriteZeros(trailer.auth_pad_length);
    w.WriteBytes(EncodeSecTrailer(trailer));
    w.WriteBytes(verifier->auth_value);
    header.auth_length = static_cast<uint16_t>(verifier->auth_value.size());
  }
  Bytes out = w.Finish();
  const auto frag = static_cast<uint16_t>(out.size());
  out[8] = static_cast<uint8_t>(frag);
  out[9] = static_cast<uint8_t>(frag >> 8);
  out[10] = static_cast<uint8_t>(header.auth_length);
  out[11] = static_cast<uint8_t>(header.auth_length >> 8);
  return out;
}

Bytes EncodeBindAckBody(const BindAckBody& body) {
  ByteWriter w;
  w.WriteU16(body.max_xmit_frag);
  w.WriteU16(body.max_recv_frag);
  w.WriteU32(body.assoc_group_id);
  if (body.secondary_address.empty()) {
    w.WriteU16(0);
  } else {
    w.WriteU16(static_cast<uint16_t>(body.secondary_address.size() + 1));
    w.WriteBytes(ByteSpan(reinterpret_cast<const uint8_t*>(body.secondary_address.data()),
                          body.secondary_address.size()));
    w.WriteU8(0);
  }
  // The result list is 4-byte aligned in the PDU; the body starts at 16.
  w.WriteZeros((4 - w.size() % 4) % 4);
  w.WriteU8(static_cast<uint8_t>(body.results.size()));
  w.WriteU8(0);
  w.WriteU16(0);
  for (const ContextResult& result : body.results) {
    w.WriteU16(result.result);
    w.WriteU16(result.reason);
    WriteSyntax(w, result.transfer_syntax);
  }
  return w.Finish();
}

Bytes EncodeBindNakBody(uint16_t reason) {
  ByteWriter w;
  w.WriteU16(reason);
  w.WriteU8(1);  // n_protocols
  w.WriteU8(5);  // rpc_vers
  w.WriteU8(0);  // rpc_vers_minor
  w.WriteZeros(3);
  return w.Finish();
}

Bytes EncodeFaultBody(uint16_t context_id, uint32_t status) {
  ByteWriter w;
  w.WriteU32(0);  // alloc_hint
  w.WriteU16(context_id);
  w.WriteU8(0);  // cancel_count
  w.WriteU8(0);  // reserved
  w.WriteU32(status);
  w.WriteU32(0);  // reserved
  return w.Finish();
}

Bytes EncodeRequestHeader(uint32_t alloc_hint, uint16_t context_id, uint16_t opnum) {
  ByteWriter w;
  w.WriteU32(alloc_hint);
  w.WriteU16(context_id);
  w.WriteU16(opnum);
  return w.Finish();
}

Bytes EncodeResponseHeader(uint32_t alloc_hint, uint16_t context_id) {
  ByteWriter w;
  w.WriteU32(alloc_hint);
  w.WriteU16(context_id);
  w.WriteU8(0);  // cancel_count
  w.WriteU8(0);  // reserved
  return w.Finish();
}

Bytes EncodeAuth3Body() { return Bytes(4, 0); }

Bytes EncodeBindBody(const BindBody& body) {
  ByteWriter w;
  w.WriteU16(body.max_xmit_frag);
  w.WriteU16(body.max_recv_frag);
  w.WriteU32(body.assoc_group_id);
  w.WriteU8(static_cast<uint8_t>(body.contexts.size()));
  w.WriteZeros(3);
  for (const ContextElement& e : body.contexts) {
    w.WriteU16(e.context_id);
    w.WriteU8(static_cast<uint8_t>(e.transfer_syntaxes.size()));
    w.WriteU8(0);
    WriteSyntax(w, e.abstract_syntax);
    for (const SyntaxId& t : e.transfer_syntaxes) WriteSyntax(w, t);
  }
  return w.Finish();
}

Result<BindAckBody> ParseBindAckBody(const Fragment& fragment) {
  ByteReader r(fragment.body, ContextName(fragment.header.type), kCommonHeaderSize);
  BindAckBody b;
  NTLM_ASSIGN_OR_RETURN(auto xmit, r.ReadU16("max_xmit_frag"));
  NTLM_ASSIGN_OR_RETURN(auto recv, r.ReadU16("max_recv_frag"));
  NTLM_ASSIGN_OR_RETURN(auto group, r.ReadU32("assoc_group_id"));
  NTLM_ASSIGN_OR_RETURN(auto addr_len, r.ReadU16("sec_addr length"));
  NTLM_ASSIGN_OR_RETURN(auto addr, r.ReadBytes(addr_len, "sec_addr"));
  NTLM_RETURN_IF_ERROR(r.Skip((4 - r.offset() % 4) % 4, "pad"));
  NTLM_ASSIGN_OR_RETURN(auto count, r.ReadU8("n_results"));
  NTLM_RETURN_IF_ERROR(r.Skip(3, "reserved"));
  b.max_xmit_frag = xmit;
  b.max_recv_frag = recv;
  b.assoc_group_id = group;
  if (!addr.empty()) b.secondary_address.assign(addr.begin(), addr.end() - 1);
  for (uint8_t i = 0; i < count; ++i) {
    ContextResult result;
    NTLM_ASSIGN_OR_RETURN(auto res, r.ReadU16("result"));
    NTLM_ASSIGN_OR_RETURN(auto reason, r.ReadU16("reason"));
    NTLM_ASSIGN_OR_RETURN(auto syntax, ReadSyntax(r, "transfer_syntax"));
    result.result = res;
    result.reason = reason;
    result.transfer_syntax = syntax;
    b.results.push_back(result);
  }
  return b;
}

Result<uint16_t> ParseBindNakReason(const Fragment& fragment) {
  ByteReader r(fragment.body, "bind_nak", kCommonHeaderSize);
  return r.ReadU16("provider_reject_reason");
}

Result<uint32_t> ParseFaultStatus(const Fragment& fragment) {
  ByteReader r(fragment.body, "fault", kCommonHeaderSize);
  NTLM_RETURN_IF_ERROR(r.Skip(8, "alloc_hint, p_cont_id, cancel_count"));
  return r.ReadU32("status");
}

}  // namespace ntlm::harness::net::rpc
