// rpc_ndr.h: NDR 2.0 primitives (C706 chapter 14, MS-RPCE 2.2.5) for the
// stubs of the served DCE/RPC interfaces, socket-free.
//
// Only the representation every client we serve sends is handled: NDR32,
// little-endian integers, ASCII characters, IEEE floats (drep 10 00 00 00, as
// rpc_pdu.h accepts). Alignment is counted from the start of the stub, which
// begins at an 8-aligned offset of its PDU, so a primitive of size n is
// preceded by the padding that brings the stub offset to a multiple of n.
//
// NdrReader keeps the first error ("sticky"): after one failed read every
// further read returns zero or an empty view, and Finish() reports the first
// failure as SEC_E_INVALID_TOKEN naming the field and the stub offset. Untrusted
// bytes are read only through ssp::ByteReader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "ssp/byte_reader.h"
#include "ssp/byte_writer.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

// Referent ids written for non-null embedded/unique pointers (any non-zero
// value is valid; this is the value Samba and Windows start with).
inline constexpr uint32_t kNdrFirstReferentId = 0x00020000;

class NdrReader {
 public:
  // `context` (e.g. "rpcecho.TestCall request") prefixes errors; it must
  // outlive the reader (string literals in practice).
  NdrReader(ByteSpan stub, std::string_view context);

  uint8_t U8(std::string_view what);
  uint16_t U16(std::string_view what);  // aligned to 2
  uint32_t U32(std::string_view what);  // aligned to 4
  uint64_t U64(std::string_view what);  // aligned to 8 (hyper)
  // `n` raw bytes (no alignment).
  ByteSpan Raw(size_t n, std::string_view what);
  // Skips to the next multiple of `n` bytes from the stub start.
  void Align(size_t n);
  // A unique/full pointer's referent id: 0 is NULL.
  uint32_t Pointer(std::string_view what) { return U32(what); }
  // A conformant array of `element_size`-byte elements preceded by its
  // max_count, which must equal `expected` (the size_is value) when given.
  ByteSpan ConformantArray(size_t element_size, std::optional<uint32_t> expected,
                           std::string_view what);
  // A [string] conformant varying array of UTF-16 code units (max_count,
  // offset 0, actual_count <= max_count, then the units): the units, the
  // terminating zero included.
  ByteSpan Utf16String(std::string_view what);

  // Records a semantic error found by the caller (first error wins).
  void Fail(std::string_view what, std::string_view detail);
  bool ok() const { return !error_.has_value(); }
  size_t remaining() const { return r_.remaining(); }
  // The first error, else OK when at most 7 bytes (alignment) remain.
  ssp::Status Finish();

 private:
  bool Take(size_t n, std::string_view what);

  ssp::ByteReader r_;
  std::optional<ssp::Error> error_;
};

class NdrWriter {
 public:
  void U8(uint8_t v) { w_.WriteU8(v); }
  void U16(uint16_t v);
  void U32(uint32_t v);
  void U64(uint64_t v);
  void Raw(ByteSpan bytes) { w_.WriteBytes(bytes); }
  void Align(size_t n);
  // A unique pointer's referent id (NULL when `present` is false); each
  // non-null pointer gets the next id.
  void Pointer(bool present);
  // max_count followed by the elements (`bytes` holds them encoded).
  void ConformantArray(uint32_t count, ByteSpan bytes);
  // A [string] conformant varying UTF-16 array (`units` includes the
  // terminating zero; its size is even).
  void Utf16String(ByteSpan units);
  size_t size() const { return w_.size(); }
  Bytes Finish() { return w_.Finish(); }

 private:
  ssp::ByteWriter w_;
  uint32_t next_referent_ = kNdrFirstReferentId;
};

}  // namespace ntlm::harness::net::rpc
