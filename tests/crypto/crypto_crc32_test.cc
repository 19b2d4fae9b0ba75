// Tests for crypto/crc32.h.
#include <gtest/gtest.h>

#include "crypto/crc32.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::crypto {
namespace {

using test_util::Str;

TEST(Crc32Test, CheckValue) {
  EXPECT_EQ(Crc32(Str("123456789")), 0xCBF43926u);  // the CRC-32/ISO-HDLC check value
  EXPECT_EQ(Crc32({}), 0u);
  EXPECT_EQ(Crc32(Str("The quick brown fox jumps over the lazy dog")), 0x414FA339u);
}

TEST(Crc32Test, ContinuesOverPieces) {
  const ByteSpan all = Str("123456789");
  for (size_t split = 0; split <= all.size(); ++split) {
    EXPECT_EQ(Crc32(all.subspan(split), Crc32(all.first(split))), 0xCBF43926u) << split;
  }
}

}  // namespace
}  // namespace ntlm::crypto
