// Tests for reference/openssl_rc4.h (the OpenSSL RC4 the product's inline RC4 is checked
// against) against RFC 6229 key streams.
#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "crypto/init.h"
#include "reference/openssl_rc4.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::crypto {
namespace {

using reference::Rc4;
using reference::Rc4Once;

using test_util::FromHex;
using test_util::Hex;

struct KeyStreamBlock {
  size_t offset;
  std::string_view hex;  // 16 key-stream bytes at `offset`
};

struct Rfc6229Key {
  std::string_view key_hex;
  std::vector<KeyStreamBlock> blocks;
};

// RFC 6229 section 2, "key" = 0x0102..., a few offsets each.
const std::vector<Rfc6229Key>& Rfc6229() {
  static const std::vector<Rfc6229Key> keys = {
      {"0102030405",  // 40-bit
       {{0, "b2396305f03dc027ccc3524a0a1118a8"},
        {16, "6982944f18fc82d589c403a47a0d0919"},
        {240, "28cb1132c96ce286421dcaadb8b69eae"},
        {4096, "ff25b58995996707e51fbdf08b34d875"}}},
      {"0102030405060708",  // 64-bit: the 8-byte key length NTLM also uses
       {{0, "97ab8a1bf0afb96132f2f67258da15a8"},
        {16, "8263efdb45c4a18684ef87e6b19e5b09"},
        {240, "9636ebc9841926f4f7d1f362bddf6e18"},
        {4096, "3fb46e2c8f0f068edce8cdcd7dfc5862"}}},
      {"0102030405060708090a0b0c0d0e0f10",  // 128-bit
       {{0, "9ac7cc9a609d1ef7b2932899cde41b97"},
        {16, "5248c4959014126a6e8a84f11d1a9e1c"},
        {240, "065902e4b620f6cc36c8589f66432f2b"},
        {4096, "a36a4c301ae8ac13610ccbc12256cacc"}}},
  };
  return keys;
}

constexpr size_t kStreamLength = 4096 + 16;

TEST(Rc4Test, Rfc6229KeyStreams) {
  ASSERT_TRUE(Initialize().ok) << Initialize().message;
  for (const auto& k : Rfc6229()) {
    SCOPED_TRACE(k.key_hex);
    Bytes stream = Rc4Once(FromHex(k.key_hex), Bytes(kStreamLength, 0));
    for (const auto& b : k.blocks) {
      EXPECT_EQ(Hex(ByteSpan(stream).subspan(b.offset, 16)), b.hex) << "offset " << b.offset;
    }
  }
}

TEST(Rc4Test, StreamingOverSplitInputsEqualsOneShot) {
  const Bytes key = FromHex("0102030405060708");
  Bytes plain(1000);
  for (size_t i = 0; i < plain.size(); ++i) plain[i] = static_cast<uint8_t>(i * 7 + 3);
  const Bytes expected = Rc4Once(key, plain);

  const size_t pieces[] = {0, 1, 15, 16, 17, 64, 300, 587};  // sums to 1000
  Rc4 rc4(key);
  ASSERT_TRUE(rc4.keyed());
  Bytes out(plain.size());
  size_t pos = 0;
  for (size_t n : pieces) {
    ASSERT_TRUE(rc4.Apply(ByteSpan(plain).subspan(pos, n), MutableByteSpan(out).subspan(pos, n)));
    pos += n;
  }
  ASSERT_EQ(pos, plain.size());
  EXPECT_EQ(out, expected);
}

TEST(Rc4Test, InPlaceAndDecryptRoundTrip) {
  const Bytes key = FromHex("0102030405060708090a0b0c0d0e0f10");
  Bytes data = {'N', 'T', 'L', 'M', 'S', 'S', 'P'};
  const Bytes original = data;
  Rc4 enc(key);
  Rc4 dec(key);
  ASSERT_TRUE(enc.ApplyInPlace(data));
  EXPECT_NE(data, original);
  ASSERT_TRUE(dec.ApplyInPlace(data));
  EXPECT_EQ(data, original);
}

TEST(Rc4Test, SetKeyRestartsAndChangesKeyLength) {
  Rc4 rc4(FromHex("0102030405060708090a0b0c0d0e0f10"));
  Bytes out(16);
  ASSERT_TRUE(rc4.Apply(Bytes(16, 0), out));
  EXPECT_EQ(Hex(out), "9ac7cc9a609d1ef7b2932899cde41b97");
  // Re-key with an 8-byte key: the stream restarts under the new key length.
  rc4.SetKey(FromHex("0102030405060708"));
  ASSERT_TRUE(rc4.Apply(Bytes(16, 0), out));
  EXPECT_EQ(Hex(out), "97ab8a1bf0afb96132f2f67258da15a8");
  // And back to 5 bytes.
  rc4.SetKey(FromHex("0102030405"));
  ASSERT_TRUE(rc4.Apply(Bytes(16, 0), out));
  EXPECT_EQ(Hex(out), "b2396305f03dc027ccc3524a0a1118a8");
}

TEST(Rc4Test, UnkeyedOrMismatchedApplyFailsAndZeroes) {
  Rc4 unkeyed;
  EXPECT_FALSE(unkeyed.keyed());
  Bytes out(4, 0xff);
  EXPECT_FALSE(unkeyed.Apply(Bytes{1, 2, 3, 4}, out));
  EXPECT_EQ(out, Bytes(4, 0));

  Rc4 rc4(FromHex("0102030405"));
  out.assign(3, 0xff);
  EXPECT_FALSE(rc4.Apply(Bytes{1, 2, 3, 4}, out));
  EXPECT_EQ(out, Bytes(3, 0));

  Rc4 empty_key{ByteSpan{}};
  EXPECT_FALSE(empty_key.keyed());
  EXPECT_TRUE(rc4.Apply({}, {}));  // empty input on a keyed stream is fine
}

TEST(Rc4Test, MoveTransfersStreamPosition) {
  Rc4 a(FromHex("0102030405"));
  Bytes out(16);
  ASSERT_TRUE(a.Apply(Bytes(16, 0), out));
  Rc4 b(std::move(a));
  EXPECT_FALSE(a.keyed());  // NOLINT(bugprone-use-after-move): documented behaviour
  ASSERT_TRUE(b.keyed());
  ASSERT_TRUE(b.Apply(Bytes(16, 0), out));
  EXPECT_EQ(Hex(out), "6982944f18fc82d589c403a47a0d0919");  // offset 16
  Rc4 c;
  c = std::move(b);
  EXPECT_FALSE(b.keyed());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(c.keyed());
}

}  // namespace
}  // namespace ntlm::crypto
