// The whole NtlmMinServerSec space ([MS-NLMP] 3.2.5.1.1, 3.2.5.1.2;
// shared/docs/enforcement.md): every one of the 16 combinations of 0x10,
// 0x20, 0x80000 and 0x20000000 against client capability sets from a full
// 128-bit sealing client down to an auth-only NTLMv1 client, including clients
// whose AUTHENTICATE drops a bit that their NEGOTIATE had. The expected result
// of every cell is written below by hand; it is not computed by the code
// under test.
#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "ssp/client_context.h"
#include "ssp/client_deviation.h"
#include "ssp/credentials.h"
#include "ssp/flags.h"
#include "ssp/server_context.h"

namespace ntlm::ssp {
namespace {

constexpr FileTime kNow = kFileTimeUnixEpoch + 1795608000ULL * kFileTimeTicksPerSecond;

// Minimum number i (0..15) -> NtlmMinServerSec: bit 0 = 0x10 (SIGN), bit 1 =
// 0x20 (SEAL), bit 2 = 0x80000 (ESS), bit 3 = 0x20000000 (128).
uint32_t MinSecOf(int i) {
  uint32_t m = 0;
  if (i & 1) m |= 0x00000010;
  if (i & 2) m |= 0x00000020;
  if (i & 4) m |= 0x00080000;
  if (i & 8) m |= 0x20000000;
  return m;
}

constexpr uint32_t kBase =
    kNegotiateUnicode | kRequestTarget | kNegotiateNtlm | kNegotiateAlwaysSign | kNegotiateVersion;

struct CapabilitySet {
  const char* name;
  uint32_t requested;         // the NEGOTIATE flags
  int lm_compat_level;        // 3: NTLMv2, 1/2: NTLMv1
  uint32_t auth_strip;        // strip-authenticate-flags (MIC recomputed)
  uint32_t auth_strip_stale;  // strip-authenticate-flags-stale-mic
  // One character per minimum i = 0..15:
  //   A  accepted (SEC_E_OK at the AUTHENTICATE, at 2)
  //   N  SEC_E_UNSUPPORTED_FUNCTION at the NEGOTIATE (at 0)
  //   U  SEC_E_UNSUPPORTED_FUNCTION at the AUTHENTICATE (at 2)
  //   M  SEC_E_INVALID_TOKEN at the AUTHENTICATE (the MIC no longer matches)
  const char* expected;
};

// How the rows were derived (by hand, from MS-NLMP and the server's echo
// rules): the CHALLENGE carries SIGN/SEAL/ESS/128 as the client requested
// them (128 also without SIGN or SEAL, as Windows echoes it). A minimum bit missing from the
// CHALLENGE fails at the NEGOTIATE; a bit missing only from the AUTHENTICATE's flags fails there
// (3.2.5.1.2), before the response or the MIC is looked at.
//                           min i: 0123456789abcdef
const std::vector<CapabilitySet>& Sets() {
  static const std::vector<CapabilitySet> sets = {
      // CHALLENGE = AUTHENTICATE = {SIGN, SEAL, ESS, 128}.
      {"full_seal_128_ntlmv2",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiate128 | kNegotiate56 |
           kNegotiateKeyExch,
       3, 0, 0, "AAAAAAAAAAAAAAAA"},
      // {SIGN, ESS, 128}: fails where 0x20 is required.
      {"sign_128_ntlmv2",
       kBase | kNegotiateSign | kNegotiateEss | kNegotiate128 | kNegotiate56 | kNegotiateKeyExch, 3,
       0, 0, "AANNAANNAANNAANN"},
      // {SIGN, SEAL, ESS}: fails where 0x20000000 is required.
      {"seal_56_ntlmv2",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiate56 | kNegotiateKeyExch,
       3, 0, 0, "AAAAAAAANNNNNNNN"},
      {"seal_40_ntlmv2",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiateKeyExch, 3, 0, 0,
       "AAAAAAAANNNNNNNN"},
      // NTLMv2 responses but no ESS in the NEGOTIATE (Azure/go-ntlmssp#17):
      // {SIGN, SEAL, 128}, fails where 0x80000 is required.
      {"seal_128_ntlmv2_without_ess",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiate128 | kNegotiate56 | kNegotiateKeyExch,
       3, 0, 0, "AAAANNNNAAAANNNN"},
      {"seal_128_ntlmv1",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiate128 | kNegotiate56 | kNegotiateKeyExch,
       2, 0, 0, "AAAANNNNAAAANNNN"},
      {"sign_128_ntlmv1_ess",
       kBase | kNegotiateSign | kNegotiateEss | kNegotiate128 | kNegotiate56 | kNegotiateKeyExch, 1,
       0, 0, "AANNAANNAANNAANN"},
      // Auth only (HTTP-like, Windows' 0xa2088207): 128 is asked for without
      // SIGN/SEAL and still granted, so the CHALLENGE has {ESS, 128}.
      {"auth_only_ntlmv2", kBase | kNegotiateEss | kNegotiate128 | kNegotiate56, 3, 0, 0,
       "ANNNANNNANNNANNN"},
      // Auth-only NTLMv1: the CHALLENGE has none of the four bits.
      {"auth_only_ntlmv1", kBase, 2, 0, 0, "ANNNNNNNNNNNNNNN"},
      // NEGOTIATE has everything, the AUTHENTICATE drops a bit (keys and MIC
      // recomputed): the AUTHENTICATE check catches it.
      {"full_auth_strips_seal",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiate128 | kNegotiate56 |
           kNegotiateKeyExch,
       3, kNegotiateSeal, 0, "AAUUAAUUAAUUAAUU"},
      {"full_auth_strips_128",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiate128 | kNegotiate56 |
           kNegotiateKeyExch,
       3, kNegotiate128, 0, "AAAAAAAAUUUUUUUU"},
      {"full_auth_strips_ess",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiate128 | kNegotiate56 |
           kNegotiateKeyExch,
       3, kNegotiateEss, 0, "AAAAUUUUAAAAUUUU"},
      {"full_auth_strips_sign_seal",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiate128 | kNegotiate56 |
           kNegotiateKeyExch,
       3, kNegotiateSign | kNegotiateSeal, 0, "AUUUAUUUAUUUAUUU"},
      // {SIGN, ESS, 128} in the CHALLENGE, {ESS, 128} in the AUTHENTICATE:
      // 0x20 fails first at the NEGOTIATE, 0x10 at the AUTHENTICATE.
      {"sign_128_auth_strips_sign",
       kBase | kNegotiateSign | kNegotiateEss | kNegotiate128 | kNegotiate56 | kNegotiateKeyExch, 3,
       kNegotiateSign, 0, "AUNNAUNNAUNNAUNN"},
      // NTLMv1 with ESS in the NEGOTIATE, plain NTLMv1 in the AUTHENTICATE.
      {"ntlmv1_ess_seal_auth_strips_ess",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiate128 | kNegotiate56 |
           kNegotiateKeyExch,
       1, kNegotiateEss, 0, "AAAAUUUUAAAAUUUU"},
      // SEAL removed after the MIC was computed: where 0x20 is required the
      // policy check (2) comes first; elsewhere the MIC check (6) fails.
      {"full_auth_strips_seal_stale_mic",
       kBase | kNegotiateSign | kNegotiateSeal | kNegotiateEss | kNegotiate128 | kNegotiate56 |
           kNegotiateKeyExch,
       3, 0, kNegotiateSeal, "MMUUMMUUMMUUMMUU"},
  };
  return sets;
}

struct Cell {
  size_t set;
  int min;
};

std::vector<Cell> AllCells() {
  std::vector<Cell> cells;
  for (size_t s = 0; s < Sets().size(); ++s) {
    for (int i = 0; i < 16; ++i) cells.push_back(Cell{s, i});
  }
  return cells;
}

std::string CellName(const testing::TestParamInfo<Cell>& info) {
  char hex[16];
  std::snprintf(hex, sizeof hex, "%08x", MinSecOf(info.param.min));
  return std::string(Sets()[info.param.set].name) + "_min_0x" + hex;
}

class MinServerSecMatrix : public testing::TestWithParam<Cell> {};

TEST_P(MinServerSecMatrix, StopsWhereExpected) {
  const CapabilitySet& set = Sets()[GetParam().set];
  const uint32_t min = MinSecOf(GetParam().min);
  const char expected = set.expected[GetParam().min];
  ASSERT_EQ(std::string(set.expected).size(), 16u) << set.name;

  InMemoryCredentialStore store;
  store.Add(AccountFromPassword("CONTOSO", "alice", "Passw0rd!").value());
  FixedClock clock(kNow);
  FixedRandom server_random(Bytes{0x11, 0x22, 0x33});
  FixedRandom client_random(Bytes{0x44, 0x55, 0x66, 0x77});
  ServerPolicy sp;
  sp.min_server_sec = min;
  sp.lm_compat_level = 3;
  ServerContext server(ServerIdentity{}, sp, store, clock, server_random);

  ClientPolicy cp;
  cp.requested_flags = set.requested;
  cp.lm_compat_level = set.lm_compat_level;
  if (set.auth_strip != 0)
    cp.deviations.push_back(Deviation::StripAuthenticateFlags(set.auth_strip));
  if (set.auth_strip_stale != 0) {
    cp.deviations.push_back(Deviation::StripAuthenticateFlagsStaleMic(set.auth_strip_stale));
  }
  ClientContext client(
      ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01").value(), cp, clock,
      client_random);

  auto negotiate = client.CreateNegotiate();
  ASSERT_TRUE(negotiate.ok()) << negotiate.error().reason;
  auto challenge = server.AcceptNegotiate(*negotiate);
  if (expected == 'N') {
    ASSERT_FALSE(challenge.ok()) << "expected a refusal at the NEGOTIATE (at 0)";
    EXPECT_EQ(challenge.status(), SecStatus::kUnsupportedFunction) << challenge.error().reason;
    EXPECT_NE(challenge.error().reason.find("NEGOTIATE"), std::string::npos);
    return;
  }
  ASSERT_TRUE(challenge.ok()) << "refused at the NEGOTIATE (at 0): " << challenge.error().reason;
  auto authenticate = client.ProcessChallenge(*challenge);
  ASSERT_TRUE(authenticate.ok()) << authenticate.error().reason;
  auto verdict = server.AcceptAuthenticate(*authenticate);
  switch (expected) {
    case 'A':
      ASSERT_TRUE(verdict.ok()) << "refused at the AUTHENTICATE (at 2): "
                                << StatusName(verdict.status()) << ": " << verdict.error().reason;
      EXPECT_EQ(verdict->negotiated_flags & min, min);
      EXPECT_TRUE(verdict->exported_session_key == client.exported_session_key());
      break;
    case 'U':
      ASSERT_FALSE(verdict.ok()) << "accepted; expected SEC_E_UNSUPPORTED_FUNCTION at 2";
      EXPECT_EQ(verdict.status(), SecStatus::kUnsupportedFunction)
          << StatusName(verdict.status()) << ": " << verdict.error().reason;
      EXPECT_NE(verdict.error().reason.find("AUTHENTICATE"), std::string::npos);
      break;
    case 'M':
      ASSERT_FALSE(verdict.ok()) << "accepted; expected SEC_E_INVALID_TOKEN at 2";
      EXPECT_EQ(verdict.status(), SecStatus::kInvalidToken)
          << StatusName(verdict.status()) << ": " << verdict.error().reason;
      break;
    default:
      FAIL() << "bad table entry '" << expected << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(AllCombinations, MinServerSecMatrix, testing::ValuesIn(AllCells()),
                         CellName);

}  // namespace
}  // namespace ntlm::ssp
