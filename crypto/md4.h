// md4.h: MD4 over OpenSSL 3 EVP ([RFC1320]; NTOWFv1 = MD4(UNICODE(password)),
// [MS-NLMP] 3.3.1), on the private library context of crypto/init.h. The
// product's MD5 and HMAC-MD5 are the inline ones of crypto/md5_block.h; the
// OpenSSL-backed MD5/HMAC-MD5/RC4 classes the tests and benches compare
// against live in reference/.
//
// Failure (see crypto/init.h): if initialization failed or OpenSSL fails, the
// output is 16 zero bytes and crypto::HasFailed() becomes true.
#pragma once

#include <cstdint>
#include <span>

#include "crypto/bytes.h"

namespace ntlm::crypto {

// kDigest16 is the output size of MD4, MD5 and HMAC-MD5.
inline constexpr size_t kDigest16 = 16;
// Out16 is the output parameter of a 16-byte digest.
using Out16 = std::span<uint8_t, 16>;

// Md4 writes MD4(data) ([RFC1320]).
void Md4(ByteSpan data, Out16 out);

}  // namespace ntlm::crypto
