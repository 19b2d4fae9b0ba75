// Our own MD5, HMAC-MD5, RC4 and the stitched RC4+MD5 passes
// (crypto/md5_block.h, crypto/rc4_md5_stitched.h) against OpenSSL's MD5, RC4
// and HMAC-MD5 (through reference/openssl_md5.h and reference/openssl_rc4.h), over random
// lengths 0..70000, many seeds, random split points and both in-place and
// out-of-place buffers; and SessionSecurity's seal/unseal/sign/verify against
// the MS-NLMP 3.4 definition built from OpenSSL primitives, for every keying
// scheme (ESS 128/56/40 bit with and without key exchange, sign only, no ESS).
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <string>

#include "crypto/crc32.h"
#include "crypto/init.h"
#include "crypto/md5_block.h"
#include "crypto/rc4_md5_stitched.h"
#include "reference/openssl_md5.h"
#include "reference/openssl_rc4.h"
#include "ssp/flags.h"
#include "ssp/keys.h"
#include "ssp/session_security.h"

namespace ntlm {
namespace {

Bytes RandomBytes(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

size_t RandomLength(std::mt19937& rng) {
  // Half small (block-boundary cases), half anywhere up to 70000.
  return (rng() & 1) ? rng() % 300 : rng() % 70001;
}

class StitchedTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::Initialize().ok); }
};

TEST_F(StitchedTest, Md5MatchesOpenSsl) {
  for (uint32_t seed = 0; seed < 60; ++seed) {
    std::mt19937 rng(seed);
    const size_t n = RandomLength(rng);
    const Bytes data = RandomBytes(rng, n);
    std::array<uint8_t, 16> want{}, got{};
    reference::Md5(data, want);
    crypto::Md5Stream s;
    s.Reset();
    // Random pieces, so every buffered offset is exercised.
    for (size_t i = 0; i < n;) {
      const size_t piece = std::min<size_t>(n - i, rng() % 200);
      s.Update(data.data() + i, piece);
      i += piece;
    }
    s.Final(got.data());
    ASSERT_EQ(got, want) << "seed " << seed << " length " << n;
  }
}

TEST_F(StitchedTest, HmacMd5MatchesOpenSsl) {
  for (uint32_t seed = 0; seed < 40; ++seed) {
    std::mt19937 rng(seed);
    const Bytes key = RandomBytes(rng, rng() % 100);  // short, block-sized and long keys
    const Bytes data = RandomBytes(rng, RandomLength(rng));
    std::array<uint8_t, 16> want{}, got{};
    reference::HmacMd5(key, data, want);
    crypto::HmacMd5Key k(key.data(), key.size());
    crypto::Md5Stream s;
    k.Begin(s);
    s.Update(data.data(), data.size());
    k.Finish(s, got.data());
    ASSERT_EQ(got, want) << "seed " << seed;
  }
}

TEST_F(StitchedTest, Rc4MatchesOpenSsl) {
  for (uint32_t seed = 0; seed < 40; ++seed) {
    std::mt19937 rng(seed);
    const size_t key_sizes[] = {5, 7, 8, 16, 1, 256};
    const Bytes key = RandomBytes(rng, key_sizes[seed % 6]);
    const Bytes data = RandomBytes(rng, RandomLength(rng));
    reference::Rc4 reference(key);
    Bytes want(data.size());
    ASSERT_TRUE(reference.Apply(data, want));
    crypto::Rc4State ours;
    ours.SetKey(key.data(), key.size());
    Bytes got(data.size());
    for (size_t i = 0; i < data.size();) {
      const size_t piece = std::min<size_t>(data.size() - i, rng() % 100);
      ours.Apply(data.data() + i, got.data() + i, piece);
      i += piece;
    }
    ASSERT_EQ(got, want) << "seed " << seed;
  }
}

// One stitched call after a random prefix (so MD5 starts at any buffered
// offset) equals MD5 over prefix||plaintext and RC4 over the plaintext.
TEST_F(StitchedTest, StitchedPassesMatchSequentialOpenSsl) {
  for (uint32_t seed = 0; seed < 120; ++seed) {
    std::mt19937 rng(seed);
    const Bytes key = RandomBytes(rng, (seed % 3 == 0) ? 8 : 16);
    const Bytes prefix = RandomBytes(rng, rng() % 130);
    const Bytes plain = RandomBytes(rng, RandomLength(rng));
    const bool in_place = (seed % 2) == 0;
    const bool seal = (seed % 4) < 2;

    Bytes whole = prefix;
    whole.insert(whole.end(), plain.begin(), plain.end());
    std::array<uint8_t, 16> want_md5{};
    reference::Md5(whole, want_md5);
    reference::Rc4 reference(key);
    Bytes cipher(plain.size());
    ASSERT_TRUE(reference.Apply(plain, cipher));

    crypto::Md5Stream md5;
    md5.Reset();
    md5.Update(prefix.data(), prefix.size());
    crypto::Rc4State rc4;
    rc4.SetKey(key.data(), key.size());
    Bytes buf = seal ? plain : cipher;
    Bytes out(buf.size());
    uint8_t* dst = in_place ? buf.data() : out.data();
    if (seal) {
      crypto::Md5ThenRc4Update(md5, rc4, buf.data(), dst, buf.size());
    } else {
      crypto::Rc4ThenMd5Update(md5, rc4, buf.data(), dst, buf.size());
    }
    std::array<uint8_t, 16> got_md5{};
    md5.Final(got_md5.data());
    const Bytes got(dst, dst + plain.size());
    ASSERT_EQ(got_md5, want_md5) << "seed " << seed << (seal ? " seal" : " unseal");
    ASSERT_EQ(got, seal ? cipher : plain) << "seed " << seed << (seal ? " seal" : " unseal");
  }
}

// ---- SessionSecurity against MS-NLMP 3.4 built from OpenSSL primitives ----

struct Scheme {
  const char* name;
  uint32_t flags;
};

constexpr uint32_t kBase =
    ssp::kNegotiateUnicode | ssp::kNegotiateNtlm | ssp::kNegotiateAlwaysSign | ssp::kNegotiateSign;

class SchemeTest : public ::testing::TestWithParam<Scheme> {
 protected:
  void SetUp() override { ASSERT_TRUE(crypto::Initialize().ok); }
};

void PutLe32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

// The signature and ciphertext of `count` messages as MS-NLMP 3.4.3/3.4.4
// defines them, computed with OpenSSL's HMAC-MD5, RC4 and our CRC32.
struct Reference {
  ssp::SessionKeys keys;
  reference::Rc4 rc4;
  uint32_t seq = 0;
  uint32_t flags;
  Reference(uint32_t f, const crypto::Key16& session_key)
      : keys(ssp::DeriveSessionKeys(f, session_key, /*is_server=*/false)), flags(f) {
    rc4.SetKey(ByteSpan(keys.seal_out.data(), keys.seal_out_len));
  }
  void Protect(ByteSpan plain, bool seal, Bytes& cipher, std::array<uint8_t, 16>& sig) {
    sig.fill(0);
    sig[0] = 1;
    cipher.assign(plain.size(), 0);
    if ((flags & ssp::kNegotiateEss) != 0) {
      Bytes mac_in(4);
      PutLe32(mac_in.data(), seq);
      mac_in.insert(mac_in.end(), plain.begin(), plain.end());
      std::array<uint8_t, 16> mac{};
      reference::HmacMd5(keys.sign_out, mac_in, mac);
      if (seal && !plain.empty()) {
        ASSERT_TRUE(rc4.Apply(plain, cipher));
      }
      if ((flags & ssp::kNegotiateKeyExch) != 0) {
        ASSERT_TRUE(rc4.ApplyInPlace(MutableByteSpan(mac.data(), 8)));
      }
      std::memcpy(sig.data() + 4, mac.data(), 8);
      PutLe32(sig.data() + 12, seq);
    } else {
      const uint32_t crc = crypto::Crc32(plain, 0);
      if (seal && !plain.empty()) {
        ASSERT_TRUE(rc4.Apply(plain, cipher));
      }
      std::array<uint8_t, 12> block{};
      PutLe32(block.data() + 4, crc);
      ASSERT_TRUE(rc4.ApplyInPlace(block));
      std::memcpy(sig.data() + 8, block.data() + 4, 4);
      uint32_t enc_seq = 0;
      for (int i = 0; i < 4; ++i) enc_seq |= uint32_t{block[8 + i]} << (8 * i);
      PutLe32(sig.data() + 12, enc_seq ^ seq);
    }
    ++seq;
  }
};

TEST_P(SchemeTest, SealSignUnsealVerifyMatchTheDefinition) {
  const uint32_t flags = GetParam().flags;
  const bool seal = (flags & ssp::kNegotiateSeal) != 0;
  for (uint32_t seed = 0; seed < 12; ++seed) {
    std::mt19937 rng(1000 + seed);
    crypto::Key16 session_key;
    for (size_t i = 0; i < 16; ++i) session_key[i] = static_cast<uint8_t>(rng());
    ssp::SessionSecurity client(flags, session_key, /*is_server=*/false);
    ssp::SessionSecurity server(flags, session_key, /*is_server=*/true);
    Reference reference(flags, session_key);
    for (int m = 0; m < 6; ++m) {
      const Bytes plain = RandomBytes(rng, RandomLength(rng));
      Bytes want_cipher;
      std::array<uint8_t, 16> want_sig{};
      reference.Protect(plain, seal, want_cipher, want_sig);
      std::array<uint8_t, 16> sig{};
      Bytes buf = plain;
      const bool in_place = (m % 2) == 0;
      Bytes out(plain.size());
      if (seal) {
        ASSERT_TRUE(client.Seal(buf, in_place ? MutableByteSpan(buf) : MutableByteSpan(out), sig));
        const Bytes& got = in_place ? buf : out;
        ASSERT_EQ(got, want_cipher) << GetParam().name << " seed " << seed << " message " << m;
        ASSERT_EQ(sig, want_sig) << GetParam().name << " seed " << seed << " message " << m;
        Bytes back(plain.size());
        Bytes received = got;
        ASSERT_TRUE(server.Unseal(received, sig,
                                  in_place ? MutableByteSpan(received) : MutableByteSpan(back)));
        ASSERT_EQ(in_place ? received : back, plain);
      } else {
        ASSERT_TRUE(client.Sign(plain, sig));
        ASSERT_EQ(sig, want_sig) << GetParam().name << " seed " << seed << " message " << m;
        ASSERT_TRUE(server.Verify(plain, sig));
      }
    }
    // A flipped bit is still caught by the stitched unseal/verify.
    const Bytes plain = RandomBytes(rng, 1 + rng() % 5000);
    std::array<uint8_t, 16> sig{};
    Bytes cipher(plain.size());
    if (seal) {
      ASSERT_TRUE(client.Seal(plain, cipher, sig));
      cipher[rng() % cipher.size()] ^= 0x01;
      Bytes back(plain.size());
      EXPECT_EQ(server.Unseal(cipher, sig, back).status(), ssp::SecStatus::kMessageAltered);
      EXPECT_EQ(back, Bytes(plain.size(), 0)) << "a failed unseal wipes its output";
    } else {
      ASSERT_TRUE(client.Sign(plain, sig));
      Bytes altered = plain;
      altered[rng() % altered.size()] ^= 0x80;
      EXPECT_EQ(server.Verify(altered, sig).status(), ssp::SecStatus::kMessageAltered);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Schemes, SchemeTest,
    ::testing::Values(
        Scheme{"ess_128_kx_seal", kBase | ssp::kNegotiateEss | ssp::kNegotiate128 |
                                      ssp::kNegotiateKeyExch | ssp::kNegotiateSeal},
        Scheme{"ess_128_nokx_seal",
               kBase | ssp::kNegotiateEss | ssp::kNegotiate128 | ssp::kNegotiateSeal},
        Scheme{"ess_56_kx_seal", kBase | ssp::kNegotiateEss | ssp::kNegotiate56 |
                                     ssp::kNegotiateKeyExch | ssp::kNegotiateSeal},
        Scheme{"ess_40_kx_seal",
               kBase | ssp::kNegotiateEss | ssp::kNegotiateKeyExch | ssp::kNegotiateSeal},
        Scheme{"ess_128_kx_sign_only",
               kBase | ssp::kNegotiateEss | ssp::kNegotiate128 | ssp::kNegotiateKeyExch},
        Scheme{"ess_128_nokx_sign_only", kBase | ssp::kNegotiateEss | ssp::kNegotiate128},
        Scheme{"noess_128_kx_seal",
               kBase | ssp::kNegotiate128 | ssp::kNegotiateKeyExch | ssp::kNegotiateSeal},
        Scheme{"noess_40_seal", kBase | ssp::kNegotiateSeal}),
    [](const ::testing::TestParamInfo<Scheme>& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace ntlm
