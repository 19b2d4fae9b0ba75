// exchange.h: per-message interoperability checks between an established
// gss-ntlmssp context and our ssp::SessionSecurity for the other side.
//
// Token formats (gss-ntlmssp 1.2.0, gss_signseal.c):
//   gss_wrap    -> NTLMSSP_MESSAGE_SIGNATURE (16 bytes) || RC4 ciphertext
//                  (same length as the plaintext); the token is sealed even
//                  when conf_req_flag is 0 or SEAL was not negotiated.
//   gss_get_mic -> NTLMSSP_MESSAGE_SIGNATURE (16 bytes).
// Our side splits / builds exactly that layout.
#pragma once

#include <cstddef>
#include <vector>

#include "ssp/session_security.h"
#include "tests/interop/gss_util.h"

namespace ntlm::interop {

// The message sizes every exchange covers.
inline const std::vector<size_t> kMessageSizes = {1, 16, 1000, 16384};

enum class Ordering {
  // Extended session security: each direction has its own keys, RC4 handle
  // and sequence number, so both peers produce several messages before the
  // other consumes them (production and consumption interleaved across
  // directions; per-direction order kept, as a connection keeps it).
  kInterleaved,
  // No ESS (MS-NLMP 3.4.4.1): one RC4 handle and sequence space for both
  // directions ("half-duplex"), so every message is consumed before the next
  // one is produced, by either side.
  kLockstep,
};

struct ExchangeOptions {
  Ordering ordering = Ordering::kInterleaved;
  // Also run gss_wrap/gss_unwrap (false: sign/verify only).
  bool wrap = true;
  // After the exchange, flip one bit of a sealed token in each direction
  // and expect the receiver to refuse it (the contexts are then spent).
  bool tamper_at_end = true;
};

// Runs, for every size in kMessageSizes, gss_wrap -> our Unseal, our Seal ->
// gss_unwrap, gss_get_mic -> our Verify and our Sign -> gss_verify_mic,
// checking the plaintexts, the token layout and the sequence numbers. Uses
// GoogleTest assertions; the caller checks HasFailure().
void ExchangeMessages(const GssContext& gss, ssp::SessionSecurity& ours,
                      const ExchangeOptions& options);

}  // namespace ntlm::interop
