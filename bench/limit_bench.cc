// limit_bench.cc: the reference points our benchmarks are compared with in
// the same run, built from OpenSSL 3's own primitives (its assembly MD5 and
// RC4 on x86-64):
//   BM_SealLimit/<n>         the sequential limit of one NTLM seal: HMAC-MD5
//                            with precomputed ipad/opad states over
//                            SeqNum || message, RC4 over the message, RC4
//                            over the 8-byte checksum (MS-NLMP 3.4.3/3.4.4.2);
//   BM_OpenSSLStitched/<n>   EVP "RC4-HMAC-MD5" (OpenSSL's stitched RC4+MD5
//                            cipher, legacy provider) over n bytes;
//   BM_AcceptCryptoLimit     the crypto alone of a server-side handshake:
//                            34 MD5 compressions + 3 RC4 key schedules.
// The low-level MD5/RC4 calls are deprecated in OpenSSL 3 but are its fastest
// entry points (no EVP dispatch), which is what a limit should use.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <openssl/md5.h>
#include <openssl/provider.h>
#include <openssl/rc4.h>

#include <array>
#include <cstring>
#include <vector>

#include "bench/bench_sizes.h"

namespace ntlm::bench {
namespace {

void Finish(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// HMAC-MD5 keyed states, precomputed once (as a session keeps them).
struct HmacStates {
  MD5_CTX inner;
  MD5_CTX outer;
  explicit HmacStates(const uint8_t key[16]) {
    uint8_t pad[64];
    for (size_t i = 0; i < 64; ++i) pad[i] = static_cast<uint8_t>((i < 16 ? key[i] : 0) ^ 0x36);
    MD5_Init(&inner);
    MD5_Update(&inner, pad, 64);
    for (size_t i = 0; i < 64; ++i) pad[i] = static_cast<uint8_t>((i < 16 ? key[i] : 0) ^ 0x5c);
    MD5_Init(&outer);
    MD5_Update(&outer, pad, 64);
  }
};

void BM_SealLimit(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  uint8_t key[16];
  std::memset(key, 0x11, sizeof key);
  const HmacStates hmac(key);
  RC4_KEY rc4;
  RC4_set_key(&rc4, 16, key);
  std::vector<uint8_t> buf(n, 0x5a);
  uint8_t sig[16] = {1, 0, 0, 0};
  uint32_t seq = 0;
  for (auto _ : state) {
    MD5_CTX ctx = hmac.inner;
    uint8_t seq_le[4];
    std::memcpy(seq_le, &seq, 4);
    MD5_Update(&ctx, seq_le, 4);
    MD5_Update(&ctx, buf.data(), n);
    uint8_t digest[16];
    MD5_Final(digest, &ctx);
    ctx = hmac.outer;
    MD5_Update(&ctx, digest, 16);
    MD5_Final(digest, &ctx);
    RC4(&rc4, n, buf.data(), buf.data());
    RC4(&rc4, 8, digest, sig + 4);
    std::memcpy(sig + 12, seq_le, 4);
    ++seq;
    benchmark::DoNotOptimize(sig);
    benchmark::ClobberMemory();
  }
  Finish(state);
}
BENCHMARK(BM_SealLimit)->Apply(MessageSizes);

void BM_OpenSSLStitched(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  if (OSSL_PROVIDER_load(nullptr, "legacy") == nullptr ||
      OSSL_PROVIDER_load(nullptr, "default") == nullptr) {
    state.SkipWithError("OpenSSL legacy provider (RC4-HMAC-MD5) not available");
    return;
  }
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "RC4-HMAC-MD5", nullptr);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  uint8_t key[16];
  std::memset(key, 0x11, sizeof key);
  if (cipher == nullptr || ctx == nullptr ||
      EVP_EncryptInit_ex2(ctx, cipher, key, nullptr, nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_MAC_KEY, 16, key) <= 0) {
    state.SkipWithError("cannot set up EVP RC4-HMAC-MD5");
  } else {
    std::vector<uint8_t> buf(n, 0x5a);
    for (auto _ : state) {
      int out_len = 0;
      if (EVP_EncryptUpdate(ctx, buf.data(), &out_len, buf.data(), static_cast<int>(n)) != 1) {
        state.SkipWithError("EVP_EncryptUpdate failed");
        break;
      }
      benchmark::DoNotOptimize(buf.data());
      benchmark::ClobberMemory();
    }
    Finish(state);
  }
  EVP_CIPHER_CTX_free(ctx);
  EVP_CIPHER_free(cipher);
}
BENCHMARK(BM_OpenSSLStitched)->Apply(MessageSizes);

// A server-side NTLMv2 handshake's crypto, counted in MD5 compressions (each
// HMAC-MD5 over m bytes costs ceil((m + 9) / 64) + 3 with its keying, each
// MD5 ceil((m + 9) / 64)) and RC4 key schedules: NTOWFv2 and NTProofStr
// HMACs, SessionBaseKey, the ExportedSessionKey's RC4, the MIC over the three
// messages, SIGNKEY/SEALKEY per direction and two sealing handles: about 34
// compressions and 3 key schedules (the reference figure).
void BM_AcceptCryptoLimit(benchmark::State& state) {
  constexpr int kCompressions = 34;
  constexpr int kKeySchedules = 3;
  uint8_t block[64];
  std::memset(block, 0x5a, sizeof block);
  uint8_t key[16];
  std::memset(key, 0x11, sizeof key);
  for (auto _ : state) {
    MD5_CTX ctx;
    MD5_Init(&ctx);
    for (int i = 0; i < kCompressions; ++i) MD5_Transform(&ctx, block);
    RC4_KEY rc4[kKeySchedules];
    for (auto& r : rc4) RC4_set_key(&r, 16, key);
    benchmark::DoNotOptimize(ctx);
    benchmark::DoNotOptimize(rc4);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_AcceptCryptoLimit);

}  // namespace
}  // namespace ntlm::bench
