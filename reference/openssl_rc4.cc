// openssl_rc4.cc: reference RC4 streams over OpenSSL 3's legacy-provider "RC4"
// cipher, for tests and benches only.
#include "reference/openssl_rc4.h"

#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <cstring>

#include "crypto/internal/openssl_ctx.h"

namespace ntlm::reference {

namespace internal = crypto::internal;
namespace {

constexpr size_t kMaxKeySize = 256;  // RC4's key schedule uses at most 256 key bytes
constexpr size_t kMaxChunk = INT_MAX / 2;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }  // cleanses the schedule
};

}  // namespace

struct Rc4::State {
  std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter> ctx;
  bool keyed = false;
};

Rc4::Rc4() = default;
Rc4::Rc4(ByteSpan key) { SetKey(key); }
Rc4::~Rc4() = default;
Rc4::Rc4(Rc4&&) noexcept = default;
Rc4& Rc4::operator=(Rc4&&) noexcept = default;

void Rc4::SetKey(ByteSpan key) {
  if (state_ == nullptr) state_ = std::make_unique<State>();
  State& s = *state_;
  s.keyed = false;
  if (key.empty() || key.size() > kMaxKeySize) return;  // caller error: stays unkeyed
  const internal::OpenSslContext* ossl = internal::Context();
  if (ossl == nullptr) return;  // failure recorded by Context()
  if (s.ctx == nullptr) s.ctx.reset(EVP_CIPHER_CTX_new());
  EVP_CIPHER_CTX* ctx = s.ctx.get();
  // EVP's RC4 defaults to 16-byte keys: set the length before the key.
  const bool ok = ctx != nullptr &&
                  EVP_CipherInit_ex2(ctx, ossl->rc4, nullptr, nullptr, 1, nullptr) == 1 &&
                  EVP_CIPHER_CTX_set_key_length(ctx, static_cast<int>(key.size())) == 1 &&
                  EVP_CipherInit_ex2(ctx, nullptr, key.data(), nullptr, 1, nullptr) == 1;
  if (!ok) {
    internal::RecordFailure("OpenSSL could not key RC4");
    s.ctx.reset();
    return;
  }
  s.keyed = true;
}

bool Rc4::keyed() const { return state_ != nullptr && state_->keyed; }

bool Rc4::Apply(ByteSpan in, MutableByteSpan out) {
  const auto fail = [&] {
    if (!out.empty()) std::memset(out.data(), 0, out.size());
    return false;
  };
  if (!keyed() || in.size() != out.size()) return fail();
  EVP_CIPHER_CTX* ctx = state_->ctx.get();
  for (size_t done = 0; done < in.size();) {
    const size_t n = std::min(in.size() - done, kMaxChunk);
    int written = 0;
    if (EVP_CipherUpdate(ctx, out.data() + done, &written, in.data() + done, static_cast<int>(n)) !=
            1 ||
        static_cast<size_t>(written) != n) {
      internal::RecordFailure("OpenSSL RC4 EVP_CipherUpdate failed");
      state_->keyed = false;
      return fail();
    }
    done += n;
  }
  return true;
}

Bytes Rc4Once(ByteSpan key, ByteSpan data) {
  Bytes out(data.size());
  Rc4 rc4(key);
  rc4.Apply(data, out);  // zeroes `out` on failure
  return out;
}

}  // namespace ntlm::reference
