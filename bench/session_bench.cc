// session_bench.cc: our session security per message: BM_Seal, BM_Unseal,
// BM_Sign, BM_Verify for the default profile (ESS + 128-bit + key exchange)
// and the same with a suffix for the other keying schemes.
//
// Receiving needs messages the peer produced in order (sequence numbers, RC4
// stream): a pool of sealed messages / signatures is made by the peer with
// the timer paused and consumed in order, refilled when empty (at least 16
// and up to 4096 messages per refill, so the pause costs nothing measurable).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "bench/bench_sizes.h"
#include "crypto/secret.h"
#include "ssp/session_security.h"

namespace ntlm::bench {
namespace {

struct Profile {
  const char* suffix;
  uint32_t flags;
};

constexpr Profile kProfiles[] = {
    {"", kDefaultFlags},
    {"_SignOnly", kDefaultFlags & ~ssp::kNegotiateSeal},
    {"_NoKeyExch", kDefaultFlags & ~ssp::kNegotiateKeyExch},
    {"_56", (kDefaultFlags & ~ssp::kNegotiate128) | ssp::kNegotiate56},
    {"_40", kDefaultFlags & ~ssp::kNegotiate128},
    {"_NoEss", kDefaultFlags & ~ssp::kNegotiateEss},
};

crypto::Key16 SessionKey() {
  crypto::Key16 key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(kSessionKeyByte + i);
  return key;
}

size_t PoolSize(size_t n) {
  return std::clamp<size_t>((size_t{1} << 20) / std::max<size_t>(n, 1), 16, 4096);
}

void Finish(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void Seal(benchmark::State& state, uint32_t flags) {
  ssp::SessionSecurity client(flags, SessionKey(), /*is_server=*/false);
  Bytes buf(static_cast<size_t>(state.range(0)), 0x5a);
  std::array<uint8_t, 16> sig{};
  for (auto _ : state) {
    if (!client.Seal(buf, buf, sig)) {
      state.SkipWithError("Seal failed");
      break;
    }
    benchmark::DoNotOptimize(sig.data());
    benchmark::ClobberMemory();
  }
  Finish(state);
}

void Sign(benchmark::State& state, uint32_t flags) {
  ssp::SessionSecurity client(flags, SessionKey(), /*is_server=*/false);
  const Bytes msg(static_cast<size_t>(state.range(0)), 0x5a);
  std::array<uint8_t, 16> sig{};
  for (auto _ : state) {
    if (!client.Sign(msg, sig)) {
      state.SkipWithError("Sign failed");
      break;
    }
    benchmark::DoNotOptimize(sig.data());
  }
  Finish(state);
}

void Unseal(benchmark::State& state, uint32_t flags) {
  const size_t n = static_cast<size_t>(state.range(0));
  ssp::SessionSecurity client(flags, SessionKey(), /*is_server=*/false);
  ssp::SessionSecurity server(flags, SessionKey(), /*is_server=*/true);
  const size_t k = PoolSize(n);
  std::vector<uint8_t> pool(k * n);
  std::vector<std::array<uint8_t, 16>> sigs(k);
  size_t next = k;
  for (auto _ : state) {
    if (next == k) {
      state.PauseTiming();
      std::fill(pool.begin(), pool.end(), 0x5a);
      for (size_t i = 0; i < k; ++i) {
        const MutableByteSpan m(pool.data() + i * n, n);
        if (!client.Seal(m, m, sigs[i])) state.SkipWithError("peer Seal failed");
      }
      next = 0;
      state.ResumeTiming();
    }
    const MutableByteSpan m(pool.data() + next * n, n);
    if (!server.Unseal(m, sigs[next], m)) {
      state.SkipWithError("Unseal failed");
      break;
    }
    ++next;
  }
  Finish(state);
}

void Verify(benchmark::State& state, uint32_t flags) {
  const size_t n = static_cast<size_t>(state.range(0));
  ssp::SessionSecurity client(flags, SessionKey(), /*is_server=*/false);
  ssp::SessionSecurity server(flags, SessionKey(), /*is_server=*/true);
  const Bytes msg(n, 0x5a);
  const size_t k = 4096;
  std::vector<std::array<uint8_t, 16>> sigs(k);
  size_t next = k;
  for (auto _ : state) {
    if (next == k) {
      state.PauseTiming();
      for (auto& sig : sigs) {
        if (!client.Sign(msg, sig)) state.SkipWithError("peer Sign failed");
      }
      next = 0;
      state.ResumeTiming();
    }
    if (!server.Verify(msg, sigs[next])) {
      state.SkipWithError("Verify failed");
      break;
    }
    ++next;
  }
  Finish(state);
}

// Registers BM_<op><suffix>/<n> for every profile.
const bool kRegistered = [] {
  for (const Profile& p : kProfiles) {
    const uint32_t flags = p.flags;
    const bool seal = (flags & ssp::kNegotiateSeal) != 0;
    const std::string s = p.suffix;
    if (seal) {
      benchmark::RegisterBenchmark(("BM_Seal" + s).c_str(), Seal, flags)->Apply(MessageSizes);
      benchmark::RegisterBenchmark(("BM_Unseal" + s).c_str(), Unseal, flags)->Apply(MessageSizes);
    }
    benchmark::RegisterBenchmark(("BM_Sign" + s).c_str(), Sign, flags)->Apply(MessageSizes);
    benchmark::RegisterBenchmark(("BM_Verify" + s).c_str(), Verify, flags)->Apply(MessageSizes);
  }
  return true;
}();

}  // namespace
}  // namespace ntlm::bench
