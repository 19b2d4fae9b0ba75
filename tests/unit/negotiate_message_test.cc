// negotiate_message_test.cc: NEGOTIATE_MESSAGE codec (MS-NLMP 2.2.1.1), plus
// the flag names (2.2.2.5) and the VERSION structure (2.2.2.10).
#include "ssp/negotiate_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "harness/token_input.h"
#include "ssp/flags.h"
#include "ssp/version.h"

namespace ntlm::ssp {
namespace {

using ::testing::HasSubstr;

Bytes B64(std::string_view text) {
  std::string error;
  auto bytes = harness::DecodeBase64(text, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(Bytes{});
}

Bytes Hex(std::string_view hex) {
  std::string error;
  auto bytes = harness::DecodeHex(hex, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(Bytes{});
}

// curl: 32 bytes, no Version, empty fields with offset 0.
const char kCurl[] = "TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=";
// Samba: 40 bytes, Version, empty fields pointing at 40.
const char kSamba[] = "TlRMTVNTUAABAAAAFYIIYgAAAAAoAAAAAAAAACgAAAAGAQAAAAAADw==";

// ntlm-auth: 52 bytes, OEM domain "CONTOSO" + workstation "NAWKS", Version.
Bytes NtlmAuthNegotiate() {
  return B64("TlRMTVNTUAABAAAANrCI4gcABwAoAAAABQAFAC8AAAAGAbEdAAAAD0NPTlRPU09OQVdLUw==");
}

TEST(NegotiateMessage, DecodesCurl32ByteForm) {
  const Bytes token = B64(kCurl);
  auto msg = DecodeNegotiateMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_EQ(msg->flags, 0x00088206u);
  EXPECT_FALSE(msg->has_version);
  EXPECT_FALSE(msg->short_form);
  EXPECT_TRUE(msg->domain.empty());
  ASSERT_TRUE(msg->layout.has_value());
  EXPECT_EQ(msg->layout->header_length, 32u);
  EXPECT_EQ(EncodeNegotiateMessage(*msg), token);
}

TEST(NegotiateMessage, DecodesSambaWithVersion) {
  const Bytes token = B64(kSamba);
  auto msg = DecodeNegotiateMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_EQ(msg->flags, 0x62088215u);
  ASSERT_TRUE(msg->has_version);
  EXPECT_EQ(msg->version.ToString(), "6.1.0 rev 15");
  EXPECT_EQ(EncodeNegotiateMessage(*msg), token);
  // Fresh encoding gives the same bytes (empty fields at the end of the header).
  NegotiateMessage fresh = *msg;
  fresh.layout.reset();
  EXPECT_EQ(EncodeNegotiateMessage(fresh), token);
}

TEST(NegotiateMessage, DecodesOemNames) {
  const Bytes token = NtlmAuthNegotiate();
  auto msg = DecodeNegotiateMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_EQ(msg->domain, "CONTOSO");
  EXPECT_EQ(msg->workstation, "NAWKS");
  EXPECT_TRUE(msg->has_version);
  EXPECT_EQ(msg->version.build, 7601);
  EXPECT_EQ(EncodeNegotiateMessage(*msg), token);
  NegotiateMessage fresh = *msg;
  fresh.layout.reset();
  EXPECT_EQ(EncodeNegotiateMessage(fresh), token);
  // OEM even when UNICODE is set; Latin-1 bytes decode to UTF-8.
  Bytes latin = token;
  latin[40] = 0xC9;  // 'É'
  auto m2 = DecodeNegotiateMessage(latin);
  ASSERT_TRUE(m2.ok());
  EXPECT_EQ(m2->domain, "\xC3\x89ONTOSO");
  EXPECT_EQ(EncodeNegotiateMessage(*m2), latin);
}

TEST(NegotiateMessage, ShortForm16Bytes) {
  const Bytes token =
      Hex("4e544c4d5353500001000000"
          "07820000");
  auto msg = DecodeNegotiateMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_TRUE(msg->short_form);
  EXPECT_EQ(msg->flags, 0x8207u);
  EXPECT_EQ(EncodeNegotiateMessage(*msg), token);
  NegotiateMessage fresh = *msg;
  fresh.layout.reset();
  EXPECT_EQ(EncodeNegotiateMessage(fresh), token);
  // Adding a name switches to the 32-byte form.
  fresh.domain = "D";
  EXPECT_EQ(EncodeNegotiateMessage(fresh).size(), 33u);
}

TEST(NegotiateMessage, FreshEncodingLayout) {
  NegotiateMessage m;
  m.flags = kNegotiateUnicode | kNegotiateOemDomainSupplied;
  m.domain = "DOM";
  m.workstation = "WS";
  m.has_version = true;
  m.version = MakeVersion(10, 0, 20348);
  const Bytes out = EncodeNegotiateMessage(m);
  EXPECT_EQ(out, Hex("4e544c4d5353500001000000"
                     "01100000"
                     "0300030028000000"
                     "020002002b000000"
                     "0a007c4f0000000f"
                     "444f4d"
                     "5753"));
  auto back = DecodeNegotiateMessage(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->domain, "DOM");
  EXPECT_EQ(back->workstation, "WS");
  EXPECT_EQ(back->version, m.version);
  // Non-Latin-1 names become '?' (OEM).
  m.domain = "\xE2\x82\xAC";
  auto euro = DecodeNegotiateMessage(EncodeNegotiateMessage(m));
  ASSERT_TRUE(euro.ok());
  EXPECT_EQ(euro->domain, "?");
}

TEST(NegotiateMessage, TruncationBelowTheFlagsIsInvalidToken) {
  const Bytes token = NtlmAuthNegotiate();
  for (size_t n = 0; n < 16; ++n) {
    auto msg = DecodeNegotiateMessage(ByteSpan(token).first(n));
    ASSERT_FALSE(msg.ok()) << n;
    EXPECT_EQ(msg.status(), SecStatus::kInvalidToken) << n;
    EXPECT_THAT(msg.error().reason, HasSubstr("NEGOTIATE")) << n;
  }
}

// From 16 bytes on, a truncated NEGOTIATE still carries whole flags, which is
// all a server reads (Samba parses only "NTLMSSP", MessageType and flags):
// the cut fields are ignored and listed, and the bytes survive re-encoding.
TEST(NegotiateMessage, TruncatedFieldsAreIgnoredNotRefused) {
  const Bytes token = NtlmAuthNegotiate();
  for (size_t n = 16; n < token.size(); ++n) {
    const Bytes prefix(token.begin(), token.begin() + static_cast<std::ptrdiff_t>(n));
    auto msg = DecodeNegotiateMessage(prefix);
    ASSERT_TRUE(msg.ok()) << n << ": " << msg.error().reason;
    EXPECT_EQ(msg->flags, 0xe288b036u) << n;
    EXPECT_EQ(EncodeNegotiateMessage(*msg), prefix) << n;
    // "CONTOSO" ends at 0x2f, "NAWKS" at the token's end.
    EXPECT_EQ(msg->ignored_fields.empty(), n == 16) << n;
    EXPECT_EQ(msg->domain, n >= 0x2f ? "CONTOSO" : "") << n;
    EXPECT_TRUE(msg->workstation.empty()) << n;
  }
  auto twenty = DecodeNegotiateMessage(ByteSpan(token).first(20));
  ASSERT_TRUE(twenty.ok());
  EXPECT_TRUE(twenty->short_form);
  ASSERT_EQ(twenty->ignored_fields.size(), 1u);
  EXPECT_THAT(twenty->ignored_fields[0], HasSubstr("truncated (20-byte token"));
}

TEST(NegotiateMessage, RefusesWhatAServerReads) {
  const Bytes token = NtlmAuthNegotiate();
  Bytes sig = token;
  sig[0] = 'n';
  EXPECT_EQ(DecodeNegotiateMessage(sig).status(), SecStatus::kInvalidToken);
  Bytes type = token;
  type[8] = 3;
  auto r4 = DecodeNegotiateMessage(type);
  ASSERT_FALSE(r4.ok());
  EXPECT_THAT(r4.error().reason, HasSubstr("expected 1, got 3 (AUTHENTICATE)"));
  Bytes big = token;
  big.resize(kMaxTokenSize + 1);
  EXPECT_EQ(DecodeNegotiateMessage(big).status(), SecStatus::kInvalidToken);
  auto flags = DecodeNegotiateMessage(ByteSpan(token).first(14));
  ASSERT_FALSE(flags.ok());
  EXPECT_THAT(flags.error().reason, HasSubstr("NegotiateFlags"));
}

TEST(NegotiateMessage, MalformedFieldsAreIgnoredAndListed) {
  const Bytes token = NtlmAuthNegotiate();
  // Offset past the end.
  Bytes past = token;
  past[20] = 0x30;  // domain offset 0x30 + 7 > 52
  auto r1 = DecodeNegotiateMessage(past);
  ASSERT_TRUE(r1.ok()) << r1.error().reason;
  EXPECT_EQ(r1->domain, "");
  EXPECT_EQ(r1->workstation, "NAWKS");
  EXPECT_TRUE(r1->has_version);
  ASSERT_EQ(r1->ignored_fields.size(), 1u);
  EXPECT_EQ(r1->ignored_fields[0],
            "NEGOTIATE: DomainNameFields offset 0x30 + length 7 past end of token (52 bytes)");
  EXPECT_EQ(EncodeNegotiateMessage(*r1), past);
  // Offset + length overflowing 32 bits.
  Bytes wrap = token;
  wrap[28] = 0xFF;
  wrap[29] = 0xFF;
  wrap[30] = 0xFF;
  wrap[31] = 0xFF;
  auto r2 = DecodeNegotiateMessage(wrap);
  ASSERT_TRUE(r2.ok());
  ASSERT_EQ(r2->ignored_fields.size(), 1u);
  EXPECT_THAT(r2->ignored_fields[0], HasSubstr("WorkstationFields offset 0xFFFFFFFF + length 5"));
  EXPECT_EQ(r2->domain, "CONTOSO");
  EXPECT_EQ(EncodeNegotiateMessage(*r2), wrap);
  // Offset inside the fixed header: the payload then starts before 40, so
  // the 8 bytes at 32 are payload, not a Version (as for Heimdal below).
  Bytes inside = token;
  inside[20] = 0x10;
  auto r3 = DecodeNegotiateMessage(inside);
  ASSERT_TRUE(r3.ok());
  ASSERT_EQ(r3->ignored_fields.size(), 1u);
  EXPECT_THAT(r3->ignored_fields[0], HasSubstr("DomainNameFields offset 0x10"));
  EXPECT_THAT(r3->ignored_fields[0], HasSubstr("inside the fixed header (32 bytes)"));
  EXPECT_FALSE(r3->has_version);
  EXPECT_EQ(r3->workstation, "NAWKS");
  EXPECT_EQ(EncodeNegotiateMessage(*r3), inside);
  // A caller that sets the ignored field gets a fresh, canonical encoding.
  NegotiateMessage edited = *r3;
  edited.domain = "X";
  auto fresh = DecodeNegotiateMessage(EncodeNegotiateMessage(edited));
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->domain, "X");
  EXPECT_TRUE(fresh->ignored_fields.empty());
}

// Heimdal 7.7 (vectors/transcripts/windows/heimdal77-dc2016-...): a Windows
// Server 2016 DC answered this NEGOTIATE, whose DomainNameFields (length 8)
// points at 0x18, inside the 32-byte header.
TEST(NegotiateMessage, HeimdalDomainOffsetInsideTheHeader) {
  const Bytes token = B64("TlRMTVNTUAABAAAAAZIIQAgACAAYAAAAAAAAAAAAAABUAEUAUwBUAA==");
  auto msg = DecodeNegotiateMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_EQ(msg->flags, 0x40089201u);
  EXPECT_TRUE(msg->flags & kNegotiateOemDomainSupplied);
  EXPECT_FALSE(msg->has_version);
  EXPECT_EQ(msg->domain, "");
  ASSERT_EQ(msg->ignored_fields.size(), 1u);
  EXPECT_EQ(msg->ignored_fields[0],
            "NEGOTIATE: DomainNameFields offset 0x18 (length 8) lies inside the fixed header "
            "(32 bytes)");
  EXPECT_EQ(EncodeNegotiateMessage(*msg), token);
}

TEST(NegotiateMessage, ZeroLengthFieldsAnyOffset) {
  Bytes token = B64(kCurl);
  token[20] = 0xFF;  // domain offset 0xFF with length 0
  token[23] = 0xFF;
  auto msg = DecodeNegotiateMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_EQ(EncodeNegotiateMessage(*msg), token);
}

TEST(Flags, ConstantsMatchSpec) {
  EXPECT_EQ(kNegotiateUnicode, 0x1u);
  EXPECT_EQ(kNegotiateExtendedSessionSecurity, 0x80000u);
  EXPECT_EQ(kNegotiate56, 0x80000000u);
  EXPECT_EQ(NegotiateFlagTable().size(), 22u);
  EXPECT_EQ(NegotiateFlagName(kNegotiateOem), "NTLM_NEGOTIATE_OEM");
  EXPECT_EQ(NegotiateFlagName(0x8), "");
}

TEST(Flags, FlagNames) {
  EXPECT_EQ(FlagNames(0), "0");
  EXPECT_EQ(FlagNames(kNegotiateUnicode | kNegotiateSign | 0x100),
            "NTLMSSP_NEGOTIATE_UNICODE | NTLMSSP_NEGOTIATE_SIGN | 0x00000100");
  EXPECT_EQ(FlagNames(0xe2028233),
            "NTLMSSP_NEGOTIATE_UNICODE | NTLM_NEGOTIATE_OEM | NTLMSSP_NEGOTIATE_SIGN | "
            "NTLMSSP_NEGOTIATE_SEAL | NTLMSSP_NEGOTIATE_NTLM | NTLMSSP_NEGOTIATE_ALWAYS_SIGN | "
            "NTLMSSP_TARGET_TYPE_SERVER | NTLMSSP_NEGOTIATE_VERSION | NTLMSSP_NEGOTIATE_128 | "
            "NTLMSSP_NEGOTIATE_KEY_EXCH | NTLMSSP_NEGOTIATE_56");
}

TEST(Flags, ParseFlagName) {
  for (const FlagName& f : NegotiateFlagTable()) {
    EXPECT_EQ(ParseFlagName(f.name), f.bit) << f.name;
  }
  EXPECT_EQ(ParseFlagName("UNICODE"), kNegotiateUnicode);
  EXPECT_EQ(ParseFlagName("oem"), kNegotiateOem);
  EXPECT_EQ(ParseFlagName("NTLMSSP_NEGOTIATE_OEM"), kNegotiateOem);
  EXPECT_EQ(ParseFlagName("SIGN"), kNegotiateSign);
  EXPECT_EQ(ParseFlagName("SEAL"), kNegotiateSeal);
  EXPECT_EQ(ParseFlagName("ESS"), kNegotiateEss);
  EXPECT_EQ(ParseFlagName("EXTENDED_SESSIONSECURITY"), kNegotiateEss);
  EXPECT_EQ(ParseFlagName("NTLMSSP_NEGOTIATE_NTLM2"), kNegotiateEss);
  EXPECT_EQ(ParseFlagName("128"), kNegotiate128);
  EXPECT_EQ(ParseFlagName("56"), kNegotiate56);
  EXPECT_EQ(ParseFlagName("KEY_EXCH"), kNegotiateKeyExch);
  EXPECT_EQ(ParseFlagName("VERSION"), kNegotiateVersion);
  EXPECT_EQ(ParseFlagName("NTLM"), kNegotiateNtlm);
  EXPECT_EQ(ParseFlagName("NTLMSSP_ANONYMOUS (J)"), kNegotiateAnonymous);
  EXPECT_EQ(ParseFlagName("NTLMSSP_NEGOTIATE_ANONYMOUS"), kNegotiateAnonymous);
  EXPECT_EQ(ParseFlagName("REQUEST_TARGET"), kRequestTarget);
  EXPECT_EQ(ParseFlagName("TARGET_INFO"), kNegotiateTargetInfo);
  EXPECT_EQ(ParseFlagName("0x20"), 0x20u);
  EXPECT_FALSE(ParseFlagName("NOPE").has_value());
  EXPECT_FALSE(ParseFlagName("").has_value());
  EXPECT_FALSE(ParseFlagName("0x").has_value());
  EXPECT_EQ(ParseFlagList("SIGN|SEAL, 128 +KEY_EXCH"),
            kNegotiateSign | kNegotiateSeal | kNegotiate128 | kNegotiateKeyExch);
  EXPECT_EQ(ParseFlagList("0xe2088235"), 0xe2088235u);
  EXPECT_FALSE(ParseFlagList("SIGN|BOGUS").has_value());
  EXPECT_FALSE(ParseFlagList(" | ").has_value());
}

TEST(Flags, MinServerSecNames) {
  EXPECT_EQ(MinSecNames(0), "none");
  EXPECT_EQ(MinSecNames(0x20080030),
            "integrity (SIGN) | confidentiality (SEAL) | NTLMv2 session security (ESS) | 128-bit");
  EXPECT_EQ(MinSecNames(0x20 | 0x1), "confidentiality (SEAL) | 0x00000001");
  EXPECT_EQ(kMinSecIntegrity, kNegotiateSign);
  EXPECT_EQ(kMinSec128Bit, kNegotiate128);
  EXPECT_EQ(MinSecTable().size(), 4u);
}

TEST(Version, EncodeDecode) {
  const Version v = MakeVersion(10, 0, 20348);
  EXPECT_EQ(v.ToString(), "10.0.20348 rev 15");
  const auto wire = EncodeVersion(v);
  EXPECT_EQ(Bytes(wire.begin(), wire.end()), Hex("0a007c4f0000000f"));
  auto back = DecodeVersion(wire);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, v);
  // Reserved bytes survive.
  const Bytes odd = Hex("0601b11d0102030f");
  auto r = DecodeVersion(odd);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ToString(), "6.1.7601 rev 15 reserved 010203");
  const auto again = EncodeVersion(*r);
  EXPECT_EQ(Bytes(again.begin(), again.end()), odd);
  EXPECT_FALSE(DecodeVersion(ByteSpan(odd).first(7)).ok());
}

}  // namespace
}  // namespace ntlm::ssp
