// rpc_verification_trailer.h: the security verification trailer a client
// may append to a request's stub (MS-RPCE 2.2.2.13), socket-free.
//
// Samba's client and Windows clients append it to authenticated requests:
// at a 4-byte aligned offset of the stub, the 8-byte magic
// 8A E3 13 71 02 F4 36 71, then commands {uint16 command, uint16 length,
// value}, the last one flagged SEC_VT_COMMAND_END (0x4000), ending exactly
// at the end of the stub. Commands: 1 BITMASK_1 (4 bytes: 1 = the client
// supports header signing), 2 PCONTEXT (the abstract and transfer syntax the
// call uses, 2 x 20 bytes), 3 HEADER2 (28 bytes: PTYPE, drep, call_id,
// context id, opnum). An unknown command flagged SEC_VT_MUST_PROCESS (0x8000)
// must be refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "crypto/bytes.h"
#include "harness/net/rpc_pdu.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

struct VerificationTrailer {
  size_t offset = 0;  // where it starts in the stub (the arguments end here)
  std::optional<uint32_t> bitmask1;
  std::optional<SyntaxId> abstract_syntax;
  std::optional<SyntaxId> transfer_syntax;
  bool header2 = false;
};

// Finds the trailer at the end of `stub`: the last 4-aligned magic whose
// commands end exactly at the end of the stub. nullopt when there is none
// (the whole stub is arguments); an error when a trailer is found but holds
// an unknown command flagged must-process.
ssp::Result<std::optional<VerificationTrailer>> FindVerificationTrailer(ByteSpan stub);

// Encodes a trailer with BITMASK_1 and PCONTEXT (what Samba's client sends),
// starting with the zero padding that 4-aligns it after `stub_size` bytes.
Bytes EncodeVerificationTrailer(size_t stub_size, uint32_t bitmask1,
                                const SyntaxId& abstract_syntax, const SyntaxId& transfer_syntax);

}  // namespace ntlm::harness::net::rpc
