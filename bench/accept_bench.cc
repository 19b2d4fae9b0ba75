// accept_bench.cc: BM_Accept, our full server side of one NTLMv2 handshake
// through ServerContext's real AcceptNegotiate and AcceptAuthenticate:
// NEGOTIATE in, CHALLENGE out, AUTHENTICATE verified (NTProofStr, MIC over
// the three messages, target info echo, timestamp), ExportedSessionKey
// recovered, then the session's signing/sealing keys derived and its RC4
// handles keyed (SessionSecurity), as a server does before the first message.
//
// The server's clock and randomness are fixed, so every iteration's CHALLENGE
// is the same and one AUTHENTICATE, made once by our ClientContext before the
// loop, answers all of them; each iteration is a fresh ServerContext that
// verifies it from scratch against an NT-hash account store.
#include <benchmark/benchmark.h>

#include <optional>

#include "bench/bench_sizes.h"
#include "ssp/client_context.h"
#include "ssp/credentials.h"
#include "ssp/environment.h"
#include "ssp/server_context.h"
#include "ssp/session_security.h"

namespace ntlm::bench {
namespace {

constexpr ssp::FileTime kNow = 133500000000000000ULL;  // 2024-01-21

Bytes FixedBytes() {
  Bytes b(64);
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(0x30 + i);
  return b;
}

void BM_Accept(benchmark::State& state) {
  const ssp::FixedClock clock(kNow);
  auto account = ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!");
  if (!account) {
    state.SkipWithError("account");
    return;
  }
  ssp::InMemoryCredentialStore store;
  store.Add(*account);  // holds the NT hash only (the password is not kept)
  const ssp::ServerIdentity identity;
  const ssp::ServerPolicy policy;

  // One client run against a server with the same fixed clock and random.
  ssp::FixedRandom client_random(Bytes(8, 0x77));
  auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
  if (!creds) {
    state.SkipWithError("client credentials");
    return;
  }
  ssp::ClientPolicy client_policy;
  client_policy.target_name = "HTTP/srv01.contoso.test";
  ssp::ClientContext client(*creds, client_policy, clock, client_random);
  auto negotiate = client.CreateNegotiate();
  ssp::FixedRandom setup_random(FixedBytes());
  ssp::ServerContext setup(identity, policy, store, clock, setup_random);
  auto challenge =
      negotiate ? setup.AcceptNegotiate(*negotiate) : ssp::Result<Bytes>(negotiate.error());
  auto authenticate =
      challenge ? client.ProcessChallenge(*challenge) : ssp::Result<Bytes>(challenge.error());
  if (!authenticate) {
    state.SkipWithError(("handshake setup: " + authenticate.error().reason).c_str());
    return;
  }
  if (!client.mic_sent()) {
    state.SkipWithError("the client sent no MIC");
    return;
  }

  for (auto _ : state) {
    ssp::FixedRandom random(FixedBytes());
    ssp::ServerContext server(identity, policy, store, clock, random);
    auto chal = server.AcceptNegotiate(*negotiate);
    auto result = chal ? server.AcceptAuthenticate(*authenticate)
                       : ssp::Result<ssp::ServerResult>(chal.error());
    if (!result || !result->mic_verified) {
      state.SkipWithError(result ? "MIC not verified" : result.error().reason.c_str());
      break;
    }
    ssp::SessionSecurity security(result->negotiated_flags, result->exported_session_key,
                                  /*is_server=*/true);
    benchmark::DoNotOptimize(security);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Accept);

}  // namespace
}  // namespace ntlm::bench
