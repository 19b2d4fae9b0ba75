// rpc_ndr.cc: NDR 2.0 primitives (see rpc_ndr.h).
#include "harness/net/rpc_ndr.h"

namespace ntlm::harness::net::rpc {

namespace {

size_t PadTo(size_t position, size_t n) { return (n - position % n) % n; }

}  // namespace

NdrReader::NdrReader(ByteSpan stub, std::string_view context) : r_(stub, context) {}

void NdrReader::Fail(std::string_view what, std::string_view detail) {
  if (!error_) error_ = r_.MakeParseError(what, detail);
}

bool NdrReader::Take(size_t n, std::string_view what) {
  if (error_) return false;
  if (r_.remaining() < n) {
    Fail(what,
         "needs " + std::to_string(n) + " bytes, " + std::to_string(r_.remaining()) + " remain");
    return false;
  }
  return true;
}

void NdrReader::Align(size_t n) {
  const size_t pad = PadTo(r_.position(), n);
  if (Take(pad, "alignment")) (void)r_.Skip(pad);
}

uint8_t NdrReader::U8(std::string_view what) {
  if (!Take(1, what)) return 0;
  return *r_.ReadU8(what);
}

uint16_t NdrReader::U16(std::string_view what) {
  Align(2);
  if (!Take(2, what)) return 0;
  return *r_.ReadU16(what);
}

uint32_t NdrReader::U32(std::string_view what) {
  Align(4);
  if (!Take(4, what)) return 0;
  return *r_.ReadU32(what);
}

uint64_t NdrReader::U64(std::string_view what) {
  Align(8);
  if (!Take(8, what)) return 0;
  return *r_.ReadU64(what);
}

ByteSpan NdrReader::Raw(size_t n, std::string_view what) {
  if (!Take(n, what)) return {};
  return *r_.ReadBytes(n, what);
}

ByteSpan NdrReader::ConformantArray(size_t element_size, std::optional<uint32_t> expected,
                                    std::string_view what) {
  const uint32_t max_count = U32(what);
  if (!ok()) return {};
  if (expected && max_count != *expected) {
    Fail(what, "max_count " + std::to_string(max_count) + " differs from its size_is value " +
                   std::to_string(*expected));
    return {};
  }
  if (element_size > 1) Align(element_size);
  if (max_count > r_.remaining() / element_size) {
    Fail(what, "array of " + std::to_string(max_count) + " elements exceeds the stub");
    return {};
  }
  return Raw(size_t{max_count} * element_size, what);
}

ByteSpan NdrReader::Utf16String(std::string_view what) {
  const uint32_t max_count = U32(what);
  const uint32_t offset = U32(what);
  const uint32_t actual = U32(what);
  if (!ok()) return {};
  if (offset != 0 || actual > max_count || actual == 0) {
    Fail(what, "string of max_count " + std::to_string(max_count) + ", offset " +
                   std::to_string(offset) + ", actual_count " + std::to_string(actual) +
                   " (offset must be 0, 0 < actual_count <= max_count)");
    return {};
  }
  if (actual > r_.remaining() / 2) {
    Fail(what, "string of " + std::to_string(actual) + " units exceeds the stub");
    return {};
  }
  ByteSpan units = Raw(size_t{actual} * 2, what);
  if (ok() && (units[units.size() - 2] != 0 || units[units.size() - 1] != 0)) {
    Fail(what, "string without its terminating zero");
    return {};
  }
  return units;
}

ssp::Status NdrReader::Finish() {
  if (error_) return *error_;
  if (r_.remaining() > 7) {
    return r_.MakeParseError("trailing bytes", std::to_string(r_.remaining()) +
                                                   " bytes after the last argument (at most 7 "
                                                   "alignment bytes are allowed)");
  }
  return ssp::Status::Ok();
}

void NdrWriter::Align(size_t n) { w_.WriteZeros(PadTo(w_.size(), n)); }

void NdrWriter::U16(uint16_t v) {
  Align(2);
  w_.WriteU16(v);
}

void NdrWriter::U32(uint32_t v) {
  Align(4);
  w_.WriteU32(v);
}

void NdrWriter::U64(uint64_t v) {
  Align(8);
  w_.WriteU64(v);
}

void NdrWriter::Pointer(bool present) {
  U32(present ? next_referent_ : 0);
  if (present) next_referent_ += 4;
}

void NdrWriter::ConformantArray(uint32_t count, ByteSpan bytes) {
  U32(count);
  if (count != 0 && bytes.size() / count > 1) Align(bytes.size() / count);
  Raw(bytes);
}

void NdrWriter::Utf16String(ByteSpan units) {
  const auto count = static_cast<uint32_t>(units.size() / 2);
  U32(count);
  U32(0);
  U32(count);
  Raw(units);
}

}  // namespace ntlm::harness::net::rpc
