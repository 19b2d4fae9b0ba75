// md4.cc: MD4 over OpenSSL 3 (private library context).
#include "crypto/md4.h"

#include <openssl/evp.h>

#include <cstring>

#include "crypto/internal/openssl_ctx.h"

namespace ntlm::crypto {

void Md4(ByteSpan data, Out16 out) {
  const internal::OpenSslContext* ctx = internal::Context();
  const EVP_MD* md = ctx != nullptr ? ctx->md4 : nullptr;
  unsigned int len = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 ||
      len != kDigest16) {
    std::memset(out.data(), 0, out.size());
    if (md != nullptr) internal::RecordFailure("OpenSSL EVP_Digest(MD4) failed");
  }
}

}  // namespace ntlm::crypto
