#include "harness/net/spnego.h"

#include <algorithm>

#include "ssp/byte_reader.h"

namespace ntlm::harness::net {
namespace {

using ssp::ByteReader;
using ssp::Result;

constexpr uint8_t kTagOctetString = 0x04;
constexpr uint8_t kTagBitString = 0x03;
constexpr uint8_t kTagEnumerated = 0x0a;
constexpr uint8_t kTagOid = 0x06;
constexpr uint8_t kTagSequence = 0x30;
constexpr uint8_t kTagApplication0 = 0x60;
constexpr uint8_t kTagContext0 = 0xa0;
constexpr uint8_t kTagContext1 = 0xa1;

std::string TagText(uint8_t tag) {
  static const char* kHex = "0123456789abcdef";
  return std::string("0x") + kHex[tag >> 4] + kHex[tag & 0xf];
}

// One DER TLV: returns a reader over its contents (offsets stay absolute).
Result<ByteReader> ReadTlv(ByteReader& reader, uint8_t expected_tag, std::string_view what) {
  size_t start = reader.offset();
  NTLM_ASSIGN_OR_RETURN(auto tag, reader.ReadU8(what));
  if (tag != expected_tag) {
    return reader.MakeParseErrorAt(start, what,
                                   "tag " + TagText(tag) + ", expected " + TagText(expected_tag));
  }
  NTLM_ASSIGN_OR_RETURN(auto first, reader.ReadU8(what));
  size_t length = first;
  if (first == 0x80) {
    return reader.MakeParseErrorAt(start, what, "indefinite length (BER, not DER)");
  }
  if (first > 0x80) {
    size_t count = first & 0x7f;
    if (count > 4) {
      return reader.MakeParseErrorAt(start, what,
                                     "length of " + std::to_string(count) + " octets (at most 4)");
    }
    length = 0;
    for (size_t i = 0; i < count; ++i) {
      NTLM_ASSIGN_OR_RETURN(auto b, reader.ReadU8(what));
      length = length << 8 | b;
    }
  }
  if (length > reader.remaining()) {
    return reader.MakeParseErrorAt(start, what,
                                   "length " + std::to_string(length) + " past end (" +
                                       std::to_string(reader.remaining()) + " bytes remain)");
  }
  return reader.Sub(length, what);
}

// The tag of the next element, or nullopt at the end.
std::optional<uint8_t> PeekTag(const ByteReader& reader) {
  if (reader.empty()) return std::nullopt;
  return reader.rest()[0];
}

ssp::Status ExpectEnd(const ByteReader& reader, std::string_view what) {
  if (reader.empty()) return ssp::Status::Ok();
  return reader.MakeParseError(what, std::to_string(reader.remaining()) + " trailing bytes");
}

Result<Bytes> ReadOctetString(ByteReader& outer, std::string_view what) {
  NTLM_ASSIGN_OR_RETURN(auto contents, ReadTlv(outer, kTagOctetString, what));
  ByteSpan rest = contents.rest();
  return Bytes(rest.begin(), rest.end());
}

Result<Bytes> ReadOid(ByteReader& outer, std::string_view what) {
  size_t start = outer.offset();
  NTLM_ASSIGN_OR_RETURN(auto contents, ReadTlv(outer, kTagOid, what));
  ByteSpan rest = contents.rest();
  if (rest.empty() || (rest.back() & 0x80) != 0) {
    return outer.MakeParseErrorAt(start, what, "malformed OBJECT IDENTIFIER");
  }
  return Bytes(rest.begin(), rest.end());
}

// The context-tagged fields [n] of a SEQUENCE, each at most once and in
// increasing order. Calls `field(n, reader_over_explicit_contents)`.
template <typename Field>
ssp::Status ReadTaggedFields(ByteReader& sequence, int max_tag, std::string_view what,
                             Field&& field) {
  int last = -1;
  while (auto tag = PeekTag(sequence)) {
    int number = *tag - kTagContext0;
    if (*tag < kTagContext0 || number > max_tag) {
      return sequence.MakeParseError(what, "unexpected tag " + TagText(*tag));
    }
    if (number <= last) {
      return sequence.MakeParseError(
          what, "field [" + std::to_string(number) + "] repeated or out of order");
    }
    last = number;
    NTLM_ASSIGN_OR_RETURN(auto explicit_contents, ReadTlv(sequence, *tag, what));
    NTLM_RETURN_IF_ERROR(field(number, explicit_contents));
  }
  return ssp::Status::Ok();
}

Result<NegTokenInit> DecodeNegTokenInit(ByteReader& tagged, size_t max_elements) {
  NTLM_ASSIGN_OR_RETURN(auto sequence, ReadTlv(tagged, kTagSequence, "NegTokenInit"));
  NTLM_RETURN_IF_ERROR(ExpectEnd(tagged, "NegTokenInit"));
  NegTokenInit init;
  bool have_mech_types = false;
  auto status = ReadTaggedFields(
      sequence, 4, "NegTokenInit", [&](int number, ByteReader& field) -> ssp::Status {
        switch (number) {
          case 0: {
            ByteSpan whole = field.rest();
            NTLM_ASSIGN_OR_RETURN(auto list, ReadTlv(field, kTagSequence, "mechTypes"));
            init.mech_types_der.assign(whole.begin(), whole.end() - field.remaining());
            while (!list.empty()) {
              if (init.mech_types.size() >= max_elements) {
                return list.MakeParseError("mechTypes",
                                           "more than " + std::to_string(max_elements) + " OIDs");
              }
              NTLM_ASSIGN_OR_RETURN(auto oid, ReadOid(list, "mechTypes"));
              init.mech_types.push_back(std::move(oid));
            }
            have_mech_types = true;
            break;
          }
          case 1: {
            NTLM_ASSIGN_OR_RETURN(auto bits, ReadTlv(field, kTagBitString, "reqFlags"));
            ByteSpan rest = bits.rest();
            init.req_flags = Bytes(rest.begin(), rest.end());
            break;
          }
          case 2: {
            NTLM_ASSIGN_OR_RETURN(auto token, ReadOctetString(field, "mechToken"));
            init.mech_token = std::move(token);
            break;
          }
          case 3:
            // RFC 4178: mechListMIC; [MS-SPNG] NegTokenInit2: negHints
            // (a SEQUENCE, sent by servers only, skipped).
            if (PeekTag(field) == kTagSequence) {
              if (auto hints = ReadTlv(field, kTagSequence, "negHints"); !hints.ok()) {
                return hints.error();
              }
              break;
            }
            [[fallthrough]];
          case 4: {
            if (init.mech_list_mic) {
              return field.MakeParseError("NegTokenInit", "mechListMIC repeated");
            }
            NTLM_ASSIGN_OR_RETURN(auto mic, ReadOctetString(field, "mechListMIC"));
            init.mech_list_mic = std::move(mic);
            break;
          }
        }
        return ExpectEnd(field, "NegTokenInit field");
      });
  if (!status.ok()) return status.error();
  if (!have_mech_types) return sequence.MakeParseError("NegTokenInit", "no mechTypes");
  return init;
}

Result<NegTokenResp> DecodeNegTokenResp(ByteReader& tagged) {
  NTLM_ASSIGN_OR_RETURN(auto sequence, ReadTlv(tagged, kTagSequence, "NegTokenResp"));
  NTLM_RETURN_IF_ERROR(ExpectEnd(tagged, "NegTokenResp"));
  NegTokenResp resp;
  auto status = ReadTaggedFields(
      sequence, 3, "NegTokenResp", [&](int number, ByteReader& field) -> ssp::Status {
        switch (number) {
          case 0: {
            size_t start = field.offset();
            NTLM_ASSIGN_OR_RETURN(auto value, ReadTlv(field, kTagEnumerated, "negState"));
            if (value.remaining() != 1 || value.rest()[0] > 3) {
              return field.MakeParseErrorAt(start, "negState", "not one of 0..3");
            }
            resp.neg_state = static_cast<NegState>(value.rest()[0]);
            break;
          }
          case 1: {
            NTLM_ASSIGN_OR_RETURN(auto oid, ReadOid(field, "supportedMech"));
            resp.supported_mech = std::move(oid);
            break;
          }
          case 2: {
            NTLM_ASSIGN_OR_RETURN(auto token, ReadOctetString(field, "responseToken"));
            resp.response_token = std::move(token);
            break;
          }
          case 3: {
            NTLM_ASSIGN_OR_RETURN(auto mic, ReadOctetString(field, "mechListMIC"));
            resp.mech_list_mic = std::move(mic);
            break;
          }
        }
        return ExpectEnd(field, "NegTokenResp field");
      });
  if (!status.ok()) return status.error();
  return resp;
}

void AppendLength(Bytes& out, size_t length) {
  if (length < 0x80) {
    out.push_back(static_cast<uint8_t>(length));
    return;
  }
  uint8_t octets[4];
  int count = 0;
  for (size_t v = length; v != 0; v >>= 8) octets[count++] = static_cast<uint8_t>(v & 0xff);
  out.push_back(static_cast<uint8_t>(0x80 | count));
  for (int i = count - 1; i >= 0; --i) out.push_back(octets[i]);
}

void AppendTlv(Bytes& out, uint8_t tag, ByteSpan contents) {
  out.reserve(out.size() + 6 + contents.size());  // tag, up to 5 length bytes, contents
  out.push_back(tag);
  AppendLength(out, contents.size());
  out.insert(out.end(), contents.begin(), contents.end());
}

Bytes Tlv(uint8_t tag, ByteSpan contents) {
  Bytes out;
  AppendTlv(out, tag, contents);
  return out;
}

}  // namespace

const char* NegStateName(NegState state) {
  switch (state) {
    case NegState::kAcceptCompleted:
      return "accept-completed";
    case NegState::kAcceptIncomplete:
      return "accept-incomplete";
    case NegState::kReject:
      return "reject";
    case NegState::kRequestMic:
      return "request-mic";
  }
  return "unknown";
}

ssp::Result<NegotiationToken> DecodeNegotiationToken(ByteSpan der, size_t max_elements) {
  ByteReader reader(der, "SPNEGO");
  auto tag = PeekTag(reader);
  if (!tag) return reader.MakeParseError("", "empty token");
  if (*tag == kTagApplication0) {
    NTLM_ASSIGN_OR_RETURN(auto initial, ReadTlv(reader, kTagApplication0, "InitialContextToken"));
    NTLM_RETURN_IF_ERROR(ExpectEnd(reader, "InitialContextToken"));
    size_t oid_at = initial.offset();
    NTLM_ASSIGN_OR_RETURN(auto mech, ReadOid(initial, "thisMech"));
    if (!std::equal(mech.begin(), mech.end(), kSpnegoMechOid.begin(), kSpnegoMechOid.end())) {
      return initial.MakeParseErrorAt(oid_at, "thisMech",
                                      OidToString(mech) + " is not SPNEGO (1.3.6.1.5.5.2)");
    }
    NTLM_ASSIGN_OR_RETURN(auto tagged, ReadTlv(initial, kTagContext0, "NegTokenInit"));
    NTLM_RETURN_IF_ERROR(ExpectEnd(initial, "InitialContextToken"));
    NTLM_ASSIGN_OR_RETURN(auto init, DecodeNegTokenInit(tagged, max_elements));
    return NegotiationToken(std::move(init));
  }
  if (*tag == kTagContext0) {
    NTLM_ASSIGN_OR_RETURN(auto tagged, ReadTlv(reader, kTagContext0, "NegTokenInit"));
    NTLM_RETURN_IF_ERROR(ExpectEnd(reader, "NegTokenInit"));
    NTLM_ASSIGN_OR_RETURN(auto init, DecodeNegTokenInit(tagged, max_elements));
    return NegotiationToken(std::move(init));
  }
  if (*tag == kTagContext1) {
    NTLM_ASSIGN_OR_RETURN(auto tagged, ReadTlv(reader, kTagContext1, "NegTokenResp"));
    NTLM_RETURN_IF_ERROR(ExpectEnd(reader, "NegTokenResp"));
    NTLM_ASSIGN_OR_RETURN(auto resp, DecodeNegTokenResp(tagged));
    return NegotiationToken(std::move(resp));
  }
  return reader.MakeParseError("", "tag " + TagText(*tag) +
                                       " is neither an InitialContextToken (0x60) nor a "
                                       "NegTokenInit (0xa0) or NegTokenResp (0xa1)");
}

Bytes EncodeMechTypeList(const std::vector<Bytes>& mech_types) {
  Bytes oids;
  for (const auto& oid : mech_types) AppendTlv(oids, kTagOid, oid);
  return Tlv(kTagSequence, oids);
}

Bytes EncodeNegTokenResp(const NegTokenResp& token) {
  Bytes fields;
  if (token.neg_state) {
    uint8_t value = static_cast<uint8_t>(*token.neg_state);
    AppendTlv(fields, kTagContext0, Tlv(kTagEnumerated, ByteSpan(&value, 1)));
  }
  if (token.supported_mech) AppendTlv(fields, kTagContext1, Tlv(kTagOid, *token.supported_mech));
  if (token.response_token) {
    AppendTlv(fields, kTagContext0 + 2, Tlv(kTagOctetString, *token.response_token));
  }
  if (token.mech_list_mic) {
    AppendTlv(fields, kTagContext0 + 3, Tlv(kTagOctetString, *token.mech_list_mic));
  }
  return Tlv(kTagContext1, Tlv(kTagSequence, fields));
}

Bytes EncodeNegTokenInit(const NegTokenInit& token) {
  Bytes fields;
  AppendTlv(fields, kTagContext0, EncodeMechTypeList(token.mech_types));
  if (token.req_flags) AppendTlv(fields, kTagContext0 + 1, Tlv(kTagBitString, *token.req_flags));
  if (token.mech_token) {
    AppendTlv(fields, kTagContext0 + 2, Tlv(kTagOctetString, *token.mech_token));
  }
  if (token.mech_list_mic) {
    AppendTlv(fields, kTagContext0 + 3, Tlv(kTagOctetString, *token.mech_list_mic));
  }
  Bytes body = Tlv(kTagOid, kSpnegoMechOid);
  AppendTlv(body, kTagContext0, Tlv(kTagSequence, fields));
  return Tlv(kTagApplication0, body);
}

std::string OidToString(ByteSpan oid) {
  if (oid.empty() || (oid.back() & 0x80) != 0) return "invalid OID";
  std::string out;
  uint64_t value = 0;
  bool first = true;
  for (uint8_t b : oid) {
    if (value > (UINT64_MAX >> 7)) return "invalid OID";
    value = value << 7 | (b & 0x7f);
    if (b & 0x80) continue;
    if (first) {
      uint64_t arc0 = value < 40 ? 0 : (value < 80 ? 1 : 2);
      out = std::to_string(arc0) + "." + std::to_string(value - arc0 * 40);
      first = false;
    } else {
      out += "." + std::to_string(value);
    }
    value = 0;
  }
  return out;
}

bool IsNtlmMech(ByteSpan oid) {
  return std::equal(oid.begin(), oid.end(), kNtlmMechOid.begin(), kNtlmMechOid.end());
}

}  // namespace ntlm::harness::net
