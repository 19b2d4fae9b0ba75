// openssl_md5.cc: reference MD5 and HMAC-MD5 over OpenSSL 3 (private library
// context), for tests and benches only.
//
// HmacMd5Hasher keeps its keyed states as OpenSSL's MD5_CTX structures (the
// low-level MD5 API, deprecated in OpenSSL 3 but shipped): restoring a keyed
// state is then a plain struct copy, while EVP_MD_CTX_copy_ex in OpenSSL 3.0
// allocates a new provider context on every copy. That keeps the per-message
// sign/seal path free of heap allocation (MS-NLMP session security runs one
// HMAC per message).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "reference/openssl_md5.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/md5.h>

#include <array>
#include <cstring>

#include "crypto/internal/openssl_ctx.h"
#include "crypto/secret.h"

namespace ntlm::reference {

namespace internal = crypto::internal;
using crypto::SecretArray;
namespace {

constexpr size_t kMd5BlockSize = 64;

void Zero(Out16 out) { std::memset(out.data(), 0, out.size()); }

// One-shot digest of `data` with `md` (nullptr when initialization failed).
void OneShot(const EVP_MD* md, ByteSpan data, Out16 out) {
  unsigned int len = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 ||
      len != kDigest16) {
    Zero(out);
    if (md != nullptr) internal::RecordFailure("OpenSSL EVP_Digest failed");
  }
}

const EVP_MD* Md5Algorithm() {
  const internal::OpenSslContext* ctx = internal::Context();
  return ctx != nullptr ? ctx->md5 : nullptr;
}

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }  // cleanses the state
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

// A fresh context initialised for MD5, or nullptr (failure recorded).
MdCtxPtr NewMd5Context() {
  const EVP_MD* md5 = Md5Algorithm();
  if (md5 == nullptr) return nullptr;
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), md5, nullptr) != 1) {
    internal::RecordFailure("OpenSSL could not initialise an MD5 context");
    return nullptr;
  }
  return ctx;
}

}  // namespace

void Md5(ByteSpan data, Out16 out) { OneShot(Md5Algorithm(), data, out); }

void HmacMd5(ByteSpan key, ByteSpan data, Out16 out) {
  HmacMd5Hasher hasher(key);
  hasher.Update(data);
  hasher.Final(out);
}

// ---------------------------------------------------------------- Md5Hasher

struct Md5Hasher::State {
  MdCtxPtr ctx;  // null when initialization failed
};

Md5Hasher::Md5Hasher() : state_(std::make_unique<State>()) { state_->ctx = NewMd5Context(); }
Md5Hasher::~Md5Hasher() = default;
Md5Hasher::Md5Hasher(Md5Hasher&&) noexcept = default;
Md5Hasher& Md5Hasher::operator=(Md5Hasher&&) noexcept = default;

void Md5Hasher::Update(ByteSpan data) {
  if (state_ == nullptr || state_->ctx == nullptr || data.empty()) return;
  if (EVP_DigestUpdate(state_->ctx.get(), data.data(), data.size()) != 1) {
    internal::RecordFailure("OpenSSL EVP_DigestUpdate(MD5) failed");
  }
}

void Md5Hasher::Final(Out16 out) {
  if (state_ == nullptr || state_->ctx == nullptr) return Zero(out);
  EVP_MD_CTX* ctx = state_->ctx.get();
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx, out.data(), &len) != 1 || len != kDigest16 ||
      EVP_DigestInit_ex2(ctx, nullptr, nullptr) != 1) {
    Zero(out);
    internal::RecordFailure("OpenSSL EVP_DigestFinal_ex(MD5) failed");
    state_->ctx.reset();
  }
}

// ------------------------------------------------------------ HmacMd5Hasher

// RFC 2104: HMAC(K, m) = MD5((K0 ^ opad) || MD5((K0 ^ ipad) || m)). `inner`
// and `outer` hold MD5 after absorbing the padded key block; `work` is the
// running inner hash of the current message. Each is a plain MD5_CTX, so
// starting a message or the outer hash is a struct copy, never a re-keying
// and never an allocation.
struct HmacMd5Hasher::State {
  MD5_CTX inner;
  MD5_CTX outer;
  MD5_CTX work;
  bool ok = false;
  ~State() { OPENSSL_cleanse(this, sizeof(*this)); }
};

HmacMd5Hasher::HmacMd5Hasher(ByteSpan key) : state_(std::make_unique<State>()) {
  State& s = *state_;
  // All-or-nothing with the providers: a failed Initialize() fails HMAC too.
  if (internal::Context() == nullptr) return;
  SecretArray<kMd5BlockSize> block;  // K0, zero-padded (wiped on scope exit)
  if (key.size() > kMd5BlockSize) {
    Md5(key, block.span().first<kDigest16>());
  } else if (!key.empty()) {
    std::memcpy(block.data(), key.data(), key.size());
  }
  SecretArray<kMd5BlockSize> pad;
  for (size_t i = 0; i < kMd5BlockSize; ++i) pad[i] = block[i] ^ 0x36;
  bool ok = MD5_Init(&s.inner) == 1 && MD5_Update(&s.inner, pad.data(), pad.size()) == 1;
  for (size_t i = 0; i < kMd5BlockSize; ++i) pad[i] = block[i] ^ 0x5c;
  ok = ok && MD5_Init(&s.outer) == 1 && MD5_Update(&s.outer, pad.data(), pad.size()) == 1;
  if (!ok) {
    internal::RecordFailure("OpenSSL could not key HMAC-MD5");
    return;
  }
  s.work = s.inner;
  s.ok = true;
}

HmacMd5Hasher::~HmacMd5Hasher() = default;  // State's destructor cleanses the keyed states
HmacMd5Hasher::HmacMd5Hasher(HmacMd5Hasher&&) noexcept = default;
HmacMd5Hasher& HmacMd5Hasher::operator=(HmacMd5Hasher&&) noexcept = default;

void HmacMd5Hasher::Update(ByteSpan data) {
  if (state_ == nullptr || !state_->ok || data.empty()) return;
  MD5_Update(&state_->work, data.data(), data.size());
}

void HmacMd5Hasher::Final(Out16 out) {
  if (state_ == nullptr || !state_->ok) return Zero(out);
  State& s = *state_;
  SecretArray<kDigest16> inner_hash;
  MD5_Final(inner_hash.data(), &s.work);
  MD5_CTX outer = s.outer;
  MD5_Update(&outer, inner_hash.data(), inner_hash.size());
  MD5_Final(out.data(), &outer);
  OPENSSL_cleanse(&outer, sizeof(outer));
  s.work = s.inner;  // ready for the next message
}

void HmacMd5Hasher::Reset() {
  if (state_ == nullptr || !state_->ok) return;
  state_->work = state_->inner;
}

}  // namespace ntlm::reference
