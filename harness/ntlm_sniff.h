// ntlm_sniff.h: whether bytes look like an NTLMSSP message (the signature
// "NTLMSSP\0", ssp::kNtlmSignature): a sniff that picks a decoder, never a
// parse. The one place the harness and its network fronts test for it.
#pragma once

#include <algorithm>
#include <iterator>

#include "crypto/bytes.h"
#include "ssp/byte_reader.h"

namespace ntlm::harness {

inline bool StartsWithNtlmSignature(ByteSpan bytes) {
  return bytes.size() >= sizeof(ssp::kNtlmSignature) &&
         std::equal(std::begin(ssp::kNtlmSignature), std::end(ssp::kNtlmSignature), bytes.begin());
}

}  // namespace ntlm::harness
