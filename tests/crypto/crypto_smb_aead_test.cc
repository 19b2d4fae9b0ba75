// crypto_smb_aead_test.cc: the SMB 3.x AEAD ciphers (crypto/smb_aead.h):
// published AES-128-GCM and AES-256-GCM vectors, and for every cipher a
// seal/open round trip in which a changed byte of the ciphertext, the
// additional data or the tag makes opening fail, and a key of the wrong
// width is refused.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "crypto/smb_aead.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::crypto {
namespace {

using test_util::FromHex;
using test_util::Hex;

// McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)", test cases
// 3 (AES-128) and 15 (AES-256): the same 96-bit IV and plaintext, no
// additional data.
TEST(SmbAead, PublishedGcmVectors) {
  struct Vector {
    AeadCipher cipher;
    const char* key;
    const char* ciphertext;
    const char* tag;
  };
  const Vector vectors[] = {
      {AeadCipher::kAes128Gcm, "feffe9928665731c6d6a8f9467308308",
       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
       "4d5c2af327cd64a62cf35abd2ba6fab4"},
      {AeadCipher::kAes256Gcm, "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
       "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
       "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
       "b094dac5d93471bdec1a502270e3cc6c"}};
  for (const Vector& v : vectors) {
    SCOPED_TRACE(v.key);
    Bytes text = FromHex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255");
    std::array<uint8_t, kAeadTagSize> tag{};
    ASSERT_TRUE(
        AeadSeal(v.cipher, FromHex(v.key), FromHex("cafebabefacedbaddecaf888"), {}, text, tag));
    EXPECT_EQ(Hex(text), v.ciphertext);
    EXPECT_EQ(Hex(tag), v.tag);
  }
}

TEST(SmbAead, RoundTripAndTamperingForEveryCipher) {
  const Bytes long_key =
      FromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  const Bytes aad = FromHex("a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
  const Bytes plain = FromHex("fe534d4240000100000000000d0001000000000000000000");
  for (AeadCipher cipher : {AeadCipher::kAes128Ccm, AeadCipher::kAes128Gcm, AeadCipher::kAes256Ccm,
                            AeadCipher::kAes256Gcm}) {
    const bool ccm = cipher == AeadCipher::kAes128Ccm || cipher == AeadCipher::kAes256Ccm;
    const bool wide = cipher == AeadCipher::kAes256Ccm || cipher == AeadCipher::kAes256Gcm;
    SCOPED_TRACE(std::string(wide ? "AES-256-" : "AES-128-") + (ccm ? "CCM" : "GCM"));
    const Bytes key(long_key.begin(), long_key.begin() + (wide ? 32 : 16));
    EXPECT_EQ(AeadKeySize(cipher), key.size());
    // A key of the other width is refused.
    Bytes refused = plain;
    std::array<uint8_t, kAeadTagSize> unused{};
    EXPECT_FALSE(AeadSeal(cipher, Bytes(wide ? 16 : 32, 1), Bytes(AeadNonceSize(cipher), 0), aad,
                          refused, unused));
    const Bytes nonce(AeadNonceSize(cipher), 0x42);
    EXPECT_EQ(nonce.size(), ccm ? 11u : 12u);
    Bytes text = plain;
    std::array<uint8_t, kAeadTagSize> tag{};
    ASSERT_TRUE(AeadSeal(cipher, key, nonce, aad, text, tag));
    EXPECT_NE(text, plain);
    Bytes opened = text;
    ASSERT_TRUE(AeadOpen(cipher, key, nonce, aad, opened, tag));
    EXPECT_EQ(opened, plain);
    Bytes flipped = text;
    flipped[3] ^= 1;
    EXPECT_FALSE(AeadOpen(cipher, key, nonce, aad, flipped, tag));
    EXPECT_EQ(flipped, Bytes(plain.size(), 0));  // zeroed on failure
    Bytes other_aad = aad;
    other_aad[0] ^= 1;
    opened = text;
    EXPECT_FALSE(AeadOpen(cipher, key, nonce, other_aad, opened, tag));
    auto bad_tag = tag;
    bad_tag[15] ^= 1;
    opened = text;
    EXPECT_FALSE(AeadOpen(cipher, key, nonce, aad, opened, bad_tag));
    // A nonce of the wrong length is refused.
    opened = text;
    EXPECT_FALSE(AeadOpen(cipher, key, Bytes(16, 0), aad, opened, tag));
  }
}

}  // namespace
}  // namespace ntlm::crypto
