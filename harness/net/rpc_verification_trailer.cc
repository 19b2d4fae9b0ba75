// rpc_verification_trailer.cc: MS-RPCE 2.2.2.13 (see rpc_verification_trailer.h).
#include "harness/net/rpc_verification_trailer.h"

#include <algorithm>
#include <array>
#include <string>

#include "harness/net/rpc_ndr.h"

namespace ntlm::harness::net::rpc {

namespace {

constexpr std::array<uint8_t, 8> kMagic = {0x8A, 0xE3, 0x13, 0x71, 0x02, 0xF4, 0x36, 0x71};
constexpr uint16_t kCommandMask = 0x3FFF;
constexpr uint16_t kCommandEnd = 0x4000;
constexpr uint16_t kMustProcess = 0x8000;
constexpr uint16_t kBitmask1 = 1;
constexpr uint16_t kPcontext = 2;
constexpr uint16_t kHeader2 = 3;
constexpr size_t kSyntaxSize = 20;

SyntaxId ReadSyntax(ByteSpan bytes) {
  SyntaxId id;
  std::copy(bytes.begin(), bytes.begin() + 16, id.uuid.bytes.begin());
  id.major = static_cast<uint16_t>(bytes[16] | bytes[17] << 8);
  id.minor = static_cast<uint16_t>(bytes[18] | bytes[19] << 8);
  return id;
}

void WriteSyntax(NdrWriter& w, const SyntaxId& id) {
  w.Raw(id.uuid.bytes);
  w.U16(id.major);
  w.U16(id.minor);
}

// The commands after the magic at `offset`; nullopt when they do not end
// exactly at the end of the stub with an END command.
std::optional<ssp::Result<VerificationTrailer>> ParseAt(ByteSpan stub, size_t offset) {
  NdrReader r(stub.subspan(offset + kMagic.size()), "verification trailer");
  VerificationTrailer t;
  t.offset = offset;
  for (size_t count = 0; r.ok() && count < 16; ++count) {
    const uint16_t command = r.U16("command");
    const uint16_t length = r.U16("length");
    ByteSpan value = r.Raw(length, "value");
    if (!r.ok()) return std::nullopt;
    const uint16_t kind = command & kCommandMask;
    if (kind == kBitmask1 && length == 4) {
      t.bitmask1 = static_cast<uint32_t>(value[0] | value[1] << 8 | value[2] << 16 |
                                         static_cast<uint32_t>(value[3]) << 24);
    } else if (kind == kPcontext && length == 2 * kSyntaxSize) {
      t.abstract_syntax = ReadSyntax(value);
      t.transfer_syntax = ReadSyntax(value.subspan(kSyntaxSize));
    } else if (kind == kHeader2) {
      t.header2 = true;
    } else if (command & kMustProcess) {
      return ssp::Result<VerificationTrailer>(ssp::MakeError(
          ssp::SecStatus::kInvalidToken, "verification trailer: command " + std::to_string(kind) +
                                             " is flagged must-process but is not understood"));
    }
    if (command & kCommandEnd) {
      if (r.remaining() != 0) return std::nullopt;
      return ssp::Result<VerificationTrailer>(std::move(t));
    }
  }
  return std::nullopt;
}

}  // namespace

ssp::Result<std::optional<VerificationTrailer>> FindVerificationTrailer(ByteSpan stub) {
  if (stub.size() < kMagic.size()) return std::optional<VerificationTrailer>();
  for (size_t offset = (stub.size() - kMagic.size()) & ~size_t{3};; offset -= 4) {
    if (std::equal(kMagic.begin(), kMagic.end(), stub.begin() + offset)) {
      if (auto parsed = ParseAt(stub, offset)) {
        if (!parsed->ok()) return parsed->error();
        return std::optional<VerificationTrailer>(std::move(**parsed));
      }
    }
    if (offset < 4) break;
  }
  return std::optional<VerificationTrailer>();
}

Bytes EncodeVerificationTrailer(size_t stub_size, uint32_t bitmask1,
                                const SyntaxId& abstract_syntax, const SyntaxId& transfer_syntax) {
  NdrWriter w;  // alignment inside the trailer counts from its (4-aligned) start
  w.Raw(kMagic);
  w.U16(kBitmask1);
  w.U16(4);
  w.U32(bitmask1);
  w.U16(kPcontext | kCommandEnd);
  w.U16(2 * kSyntaxSize);
  WriteSyntax(w, abstract_syntax);
  WriteSyntax(w, transfer_syntax);
  Bytes out((4 - stub_size % 4) % 4, 0);
  const Bytes body = w.Finish();
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace ntlm::harness::net::rpc
