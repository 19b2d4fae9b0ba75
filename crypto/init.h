// init.h: the private OpenSSL 3 library context.
//
// MD4, RC4 and single DES live in OpenSSL 3's `legacy` provider. Initialize()
// loads `default` and `legacy` into a private OSSL_LIB_CTX (never the global
// one), fetches every algorithm this library uses once, and reports a missing
// provider or algorithm by name. Every other function in crypto/ calls
// Initialize() itself on first use; programs call it at start-up to fail early
// with a clear message.
#pragma once

#include <string>

namespace ntlm::crypto {

// Result of loading the providers: ok == true, or a message that names the
// provider or algorithm that could not be loaded and what to install.
struct InitStatus {
  bool ok = false;
  std::string message;
};

// Idempotent and thread-safe; the first call does the work.
const InitStatus& Initialize();

}  // namespace ntlm::crypto
