// The 8-lane MD5 + RC4 kernel (crypto/md5_multibuffer.h), AVX2 and portable,
// against the scalar stitched block; and SealBatch (ssp/seal_batch.h)
// against one SessionSecurity::Seal per request, over sizes 0..70000, mixed
// schemes, in-place buffers, repeated sessions and groups of 1..20.
#include "ssp/seal_batch.h"

#include <gtest/gtest.h>

#include <array>
#include <memory>
#include <random>
#include <vector>

#include "crypto/init.h"
#include "crypto/md5_multibuffer.h"
#include "ssp/flags.h"
#include "ssp/session_security.h"

namespace ntlm {
namespace {

Bytes RandomBytes(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

using Kernel = void (*)(crypto::Md5Lanes&, const crypto::Md5LaneInput*, size_t);

// Runs `kernel` on random blocks/states/RC4 keys and compares with the scalar
// stitched block of each lane. all_n != 0: every lane has an RC4 stream and
// n == all_n (the kernels' hot paths, paired RC4 streams: 64, every block
// after a seal's first; 60, the first block after the SeqNum).
void CheckKernel(Kernel kernel, size_t all_n = 0) {
  const bool all_full = all_n != 0;
  for (uint32_t seed = 0; seed < 200; ++seed) {
    std::mt19937 rng(seed);
    const size_t n = all_full ? all_n : seed % 3 == 0 ? 64 : rng() % 65;
    const bool in_place = seed % 2 == 0;
    crypto::Md5Lanes lanes;
    std::array<std::array<uint32_t, 4>, crypto::kMd5Lanes> h;
    std::array<Bytes, crypto::kMd5Lanes> block, data, out_vec, out_ref;
    std::array<crypto::Rc4State, crypto::kMd5Lanes> rc4_vec, rc4_ref;
    crypto::Md5LaneInput in[crypto::kMd5Lanes];
    for (size_t l = 0; l < crypto::kMd5Lanes; ++l) {
      for (auto& w : h[l]) w = static_cast<uint32_t>(rng());
      lanes.Set(l, h[l].data());
      block[l] = RandomBytes(rng, 64);
      data[l] = in_place ? block[l] : RandomBytes(rng, 64);
      out_vec[l] = Bytes(64, 0xee);
      const Bytes key = RandomBytes(rng, 16);
      rc4_vec[l].SetKey(key.data(), key.size());
      rc4_ref[l].SetKey(key.data(), key.size());
      const bool with_rc4 = all_full || (rng() % 4) != 0;  // some lanes without RC4
      in[l] = {block[l].data(), with_rc4 ? &rc4_vec[l] : nullptr, data[l].data(),
               in_place ? block[l].data() : out_vec[l].data()};
      // Reference on copies (the kernel may write into block in place).
      Bytes ref_block = block[l];
      Bytes ref_data = data[l];
      out_ref[l] = Bytes(64, 0xee);
      uint32_t* hr = h[l].data();
      if (with_rc4) {
        crypto::Md5BlockRc4(hr, ref_block.data(), rc4_ref[l], ref_data.data(),
                            in_place ? ref_block.data() : out_ref[l].data(), n);
        if (in_place) out_ref[l] = ref_block;
      } else {
        crypto::Md5CompressBlock(hr, ref_block.data());
        if (in_place) out_ref[l] = ref_block;
      }
    }
    kernel(lanes, in, n);
    for (size_t l = 0; l < crypto::kMd5Lanes; ++l) {
      uint32_t got[4];
      lanes.Get(l, got);
      ASSERT_EQ(std::vector<uint32_t>(got, got + 4),
                std::vector<uint32_t>(h[l].begin(), h[l].end()))
          << "seed " << seed << " lane " << l;
      const Bytes& out = in_place ? block[l] : out_vec[l];
      ASSERT_EQ(out, out_ref[l]) << "seed " << seed << " lane " << l;
      ASSERT_EQ(rc4_vec[l].x, rc4_ref[l].x);
      ASSERT_EQ(rc4_vec[l].y, rc4_ref[l].y);
    }
  }
}

TEST(Md5MultiBufferTest, PortableKernelMatchesScalarStitchedBlock) {
  CheckKernel(&crypto::Md5x8BlockRc4Portable);
}

TEST(Md5MultiBufferTest, Avx2KernelMatchesScalarStitchedBlock) {
  if (!crypto::Md5x8HasAvx2()) GTEST_SKIP() << "this CPU has no AVX2";
  CheckKernel(&crypto::Md5x8BlockRc4Avx2);
}

TEST(Md5MultiBufferTest, Avx512KernelMatchesScalarStitchedBlock) {
  if (!crypto::Md5x8HasAvx512()) GTEST_SKIP() << "this CPU has no AVX-512F/VL";
  CheckKernel(&crypto::Md5x8BlockRc4Avx512);
}

TEST(Md5MultiBufferTest, DispatchedKernelMatchesScalarStitchedBlock) {
  CheckKernel(&crypto::Md5x8BlockRc4);
}

// The hot path (all eight lanes with RC4, full blocks) of every kernel.
TEST(Md5MultiBufferTest, FullBlockAllLanesMatchScalarStitchedBlock) {
  CheckKernel(&crypto::Md5x8BlockRc4Portable, /*all_n=*/64);
  if (crypto::Md5x8HasAvx2()) CheckKernel(&crypto::Md5x8BlockRc4Avx2, /*all_n=*/64);
  if (crypto::Md5x8HasAvx512()) CheckKernel(&crypto::Md5x8BlockRc4Avx512, /*all_n=*/64);
}

// The first block of a seal (60 message bytes after the SeqNum) in all eight
// lanes: its own schedule in the x86-64 kernels (the last 12 bytes of each
// pair one at a time).
TEST(Md5MultiBufferTest, FirstBlockAllLanesMatchScalarStitchedBlock) {
  CheckKernel(&crypto::Md5x8BlockRc4Portable, /*all_n=*/60);
  if (crypto::Md5x8HasAvx2()) CheckKernel(&crypto::Md5x8BlockRc4Avx2, /*all_n=*/60);
  if (crypto::Md5x8HasAvx512()) CheckKernel(&crypto::Md5x8BlockRc4Avx512, /*all_n=*/60);
}

constexpr uint32_t kBase = ssp::kNegotiateUnicode | ssp::kNegotiateNtlm |
                           ssp::kNegotiateAlwaysSign | ssp::kNegotiateSign | ssp::kNegotiateSeal;
constexpr uint32_t kSchemes[] = {
    kBase | ssp::kNegotiateEss | ssp::kNegotiate128 | ssp::kNegotiateKeyExch,
    kBase | ssp::kNegotiateEss | ssp::kNegotiate128,
    kBase | ssp::kNegotiateEss | ssp::kNegotiate56 | ssp::kNegotiateKeyExch,
    kBase | ssp::kNegotiate128 | ssp::kNegotiateKeyExch,  // no ESS: sealed one by one
};

// Twin sessions: `batch[i]` is sealed through SealBatch, `single[i]` by Seal;
// every output and the next sequence numbers must agree.
void CheckBatch(std::mt19937& rng, size_t sessions, size_t requests, bool equal_sizes,
                bool mixed_schemes) {
  std::vector<std::unique_ptr<ssp::SessionSecurity>> batch, single;
  for (size_t i = 0; i < sessions; ++i) {
    crypto::Key16 key;
    for (size_t j = 0; j < 16; ++j) key[j] = static_cast<uint8_t>(rng());
    const uint32_t flags = kSchemes[mixed_schemes ? rng() % 4 : 0];
    batch.push_back(std::make_unique<ssp::SessionSecurity>(flags, key, true));
    single.push_back(std::make_unique<ssp::SessionSecurity>(flags, key, true));
  }
  const size_t common = (rng() & 1) ? rng() % 200 : rng() % 70001;
  std::vector<Bytes> plain(requests), out(requests), want(requests);
  std::vector<std::array<uint8_t, 16>> sig(requests), want_sig(requests);
  std::vector<size_t> who(requests);
  std::vector<ssp::SealRequest> reqs;
  for (size_t i = 0; i < requests; ++i) {
    who[i] = (rng() % 5 == 0) ? rng() % sessions : i % sessions;  // some repeats
    plain[i] = RandomBytes(rng, equal_sizes ? common : rng() % 3000);
    out[i] = plain[i];  // in place for even i, separate for odd
    if (i % 2) out[i].assign(plain[i].size(), 0);
  }
  for (size_t i = 0; i < requests; ++i) {
    const bool in_place = i % 2 == 0;
    reqs.push_back(ssp::SealRequest{batch[who[i]].get(),
                                    in_place ? ByteSpan(out[i]) : ByteSpan(plain[i]),
                                    MutableByteSpan(out[i]), ssp::SignatureOut(sig[i])});
  }
  for (size_t i = 0; i < requests; ++i) {
    want[i].assign(plain[i].size(), 0);
    ASSERT_TRUE(single[who[i]]->Seal(plain[i], want[i], want_sig[i]).ok());
  }
  ASSERT_TRUE(ssp::SealBatch(reqs).ok());
  for (size_t i = 0; i < requests; ++i) {
    ASSERT_EQ(out[i], want[i]) << "request " << i << " size " << plain[i].size();
    ASSERT_EQ(sig[i], want_sig[i]) << "request " << i << " size " << plain[i].size();
  }
  for (size_t i = 0; i < sessions; ++i) {
    ASSERT_EQ(batch[i]->outbound_sequence(), single[i]->outbound_sequence());
  }
  // The RC4 streams advanced alike: the next message seals identically.
  for (size_t i = 0; i < sessions; ++i) {
    const Bytes m = RandomBytes(rng, 100);
    Bytes a(100), b(100);
    std::array<uint8_t, 16> sa{}, sb{};
    ASSERT_TRUE(batch[i]->Seal(m, a, sa).ok());
    ASSERT_TRUE(single[i]->Seal(m, b, sb).ok());
    ASSERT_EQ(a, b);
    ASSERT_EQ(sa, sb);
  }
}

TEST(SealBatchTest, EqualSizesMatchSingleSeal) {
  ASSERT_TRUE(crypto::Initialize().ok);
  for (uint32_t seed = 0; seed < 40; ++seed) {
    std::mt19937 rng(seed);
    CheckBatch(rng, 1 + rng() % 16, 1 + rng() % 20, /*equal_sizes=*/true, /*mixed=*/false);
  }
}

TEST(SealBatchTest, MixedSizesAndSchemesMatchSingleSeal) {
  ASSERT_TRUE(crypto::Initialize().ok);
  for (uint32_t seed = 100; seed < 130; ++seed) {
    std::mt19937 rng(seed);
    CheckBatch(rng, 1 + rng() % 12, 1 + rng() % 20, /*equal_sizes=*/seed % 2 == 0,
               /*mixed=*/true);
  }
}

TEST(SealBatchTest, InvalidRequestSealsNothing) {
  ASSERT_TRUE(crypto::Initialize().ok);
  crypto::Key16 key;
  ssp::SessionSecurity a(kSchemes[0], key, true);
  ssp::SessionSecurity sign_only(kSchemes[0] & ~ssp::kNegotiateSeal, key, true);
  Bytes p(10, 1), c(10), short_out(9);
  std::array<uint8_t, 16> s1{}, s2{};
  const ssp::SealRequest bad_size[] = {{&a, p, c, s1}, {&a, p, short_out, s2}};
  const ssp::Status r1 = ssp::SealBatch(bad_size);
  EXPECT_EQ(r1.status(), ssp::SecStatus::kInvalidParameter);
  EXPECT_NE(r1.error().reason.find("request 1"), std::string::npos) << r1.error().reason;
  const ssp::SealRequest not_negotiated[] = {{&a, p, c, s1}, {&sign_only, p, c, s2}};
  EXPECT_EQ(ssp::SealBatch(not_negotiated).status(), ssp::SecStatus::kUnsupportedFunction);
  EXPECT_EQ(a.outbound_sequence(), 0u) << "nothing sealed when a request is invalid";
  EXPECT_EQ(c, Bytes(10, 0));
}

}  // namespace
}  // namespace ntlm
