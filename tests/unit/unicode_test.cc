// unicode_test.cc: UTF-8 <-> UTF-16LE, OEM and upper-casing (ssp/unicode.h).
#include "ssp/unicode.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <clocale>
#include <string>

namespace ntlm::ssp {
namespace {

using ::testing::HasSubstr;

TEST(Unicode, Utf8ToUtf16LeBasic) {
  EXPECT_EQ(Utf8ToUtf16Le("User").value(), (Bytes{'U', 0, 's', 0, 'e', 0, 'r', 0}));
  EXPECT_EQ(Utf8ToUtf16Le("").value(), Bytes{});
  // U+00E9, U+20AC.
  EXPECT_EQ(Utf8ToUtf16Le("\xC3\xA9\xE2\x82\xAC").value(), (Bytes{0xE9, 0x00, 0xAC, 0x20}));
  // U+1F600 -> D83D DE00.
  EXPECT_EQ(Utf8ToUtf16Le("\xF0\x9F\x98\x80").value(), (Bytes{0x3D, 0xD8, 0x00, 0xDE}));
}

TEST(Unicode, Utf8ToUtf16LeRejectsInvalidUtf8WithOffset) {
  for (const char* bad :
       {"ab\xFF", "ab\xC3", "ab\xC0\x80" /* overlong */, "ab\xED\xA0\x80" /* surrogate */,
        "ab\xF4\x90\x80\x80" /* >10FFFF */, "ab\xE2\x28\xA1"}) {
    auto r = Utf8ToUtf16Le(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_THAT(r.error().reason, HasSubstr("offset 0x2"));
  }
}

TEST(Unicode, Utf16LeToUtf8) {
  EXPECT_EQ(Utf16LeToUtf8(Bytes{'U', 0, 's', 0}).value(), "Us");
  EXPECT_EQ(Utf16LeToUtf8(Bytes{0xE9, 0x00, 0xAC, 0x20}).value(), "\xC3\xA9\xE2\x82\xAC");
  EXPECT_EQ(Utf16LeToUtf8(Bytes{0x3D, 0xD8, 0x00, 0xDE}).value(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(Utf16LeToUtf8(Bytes{}).value(), "");
  // Embedded NUL is kept.
  EXPECT_EQ(Utf16LeToUtf8(Bytes{'a', 0, 0, 0}).value(), std::string("a\0", 2));
}

TEST(Unicode, Utf16LeToUtf8Errors) {
  auto odd = Utf16LeToUtf8(Bytes{'a', 0, 'b'});
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status(), SecStatus::kInvalidToken);
  EXPECT_THAT(odd.error().reason, HasSubstr("odd length 3"));
  auto lone_high = Utf16LeToUtf8(Bytes{'a', 0, 0x3D, 0xD8});
  ASSERT_FALSE(lone_high.ok());
  EXPECT_THAT(lone_high.error().reason, HasSubstr("high surrogate at byte offset 0x2"));
  auto high_then_char = Utf16LeToUtf8(Bytes{0x3D, 0xD8, 'a', 0});
  EXPECT_FALSE(high_then_char.ok());
  auto lone_low = Utf16LeToUtf8(Bytes{0x00, 0xDE});
  ASSERT_FALSE(lone_low.ok());
  EXPECT_THAT(lone_low.error().reason, HasSubstr("low surrogate at byte offset 0x0"));
}

TEST(Unicode, RoundTrip) {
  const std::string s =
      "Grü\xC3\x9F"
      "e \xE4\xB8\xAD \xF0\x9F\x98\x80 z";
  EXPECT_EQ(Utf16LeToUtf8(Utf8ToUtf16Le(s).value()).value(), s);
}

TEST(Unicode, OemIsLatin1) {
  EXPECT_EQ(OemToUtf8(Bytes{'C', 0xE9, 0xFF}), "C\xC3\xA9\xC3\xBF");
  EXPECT_EQ(Utf8ToOem("C\xC3\xA9\xC3\xBF").value(), (Bytes{'C', 0xE9, 0xFF}));
  auto euro = Utf8ToOem("a\xE2\x82\xAC");
  ASSERT_FALSE(euro.ok());
  EXPECT_THAT(euro.error().reason, HasSubstr("U+20AC"));
  EXPECT_FALSE(Utf8ToOem("\xFF").ok());
}

TEST(Unicode, ToUpper) {
  EXPECT_EQ(ToUpperUtf8("user"), "USER");
  EXPECT_EQ(ToUpperUtf8("Alice-01_x"), "ALICE-01_X");
  EXPECT_EQ(ToUpperUtf8(""), "");
  // Invalid UTF-8 is returned unchanged.
  EXPECT_EQ(ToUpperUtf8("ab\xFF"), "ab\xFF");
  // Supplementary characters are left alone (Windows/Samba upcase only the BMP).
  EXPECT_EQ(ToUpperUtf8("\xF0\x90\x90\xA8"), "\xF0\x90\x90\xA8");
  // U+00DF has no simple upper-case mapping.
  EXPECT_EQ(ToUpperUtf8("\xC3\x9F"), "\xC3\x9F");
}

// Upper-casing follows the generated table (ssp/upcase_table.inc), never the
// installed locale: no skip, in any environment (NTOWFv2 of a non-ASCII user
// name must not depend on which locales a machine has).
TEST(Unicode, ToUpperNonAsciiIndependentOfTheLocale) {
  EXPECT_EQ(ToUpperUtf8("\xC3\xA9"), "\xC3\x89");                  // é -> É
  EXPECT_EQ(ToUpperUtf8("\xC3\xBF"), "\xC5\xB8");                  // ÿ -> Ÿ
  EXPECT_EQ(ToUpperUtf8("\xD0\xB0\xCF\x83"), "\xD0\x90\xCE\xA3");  // а σ -> А Σ
  EXPECT_EQ(ToUpperUtf8("\xEF\xBD\x81"), "\xEF\xBC\xA1");          // fullwidth a -> A
  EXPECT_EQ(ToUpperUtf8("\xC3\xA0\xC3\xBE"), "\xC3\x80\xC3\x9E");  // à þ -> À Þ
  EXPECT_EQ(ToUpperUtf8("\xC3\x97\xC3\xB7"), "\xC3\x97\xC3\xB7");  // × ÷ have no case
  // Under the "C" locale, which has no case data beyond ASCII, the same.
  std::setlocale(LC_ALL, "C");
  EXPECT_EQ(ToUpperUtf8("j\xC3\xBCrgen"), "J\xC3\x9CRGEN");  // jürgen
}

TEST(Unicode, EqualsIgnoreCase) {
  EXPECT_TRUE(EqualsIgnoreCase("Contoso", "CONTOSO"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("alice", "alicex"));
  EXPECT_FALSE(EqualsIgnoreCase("alice", "bob"));
}

}  // namespace
}  // namespace ntlm::ssp
