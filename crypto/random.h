// random.h: the CSPRNG (OpenSSL RAND_bytes_ex on the private library context).
#pragma once

#include "crypto/bytes.h"

namespace ntlm::crypto {

// Fills `out` with cryptographically secure random bytes; false on failure
// (the caller must then fail, never fall back to weaker randomness).
bool RandomBytes(MutableByteSpan out);

}  // namespace ntlm::crypto
