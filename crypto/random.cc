// random.cc: RAND_bytes_ex on the private library context.
#include "crypto/random.h"

#include <openssl/rand.h>

#include "crypto/internal/openssl_ctx.h"
#include "crypto/secret.h"

namespace ntlm::crypto {

bool RandomBytes(MutableByteSpan out) {
  if (out.empty()) return true;
  const internal::OpenSslContext* ossl = internal::Context();
  if (ossl != nullptr && RAND_bytes_ex(ossl->libctx, out.data(), out.size(), 0) == 1) return true;
  if (ossl != nullptr) internal::RecordFailure("OpenSSL RAND_bytes_ex failed");
  SecureZero(out);
  return false;
}

}  // namespace ntlm::crypto
