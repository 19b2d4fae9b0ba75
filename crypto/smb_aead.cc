// smb_aead.cc: AES-128/256-CCM and AES-128/256-GCM over OpenSSL 3 (see smb_aead.h).
#include "crypto/smb_aead.h"

#include <openssl/evp.h>

#include <cstring>
#include <iterator>
#include <memory>

#include "crypto/internal/openssl_ctx.h"

namespace ntlm::crypto {
namespace {

struct CipherDeleter {
  void operator()(EVP_CIPHER* cipher) const { EVP_CIPHER_free(cipher); }
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

// What each cipher is, in AeadCipher's order: OpenSSL's name, key length,
// CCM (11-byte nonce) or GCM (12-byte nonce).
struct CipherInfo {
  const char* name;
  size_t key_size;
  bool ccm;
};
constexpr CipherInfo kCiphers[] = {{"AES-128-CCM", 16, true},
                                   {"AES-128-GCM", 16, false},
                                   {"AES-256-CCM", 32, true},
                                   {"AES-256-GCM", 32, false}};
static_assert(static_cast<size_t>(AeadCipher::kAes256Gcm) + 1 == std::size(kCiphers));

const CipherInfo& Info(AeadCipher cipher) { return kCiphers[static_cast<size_t>(cipher)]; }

// One CCM or GCM pass over `text` in place. `tag` is written (seal) or
// checked (open); false on a failure or a tag that does not verify.
bool Run(bool seal, AeadCipher cipher, ByteSpan key, ByteSpan nonce, ByteSpan aad,
         MutableByteSpan text, uint8_t* tag, bool& openssl_failed) {
  openssl_failed = true;
  const internal::OpenSslContext* context = internal::Context();
  if (context == nullptr || key.size() != AeadKeySize(cipher) ||
      nonce.size() != AeadNonceSize(cipher)) {
    return false;
  }
  std::unique_ptr<EVP_CIPHER, CipherDeleter> algorithm(
      EVP_CIPHER_fetch(context->libctx, Info(cipher).name, nullptr));
  std::unique_ptr<EVP_CIPHER_CTX, CipherDeleter> ctx(EVP_CIPHER_CTX_new());
  if (!algorithm || !ctx) return false;
  const bool ccm = Info(cipher).ccm;
  const int ivlen = static_cast<int>(nonce.size());
  const int taglen = static_cast<int>(kAeadTagSize);
  if (EVP_CipherInit_ex2(ctx.get(), algorithm.get(), nullptr, nullptr, seal ? 1 : 0, nullptr) !=
          1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_IVLEN, ivlen, nullptr) != 1) {
    return false;
  }
  // CCM fixes the tag length up front (and, opening, the expected tag).
  if (ccm &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, taglen, seal ? nullptr : tag) != 1) {
    return false;
  }
  if (EVP_CipherInit_ex2(ctx.get(), nullptr, key.data(), nonce.data(), -1, nullptr) != 1) {
    return false;
  }
  int n = 0;
  const int size = static_cast<int>(text.size());
  if (ccm && EVP_CipherUpdate(ctx.get(), nullptr, &n, nullptr, size) != 1) return false;
  if (!aad.empty() &&
      EVP_CipherUpdate(ctx.get(), nullptr, &n, aad.data(), static_cast<int>(aad.size())) != 1) {
    return false;
  }
  if (!ccm && !seal && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, taglen, tag) != 1) {
    return false;
  }
  openssl_failed = false;
  // Opening with CCM, a wrong tag fails here; with GCM, at the final step.
  if (EVP_CipherUpdate(ctx.get(), text.data(), &n, text.data(), size) != 1) return false;
  if (!ccm && EVP_CipherFinal_ex(ctx.get(), text.data() + n, &n) != 1) return false;
  if (seal) {
    openssl_failed = true;
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, taglen, tag) != 1) return false;
    openssl_failed = false;
  }
  return true;
}

}  // namespace

size_t AeadNonceSize(AeadCipher cipher) { return Info(cipher).ccm ? 11 : 12; }

size_t AeadKeySize(AeadCipher cipher) { return Info(cipher).key_size; }

bool AeadSeal(AeadCipher cipher, ByteSpan key, ByteSpan nonce, ByteSpan aad, MutableByteSpan text,
              std::span<uint8_t, kAeadTagSize> tag) {
  bool openssl_failed = false;
  if (Run(true, cipher, key, nonce, aad, text, tag.data(), openssl_failed)) return true;
  std::memset(text.data(), 0, text.size());
  std::memset(tag.data(), 0, tag.size());
  internal::RecordFailure("AEAD seal");
  return false;
}

bool AeadOpen(AeadCipher cipher, ByteSpan key, ByteSpan nonce, ByteSpan aad, MutableByteSpan text,
              std::span<const uint8_t, kAeadTagSize> tag) {
  uint8_t expected[kAeadTagSize];
  std::memcpy(expected, tag.data(), kAeadTagSize);
  bool openssl_failed = false;
  if (Run(false, cipher, key, nonce, aad, text, expected, openssl_failed)) return true;
  std::memset(text.data(), 0, text.size());
  if (openssl_failed) internal::RecordFailure("AEAD open");
  return false;
}

}  // namespace ntlm::crypto
