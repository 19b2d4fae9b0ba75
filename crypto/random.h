// random.h: the CSPRNG (OpenSSL RAND_bytes_ex on the private library context).
#pragma once

#include "crypto/bytes.h"

namespace ntlm::crypto {

// RandomBytes fills `out` with cryptographically secure random bytes (server
// challenge [MS-NLMP] 3.2.5.1.1, ExportedSessionKey 3.1.5.1.2). Returns false
// on failure, with `out` zeroed and crypto::HasFailed() set; the caller must
// then fail, never fall back to weaker randomness.
bool RandomBytes(MutableByteSpan out);

}  // namespace ntlm::crypto
