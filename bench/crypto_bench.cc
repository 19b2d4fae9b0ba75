// crypto_bench.cc: throughput of the crypto/ primitives on the sign/seal path.
#include <benchmark/benchmark.h>

#include <array>

#include "crypto/init.h"
#include "crypto/md4.h"
#include "crypto/md5_block.h"
#include "crypto/rc4_md5_stitched.h"
#include "reference/openssl_md5.h"
#include "reference/openssl_rc4.h"

namespace ntlm::crypto {
namespace {

using reference::HmacMd5Hasher;
using reference::Md5;
using reference::Rc4;

// Fails the benchmark when the providers are missing, instead of timing zeros.
bool Ready(benchmark::State& state) {
  if (!Initialize().ok) state.SkipWithError(Initialize().message.c_str());
  return Initialize().ok;
}

void Finish(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_Md4(benchmark::State& state) {
  if (!Ready(state)) return;
  const Bytes data(static_cast<size_t>(state.range(0)), 0x5a);
  std::array<uint8_t, 16> out{};
  for (auto _ : state) {
    Md4(data, out);
    benchmark::DoNotOptimize(out);
  }
  Finish(state);
}

void BM_Md5(benchmark::State& state) {
  if (!Ready(state)) return;
  const Bytes data(static_cast<size_t>(state.range(0)), 0x5a);
  std::array<uint8_t, 16> out{};
  for (auto _ : state) {
    Md5(data, out);
    benchmark::DoNotOptimize(out);
  }
  Finish(state);
}

// One keyed hasher reused per message, as a session's signing key is.
void BM_HmacMd5(benchmark::State& state) {
  if (!Ready(state)) return;
  const Bytes key(16, 0x11);
  const Bytes data(static_cast<size_t>(state.range(0)), 0x5a);
  HmacMd5Hasher hmac(key);
  std::array<uint8_t, 16> out{};
  for (auto _ : state) {
    hmac.Update(data);
    hmac.Final(out);
    benchmark::DoNotOptimize(out);
  }
  Finish(state);
}

// One continuous stream, as a session's sealing handle is.
void BM_Rc4(benchmark::State& state) {
  if (!Ready(state)) return;
  Rc4 rc4(Bytes(16, 0x22));
  Bytes data(static_cast<size_t>(state.range(0)), 0x5a);
  for (auto _ : state) {
    rc4.ApplyInPlace(data);
    benchmark::DoNotOptimize(data.data());
  }
  Finish(state);
}

// Our own MD5 (crypto/md5_block.h), the core of the session-security path.
void BM_OwnMd5(benchmark::State& state) {
  const Bytes data(static_cast<size_t>(state.range(0)), 0x5a);
  std::array<uint8_t, 16> out{};
  for (auto _ : state) {
    Md5Stream s;
    s.Reset();
    s.Update(data.data(), data.size());
    s.Final(out.data());
    benchmark::DoNotOptimize(out);
  }
  Finish(state);
}

// Our own RC4 (crypto/rc4_md5_stitched.h), one continuous stream.
void BM_OwnRc4(benchmark::State& state) {
  Rc4State rc4;
  const Bytes key(16, 0x22);
  rc4.SetKey(key.data(), key.size());
  Bytes data(static_cast<size_t>(state.range(0)), 0x5a);
  for (auto _ : state) {
    rc4.Apply(data.data(), data.data(), data.size());
    benchmark::DoNotOptimize(data.data());
  }
  Finish(state);
}

// MD5 over the data stitched with RC4 over it (the seal's inner loop).
void BM_OwnMd5Rc4Stitched(benchmark::State& state) {
  Rc4State rc4;
  const Bytes key(16, 0x22);
  rc4.SetKey(key.data(), key.size());
  Bytes data(static_cast<size_t>(state.range(0)), 0x5a);
  std::array<uint8_t, 16> out{};
  for (auto _ : state) {
    Md5Stream s;
    s.Reset();
    Md5ThenRc4Update(s, rc4, data.data(), data.data(), data.size());
    s.Final(out.data());
    benchmark::DoNotOptimize(out);
  }
  Finish(state);
}

#define NTLM_CRYPTO_SIZES ->Arg(16)->Arg(64)->Arg(1024)->Arg(16384)
BENCHMARK(BM_Md4) NTLM_CRYPTO_SIZES;
BENCHMARK(BM_Md5) NTLM_CRYPTO_SIZES;
BENCHMARK(BM_HmacMd5) NTLM_CRYPTO_SIZES;
BENCHMARK(BM_Rc4) NTLM_CRYPTO_SIZES;
BENCHMARK(BM_OwnMd5) NTLM_CRYPTO_SIZES;
BENCHMARK(BM_OwnRc4) NTLM_CRYPTO_SIZES;
BENCHMARK(BM_OwnMd5Rc4Stitched) NTLM_CRYPTO_SIZES;
#undef NTLM_CRYPTO_SIZES

}  // namespace
}  // namespace ntlm::crypto
