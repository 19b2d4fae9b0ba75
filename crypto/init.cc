// init.cc: loads the private OpenSSL library context and keeps the sticky
// failure flag (see crypto/init.h).
#include "crypto/init.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <string>
#include <string_view>

#include "crypto/internal/openssl_ctx.h"

namespace ntlm::crypto {
namespace internal {
namespace {

// The first (root-cause) OpenSSL error queued on this thread, with its detail
// text, as " [OpenSSL: ...]" ("" if none); clears the thread's error queue so
// the failure does not leak into later callers.
std::string TakeOpenSslError() {
  const char* data = nullptr;
  int flags = 0;
  const unsigned long code = ERR_get_error_all(nullptr, nullptr, nullptr, &data, &flags);
  std::string text;
  if (code != 0) {
    const char* reason = ERR_reason_error_string(code);
    text = std::string(" [OpenSSL: ") + (reason != nullptr ? reason : "unknown error");
    if (data != nullptr && (flags & ERR_TXT_STRING) != 0 && *data != '\0')
      text += std::string(": ") + data;
    text += "]";
  }
  ERR_clear_error();
  return text;
}

// The directory OpenSSL searches for provider modules.
std::string ModulesDir(const char* modules_dir) {
  if (modules_dir != nullptr) return modules_dir;
  if (const char* env = std::getenv("OPENSSL_MODULES"); env != nullptr) return env;
  const char* built_in = OPENSSL_info(OPENSSL_INFO_MODULES_DIR);
  return built_in != nullptr ? built_in : "?";
}

LoadedContext Fail(std::string message) {
  LoadedContext result;
  result.status.ok = false;
  result.status.message = std::move(message) + TakeOpenSslError();
  return result;
}

struct FailureState {
  std::mutex mutex;
  std::atomic<bool> failed{false};
  std::string message;  // guarded by mutex
};

FailureState& Failures() {
  static FailureState* const state = new FailureState;  // never destroyed: usable at exit
  return *state;
}

const LoadedContext& Loaded() {
  // Thread-safe one-time initialization; intentionally never destroyed so
  // crypto/ stays usable from other static destructors.
  static const LoadedContext* const loaded = new LoadedContext(LoadProviders(nullptr));
  return *loaded;
}

}  // namespace

OpenSslContext::~OpenSslContext() {
  EVP_CIPHER_free(des_ecb);
  EVP_CIPHER_free(rc4);
  EVP_MD_free(md5);
  EVP_MD_free(md4);
  if (legacy_provider != nullptr) OSSL_PROVIDER_unload(legacy_provider);
  if (default_provider != nullptr) OSSL_PROVIDER_unload(default_provider);
  OSSL_LIB_CTX_free(libctx);
}

LoadedContext LoadProviders(const char* modules_dir) {
  ERR_clear_error();
  auto ctx = std::make_unique<OpenSslContext>();
  ctx->libctx = OSSL_LIB_CTX_new();
  if (ctx->libctx == nullptr) {
    return Fail("OpenSSL could not create a private library context (out of memory?)");
  }
  if (modules_dir != nullptr &&
      OSSL_PROVIDER_set_default_search_path(ctx->libctx, modules_dir) != 1) {
    return Fail(std::string("OpenSSL could not set the provider search path to ") + modules_dir);
  }
  ctx->default_provider = OSSL_PROVIDER_load(ctx->libctx, "default");
  if (ctx->default_provider == nullptr) {
    return Fail(
        "OpenSSL 'default' provider could not be loaded (needed for MD5, HMAC-MD5, random "
        "numbers): install libssl3");
  }
  ctx->legacy_provider = OSSL_PROVIDER_load(ctx->libctx, "legacy");
  if (ctx->legacy_provider == nullptr) {
    return Fail("OpenSSL 'legacy' provider could not be loaded from " + ModulesDir(modules_dir) +
                " (needed for MD4, RC4, DES): install libssl3 / check OPENSSL_MODULES");
  }
  const auto missing = [](const char* algorithm, const char* provider) {
    return Fail(std::string("OpenSSL algorithm '") + algorithm +
                "' is not available (expected from the '" + provider +
                "' provider): install libssl3 / check OPENSSL_MODULES");
  };
  if ((ctx->md4 = EVP_MD_fetch(ctx->libctx, "MD4", nullptr)) == nullptr) {
    return missing("MD4", "legacy");
  }
  if ((ctx->md5 = EVP_MD_fetch(ctx->libctx, "MD5", nullptr)) == nullptr) {
    return missing("MD5", "default");
  }
  if ((ctx->rc4 = EVP_CIPHER_fetch(ctx->libctx, "RC4", nullptr)) == nullptr) {
    return missing("RC4", "legacy");
  }
  if ((ctx->des_ecb = EVP_CIPHER_fetch(ctx->libctx, "DES-ECB", nullptr)) == nullptr) {
    return missing("DES-ECB", "legacy");
  }
  LoadedContext result;
  result.status.ok = true;
  result.ctx = std::move(ctx);
  return result;
}

const OpenSslContext* Context() {
  const LoadedContext& loaded = Loaded();
  if (!loaded.status.ok) {
    RecordFailure(loaded.status.message);
    return nullptr;
  }
  return loaded.ctx.get();
}

void RecordFailure(std::string_view message) {
  FailureState& state = Failures();
  if (state.failed.load(std::memory_order_acquire)) return;
  std::lock_guard<std::mutex> lock(state.mutex);
  if (state.failed.load(std::memory_order_relaxed)) return;
  state.message = std::string(message);
  state.failed.store(true, std::memory_order_release);
}

}  // namespace internal

const InitStatus& Initialize() {
  const InitStatus& status = internal::Loaded().status;
  if (!status.ok) internal::RecordFailure(status.message);
  return status;
}

bool HasFailed() { return internal::Failures().failed.load(std::memory_order_acquire); }

std::string FailureMessage() {
  internal::FailureState& state = internal::Failures();
  std::lock_guard<std::mutex> lock(state.mutex);
  return state.message;
}

}  // namespace ntlm::crypto
