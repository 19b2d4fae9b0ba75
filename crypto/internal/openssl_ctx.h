// openssl_ctx.h: the private OpenSSL 3 library context shared by crypto/*.cc.
//
// Not part of the public API: only crypto/*.cc and crypto's own tests include
// it. LoadProviders() builds a fresh private OSSL_LIB_CTX with the `default`
// and `legacy` providers and fetches every algorithm crypto/ uses, exactly
// once per context. Initialize() (crypto/init.h) calls it once for the process
// and keeps the result for the program's lifetime.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string_view>

#include "crypto/init.h"

namespace ntlm::crypto::internal {

// OpenSslContext owns one private library context, its two providers and the
// algorithms fetched from them. Every pointer is non-null in a context handed
// out by LoadProviders() with status.ok; the destructor releases them all.
struct OpenSslContext {
  OpenSslContext() = default;
  ~OpenSslContext();
  OpenSslContext(const OpenSslContext&) = delete;
  OpenSslContext& operator=(const OpenSslContext&) = delete;

  OSSL_LIB_CTX* libctx = nullptr;
  OSSL_PROVIDER* default_provider = nullptr;
  OSSL_PROVIDER* legacy_provider = nullptr;
  EVP_MD* md4 = nullptr;          // legacy provider
  EVP_MD* md5 = nullptr;          // default provider
  EVP_CIPHER* rc4 = nullptr;      // legacy provider
  EVP_CIPHER* des_ecb = nullptr;  // legacy provider
};

// LoadedContext is the result of LoadProviders(): `ctx` is non-null exactly
// when `status.ok`; otherwise `status.message` names what is missing.
struct LoadedContext {
  InitStatus status;
  std::unique_ptr<OpenSslContext> ctx;
};

// LoadProviders creates a NEW private OSSL_LIB_CTX, sets its provider search
// path to `modules_dir` (nullptr keeps OpenSSL's default: $OPENSSL_MODULES or
// the compiled-in modules directory), loads `default` and `legacy` and fetches
// MD4, MD5, RC4 and DES-ECB. Clears the calling thread's OpenSSL error queue.
// Tests call it with an empty directory to check the missing-provider message.
LoadedContext LoadProviders(const char* modules_dir);

// Context returns the process-wide context from Initialize(), or nullptr when
// initialization failed (and then records that failure, see HasFailed()).
const OpenSslContext* Context();

// RecordFailure sets the sticky failure flag of crypto/init.h; the first
// message is kept for FailureMessage().
void RecordFailure(std::string_view message);

}  // namespace ntlm::crypto::internal
