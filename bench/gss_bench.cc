// gss_bench.cc: gss-ntlmssp through GSSAPI on in-process contexts, in the
// same run as our own benchmarks:
//   BM_GssWrap/<n>, BM_GssUnwrap/<n>, BM_GssGetMic/<n>  per-message calls on
//     an established context (gss_wrap with confidentiality, i.e. a seal);
//   BM_GssAccept  gss-ntlmssp's acceptor: gss_accept_sec_context on a
//     NEGOTIATE and on the AUTHENTICATE, then gss_delete_sec_context. The
//     client side (our ClientContext, real clock, as gss-ntlmssp checks the
//     timestamp) runs with the timer paused. gss-ntlmssp 1.2.0's acceptor
//     reads its accounts from the NTLM_USER_FILE password file (it has no
//     NT-hash store for the acceptor), so that is what is measured.
// Each benchmark fails (SkipWithError) when gss-ntlmssp is not installed.
#include <benchmark/benchmark.h>
#include <gssapi/gssapi.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "bench/bench_sizes.h"
#include "bench/gss_peer.h"
#include "ssp/client_context.h"
#include "ssp/environment.h"

namespace ntlm::bench {
namespace {

void Finish(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

bool Establish(benchmark::State& state, GssPair& pair) {
  std::string why;
  if (!pair.Establish(&why)) {
    state.SkipWithError(("gss-ntlmssp: " + why).c_str());
    return false;
  }
  return true;
}

void BM_GssWrap(benchmark::State& state) {
  GssPair pair;
  if (!Establish(state, pair)) return;
  Bytes msg(static_cast<size_t>(state.range(0)), 0x5a);
  for (auto _ : state) {
    OM_uint32 minor = 0;
    gss_buffer_desc in{msg.size(), msg.data()};
    gss_buffer_desc out{0, nullptr};
    int conf = 0;
    const OM_uint32 major =
        gss_wrap(&minor, pair.initiator(), 1, GSS_C_QOP_DEFAULT, &in, &conf, &out);
    if (major != GSS_S_COMPLETE || conf != 1) {
      state.SkipWithError(("gss_wrap: " + GssError(major, minor)).c_str());
      break;
    }
    benchmark::DoNotOptimize(out.value);
    gss_release_buffer(&minor, &out);
  }
  Finish(state);
}
BENCHMARK(BM_GssWrap)->Apply(MessageSizes);

void BM_GssGetMic(benchmark::State& state) {
  GssPair pair;
  if (!Establish(state, pair)) return;
  Bytes msg(static_cast<size_t>(state.range(0)), 0x5a);
  for (auto _ : state) {
    OM_uint32 minor = 0;
    gss_buffer_desc in{msg.size(), msg.data()};
    gss_buffer_desc out{0, nullptr};
    const OM_uint32 major = gss_get_mic(&minor, pair.initiator(), GSS_C_QOP_DEFAULT, &in, &out);
    if (major != GSS_S_COMPLETE) {
      state.SkipWithError(("gss_get_mic: " + GssError(major, minor)).c_str());
      break;
    }
    benchmark::DoNotOptimize(out.value);
    gss_release_buffer(&minor, &out);
  }
  Finish(state);
}
BENCHMARK(BM_GssGetMic)->Apply(MessageSizes);

// Tokens wrapped by the initiator with the timer paused, unwrapped in order.
void BM_GssUnwrap(benchmark::State& state) {
  GssPair pair;
  if (!Establish(state, pair)) return;
  const size_t n = static_cast<size_t>(state.range(0));
  Bytes msg(n, 0x5a);
  const size_t k = std::clamp<size_t>((size_t{64} << 10) / std::max<size_t>(n, 1), 16, 1024);
  std::vector<Bytes> tokens(k);
  size_t next = k;
  for (auto _ : state) {
    OM_uint32 minor = 0;
    if (next == k) {
      state.PauseTiming();
      for (auto& t : tokens) {
        gss_buffer_desc in{msg.size(), msg.data()};
        gss_buffer_desc out{0, nullptr};
        if (gss_wrap(&minor, pair.initiator(), 1, GSS_C_QOP_DEFAULT, &in, nullptr, &out) !=
            GSS_S_COMPLETE) {
          state.SkipWithError("peer gss_wrap failed");
        }
        const auto* p = static_cast<const uint8_t*>(out.value);
        t.assign(p, p + out.length);
        gss_release_buffer(&minor, &out);
      }
      next = 0;
      state.ResumeTiming();
    }
    gss_buffer_desc in{tokens[next].size(), tokens[next].data()};
    gss_buffer_desc out{0, nullptr};
    int conf = 0;
    gss_qop_t qop = 0;
    const OM_uint32 major = gss_unwrap(&minor, pair.acceptor(), &in, &out, &conf, &qop);
    if (major != GSS_S_COMPLETE || out.length != n) {
      state.SkipWithError(("gss_unwrap: " + GssError(major, minor)).c_str());
      break;
    }
    benchmark::DoNotOptimize(out.value);
    gss_release_buffer(&minor, &out);
    ++next;
  }
  Finish(state);
}
BENCHMARK(BM_GssUnwrap)->Apply(MessageSizes);

class WallClock final : public ssp::Clock {
 public:
  ssp::FileTime Now() const override {
    const auto since = std::chrono::system_clock::now().time_since_epoch();
    return ssp::kFileTimeUnixEpoch +
           static_cast<ssp::FileTime>(
               std::chrono::duration_cast<std::chrono::nanoseconds>(since).count() / 100);
  }
};

void BM_GssAccept(benchmark::State& state) {
  std::string why;
  if (!SetUpGssEnvironment(&why)) {
    state.SkipWithError(("gss-ntlmssp: " + why).c_str());
    return;
  }
  OM_uint32 minor = 0;
  gss_OID_set_desc mechs = {1, NtlmsspOid()};
  gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
  OM_uint32 major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_ACCEPT,
                                     &cred, nullptr, nullptr);
  if (major != GSS_S_COMPLETE) {
    state.SkipWithError(("acceptor credentials: " + GssError(major, minor)).c_str());
    return;
  }
  auto creds = ssp::ClientCredentials::FromPassword(kGssUser, kGssDomain, kGssPassword, "WS01");
  ssp::ClientPolicy policy;
  policy.target_name = "HTTP/server.contoso.test";
  const WallClock clock;
  ssp::SecureRandom random;
  for (auto _ : state) {
    state.PauseTiming();
    ssp::ClientContext client(*creds, policy, clock, random);
    auto negotiate = client.CreateNegotiate();
    state.ResumeTiming();
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc in{negotiate->size(), negotiate->data()};
    gss_buffer_desc challenge{0, nullptr};
    major = gss_accept_sec_context(&minor, &ctx, cred, &in, GSS_C_NO_CHANNEL_BINDINGS, nullptr,
                                   nullptr, &challenge, nullptr, nullptr, nullptr);
    if (major != GSS_S_CONTINUE_NEEDED) {
      state.SkipWithError(("accept NEGOTIATE: " + GssError(major, minor)).c_str());
      break;
    }
    state.PauseTiming();
    auto authenticate = client.ProcessChallenge(
        ByteSpan(static_cast<const uint8_t*>(challenge.value), challenge.length));
    gss_release_buffer(&minor, &challenge);
    if (!authenticate) {
      state.SkipWithError(("client: " + authenticate.error().reason).c_str());
      break;
    }
    state.ResumeTiming();
    gss_buffer_desc auth{authenticate->size(), authenticate->data()};
    gss_buffer_desc empty{0, nullptr};
    major = gss_accept_sec_context(&minor, &ctx, cred, &auth, GSS_C_NO_CHANNEL_BINDINGS, nullptr,
                                   nullptr, &empty, nullptr, nullptr, nullptr);
    gss_release_buffer(&minor, &empty);
    if (major != GSS_S_COMPLETE) {
      state.SkipWithError(("accept AUTHENTICATE: " + GssError(major, minor)).c_str());
      break;
    }
    gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
  }
  gss_release_cred(&minor, &cred);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_GssAccept);

}  // namespace
}  // namespace ntlm::bench
