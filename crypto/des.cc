// des.cc: MS-NLMP's DES() over OpenSSL 3's legacy-provider "DES-ECB".
#include "crypto/des.h"

#include <openssl/evp.h>

#include <bit>
#include <cstring>
#include <memory>

#include "crypto/internal/openssl_ctx.h"
#include "crypto/secret.h"

namespace ntlm::crypto {
namespace {

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

}  // namespace

void DesKey56To64(std::span<const uint8_t, 7> key7, std::span<uint8_t, 8> key8) {
  // Treat the key as a 56-bit big-endian number and take seven bits at a time.
  uint64_t bits = 0;
  for (uint8_t b : key7) bits = (bits << 8) | b;
  for (size_t i = 0; i < 8; ++i) {
    const auto seven = static_cast<uint8_t>((bits >> (49 - 7 * i)) & 0x7f);
    const uint8_t parity = (std::popcount(seven) % 2 == 0) ? 1 : 0;  // make the byte's popcount odd
    key8[i] = static_cast<uint8_t>((seven << 1) | parity);
  }
  SecureZero(MutableByteSpan(reinterpret_cast<uint8_t*>(&bits), sizeof(bits)));
}

void DesEncrypt56(std::span<const uint8_t, 7> key7, std::span<const uint8_t, 8> block,
                  std::span<uint8_t, 8> out) {
  SecretArray<8> key8;
  DesKey56To64(key7, key8.span());
  uint8_t result[8] = {};
  bool ok = false;
  if (const internal::OpenSslContext* ossl = internal::Context(); ossl != nullptr) {
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx(EVP_CIPHER_CTX_new());
    int written = 0;
    ok = ctx != nullptr &&
         EVP_EncryptInit_ex2(ctx.get(), ossl->des_ecb, key8.data(), nullptr, nullptr) == 1 &&
         EVP_CIPHER_CTX_set_padding(ctx.get(), 0) == 1 &&
         EVP_EncryptUpdate(ctx.get(), result, &written, block.data(), 8) == 1 && written == 8;
    if (!ok) internal::RecordFailure("OpenSSL DES-ECB encryption failed");
  }
  if (!ok) std::memset(result, 0, sizeof(result));
  std::memcpy(out.data(), result, sizeof(result));
  SecureZero(MutableByteSpan(result, sizeof(result)));
}

}  // namespace ntlm::crypto
