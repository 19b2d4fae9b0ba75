// rpc_verifier.h: the NTLMSSP auth verifier of a DCE/RPC request or response
// fragment at packet integrity or privacy (MS-RPCE 2.2.2.11, 3.3.1.5.2), the
// one layout both the server (rpc_session) and the client
// (rpc_client_session) protect and check: the headers before the stub, the
// stub (sealed at privacy, signed at integrity), then the sec_trailer. The
// headers and the sec_trailer are signed only when header signing was
// negotiated (PFC_SUPPORT_HEADER_SIGN), and the 16-byte signature follows the
// sec_trailer.
#pragma once

#include <cstddef>
#include <cstdint>

#include "crypto/bytes.h"
#include "ssp/session_security.h"
#include "ssp/status.h"

namespace ntlm::harness::net::rpc {

// The stub of a protected fragment is padded to this before the sec_trailer.
inline constexpr size_t kStubPadAlignment = 16;

// Where the protected parts of one fragment lie.
struct ProtectedFragment {
  size_t stub_offset = 0;      // the first stub byte (after the request/response header)
  size_t trailer_offset = 0;   // the sec_trailer (after the stub and its padding)
  bool seal = false;           // packet privacy: the stub is encrypted
  bool header_signed = false;  // headers and sec_trailer are covered by the checksum
};

// The most stub bytes one fragment of at most `max_xmit` bytes carries. A
// protected fragment leaves room for the sec_trailer and the signature and
// carries a multiple of kStubPadAlignment, so that no full fragment is padded.
size_t MaxStubPerFragment(size_t max_xmit, size_t stub_offset, bool protect);

// Seals or signs `fragment` in place (an encoded fragment whose verifier is 16
// zero bytes) and writes the signature after the sec_trailer.
ssp::Status ProtectFragment(ssp::SessionSecurity& security, MutableByteSpan fragment,
                            const ProtectedFragment& parts);

// Verifies `fragment` (the received bytes, copied: a sealed stub is decrypted
// in place) against `signature`.
ssp::Status UnprotectFragment(ssp::SessionSecurity& security, MutableByteSpan fragment,
                              const ProtectedFragment& parts, ssp::SignatureIn signature);

}  // namespace ntlm::harness::net::rpc
