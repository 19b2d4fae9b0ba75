// init.h: the private OpenSSL 3 library context, and how crypto/ fails.
//
// MD4, RC4 and single DES live in OpenSSL 3's `legacy` provider. Initialize()
// loads `default` and `legacy` into a private OSSL_LIB_CTX (never the global
// one), fetches every algorithm this library uses once, and reports a missing
// provider or algorithm by name. Every other function in crypto/ calls
// Initialize() itself on first use; programs call it at start-up to fail early
// with a clear message.
//
// Failure behaviour (no exceptions, no aborts): when Initialize() failed, or an
// OpenSSL call fails later (allocation failure), the affected function does
// not crash and never passes input through unprocessed:
//   - Md4/Md5/HmacMd5, Md5Hasher::Final, HmacMd5Hasher::Final, DesEncrypt56
//     write all-zero output;
//   - Rc4Once returns zeros of the input's size; Rc4::SetKey leaves the stream
//     unkeyed (keyed() == false) and Rc4::Apply returns false with `out` zeroed;
//   - RandomBytes returns false with `out` zeroed;
// and each such event sets the sticky HasFailed() flag. SecureZero,
// ConstantTimeEqual, Crc32 and the secret containers never need OpenSSL's
// providers and always work.
#pragma once

#include <string>

namespace ntlm::crypto {

// InitStatus is the result of loading the providers: ok == true, or a message
// that names the provider or algorithm that could not be loaded and what to
// install.
struct InitStatus {
  bool ok = false;
  std::string message;
};

// Initialize loads the providers and fetches the algorithms. Idempotent and
// thread-safe; the first call does the work, later calls return the same
// object. Honours OPENSSL_MODULES for the provider directory.
const InitStatus& Initialize();

// HasFailed is true once any crypto/ function could not do its work (see the
// file comment for what each one then outputs). Sticky: it never resets, so a
// caller can check it once after a sequence of operations. Thread-safe.
bool HasFailed();

// FailureMessage returns the message of the first failure ("" while
// !HasFailed()); for an initialization failure it is Initialize().message.
std::string FailureMessage();

}  // namespace ntlm::crypto
