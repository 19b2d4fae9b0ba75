// net_fuzz_env.cc: see net_fuzz_env.h.
#include "tests/fuzz/net_fuzz_env.h"

#include "tests/fuzz/fuzz_support.h"

namespace ntlm::fuzz {
namespace {

// 2026-11-25T12:00:00Z as FILETIME.
constexpr ssp::FileTime kNow =
    ssp::kFileTimeUnixEpoch + 1795608000ULL * ssp::kFileTimeTicksPerSecond;

const ssp::InMemoryCredentialStore& Accounts() {
  static const ssp::InMemoryCredentialStore store = [] {
    ssp::InMemoryCredentialStore s;
    s.Add(ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!").value());
    return s;
  }();
  return store;
}

}  // namespace

NetFuzzEnv::NetFuzzEnv()
    : clock_(kNow),
      server_random_(Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef}),
      client_random_(Bytes{0xaa, 0xbb, 0xcc, 0xdd, 0x55}) {
  EnsureCryptoInitialized();
  ctx_.accounts = &Accounts();
  ctx_.clock = &clock_;
  ctx_.random = &server_random_;
  ctx_.policy.min_server_sec = 0;
}

std::unique_ptr<ssp::ClientContext> NetFuzzEnv::Client(ssp::ClientPolicy policy) {
  auto credentials = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
  FuzzCheck(credentials.ok(), "net env: client credentials");
  return std::make_unique<ssp::ClientContext>(*credentials, policy, clock_, client_random_);
}

}  // namespace ntlm::fuzz
