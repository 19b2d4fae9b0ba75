// crypto_smb_mac_test.cc: known-answer tests of the SMB 2/3 primitives
// (crypto/smb_mac.h) against published vectors.
#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/smb_mac.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::crypto {
namespace {

using test_util::FromHex;
using test_util::Hex;

ByteSpan Text(std::string_view text) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

// RFC 4231 4.3 (test case 2) and 4.2 (test case 1).
TEST(HmacSha256, Rfc4231Vectors) {
  std::array<uint8_t, kHmacSha256Size> mac{};
  ASSERT_TRUE(HmacSha256(Text("Jefe"), {Text("what do ya want "), Text("for nothing?")}, mac));
  EXPECT_EQ(Hex(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  Bytes key(20, 0x0b);
  ASSERT_TRUE(HmacSha256(key, {Text("Hi There")}, mac));
  EXPECT_EQ(Hex(mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// RFC 4493 4: examples 1, 2 and 4, the last fed in uneven pieces.
TEST(AesCmac128, Rfc4493Vectors) {
  const Bytes key = FromHex("2b7e151628aed2a6abf7158809cf4f3c");
  const Bytes message = FromHex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  std::array<uint8_t, kAesCmacSize> mac{};
  ASSERT_TRUE(AesCmac128(key, {}, mac));
  EXPECT_EQ(Hex(mac), "bb1d6929e95937287fa37d129b756746");
  ASSERT_TRUE(AesCmac128(key, {ByteSpan(message).first(16)}, mac));
  EXPECT_EQ(Hex(mac), "070a16b46b4d4144f79bdd9dd04a287c");
  ByteSpan all(message);
  ASSERT_TRUE(AesCmac128(key, {all.first(7), all.subspan(7, 30), all.subspan(37)}, mac));
  EXPECT_EQ(Hex(mac), "51f0bebf7e3b9d92fc49741779363cfe");
  EXPECT_FALSE(AesCmac128(FromHex("00"), {}, mac));
}

// One prepared key, many messages: every MAC restarts from the key alone
// (RFC 4493 examples 2, 1, 4, 2 again, in that order; RFC 4231 cases 2 and 1
// twice each), and a key of the wrong size is refused.
TEST(KeyedMac, EachComputeStartsFromTheKeyAlone) {
  const Bytes message = FromHex(
      "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
      "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710");
  auto cmac = KeyedMac::Create(KeyedMac::Algorithm::kAesCmac128,
                               FromHex("2b7e151628aed2a6abf7158809cf4f3c"));
  ASSERT_NE(cmac, nullptr);
  std::array<uint8_t, kAesCmacSize> mac{};
  const ByteSpan all(message);
  const std::pair<std::vector<ByteSpan>, const char*> cases[] = {
      {{all.first(16)}, "070a16b46b4d4144f79bdd9dd04a287c"},
      {{}, "bb1d6929e95937287fa37d129b756746"},
      {{all.first(40), all.subspan(40)}, "51f0bebf7e3b9d92fc49741779363cfe"},
      {{all.first(16)}, "070a16b46b4d4144f79bdd9dd04a287c"}};
  for (const auto& [pieces, expected] : cases) {
    if (pieces.empty()) {
      ASSERT_TRUE(cmac->Compute({}, mac));
    } else if (pieces.size() == 1) {
      ASSERT_TRUE(cmac->Compute({pieces[0]}, mac));
    } else {
      ASSERT_TRUE(cmac->Compute({pieces[0], pieces[1]}, mac));
    }
    EXPECT_EQ(Hex(mac), expected);
  }
  auto hmac = KeyedMac::Create(KeyedMac::Algorithm::kHmacSha256, Text("Jefe"));
  ASSERT_NE(hmac, nullptr);
  std::array<uint8_t, kHmacSha256Size> long_mac{};
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(hmac->Compute({Text("what do ya want for nothing?")}, long_mac));
    EXPECT_EQ(Hex(long_mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
  EXPECT_EQ(KeyedMac::Create(KeyedMac::Algorithm::kAesCmac128, FromHex("00")), nullptr);
  std::array<uint8_t, 8> wrong_size{};
  EXPECT_FALSE(cmac->Compute({}, wrong_size));
}

// FIPS 180-2 appendix C.1 ("abc").
TEST(Sha512, Fips180Vector) {
  std::array<uint8_t, kSha512Size> digest{};
  ASSERT_TRUE(Sha512({Text("a"), Text("bc")}, digest));
  EXPECT_EQ(Hex(digest),
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
            "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

// The SMB 3.0 keys of Microsoft's Open Specifications blog "SMB 2 and SMB 3
// security in Windows 10: the anatomy of signing and cryptographic keys"
// (2017), appendix "Key derivation example for SMB 3.0 multichannel":
// SessionKey 7CD451825D0450D235424E44BA6E78CC; labels of [MS-SMB2] 3.2.5.3.1.
TEST(KdfCounterHmacSha256, Smb30KeysFromTheSpecificationBlog) {
  const Bytes session_key = FromHex("7CD451825D0450D235424E44BA6E78CC");
  std::array<uint8_t, 16> key{};
  ASSERT_TRUE(KdfCounterHmacSha256(session_key, Text(std::string_view("SMB2AESCMAC\0", 12)),
                                   Text(std::string_view("SmbSign\0", 8)), key));
  EXPECT_EQ(Hex(key), "0b7e9c5cac36c0f6ea9ab275298cedce");
  ASSERT_TRUE(KdfCounterHmacSha256(session_key, Text(std::string_view("SMB2APP\0", 8)),
                                   Text(std::string_view("SmbRpc\0", 7)), key));
  EXPECT_EQ(Hex(key), "bb23a4575aa26c721af525af15a87b4f");
  ASSERT_TRUE(KdfCounterHmacSha256(session_key, Text(std::string_view("SMB2AESCCM\0", 11)),
                                   Text(std::string_view("ServerIn \0", 10)), key));
  EXPECT_EQ(Hex(key), "fad27796665b313ebb578f388632b4f7");
  std::array<uint8_t, 65> too_long{};
  EXPECT_FALSE(KdfCounterHmacSha256(session_key, {}, {}, too_long));
}

}  // namespace
}  // namespace ntlm::crypto
