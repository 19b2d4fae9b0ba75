// Tests for crypto/secret.h: redaction, wiping and constant-time comparison.
#include <gtest/gtest.h>

#include <sstream>

#include "crypto/secret.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::crypto {
namespace {

using test_util::FromHex;
using test_util::Hex;

template <typename T>
std::string Printed(const T& value) {
  std::ostringstream os;
  os << value;
  return os.str();
}

TEST(SecretArrayTest, PrintsRedacted) {
  Key16 key(std::span<const uint8_t, 16>(FromHex("00112233445566778899aabbccddeeff").data(), 16));
  const std::string text = Printed(key);
  EXPECT_EQ(text, "<redacted 16 bytes>");
  EXPECT_EQ(text.find("0011"), std::string::npos);
}

TEST(SecretArrayTest, MoveWipesSource) {
  Bytes raw = FromHex("0102030405060708");
  SecretArray<8> a{std::span<const uint8_t, 8>(raw.data(), 8)};
  SecretArray<8> b(std::move(a));
  EXPECT_EQ(Hex(b), "0102030405060708");
  EXPECT_EQ(Hex(a), "0000000000000000");  // NOLINT(bugprone-use-after-move)
  SecretArray<8> c;
  c = std::move(b);
  EXPECT_EQ(Hex(c), "0102030405060708");
  EXPECT_EQ(Hex(b), "0000000000000000");  // NOLINT(bugprone-use-after-move)
  c.Wipe();
  EXPECT_EQ(Hex(c), "0000000000000000");
}

TEST(SecretArrayTest, EqualityIsByContent) {
  Bytes raw = FromHex("0102030405060708");
  SecretArray<8> a{std::span<const uint8_t, 8>(raw.data(), 8)};
  SecretArray<8> b = a;
  EXPECT_TRUE(a == b);
  b[7] ^= 1;
  EXPECT_FALSE(a == b);
}

TEST(SecretBufferTest, PrintsRedacted) {
  SecretBuffer buf(FromHex("deadbeef"));
  EXPECT_EQ(Printed(buf), "<redacted 4 bytes>");
}

TEST(SecretBufferTest, MoveEmptiesSource) {
  SecretBuffer a(FromHex("deadbeef"));
  SecretBuffer b(std::move(a));
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(Hex(b), "deadbeef");
  SecretBuffer c(FromHex("0102"));
  c = std::move(b);
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(Hex(c), "deadbeef");
}

TEST(SecretBufferTest, CopyAssignAndWipe) {
  SecretBuffer a(FromHex("0102030405"));
  SecretBuffer b(FromHex("ff"));
  b = a;
  EXPECT_TRUE(a == b);
  EXPECT_EQ(Hex(b), "0102030405");

  b.Assign(FromHex("aabb"));
  EXPECT_EQ(Hex(b), "aabb");
  b.Assign(ByteSpan(b).subspan(1));  // self-aliasing source
  EXPECT_EQ(Hex(b), "bb");

  a.Wipe();
  EXPECT_EQ(a.size(), 5u);
  EXPECT_EQ(Hex(a), "0000000000");
  EXPECT_FALSE(a == b);
}

TEST(SecretUtilTest, SecureZeroZeroesAllBytes) {
  Bytes data = FromHex("0102030405");
  SecureZero(data);
  EXPECT_EQ(data, Bytes(5, 0));
  SecureZero({});  // empty span is fine
}

TEST(SecretUtilTest, ConstantTimeEqualSemantics) {
  const Bytes a = FromHex("01020304");
  EXPECT_TRUE(ConstantTimeEqual(a, FromHex("01020304")));
  EXPECT_FALSE(ConstantTimeEqual(a, FromHex("01020305")));
  EXPECT_FALSE(ConstantTimeEqual(a, FromHex("81020304")));
  EXPECT_FALSE(ConstantTimeEqual(a, FromHex("010203")));      // shorter, equal prefix
  EXPECT_FALSE(ConstantTimeEqual(a, FromHex("0102030400")));  // longer
  EXPECT_TRUE(ConstantTimeEqual({}, {}));
  EXPECT_FALSE(ConstantTimeEqual({}, a));
}

}  // namespace
}  // namespace ntlm::crypto
