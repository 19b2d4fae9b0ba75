// av_pairs_test.cc: AV_PAIR list codec (ssp/av_pairs.h, MS-NLMP 2.2.2.1).
#include "ssp/av_pairs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "ssp/text_encoding.h"

namespace ntlm::ssp {
namespace {

using ::testing::HasSubstr;

Bytes Hex(std::string_view hex) {
  std::string error;
  auto bytes = ssp::DecodeHex(hex, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(Bytes{});
}

// MS-NLMP 4.2.4.3 TargetInfo: NbDomainName "Domain", NbComputerName "Server", EOL.
const char kSpecTargetInfo[] =
    "02000c0044006f006d00610069006e0001000c005300650072007600650072000000"
    "0000";

TEST(AvPairs, DecodeSpecTargetInfo) {
  const Bytes raw = Hex(kSpecTargetInfo);
  auto list = DecodeAvPairs(raw);
  ASSERT_TRUE(list.ok()) << list.error().reason;
  ASSERT_EQ(list->pairs.size(), 2u);
  EXPECT_EQ(list->pairs[0].id, 2);
  EXPECT_EQ(list->GetString(AvId::kNbDomainName).value(), "Domain");
  EXPECT_EQ(list->GetString(AvId::kNbComputerName).value(), "Server");
  EXPECT_TRUE(list->trailing.empty());
  EXPECT_FALSE(list->Flags().has_value());
  EXPECT_FALSE(list->Timestamp().has_value());
  EXPECT_FALSE(list->ChannelBindings().has_value());
  EXPECT_FALSE(list->GetString(AvId::kDnsTreeName).ok());
  EXPECT_EQ(EncodeAvPairs(*list), raw);
}

TEST(AvPairs, TypedValuesAndSetters) {
  AvPairList list;
  ASSERT_TRUE(list.SetString(AvId::kNbComputerName, "SRV01").ok());
  list.SetFlags(kAvFlagMicPresent);
  list.SetTimestamp(0x01dd7d011ed8dbdeull);
  std::array<uint8_t, 16> cb{};
  cb.fill(0xAB);
  list.SetChannelBindings(cb);
  ASSERT_TRUE(list.SetString(AvId::kTargetName, "HTTP/server.contoso.test").ok());
  SingleHostData sh;
  sh.machine_id.fill(0x11);
  list.SetSingleHost(sh);

  const Bytes wire = EncodeAvPairs(list);
  auto back = DecodeAvPairs(wire);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_EQ(*back, list);
  EXPECT_EQ(back->Flags(), kAvFlagMicPresent);
  EXPECT_EQ(back->Timestamp(), 0x01dd7d011ed8dbdeull);
  EXPECT_EQ(back->ChannelBindings(), cb);
  EXPECT_EQ(back->GetString(AvId::kTargetName).value(), "HTTP/server.contoso.test");
  auto host = back->SingleHost();
  ASSERT_TRUE(host.ok());
  EXPECT_EQ(host->size, 48u);
  EXPECT_EQ(host->machine_id[31], 0x11);

  // Set replaces in place (order kept); Remove drops every copy.
  list.SetFlags(kAvFlagMicPresent | kAvFlagConstrained);
  EXPECT_EQ(list.pairs[1].id, static_cast<uint16_t>(AvId::kFlags));
  EXPECT_EQ(list.Flags(), 3u);
  EXPECT_EQ(list.Remove(AvId::kFlags), 1u);
  EXPECT_FALSE(list.Has(AvId::kFlags));
  EXPECT_FALSE(list.SetString(AvId::kTargetName, "\xFF").ok());
}

TEST(AvPairs, UnknownIdsDuplicatesAndTrailingArePreserved) {
  // AvId 0x0B (unknown), two NbComputerName pairs, EOL, 4 trailing zero bytes,
  // as in the NTLMv2 temp (3.3.2: AV pairs followed by Z(4)).
  const Bytes raw =
      Hex("0b000300aabbcc"
          "01000200410001000200420000000000"
          "00000000");
  auto list = DecodeAvPairs(raw);
  ASSERT_TRUE(list.ok()) << list.error().reason;
  EXPECT_EQ(list->pairs.size(), 3u);
  EXPECT_EQ(list->Count(AvId::kNbComputerName), 2u);
  EXPECT_EQ(list->GetString(AvId::kNbComputerName).value(), "A");
  EXPECT_EQ(list->trailing, Bytes(4, 0));
  EXPECT_EQ(EncodeAvPairs(*list), raw);
  EXPECT_EQ(AvIdName(0x0b), "AvId 11");
  EXPECT_EQ(AvIdName(10), "MsvAvChannelBindings");
}

TEST(AvPairs, MissingEol) {
  for (const char* hex : {"", "010002004100", "01000200410000", "0100020041000000"}) {
    auto list = DecodeAvPairs(Hex(hex), "CHALLENGE: TargetInfo", 0x44);
    ASSERT_FALSE(list.ok()) << hex;
    EXPECT_EQ(list.status(), SecStatus::kInvalidToken);
    EXPECT_THAT(list.error().reason, HasSubstr("CHALLENGE: TargetInfo"));
    EXPECT_THAT(list.error().reason, HasSubstr("MsvAvEOL"));
  }
}

TEST(AvPairs, PairPastEnd) {
  auto list = DecodeAvPairs(Hex("0100ffff41004200"), "T", 0x100);
  ASSERT_FALSE(list.ok());
  EXPECT_EQ(list.error().reason,
            "T: MsvAvNbComputerName at offset 0x100: AvLen 65535 runs past the end of the list "
            "(4 bytes remain)");
}

TEST(AvPairs, FixedLengths) {
  struct Case {
    const char* hex;
    const char* expect;
  } cases[] = {
      {"0600030001000000000000", "MsvAvFlags at offset 0x0: AvLen 3 (must be 4)"},
      {"070004000000000000000000", "MsvAvTimestamp at offset 0x0: AvLen 4 (must be 8)"},
      {"0a000f00000000000000000000000000000000000000", "AvLen 15 (must be 16)"},
      {"000004000000000000000000", "MsvAvEOL at offset 0x0: AvLen 4 (must be 0)"},
  };
  for (const Case& c : cases) {
    auto list = DecodeAvPairs(Hex(c.hex));
    ASSERT_FALSE(list.ok()) << c.hex;
    EXPECT_THAT(list.error().reason, HasSubstr(c.expect));
  }
}

TEST(AvPairs, OddLengthStringIsReportedByAccessor) {
  auto list = DecodeAvPairs(Hex("0900030041004200000000"));
  ASSERT_TRUE(list.ok());
  auto s = list->GetString(AvId::kTargetName);
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(s.error().reason, HasSubstr("MsvAvTargetName"));
  EXPECT_THAT(s.error().reason, HasSubstr("odd length"));
  EXPECT_THAT(AvPairValueToString(list->pairs[0]), HasSubstr("invalid UTF-16LE"));
}

TEST(AvPairs, ExplicitEolInPairsIsNotDoubled) {
  AvPairList list;
  ASSERT_TRUE(list.SetString(AvId::kNbDomainName, "Domain").ok());
  list.pairs.push_back(AvPair{static_cast<uint16_t>(AvId::kEol), {}});
  ASSERT_TRUE(list.SetString(AvId::kNbComputerName, "Server").ok());  // goes before the EOL
  EXPECT_EQ(EncodeAvPairs(list), Hex(kSpecTargetInfo));
}

TEST(AvPairs, ValueToString) {
  AvPairList list;
  ASSERT_TRUE(list.SetString(AvId::kNbDomainName, "CONTOSO").ok());
  list.SetFlags(2);
  EXPECT_EQ(AvPairValueToString(list.pairs[0]), "\"CONTOSO\"");
  EXPECT_EQ(AvPairValueToString(list.pairs[1]), "0x00000002");
}

}  // namespace
}  // namespace ntlm::ssp
