// bench_sizes.h: message sizes and NTLM flag profiles shared by the benches.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

#include "ssp/flags.h"

namespace ntlm::bench {

// The message sizes of every per-message benchmark.
inline void MessageSizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {16, 64, 256, 1024, 4096, 16384, 65536}) b->Arg(n);
}

inline constexpr uint32_t kBaseFlags =
    ssp::kNegotiateUnicode | ssp::kNegotiateNtlm | ssp::kNegotiateAlwaysSign | ssp::kNegotiateSign;
// The default profile: ESS + 128-bit + key exchange, sealing.
inline constexpr uint32_t kDefaultFlags = kBaseFlags | ssp::kNegotiateEss | ssp::kNegotiate128 |
                                          ssp::kNegotiateKeyExch | ssp::kNegotiateSeal;

// A fixed ExportedSessionKey (the benchmark measures per-message cost).
inline constexpr uint8_t kSessionKeyByte = 0x42;

}  // namespace ntlm::bench
