// batch_bench.cc: BM_SealBatch/<n>: one SealBatch call seals one n-byte
// message for each of 16 independent sessions (default profile), on one
// core. Bytes and items count all 16 messages, so bytes_per_second is the
// aggregate, comparable with BM_SealLimit/<n>. The counters avx2 and avx512
// say which kernel the runtime dispatch chose (avx512 = 1: the AVX-512VL
// build of the 8-lane kernel).
#include <benchmark/benchmark.h>

#include <array>
#include <memory>
#include <vector>

#include "bench/bench_sizes.h"
#include "crypto/md5_multibuffer.h"
#include "ssp/seal_batch.h"
#include "ssp/session_security.h"

namespace ntlm::bench {
namespace {

constexpr size_t kSessions = 16;

void RunBatch(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::vector<std::unique_ptr<ssp::SessionSecurity>> sessions;
  std::vector<Bytes> bufs;
  std::vector<std::array<uint8_t, 16>> sigs(kSessions);
  std::vector<ssp::SealRequest> requests;
  for (size_t i = 0; i < kSessions; ++i) {
    crypto::Key16 key;
    for (size_t j = 0; j < key.size(); ++j) key[j] = static_cast<uint8_t>(i * 16 + j);
    sessions.push_back(std::make_unique<ssp::SessionSecurity>(kDefaultFlags, key, true));
    bufs.emplace_back(n, static_cast<uint8_t>(i));
  }
  for (size_t i = 0; i < kSessions; ++i) {
    requests.push_back(
        ssp::SealRequest{sessions[i].get(), bufs[i], bufs[i], ssp::SignatureOut(sigs[i])});
  }
  for (auto _ : state) {
    if (!ssp::SealBatch(requests)) {
      state.SkipWithError("SealBatch failed");
      break;
    }
    benchmark::DoNotOptimize(sigs.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * kSessions * n));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kSessions));
  state.counters["avx2"] = crypto::Md5x8HasAvx2() ? 1 : 0;
  state.counters["avx512"] = crypto::Md5x8HasAvx512() ? 1 : 0;
}

void BM_SealBatch(benchmark::State& state) { RunBatch(state); }
BENCHMARK(BM_SealBatch)->Apply(MessageSizes);

}  // namespace
}  // namespace ntlm::bench
