// server_target.cc: the acceptor (ssp::ServerContext) under arbitrary token
// sequences, with a deterministic environment (FixedClock, FixedRandom, an
// in-memory account store).
//
// Input layout (every input is valid; missing bytes read as zero):
//   byte 0  policy: bits 0-1 NtlmMinServerSec {0, 128-bit, 128-bit|SEAL|SIGN|ESS,
//           ESS}, bits 2-4 lm_compat_level (mod 6), bit 5 require_mic,
//           bit 6 allow_anonymous, bit 7 no timestamp check
//   byte 1  bits 0-1 mode, bits 2-4 client profile (modes 1 and 2)
//   mode 0  tokens, each a u16 little-endian length then its bytes, fed to
//           Step() in order (a CHALLENGE while awaiting the AUTHENTICATE is
//           given to AdoptChallenge, as replay does);
//   mode 1  as mode 0 after a real client's NEGOTIATE;
//   mode 2/3 a real exchange with the profile's client: its AUTHENTICATE is
//           patched by (u16 offset, u8 xor) triples before the server sees
//           it, so deep states (MIC, NTProofStr, key exchange) are reached.
//           An unpatched AUTHENTICATE of profile 0 must be accepted.
// After a verdict, the rest of the input is offered to the server's session
// security (16-byte signature, then the message) and to Step(), which must
// refuse every further token.
#include <map>
#include <utility>

#include "ssp/client_context.h"
#include "ssp/credentials.h"
#include "ssp/flags.h"
#include "ssp/server_context.h"
#include "ssp/session_security.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

// 2026-11-25T12:00:00Z as FILETIME.
constexpr ssp::FileTime kNow =
    ssp::kFileTimeUnixEpoch + 1795608000ULL * ssp::kFileTimeTicksPerSecond;
constexpr uint32_t kMinSecChoices[4] = {
    0, ssp::kNegotiate128,
    ssp::kNegotiate128 | ssp::kNegotiateSeal | ssp::kNegotiateSign | ssp::kNegotiateEss,
    ssp::kNegotiateEss};

const ssp::InMemoryCredentialStore& Accounts() {
  static const ssp::InMemoryCredentialStore store = [] {
    ssp::InMemoryCredentialStore s;
    s.Add(ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!").value());
    s.Add(ssp::AccountFromNtHash("", "bob", "8846f7eaee8fb117ad06bdd830b7586c").value());
    return s;
  }();
  return store;
}

ssp::ServerPolicy PolicyFromByte(uint8_t b) {
  ssp::ServerPolicy policy;
  policy.min_server_sec = kMinSecChoices[b & 3];
  policy.lm_compat_level = ((b >> 2) & 7) % 6;
  policy.require_mic = (b & 0x20) != 0;
  policy.allow_anonymous = (b & 0x40) != 0;
  if (b & 0x80) policy.max_clock_skew_seconds.reset();
  return policy;
}

// The client profiles of modes 1-3: the kinds of clients the server meets.
constexpr int kProfileCount = 8;

struct ClientSetup {
  ssp::ClientCredentials credentials;
  ssp::ClientPolicy policy;
};

ClientSetup Profile(int index) {
  ClientSetup s{
      ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01").value(), {}};
  switch (index) {
    case 0:  // modern NTLMv2 client with MIC, SEAL, 128, KEY_EXCH (the default)
      break;
    case 1:  // LM + NTLMv1, no ESS
      s.policy.lm_compat_level = 0;
      break;
    case 2:  // NTLMv1 with ESS
      s.policy.lm_compat_level = 1;
      break;
    case 3:  // NTLMv2 without MIC or key exchange
      s.policy.send_mic = false;
      s.policy.requested_flags &= ~ssp::kNegotiateKeyExch;
      break;
    case 4:  // anonymous
      s.credentials = ssp::ClientCredentials::Anonymous("WS01");
      break;
    case 5:  // an HTTP client: no SIGN/SEAL/128, pass-the-hash account "bob"
      s.credentials =
          ssp::ClientCredentials::FromNtHashHex("bob", "", "8846f7eaee8fb117ad06bdd830b7586c")
              .value();
      s.policy.requested_flags = ssp::kNegotiateUnicode | ssp::kRequestTarget |
                                 ssp::kNegotiateNtlm | ssp::kNegotiateAlwaysSign |
                                 ssp::kNegotiateEss;
      break;
    case 6:  // SPN and channel bindings
      s.policy.target_name = "HTTP/srv01.contoso.test";
      s.policy.channel_bindings_md5 = ssp::ChannelBindingsHash(Bytes{'t', 'l', 's'});
      break;
    default:  // OEM, names in the NEGOTIATE
      s.policy.requested_flags &= ~ssp::kNegotiateUnicode;
      s.policy.requested_flags |= ssp::kNegotiateOem;
      s.policy.negotiate_names = true;
      break;
  }
  return s;
}

struct RealExchange {
  Bytes negotiate;
  Bytes authenticate;  // empty when the client refused the CHALLENGE
};

// The client's tokens for (policy byte, profile). The server's CHALLENGE is a
// function of the policy and the fixed environment, so the AUTHENTICATE is
// computed once and reused.
const RealExchange& RealExchangeFor(uint8_t policy_byte, int profile) {
  static std::map<std::pair<uint8_t, int>, RealExchange> cache;
  auto key = std::make_pair(policy_byte, profile);
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  ssp::FixedClock clock(kNow);
  ssp::FixedRandom server_random(Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef});
  ssp::FixedRandom client_random(Bytes{0xaa, 0xbb, 0xcc, 0xdd, 0x55});
  ClientSetup setup = Profile(profile);
  ssp::ServerContext server({}, PolicyFromByte(policy_byte), Accounts(), clock, server_random);
  ssp::ClientContext client(setup.credentials, setup.policy, clock, client_random);
  RealExchange exchange;
  if (auto negotiate = client.CreateNegotiate(); negotiate.ok()) {
    exchange.negotiate = *negotiate;
    if (auto challenge = server.AcceptNegotiate(*negotiate); challenge.ok()) {
      if (auto authenticate = client.ProcessChallenge(*challenge); authenticate.ok()) {
        exchange.authenticate = *authenticate;
      }
    }
  }
  return cache.emplace(key, std::move(exchange)).first->second;
}

void FeedToken(ssp::ServerContext& server, ByteSpan token) {
  const ssp::ServerState before = server.state();
  if (before == ssp::ServerState::kAwaitAuthenticate && token.size() >= 12 && token[8] == 2) {
    (void)server.AdoptChallenge(token);
    return;
  }
  auto step = server.Step(token);
  if (before == ssp::ServerState::kAuthenticated || before == ssp::ServerState::kFailed) {
    FuzzCheck(!step.ok(), "server: a token accepted after the verdict");
  }
  if (step.ok()) {
    FuzzCheck(server.state() == ssp::ServerState::kAwaitAuthenticate ||
                  server.state() == ssp::ServerState::kAuthenticated,
              "server: success without progress");
    if (step->complete) FuzzCheck(server.result().has_value(), "server: complete without result");
  } else {
    FuzzCheck(!step.error().reason.empty(), "server: a refusal without a reason");
  }
}

// Offers the rest of the input to the established session, then to Step().
void AfterVerdict(ssp::ServerContext& server, FuzzInput& in) {
  if (server.state() == ssp::ServerState::kAuthenticated && server.result()) {
    const ssp::ServerResult& result = *server.result();
    ssp::SessionSecurity session(result.negotiated_flags, result.exported_session_key, true);
    for (int i = 0; i < 4 && !in.empty(); ++i) {
      ByteSpan message = in.TakeLengthPrefixed();
      uint8_t signature[ssp::kMessageSignatureSize] = {};
      std::copy_n(message.begin(), std::min(message.size(), sizeof signature), signature);
      ByteSpan body =
          message.size() > sizeof signature ? message.subspan(sizeof signature) : ByteSpan();
      Bytes plaintext(body.size());
      if (i % 2 == 0) {
        (void)session.Verify(body, ssp::SignatureIn(signature, sizeof signature));
      } else {
        (void)session.Unseal(body, ssp::SignatureIn(signature, sizeof signature), plaintext);
      }
    }
  }
  while (!in.empty()) FeedToken(server, in.TakeLengthPrefixed());
}

}  // namespace

int FuzzServer(const uint8_t* data, size_t size) {
  EnsureCryptoInitialized();
  FuzzInput in(data, size);
  const uint8_t policy_byte = in.TakeU8();
  const uint8_t mode_byte = in.TakeU8();
  const int mode = mode_byte & 3;
  const int profile = ((mode_byte >> 2) & 7) % kProfileCount;

  ssp::FixedClock clock(kNow);
  ssp::FixedRandom random(Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef});
  ssp::ServerContext server({}, PolicyFromByte(policy_byte), Accounts(), clock, random);

  if (mode == 0 || mode == 1) {
    if (mode == 1) FeedToken(server, RealExchangeFor(policy_byte, profile).negotiate);
    while (!in.empty() && server.state() != ssp::ServerState::kAuthenticated &&
           server.state() != ssp::ServerState::kFailed) {
      FeedToken(server, in.TakeLengthPrefixed());
    }
    AfterVerdict(server, in);
    return 0;
  }

  const RealExchange& real = RealExchangeFor(policy_byte, profile);
  FeedToken(server, real.negotiate);
  if (real.authenticate.empty() || server.state() != ssp::ServerState::kAwaitAuthenticate) {
    AfterVerdict(server, in);
    return 0;
  }
  Bytes authenticate = real.authenticate;
  const uint8_t patch_count = in.TakeU8();
  for (int i = 0; i < patch_count % 8; ++i) {
    const uint16_t offset = in.TakeU16();
    const uint8_t mask = in.TakeU8();
    authenticate[offset % authenticate.size()] ^= mask;
  }
  if (in.TakeU8() & 1) authenticate.resize(authenticate.size() - in.TakeU8() % authenticate.size());
  const bool untouched = authenticate == real.authenticate;
  FeedToken(server, authenticate);
  if (untouched && profile == 0) {
    FuzzCheck(server.state() == ssp::ServerState::kAuthenticated,
              "server: a real modern client's AUTHENTICATE was refused");
  }
  AfterVerdict(server, in);
  return 0;
}

}  // namespace ntlm::fuzz
