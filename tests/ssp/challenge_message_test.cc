// challenge_message_test.cc: CHALLENGE_MESSAGE codec (MS-NLMP 2.2.1.2),
// checked against the MS-NLMP 4.2 example messages.
#include "ssp/challenge_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "ssp/flags.h"
#include "ssp/text_encoding.h"
#include "tests/ssp/codec_test_util.h"

namespace ntlm::ssp {
namespace {

using ::testing::HasSubstr;

using testing_util::B64;
using testing_util::Hex;
using testing_util::Vectors;

Bytes SpecChallenge(const char* section) {
  return Hex(Vectors()[section]["messages"]["CHALLENGE_MESSAGE"]["hex"].get<std::string>());
}

const std::array<uint8_t, 8> kServerChallenge = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef};

TEST(ChallengeMessage, SpecExamplesRoundTrip) {
  for (const char* section :
       {"4.2.2_ntlmv1", "4.2.3_ntlmv1_with_client_challenge", "4.2.4_ntlmv2"}) {
    SCOPED_TRACE(section);
    const Bytes token = SpecChallenge(section);
    auto msg = DecodeChallengeMessage(token);
    ASSERT_TRUE(msg.ok()) << msg.error().reason;
    EXPECT_EQ(msg->target_name, "Server");
    EXPECT_EQ(msg->server_challenge, kServerChallenge);
    ASSERT_TRUE(msg->has_version);
    EXPECT_EQ(msg->version.ToString(), "6.0.6000 rev 15");
    const uint32_t flags =
        std::stoul(Vectors()[section]["challenge_flags"]["value"].get<std::string>(), nullptr, 16);
    EXPECT_EQ(msg->flags, flags);
    EXPECT_EQ(EncodeChallengeMessage(*msg), token);
    // The spec's layout is the canonical fresh layout.
    ChallengeMessage fresh = *msg;
    fresh.layout.reset();
    EXPECT_EQ(EncodeChallengeMessage(fresh), token);
  }
}

TEST(ChallengeMessage, SpecNtlmV2TargetInfo) {
  auto msg = DecodeChallengeMessage(SpecChallenge("4.2.4_ntlmv2"));
  ASSERT_TRUE(msg.ok());
  ASSERT_TRUE(msg->target_info.has_value());
  EXPECT_EQ(msg->target_info->GetString(AvId::kNbDomainName).value(), "Domain");
  EXPECT_EQ(msg->target_info->GetString(AvId::kNbComputerName).value(), "Server");
  EXPECT_TRUE(msg->flags & kNegotiateTargetInfo);
  auto v1 = DecodeChallengeMessage(SpecChallenge("4.2.2_ntlmv1"));
  ASSERT_TRUE(v1.ok());
  EXPECT_FALSE(v1->target_info.has_value());
}

TEST(ChallengeMessage, TargetNameLengthErratum) {
  // One transcription of 4.2.4.3 has TargetNameFields.Len = 3 (odd for
  // UTF-16): a token like that is rejected, naming the field.
  Bytes token = SpecChallenge("4.2.4_ntlmv2");
  token[12] = 0x03;
  auto msg = DecodeChallengeMessage(token);
  ASSERT_FALSE(msg.ok());
  EXPECT_EQ(msg.status(), SecStatus::kInvalidToken);
  EXPECT_EQ(msg.error().reason,
            "CHALLENGE: TargetName at offset 0x38: UTF-16LE string has odd length 3");
}

TEST(ChallengeMessage, OemTargetName) {
  // curl's exchange: the server answered OEM (no UNICODE flag).
  const Bytes token = B64(
      "TlRMTVNTUAACAAAABQAFADgAAAAGgooCoPn8MovmlgwAAAAAAAAAAEgASAA9AAAABgIAAAAAAA9TUlYwMQEACgBTAF"
      "IAVgAwADEAAgAWAFcATwBSAEsAUwBUAEEAVABJAE8ATgADAAQAdgBtAAYABAAAAAAABwAIAN7b2B4Bfd0BAAAAAA"
      "==");
  auto msg = DecodeChallengeMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_EQ(msg->flags & kNegotiateUnicode, 0u);
  EXPECT_EQ(msg->target_name, "SRV01");
  ASSERT_TRUE(msg->target_info);
  EXPECT_EQ(msg->target_info->GetString(AvId::kNbDomainName).value(), "WORKSTATION");
  EXPECT_EQ(msg->target_info->Flags(), 0u);
  EXPECT_EQ(msg->target_info->Timestamp(), 0x01dd7d011ed8dbdeull);
  EXPECT_EQ(EncodeChallengeMessage(*msg), token);
  ChallengeMessage fresh = *msg;
  fresh.layout.reset();
  EXPECT_EQ(EncodeChallengeMessage(fresh), token);
}

TEST(ChallengeMessage, FreshEncodingWithoutVersion) {
  ChallengeMessage m;
  m.flags = kNegotiateUnicode | kNegotiateNtlm | kNegotiateTargetInfo;
  m.target_name = "DOM";
  m.server_challenge = kServerChallenge;
  AvPairList info;
  ASSERT_TRUE(info.SetString(AvId::kNbDomainName, "DOM").ok());
  m.target_info = info;
  const Bytes out = EncodeChallengeMessage(m);
  ASSERT_EQ(out.size(), 48u + 6 + 14);
  auto back = DecodeChallengeMessage(out);
  ASSERT_TRUE(back.ok()) << back.error().reason;
  EXPECT_FALSE(back->has_version);
  EXPECT_EQ(back->layout->fields[0], (SecurityBuffer{6, 6, 48}));
  EXPECT_EQ(back->layout->fields[1], (SecurityBuffer{14, 14, 54}));
  EXPECT_EQ(back->target_name, "DOM");
  EXPECT_EQ(*back->target_info, info);
  // Changing the target name re-lays out the payload.
  back->target_name = "DOMAIN";
  auto again = DecodeChallengeMessage(EncodeChallengeMessage(*back));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->target_name, "DOMAIN");
  EXPECT_EQ(*again->target_info, info);
}

TEST(ChallengeMessage, EveryTruncationIsInvalidToken) {
  const Bytes token = SpecChallenge("4.2.4_ntlmv2");
  for (size_t n = 0; n < token.size(); ++n) {
    auto msg = DecodeChallengeMessage(ByteSpan(token).first(n));
    ASSERT_FALSE(msg.ok()) << n;
    EXPECT_EQ(msg.status(), SecStatus::kInvalidToken) << n;
    EXPECT_THAT(msg.error().reason, HasSubstr("CHALLENGE")) << n;
  }
}

TEST(ChallengeMessage, BadFields) {
  const Bytes token = SpecChallenge("4.2.4_ntlmv2");
  // TargetInfo offset past the end.
  Bytes past = token;
  past[44] = 0x50;
  auto r1 = DecodeChallengeMessage(past);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().reason,
            "CHALLENGE: TargetInfoFields offset 0x50 + length 36 past end of token (104 bytes)");
  // 32-bit overflow of offset + length.
  Bytes wrap = token;
  wrap[16] = 0xF8;
  wrap[17] = 0xFF;
  wrap[18] = 0xFF;
  wrap[19] = 0xFF;
  auto r2 = DecodeChallengeMessage(wrap);
  ASSERT_FALSE(r2.ok());
  EXPECT_THAT(r2.error().reason, HasSubstr("TargetNameFields offset 0xFFFFFFF8 + length 12"));
  // Offset inside the 48-byte fixed header.
  Bytes inside = token;
  inside[16] = 0x20;
  auto r3 = DecodeChallengeMessage(inside);
  ASSERT_FALSE(r3.ok());
  EXPECT_THAT(r3.error().reason, HasSubstr("inside the fixed header (48 bytes)"));
  // Missing MsvAvEOL in TargetInfo: drop the terminator from the length.
  Bytes no_eol = token;
  no_eol[40] = 0x20;
  auto r4 = DecodeChallengeMessage(no_eol);
  ASSERT_FALSE(r4.ok());
  EXPECT_THAT(r4.error().reason, HasSubstr("CHALLENGE: TargetInfo"));
  EXPECT_THAT(r4.error().reason, HasSubstr("missing MsvAvEOL"));
  // Wrong message type / signature.
  Bytes type = token;
  type[8] = 1;
  auto r5 = DecodeChallengeMessage(type);
  ASSERT_FALSE(r5.ok());
  EXPECT_THAT(r5.error().reason, HasSubstr("CHALLENGE: MessageType at offset 0x8: expected 2"));
  Bytes sig = token;
  sig[7] = '!';
  EXPECT_EQ(DecodeChallengeMessage(sig).status(), SecStatus::kInvalidToken);
  // Oversize.
  Bytes big = token;
  big.resize(kMaxTokenSize + 100);
  EXPECT_EQ(DecodeChallengeMessage(big).status(), SecStatus::kInvalidToken);
}

TEST(ChallengeMessage, VersionDecidedByPayloadOffset) {
  // Both fields empty and 48 bytes: no Version.
  ChallengeMessage m;
  m.flags = kNegotiateUnicode;
  const Bytes out = EncodeChallengeMessage(m);
  ASSERT_EQ(out.size(), 48u);
  auto back = DecodeChallengeMessage(out);
  ASSERT_TRUE(back.ok());
  EXPECT_FALSE(back->has_version);
  EXPECT_FALSE(back->target_info.has_value());
  m.has_version = true;
  auto with = DecodeChallengeMessage(EncodeChallengeMessage(m));
  ASSERT_TRUE(with.ok());
  EXPECT_TRUE(with->has_version);
}

}  // namespace
}  // namespace ntlm::ssp
