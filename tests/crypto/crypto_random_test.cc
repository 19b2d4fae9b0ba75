// Tests for crypto/random.h.
#include <gtest/gtest.h>

#include <array>

#include "crypto/init.h"
#include "crypto/random.h"

namespace ntlm::crypto {
namespace {

TEST(RandomBytesTest, FillsAndDiffersBetweenCalls) {
  std::array<uint8_t, 32> a{};
  std::array<uint8_t, 32> b{};
  ASSERT_TRUE(RandomBytes(a));
  ASSERT_TRUE(RandomBytes(b));
  EXPECT_NE(a, (std::array<uint8_t, 32>{}));  // 2^-256 chance of a false failure
  EXPECT_NE(a, b);
  EXPECT_TRUE(RandomBytes({}));
}

TEST(RandomBytesTest, LargeRequest) {
  Bytes big(100000, 0);
  ASSERT_TRUE(RandomBytes(big));
  size_t zeros = 0;
  for (uint8_t v : big) zeros += (v == 0);
  EXPECT_LT(zeros, 1000u);  // expected ~390
  EXPECT_FALSE(HasFailed()) << FailureMessage();
}

}  // namespace
}  // namespace ntlm::crypto
