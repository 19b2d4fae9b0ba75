// Tests for crypto/md4.h and reference/openssl_md5.h (the OpenSSL MD5/HMAC-MD5 the product's
// inline ones are checked against) against the RFC 1320, RFC 1321 and RFC 2202 vectors.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <string_view>

#include "crypto/init.h"
#include "crypto/md4.h"
#include "reference/openssl_md5.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::crypto {
namespace {

using reference::HmacMd5;
using reference::HmacMd5Hasher;
using reference::Md5;
using reference::Md5Hasher;

using test_util::Hex;
using test_util::Str;

using Digest = std::array<uint8_t, 16>;

struct TextVector {
  std::string_view input;
  std::string_view hex;
};

constexpr std::string_view kAlnum =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
constexpr std::string_view kDigits80 =
    "12345678901234567890123456789012345678901234567890123456789012345678901234567890";

TEST(Md4Test, Rfc1320Vectors) {
  ASSERT_TRUE(Initialize().ok) << Initialize().message;
  const TextVector vectors[] = {
      {"", "31d6cfe0d16ae931b73c59d7e0c089c0"},
      {"a", "bde52cb31de33e46245e05fbdbd6fb24"},
      {"abc", "a448017aaf21d8525fc10ae87aa6729d"},
      {"message digest", "d9130a8164549fe818874806e1c7014b"},
      {"abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"},
      {kAlnum, "043f8582f241db351ce627e153e7f0e4"},
      {kDigits80, "e33b4ddc9c38f2199c3e7b164fcc0536"},
  };
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.input);
    Digest out;
    Md4(Str(v.input), out);
    EXPECT_EQ(Hex(out), v.hex);
  }
}

TEST(Md5Test, Rfc1321Vectors) {
  const TextVector vectors[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {kAlnum, "d174ab98d277d9f5a5611c2c9f419d9f"},
      {kDigits80, "57edf4a22be3c955ac49da2e2107b67a"},
  };
  for (const auto& v : vectors) {
    SCOPED_TRACE(v.input);
    Digest out;
    Md5(Str(v.input), out);
    EXPECT_EQ(Hex(out), v.hex);
  }
}

TEST(Md5Test, HasherStreamingMatchesOneShotAndResets) {
  Md5Hasher hasher;
  Digest out;
  for (size_t split = 0; split <= kDigits80.size(); split += 7) {
    hasher.Update(Str(kDigits80.substr(0, split)));
    hasher.Update(Str(kDigits80.substr(split)));
    hasher.Final(out);  // also resets for the next round
    EXPECT_EQ(Hex(out), "57edf4a22be3c955ac49da2e2107b67a") << "split " << split;
  }
  hasher.Final(out);
  EXPECT_EQ(Hex(out), "d41d8cd98f00b204e9800998ecf8427e");
}

TEST(Md5Test, MovedHasherKeepsStateAndSourceIsInert) {
  Md5Hasher a;
  a.Update(Str("message "));
  Md5Hasher b(std::move(a));
  b.Update(Str("digest"));
  Digest out;
  b.Final(out);
  EXPECT_EQ(Hex(out), "f96b697d7cb7938d525a2f31aaf161d0");
  a.Update(Str("ignored"));  // NOLINT(bugprone-use-after-move): documented behaviour
  a.Final(out);
  EXPECT_EQ(Hex(out), std::string(32, '0'));
}

struct HmacVector {
  Bytes key;
  Bytes data;
  std::string_view hex;
};

Bytes Repeat(uint8_t v, size_t n) { return Bytes(n, v); }
Bytes B(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::vector<HmacVector> Rfc2202Md5() {
  Bytes key4;
  for (uint8_t i = 1; i <= 25; ++i) key4.push_back(i);
  return {
      {Repeat(0x0b, 16), B("Hi There"), "9294727a3638bb1c13f48ef8158bfc9d"},
      {B("Jefe"), B("what do ya want for nothing?"), "750c783e6ab0b503eaa86e310a5db738"},
      {Repeat(0xaa, 16), Repeat(0xdd, 50), "56be34521d144c88dbb8c733f0e8b3f6"},
      {key4, Repeat(0xcd, 50), "697eaf0aca3a3aea3a75164746ffaa79"},
      {Repeat(0x0c, 16), B("Test With Truncation"), "56461ef2342edc00f9bab995690efd4c"},
      {Repeat(0xaa, 80), B("Test Using Larger Than Block-Size Key - Hash Key First"),
       "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd"},
      {Repeat(0xaa, 80),
       B("Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"),
       "6f630fad67cda0ee1fb1f562db3aa53e"},
  };
}

TEST(HmacMd5Test, Rfc2202Cases1To7) {
  int test_case = 0;
  for (const auto& v : Rfc2202Md5()) {
    SCOPED_TRACE("RFC 2202 test_case " + std::to_string(++test_case));
    Digest out;
    HmacMd5(v.key, v.data, out);
    EXPECT_EQ(Hex(out), v.hex);
  }
}

TEST(HmacMd5Test, IncrementalMatchesOneShot) {
  for (const auto& v : Rfc2202Md5()) {
    HmacMd5Hasher hasher(v.key);
    for (size_t split = 0; split <= v.data.size(); ++split) {
      ByteSpan data(v.data);
      hasher.Update(data.first(split));
      hasher.Update(data.subspan(split));
      Digest out;
      hasher.Final(out);
      ASSERT_EQ(Hex(out), v.hex) << "split " << split;
    }
  }
}

TEST(HmacMd5Test, ReuseAfterFinalAndReset) {
  HmacMd5Hasher hasher(B("Jefe"));
  Digest out;
  hasher.Update(B("what do ya want for nothing?"));
  hasher.Final(out);
  EXPECT_EQ(Hex(out), "750c783e6ab0b503eaa86e310a5db738");
  // Same key, next message: the keyed state was restored by Final().
  hasher.Update(B("what do ya want "));
  hasher.Update(B("for nothing?"));
  hasher.Final(out);
  EXPECT_EQ(Hex(out), "750c783e6ab0b503eaa86e310a5db738");
  // A dropped partial message does not leak into the next one.
  hasher.Update(B("garbage"));
  hasher.Reset();
  hasher.Update(B("what do ya want for nothing?"));
  hasher.Final(out);
  EXPECT_EQ(Hex(out), "750c783e6ab0b503eaa86e310a5db738");
}

TEST(HmacMd5Test, EmptyKeyAndMessage) {
  // HMAC-MD5("", "") as computed by any RFC 2104 implementation.
  Digest out;
  HmacMd5({}, {}, out);
  EXPECT_EQ(Hex(out), "74e6f7298a9c2d168935f58c001bad88");
}

TEST(HmacMd5Test, MoveKeepsKeyedState) {
  HmacMd5Hasher a(Repeat(0x0b, 16));
  HmacMd5Hasher b(B("other key"));
  b = std::move(a);
  b.Update(B("Hi There"));
  Digest out;
  b.Final(out);
  EXPECT_EQ(Hex(out), "9294727a3638bb1c13f48ef8158bfc9d");
  a.Final(out);  // NOLINT(bugprone-use-after-move): moved-from writes zeros
  EXPECT_EQ(Hex(out), std::string(32, '0'));
}

}  // namespace
}  // namespace ntlm::crypto
