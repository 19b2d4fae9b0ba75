// Proves the per-message session-security path allocates nothing: C++
// operator new and OpenSSL's allocator (CRYPTO_set_mem_functions, installed
// before OpenSSL allocates anything) are both counted while Sign, Verify,
// Seal, Unseal and the DCE/RPC SealEx/UnsealEx run on established contexts.
// Its own binary because the OpenSSL hook must be set first thing in main().
#include <gtest/gtest.h>
#include <openssl/crypto.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "crypto/init.h"
#include "ssp/flags.h"
#include "ssp/seal_batch.h"
#include "ssp/session_security.h"

namespace {

std::atomic<bool> g_counting{false};
std::atomic<long> g_allocations{0};

void Count() {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
}

void* CountingMalloc(size_t n, const char*, int) {
  Count();
  return std::malloc(n);
}
void* CountingRealloc(void* p, size_t n, const char*, int) {
  Count();
  return std::realloc(p, n);
}
void CountingFree(void* p, const char*, int) { std::free(p); }

// Counts allocations made while it is alive.
class AllocationWindow {
 public:
  AllocationWindow() {
    g_allocations = 0;
    g_counting = true;
  }
  ~AllocationWindow() { g_counting = false; }
  long count() const { return g_allocations.load(); }
};

}  // namespace

void* operator new(size_t n) {
  Count();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  Count();
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace ntlm::ssp {
namespace {

struct Profile {
  const char* name;
  uint32_t flags;
};

class NoAllocationTest : public ::testing::TestWithParam<Profile> {};

TEST_P(NoAllocationTest, PerMessagePathAllocatesNothing) {
  const uint32_t flags = GetParam().flags;
  crypto::Key16 key;
  for (size_t i = 0; i < 16; ++i) key[i] = static_cast<uint8_t>(0x40 + i);
  SessionSecurity client(flags, key, /*is_server=*/false);
  SessionSecurity server(flags, key, /*is_server=*/true);
  const bool seal = (flags & kNegotiateSeal) != 0;
  std::vector<uint8_t> plain(1000, 0x5a), cipher(1000), back(1000);
  std::array<uint8_t, 16> sig{};
  std::array<uint8_t, 16> header{}, trailer{};

  auto one_round = [&]() {
    if (seal) {
      ASSERT_TRUE(client.Seal(plain, cipher, sig).ok());
      ASSERT_TRUE(server.Unseal(cipher, sig, back).ok());
      ASSERT_TRUE(server.Seal(plain, cipher, sig).ok());
      ASSERT_TRUE(client.Unseal(cipher, sig, back).ok());
      const WrapBuffer out[] = {WrapBuffer::SignOnly(header), WrapBuffer::Encrypt(plain, cipher),
                                WrapBuffer::SignOnly(trailer)};
      ASSERT_TRUE(client.SealEx(out, sig).ok());
      const WrapBuffer in[] = {WrapBuffer::SignOnly(header), WrapBuffer::Encrypt(cipher, back),
                               WrapBuffer::SignOnly(trailer)};
      ASSERT_TRUE(server.UnsealEx(in, sig).ok());
    }
    ASSERT_TRUE(client.Sign(plain, sig).ok());
    ASSERT_TRUE(server.Verify(plain, sig).ok());
    ASSERT_TRUE(server.Sign(plain, sig).ok());
    ASSERT_TRUE(client.Verify(plain, sig).ok());
  };
  one_round();  // warm-up: lazily initialised library state
  AllocationWindow window;
  for (int i = 0; i < 100; ++i) one_round();
  EXPECT_EQ(window.count(), 0) << "allocations in 100 rounds of " << GetParam().name;
  if (seal) {
    EXPECT_EQ(back, plain);
  }
}

// SealBatch (16 sessions, lanes and the one-by-one fallback) allocates
// nothing per call either.
TEST(NoAllocationBatchTest, SealBatchAllocatesNothing) {
  constexpr uint32_t kFlags = kNegotiateUnicode | kNegotiateNtlm | kNegotiateAlwaysSign |
                              kNegotiateEss | kNegotiate128 | kNegotiateKeyExch | kNegotiateSign |
                              kNegotiateSeal;
  std::vector<SessionSecurity> sessions;
  for (size_t i = 0; i < 17; ++i) {
    crypto::Key16 key;
    for (size_t j = 0; j < 16; ++j) key[j] = static_cast<uint8_t>(i * 16 + j);
    // The last one without ESS: sealed one by one inside the batch.
    sessions.emplace_back(i == 16 ? kFlags & ~kNegotiateEss : kFlags, key, /*is_server=*/true);
  }
  std::vector<std::vector<uint8_t>> bufs(17, std::vector<uint8_t>(1000, 0x5a));
  std::vector<std::array<uint8_t, 16>> sigs(17);
  std::vector<SealRequest> requests;
  for (size_t i = 0; i < 17; ++i) {
    requests.push_back(SealRequest{&sessions[i], bufs[i], bufs[i], SignatureOut(sigs[i])});
  }
  ASSERT_TRUE(SealBatch(requests).ok());  // warm-up
  AllocationWindow window;
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(SealBatch(requests).ok());
  EXPECT_EQ(window.count(), 0) << "allocations in 50 SealBatch calls";
}

// The counter itself must see both kinds of allocation, or the test above
// would pass vacuously.
TEST(AllocationCounterTest, SeesCppAndOpenSslAllocations) {
  {
    AllocationWindow window;
    std::vector<int>* v = new std::vector<int>(100);
    delete v;
    EXPECT_GE(window.count(), 1);  // the compiler may merge or elide the outer new
  }
  {
    AllocationWindow window;
    void* p = OPENSSL_malloc(64);
    OPENSSL_free(p);
    EXPECT_EQ(window.count(), 1);
  }
}

constexpr uint32_t kBase = kNegotiateUnicode | kNegotiateNtlm | kNegotiateAlwaysSign;
INSTANTIATE_TEST_SUITE_P(
    Profiles, NoAllocationTest,
    ::testing::Values(
        Profile{"ess_128_kx_seal", kBase | kNegotiateEss | kNegotiate128 | kNegotiateKeyExch |
                                       kNegotiateSign | kNegotiateSeal},
        Profile{"ess_128_sign", kBase | kNegotiateEss | kNegotiate128 | kNegotiateSign},
        Profile{"ess_56_nokx_seal",
                kBase | kNegotiateEss | kNegotiate56 | kNegotiateSign | kNegotiateSeal},
        Profile{"noess_128_kx_seal",
                kBase | kNegotiate128 | kNegotiateKeyExch | kNegotiateSign | kNegotiateSeal}),
    [](const ::testing::TestParamInfo<Profile>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace ntlm::ssp

int main(int argc, char** argv) {
  // Must precede any OpenSSL allocation.
  if (CRYPTO_set_mem_functions(CountingMalloc, CountingRealloc, CountingFree) != 1) {
    std::fprintf(stderr, "could not install the OpenSSL allocation counter\n");
    return 1;
  }
  if (!ntlm::crypto::Initialize().ok) {
    std::fprintf(stderr, "%s\n", ntlm::crypto::Initialize().message.c_str());
    return 1;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
