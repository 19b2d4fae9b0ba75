// Tests for crypto/des.h: key expansion, a classic DES known answer and the
// MS-NLMP LM "KGS!@#$%" values.
#include <gtest/gtest.h>

#include <array>

#include "crypto/des.h"
#include "crypto/init.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::crypto {
namespace {

using test_util::FromHex;
using test_util::Hex;
using test_util::Str;

std::array<uint8_t, 7> Key7(std::string_view hex) {
  Bytes b = FromHex(hex);
  std::array<uint8_t, 7> k{};
  std::copy(b.begin(), b.end(), k.begin());
  return k;
}

std::array<uint8_t, 8> Block(ByteSpan b) {
  std::array<uint8_t, 8> a{};
  std::copy(b.begin(), b.end(), a.begin());
  return a;
}

TEST(DesTest, KeyExpansionByHand) {
  // The classic DES test key 13 34 57 79 9B BC DF F1 already has odd parity.
  // Its top seven bits per byte, concatenated:
  //   0001001 0011010 0101011 0111100 1001101 1011110 1101111 1111000
  // regrouped in eights: 00010010 01101001 01011011 11001001 10110111
  //                      10110111 11111000 = 12 69 5B C9 B7 B7 F8.
  std::array<uint8_t, 8> key8{};
  DesKey56To64(Key7("12695bc9b7b7f8"), key8);
  EXPECT_EQ(Hex(key8), "133457799bbcdff1");

  // All-zero key: every byte gets parity bit 1.
  DesKey56To64(Key7("00000000000000"), key8);
  EXPECT_EQ(Hex(key8), "0101010101010101");
  // All-ones key: 1111111 has seven ones (odd), so the parity bit is 0.
  DesKey56To64(Key7("ffffffffffffff"), key8);
  EXPECT_EQ(Hex(key8), "fefefefefefefefe");
}

TEST(DesTest, ClassicKnownAnswer) {
  ASSERT_TRUE(Initialize().ok) << Initialize().message;
  // Key 133457799BBCDFF1 (7-byte form from KeyExpansionByHand), plaintext
  // 0123456789ABCDEF -> 85E813540F0AB405.
  std::array<uint8_t, 8> out{};
  DesEncrypt56(Key7("12695bc9b7b7f8"), Block(FromHex("0123456789abcdef")), out);
  EXPECT_EQ(Hex(out), "85e813540f0ab405");
}

TEST(DesTest, LmMagicConstant) {
  const auto magic = Block(Str("KGS!@#$%"));
  std::array<uint8_t, 8> out{};
  // LM hash of the empty password: DES(0^7, "KGS!@#$%") = AAD3B435B51404EE.
  DesEncrypt56(Key7("00000000000000"), magic, out);
  EXPECT_EQ(Hex(out), "aad3b435b51404ee");
  // [MS-NLMP] 4.2.2.1.1 LMOWFv1("Password") = e52cac67419a9a22 4a3b108f3fa6cb6d:
  // DES("PASSWOR", magic) || DES("D\0\0\0\0\0\0", magic).
  DesEncrypt56(Key7("50415353574f52"), magic, out);
  EXPECT_EQ(Hex(out), "e52cac67419a9a22");
  DesEncrypt56(Key7("44000000000000"), magic, out);
  EXPECT_EQ(Hex(out), "4a3b108f3fa6cb6d");
}

TEST(DesTest, OutputMayAliasInput) {
  auto block = Block(Str("KGS!@#$%"));
  DesEncrypt56(Key7("00000000000000"), block, block);
  EXPECT_EQ(Hex(block), "aad3b435b51404ee");
}

}  // namespace
}  // namespace ntlm::crypto
