// av_pairs.cc: AV_PAIR list codec ([MS-NLMP] 2.2.2.1).
#include "ssp/av_pairs.h"

#include <cstdio>

#include "ssp/byte_reader.h"
#include "ssp/byte_writer.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

bool IsStringId(uint16_t id) { return (id >= 1 && id <= 5) || id == 9; }

std::optional<size_t> FixedLength(uint16_t id) {
  switch (static_cast<AvId>(id)) {
    case AvId::kFlags:
      return 4;
    case AvId::kTimestamp:
      return 8;
    case AvId::kChannelBindings:
      return 16;
    default:
      return std::nullopt;
  }
}

uint64_t LoadLe(ByteSpan b) {
  uint64_t v = 0;
  for (size_t i = 0; i < b.size(); ++i) v |= uint64_t{b[i]} << (8 * i);
  return v;
}

std::string HexBytes(ByteSpan b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (uint8_t x : b) {
    out.push_back(kDigits[x >> 4]);
    out.push_back(kDigits[x & 0xF]);
  }
  return out;
}

}  // namespace

std::string AvIdName(uint16_t id) {
  switch (id) {
    case 0:
      return "MsvAvEOL";
    case 1:
      return "MsvAvNbComputerName";
    case 2:
      return "MsvAvNbDomainName";
    case 3:
      return "MsvAvDnsComputerName";
    case 4:
      return "MsvAvDnsDomainName";
    case 5:
      return "MsvAvDnsTreeName";
    case 6:
      return "MsvAvFlags";
    case 7:
      return "MsvAvTimestamp";
    case 8:
      return "MsvAvSingleHost";
    case 9:
      return "MsvAvTargetName";
    case 10:
      return "MsvAvChannelBindings";
    default:
      return "AvId " + std::to_string(id);
  }
}

const AvPair* AvPairList::Find(AvId id) const {
  for (const AvPair& p : pairs) {
    if (p.id == static_cast<uint16_t>(id)) return &p;
  }
  return nullptr;
}

size_t AvPairList::Count(AvId id) const {
  size_t n = 0;
  for (const AvPair& p : pairs) n += p.id == static_cast<uint16_t>(id) ? 1 : 0;
  return n;
}

Result<std::string> AvPairList::GetString(AvId id) const {
  const AvPair* p = Find(id);
  const std::string name = AvIdName(static_cast<uint16_t>(id));
  if (p == nullptr) return MakeError(SecStatus::kInvalidToken, name + " not present");
  auto text = Utf16LeToUtf8(p->value);
  if (!text.ok()) return MakeError(SecStatus::kInvalidToken, name + ": " + text.error().reason);
  return std::move(text).value();
}

std::optional<uint32_t> AvPairList::Flags() const {
  const AvPair* p = Find(AvId::kFlags);
  if (p == nullptr || p->value.size() != 4) return std::nullopt;
  return static_cast<uint32_t>(LoadLe(p->value));
}

std::optional<uint64_t> AvPairList::Timestamp() const {
  const AvPair* p = Find(AvId::kTimestamp);
  if (p == nullptr || p->value.size() != 8) return std::nullopt;
  return LoadLe(p->value);
}

std::optional<std::array<uint8_t, 16>> AvPairList::ChannelBindings() const {
  const AvPair* p = Find(AvId::kChannelBindings);
  if (p == nullptr || p->value.size() != 16) return std::nullopt;
  std::array<uint8_t, 16> out{};
  std::copy(p->value.begin(), p->value.end(), out.begin());
  return out;
}

Result<SingleHostData> AvPairList::SingleHost() const {
  const AvPair* p = Find(AvId::kSingleHost);
  if (p == nullptr) return MakeError(SecStatus::kInvalidToken, "MsvAvSingleHost not present");
  if (p->value.size() < 48) {
    return MakeError(SecStatus::kInvalidToken,
                     "MsvAvSingleHost: " + std::to_string(p->value.size()) +
                         " bytes, Single_Host_Data needs 48");
  }
  const ByteSpan v = p->value;
  SingleHostData d;
  d.size = static_cast<uint32_t>(LoadLe(v.subspan(0, 4)));
  d.z4 = static_cast<uint32_t>(LoadLe(v.subspan(4, 4)));
  std::copy(v.begin() + 8, v.begin() + 16, d.custom_data.begin());
  std::copy(v.begin() + 16, v.begin() + 48, d.machine_id.begin());
  d.extra.assign(v.begin() + 48, v.end());
  return d;
}

void AvPairList::Set(AvId id, ByteSpan value) {
  for (AvPair& p : pairs) {
    if (p.id == static_cast<uint16_t>(id)) {
      p.value.assign(value.begin(), value.end());
      return;
    }
  }
  auto where = pairs.end();
  if (!pairs.empty() && pairs.back().id == static_cast<uint16_t>(AvId::kEol)) --where;
  pairs.insert(where, AvPair{static_cast<uint16_t>(id), Bytes(value.begin(), value.end())});
}

Status AvPairList::SetString(AvId id, std::string_view utf8) {
  NTLM_ASSIGN_OR_RETURN(auto utf16, Utf8ToUtf16Le(utf8));
  Set(id, utf16);
  return Status::Ok();
}

void AvPairList::SetFlags(uint32_t flags) {
  ByteWriter w;
  w.WriteU32(flags);
  Set(AvId::kFlags, w.Finish());
}

void AvPairList::SetTimestamp(uint64_t filetime) {
  ByteWriter w;
  w.WriteU64(filetime);
  Set(AvId::kTimestamp, w.Finish());
}

void AvPairList::SetChannelBindings(const std::array<uint8_t, 16>& md5) {
  Set(AvId::kChannelBindings, md5);
}

void AvPairList::SetSingleHost(const SingleHostData& data) {
  ByteWriter w;
  w.WriteU32(data.size);
  w.WriteU32(data.z4);
  w.WriteBytes(data.custom_data);
  w.WriteBytes(data.machine_id);
  w.WriteBytes(data.extra);
  Set(AvId::kSingleHost, w.Finish());
}

size_t AvPairList::Remove(AvId id) {
  const size_t before = pairs.size();
  std::erase_if(pairs, [id](const AvPair& p) { return p.id == static_cast<uint16_t>(id); });
  return before - pairs.size();
}

Result<AvPairList> DecodeAvPairs(ByteSpan data, std::string_view context, size_t base_offset) {
  const std::string ctx(context);
  ByteReader reader(data, ctx, base_offset);
  AvPairList list;
  while (true) {
    if (reader.empty()) {
      return reader.MakeParseError("", "missing MsvAvEOL (list of " + std::to_string(data.size()) +
                                           " bytes ends without a terminator)");
    }
    const size_t pair_offset = reader.offset();
    if (reader.remaining() < 4) {
      return reader.MakeParseError("AV_PAIR header", "truncated: need 4 bytes, " +
                                                         std::to_string(reader.remaining()) +
                                                         " remain (missing MsvAvEOL)");
    }
    const uint16_t id = reader.ReadU16().value();
    const uint16_t len = reader.ReadU16().value();
    const std::string name = AvIdName(id);
    if (id == static_cast<uint16_t>(AvId::kEol)) {
      if (len != 0) {
        return reader.MakeParseErrorAt(pair_offset, name,
                                       "AvLen " + std::to_string(len) + " (must be 0)");
      }
      list.trailing.assign(reader.rest().begin(), reader.rest().end());
      return list;
    }
    if (reader.remaining() < len) {
      return reader.MakeParseErrorAt(pair_offset, name,
                                     "AvLen " + std::to_string(len) +
                                         " runs past the end of the list (" +
                                         std::to_string(reader.remaining()) + " bytes remain)");
    }
    if (auto fixed = FixedLength(id); fixed && *fixed != len) {
      return reader.MakeParseErrorAt(
          pair_offset, name,
          "AvLen " + std::to_string(len) + " (must be " + std::to_string(*fixed) + ")");
    }
    ByteSpan value = reader.ReadBytes(len).value();
    list.pairs.push_back(AvPair{id, Bytes(value.begin(), value.end())});
  }
}

Bytes EncodeAvPairs(const AvPairList& list) {
  ByteWriter w;
  for (const AvPair& p : list.pairs) {
    w.WriteU16(p.id);
    w.WriteU16(static_cast<uint16_t>(p.value.size()));
    w.WriteBytes(p.value);
  }
  const bool terminated = !list.pairs.empty() &&
                          list.pairs.back().id == static_cast<uint16_t>(AvId::kEol) &&
                          list.pairs.back().value.empty();
  if (!terminated) {
    w.WriteU16(0);
    w.WriteU16(0);
  }
  w.WriteBytes(list.trailing);
  return w.Finish();
}

std::string AvPairValueToString(const AvPair& pair) {
  if (IsStringId(pair.id)) {
    auto text = Utf16LeToUtf8(pair.value);
    if (text.ok()) return "\"" + *text + "\"";
    return "(invalid UTF-16LE) " + HexBytes(pair.value);
  }
  char buf[32];
  if (pair.id == static_cast<uint16_t>(AvId::kFlags) && pair.value.size() == 4) {
    std::snprintf(buf, sizeof(buf), "0x%08x", static_cast<uint32_t>(LoadLe(pair.value)));
    return buf;
  }
  if (pair.id == static_cast<uint16_t>(AvId::kTimestamp) && pair.value.size() == 8) {
    std::snprintf(buf, sizeof(buf), "0x%016llx",
                  static_cast<unsigned long long>(LoadLe(pair.value)));
    return buf;
  }
  return HexBytes(pair.value);
}

}  // namespace ntlm::ssp
