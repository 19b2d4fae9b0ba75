// smb_mac.cc: HMAC-SHA256, AES-128-CMAC, SHA-512 and the SP800-108 KDF over
// OpenSSL 3 (see smb_mac.h).
#include "crypto/smb_mac.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <cstring>
#include <memory>

#include "crypto/internal/openssl_ctx.h"

namespace ntlm::crypto {
namespace {

OSSL_LIB_CTX* LibraryContext() {
  const internal::OpenSslContext* ctx = internal::Context();
  return ctx != nullptr ? ctx->libctx : nullptr;
}

// `out` zeroed; false (the failure was recorded where it happened).
bool Zeroed(MutableByteSpan out) {
  std::memset(out.data(), 0, out.size());
  return false;
}

bool Fail(MutableByteSpan out, const char* what) {
  internal::RecordFailure(what);
  return Zeroed(out);
}

struct MacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
template <typename T>
using Owned = std::unique_ptr<T, MacDeleter>;

}  // namespace

std::unique_ptr<KeyedMac> KeyedMac::Create(Algorithm algorithm, ByteSpan key) {
  const bool cmac = algorithm == Algorithm::kAesCmac128;
  if (cmac && key.size() != 16) {
    internal::RecordFailure("AES-128-CMAC key is not 16 bytes");
    return nullptr;
  }
  OSSL_LIB_CTX* libctx = LibraryContext();
  Owned<EVP_MAC> mac(libctx ? EVP_MAC_fetch(libctx, cmac ? "CMAC" : "HMAC", nullptr) : nullptr);
  if (!mac) {
    internal::RecordFailure("OpenSSL EVP_MAC_fetch failed");
    return nullptr;
  }
  char cipher[] = "AES-128-CBC";
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      cmac ? OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0)
           : OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_END};
  Owned<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(mac.get()));
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1) {
    internal::RecordFailure("OpenSSL EVP_MAC_init failed");
    return nullptr;
  }
  return std::unique_ptr<KeyedMac>(new KeyedMac(ctx.release()));
}

KeyedMac::~KeyedMac() { EVP_MAC_CTX_free(ctx_); }

bool KeyedMac::Compute(std::initializer_list<ByteSpan> pieces, MutableByteSpan out) {
  // A null key restarts the MAC under the key already set (OpenSSL 3's HMAC
  // and CMAC providers): nothing fetched or scheduled again.
  if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1) return Fail(out, "OpenSSL EVP_MAC_init failed");
  for (ByteSpan piece : pieces) {
    if (!piece.empty() && EVP_MAC_update(ctx_, piece.data(), piece.size()) != 1) {
      return Fail(out, "OpenSSL EVP_MAC_update failed");
    }
  }
  size_t written = 0;
  if (EVP_MAC_final(ctx_, out.data(), &written, out.size()) != 1 || written != out.size()) {
    return Fail(out, "OpenSSL EVP_MAC_final failed");
  }
  return true;
}

bool HmacSha256(ByteSpan key, std::initializer_list<ByteSpan> pieces,
                std::span<uint8_t, kHmacSha256Size> out) {
  auto mac = KeyedMac::Create(KeyedMac::Algorithm::kHmacSha256, key);
  return mac ? mac->Compute(pieces, out) : Zeroed(out);
}

bool AesCmac128(ByteSpan key, std::initializer_list<ByteSpan> pieces,
                std::span<uint8_t, kAesCmacSize> out) {
  auto mac = KeyedMac::Create(KeyedMac::Algorithm::kAesCmac128, key);
  return mac ? mac->Compute(pieces, out) : Zeroed(out);
}

bool Sha512(std::initializer_list<ByteSpan> pieces, std::span<uint8_t, kSha512Size> out) {
  OSSL_LIB_CTX* libctx = LibraryContext();
  if (libctx == nullptr) return Fail(out, "OpenSSL library context unavailable");
  Owned<EVP_MD> md(EVP_MD_fetch(libctx, "SHA512", nullptr));
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  if (!md || !ctx || EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) != 1) {
    return Fail(out, "OpenSSL SHA-512 initialisation failed");
  }
  for (ByteSpan piece : pieces) {
    if (!piece.empty() && EVP_DigestUpdate(ctx.get(), piece.data(), piece.size()) != 1) {
      return Fail(out, "OpenSSL SHA-512 update failed");
    }
  }
  unsigned int written = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &written) != 1 || written != out.size()) {
    return Fail(out, "OpenSSL SHA-512 final failed");
  }
  return true;
}

bool KdfCounterHmacSha256(ByteSpan key, ByteSpan label, ByteSpan context, MutableByteSpan out) {
  if (out.empty() || out.size() > 64) return Fail(out, "KDF output must be 1..64 bytes");
  OSSL_LIB_CTX* libctx = LibraryContext();
  if (libctx == nullptr) return Fail(out, "OpenSSL library context unavailable");
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(libctx, "KBKDF", nullptr));
  if (!kdf) return Fail(out, "OpenSSL EVP_KDF_fetch(KBKDF) failed");
  Owned<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf.get()));
  if (!ctx) return Fail(out, "OpenSSL EVP_KDF_CTX_new failed");
  char mode[] = "COUNTER";
  char mac[] = "HMAC";
  char digest[] = "SHA256";
  // KBKDF's defaults are the SMB 3 KDF: 32-bit counter (r), the 0x00
  // separator and the 32-bit L field.
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, mac, 0),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(key.data()),
                                        key.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<uint8_t*>(label.data()),
                                        label.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, const_cast<uint8_t*>(context.data()),
                                        context.size()),
      OSSL_PARAM_END};
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return Fail(out, "OpenSSL KBKDF derive failed");
  }
  return true;
}

}  // namespace ntlm::crypto
