// authenticate_message_test.cc: AUTHENTICATE_MESSAGE codec (MS-NLMP 2.2.1.3)
// and the NTLMv2 response codec (2.2.2.7, 2.2.2.8), checked against the
// MS-NLMP 4.2 example messages and hand-made malformed tokens.
#include "ssp/authenticate_message.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/token_input.h"
#include "ssp/byte_reader.h"
#include "ssp/flags.h"
#include "ssp/ntlmv2_response.h"
#include "tests/unit/codec_test_util.h"

namespace ntlm::ssp {
namespace {

using ::testing::HasSubstr;

using testing_util::B64;
using testing_util::Hex;
using testing_util::Vectors;

uint32_t LoadLe32(const Bytes& b, size_t at) {
  return static_cast<uint32_t>(b[at]) | static_cast<uint32_t>(b[at + 1]) << 8 |
         static_cast<uint32_t>(b[at + 2]) << 16 | static_cast<uint32_t>(b[at + 3]) << 24;
}

Bytes SpecAuthenticate(const char* section) {
  return Hex(Vectors()[section]["messages"]["AUTHENTICATE_MESSAGE"]["hex"].get<std::string>());
}

TEST(AuthenticateMessage, SpecExamplesRoundTrip) {
  for (const char* section :
       {"4.2.2_ntlmv1", "4.2.3_ntlmv1_with_client_challenge", "4.2.4_ntlmv2"}) {
    SCOPED_TRACE(section);
    const Bytes token = SpecAuthenticate(section);
    auto msg = DecodeAuthenticateMessage(token);
    ASSERT_TRUE(msg.ok()) << msg.error().reason;
    EXPECT_EQ(msg->user, "User");
    EXPECT_EQ(msg->domain, "Domain");
    EXPECT_EQ(msg->workstation, "COMPUTER");
    EXPECT_TRUE(msg->has_version);
    EXPECT_FALSE(msg->has_mic_field);
    EXPECT_FALSE(msg->GetMic().has_value());
    EXPECT_EQ(msg->mic_offset, 0u);
    EXPECT_EQ(msg->version.ToString(), "5.1.2600 rev 15");
    EXPECT_EQ(msg->layout->header_length, 72u);
    const uint32_t flags = std::stoul(
        Vectors()[section]["authenticate_message_flags"]["value"].get<std::string>(), nullptr, 16);
    EXPECT_EQ(msg->flags, flags);
    EXPECT_EQ(msg->lm_challenge_response.size(), 24u);
    EXPECT_EQ(EncodeAuthenticateMessage(*msg), token);
    // Windows' payload order (Domain, User, Workstation, LM, NT, key) is the
    // fresh layout, so the spec bytes also come out of a fresh encoding.
    AuthenticateMessage fresh = *msg;
    fresh.layout.reset();
    EXPECT_EQ(EncodeAuthenticateMessage(fresh), token);
    // No MIC field: no zeroed-MIC copy.
    EXPECT_EQ(AuthenticateWithZeroedMic(token).status(), SecStatus::kInvalidToken);
  }
}

TEST(AuthenticateMessage, SpecResponsesAndKeys) {
  auto v1 = DecodeAuthenticateMessage(SpecAuthenticate("4.2.2_ntlmv1"));
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(ClassifyNtResponse(v1->nt_challenge_response), NtResponseKind::kNtlmV1);
  EXPECT_FALSE(IsNtlmV2Response(v1->nt_challenge_response));
  EXPECT_EQ(v1->encrypted_random_session_key.size(), 16u);

  auto ess = DecodeAuthenticateMessage(SpecAuthenticate("4.2.3_ntlmv1_with_client_challenge"));
  ASSERT_TRUE(ess.ok());
  EXPECT_TRUE(ess->encrypted_random_session_key.empty());
  EXPECT_EQ(ess->layout->fields[5], (SecurityBuffer{0, 0, 0x9c}));

  auto v2 = DecodeAuthenticateMessage(SpecAuthenticate("4.2.4_ntlmv2"));
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(ClassifyNtResponse(v2->nt_challenge_response), NtResponseKind::kNtlmV2);
  auto resp = DecodeNtlmV2Response(v2->nt_challenge_response);
  ASSERT_TRUE(resp.ok()) << resp.error().reason;
  EXPECT_EQ(Bytes(resp->nt_proof_str.begin(), resp->nt_proof_str.end()),
            Hex("68cd0ab851e51c96aabc927bebef6a1c"));
  EXPECT_EQ(resp->client.resp_type, 1);
  EXPECT_EQ(resp->client.hi_resp_type, 1);
  EXPECT_EQ(resp->client.timestamp, 0u);
  EXPECT_EQ(resp->client.client_challenge,
            (std::array<uint8_t, 8>{0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa}));
  ASSERT_TRUE(resp->client.av_pairs.has_value());
  EXPECT_EQ(resp->client.av_pairs->GetString(AvId::kNbDomainName).value(), "Domain");
  EXPECT_EQ(resp->client.av_pairs->trailing, Bytes(4, 0));  // Z(4) of 3.3.2
  EXPECT_EQ(EncodeNtlmV2Response(*resp), v2->nt_challenge_response);
  const ByteSpan blob = NtlmV2Blob(v2->nt_challenge_response);
  EXPECT_EQ(blob.size(), v2->nt_challenge_response.size() - 16);
  EXPECT_EQ(EncodeNtlmV2ClientChallenge(resp->client), Bytes(blob.begin(), blob.end()));
}

TEST(AuthenticateMessage, GssWithMicField) {
  // gss-ntlmssp: 88-byte header (Version + MIC), empty LM field at offset 88.
  std::ifstream in(std::string(NTLM_SOURCE_DIR) + "/vectors/transcripts/gss-seal128-kx-mic.json");
  const auto j = nlohmann::json::parse(in);
  const Bytes token = B64(j["exchange"][2]["token"].get<std::string>());
  auto msg = DecodeAuthenticateMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_TRUE(msg->has_version);
  ASSERT_TRUE(msg->has_mic_field);
  EXPECT_EQ(msg->mic_offset, kAuthenticateMicOffset);
  EXPECT_EQ(msg->layout->header_length, 88u);
  EXPECT_TRUE(msg->lm_challenge_response.empty());
  EXPECT_EQ(Bytes(msg->mic.begin(), msg->mic.end()), Bytes(token.begin() + 72, token.begin() + 88));
  EXPECT_EQ(msg->GetMic(), msg->mic);
  EXPECT_EQ(EncodeAuthenticateMessage(*msg), token);

  auto zeroed = AuthenticateWithZeroedMic(token);
  ASSERT_TRUE(zeroed.ok()) << zeroed.error().reason;
  ASSERT_EQ(zeroed->size(), token.size());
  for (size_t i = 0; i < token.size(); ++i) {
    if (i >= 72 && i < 88) {
      EXPECT_EQ((*zeroed)[i], 0) << i;
    } else {
      EXPECT_EQ((*zeroed)[i], token[i]) << i;
    }
  }
  // Same result through the struct: zero the MIC and re-encode.
  AuthenticateMessage copy = *msg;
  copy.mic = {};
  EXPECT_EQ(EncodeAuthenticateMessage(copy), *zeroed);
}

TEST(AuthenticateMessage, FreshEncodingForms) {
  AuthenticateMessage m;
  m.flags = kNegotiateUnicode | kNegotiateNtlm;
  m.user = "alice";
  m.domain = "CONTOSO";
  m.workstation = "WS";
  m.lm_challenge_response = Bytes(24, 0);
  m.nt_challenge_response = Bytes(24, 0x11);
  struct Form {
    bool version, mic;
    size_t header;
  } forms[] = {{false, false, 64}, {true, false, 72}, {true, true, 88}, {false, true, 88}};
  for (const Form& f : forms) {
    m.has_version = f.version;
    m.has_mic_field = f.mic;
    m.mic.fill(0x5A);
    const Bytes out = EncodeAuthenticateMessage(m);
    auto back = DecodeAuthenticateMessage(out);
    ASSERT_TRUE(back.ok()) << back.error().reason;
    EXPECT_EQ(back->layout->header_length, f.header);
    EXPECT_EQ(back->has_mic_field, f.mic);
    EXPECT_EQ(back->has_version, f.version || f.mic);
    if (f.mic) {
      EXPECT_EQ(back->mic, m.mic);
    }
    EXPECT_EQ(back->user, "alice");
    EXPECT_EQ(back->domain, "CONTOSO");
    EXPECT_EQ(back->workstation, "WS");
    EXPECT_EQ(back->nt_challenge_response, m.nt_challenge_response);
    // Payload order: Domain, User, Workstation, LM, NT, key.
    EXPECT_EQ(back->layout->fields[2].offset, f.header);
    EXPECT_EQ(back->layout->fields[3].offset, f.header + 14);
    EXPECT_EQ(back->layout->fields[0].offset, f.header + 14 + 10 + 4);
    EXPECT_EQ(back->layout->fields[5], (SecurityBuffer{0, 0, static_cast<uint32_t>(out.size())}));
  }
}

TEST(AuthenticateMessage, OemStringsFollowOwnFlags) {
  AuthenticateMessage m;
  m.flags = kNegotiateOem;
  m.user = "b\xC3\xB6rje";  // Latin-1 representable
  m.domain = "D";
  const Bytes out = EncodeAuthenticateMessage(m);
  EXPECT_EQ(out.size(), 64u + 1 + 5);
  auto back = DecodeAuthenticateMessage(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->user, m.user);
  // The same bytes read with UNICODE set are an odd-length UTF-16 string.
  Bytes unicode = out;
  unicode[60] |= 0x01;
  auto odd = DecodeAuthenticateMessage(unicode);
  ASSERT_FALSE(odd.ok());
  EXPECT_EQ(odd.status(), SecStatus::kInvalidToken);
  EXPECT_EQ(odd.error().reason,
            "AUTHENTICATE: DomainName at offset 0x40: UTF-16LE string has odd length 1");
}

TEST(AuthenticateMessage, UnpairedSurrogateInUserName) {
  AuthenticateMessage m;
  m.flags = kNegotiateUnicode;
  m.user = "ab";
  Bytes token = EncodeAuthenticateMessage(m);
  // user at 64: 'a' 0 'b' 0 -> make the second unit a lone high surrogate.
  token[66] = 0x00;
  token[67] = 0xD8;
  auto r = DecodeAuthenticateMessage(token);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().reason, HasSubstr("AUTHENTICATE: UserName at offset 0x40"));
  EXPECT_THAT(r.error().reason, HasSubstr("surrogate"));
}

TEST(AuthenticateMessage, EveryTruncationIsInvalidToken) {
  for (const char* section : {"4.2.2_ntlmv1", "4.2.4_ntlmv2"}) {
    const Bytes token = SpecAuthenticate(section);
    for (size_t n = 0; n < token.size(); ++n) {
      auto msg = DecodeAuthenticateMessage(ByteSpan(token).first(n));
      ASSERT_FALSE(msg.ok()) << section << " " << n;
      EXPECT_EQ(msg.status(), SecStatus::kInvalidToken) << n;
      EXPECT_THAT(msg.error().reason, HasSubstr("AUTHENTICATE")) << n;
    }
  }
}

// No server reads EncryptedRandomSessionKey unless KEY_EXCH comes with SIGN
// or SEAL (MS-NLMP 3.2.5.1.2): then a malformed field is ignored and listed,
// while with key exchange in effect it is refused (BadFields).
TEST(AuthenticateMessage, UnusedSessionKeyFieldIsIgnored) {
  const Bytes token = SpecAuthenticate("4.2.2_ntlmv1");
  Bytes wrap = token;
  wrap[56] = 0xF8;  // EncryptedRandomSessionKeyFields.BufferOffset = 0xFFFFFFF8
  wrap[57] = 0xFF;
  wrap[58] = 0xFF;
  wrap[59] = 0xFF;
  for (uint32_t clear : {kNegotiateSign | kNegotiateSeal, kNegotiateKeyExch}) {
    Bytes t = wrap;
    const uint32_t flags = LoadLe32(t, 60) & ~clear;
    for (int i = 0; i < 4; ++i) t[60 + i] = static_cast<uint8_t>(flags >> (8 * i));
    auto msg = DecodeAuthenticateMessage(t);
    ASSERT_TRUE(msg.ok()) << msg.error().reason;
    EXPECT_TRUE(msg->encrypted_random_session_key.empty());
    ASSERT_EQ(msg->ignored_fields.size(), 1u);
    EXPECT_THAT(msg->ignored_fields[0],
                HasSubstr("EncryptedRandomSessionKeyFields offset 0xFFFFFFF8 + length 16"));
    EXPECT_THAT(msg->ignored_fields[0], HasSubstr("key exchange not in effect"));
    EXPECT_EQ(msg->user, "User");
    EXPECT_EQ(msg->layout->header_length, 72u);
    EXPECT_EQ(EncodeAuthenticateMessage(*msg), t);
  }
}

TEST(AuthenticateMessage, BadFields) {
  const Bytes token = SpecAuthenticate("4.2.2_ntlmv1");
  ASSERT_EQ(token.size(), 0xacu);
  // NT response offset past the end.
  Bytes past = token;
  past[24] = 0xa0;  // 0xa0 + 24 > 0xac
  auto r1 = DecodeAuthenticateMessage(past);
  ASSERT_FALSE(r1.ok());
  EXPECT_EQ(r1.error().reason,
            "AUTHENTICATE: NtChallengeResponseFields offset 0xA0 + length 24 past end of token "
            "(172 bytes)");
  // offset + length overflowing 32 bits.
  Bytes wrap = token;
  wrap[56] = 0xF8;
  wrap[57] = 0xFF;
  wrap[58] = 0xFF;
  wrap[59] = 0xFF;
  auto r2 = DecodeAuthenticateMessage(wrap);
  ASSERT_FALSE(r2.ok());
  EXPECT_THAT(r2.error().reason,
              HasSubstr("EncryptedRandomSessionKeyFields offset 0xFFFFFFF8 + length 16"));
  // Huge length and offset.
  Bytes huge = token;
  for (int i = 12; i < 20; ++i) huge[i] = 0xFF;
  EXPECT_EQ(DecodeAuthenticateMessage(huge).status(), SecStatus::kInvalidToken);
  // Offset inside the 64-byte fixed header.
  Bytes inside = token;
  inside[40] = 0x30;  // UserNameFields.BufferOffset = 0x30
  auto r3 = DecodeAuthenticateMessage(inside);
  ASSERT_FALSE(r3.ok());
  EXPECT_THAT(r3.error().reason,
              HasSubstr("UserNameFields offset 0x30 (length 8) lies inside the fixed header (64 "
                        "bytes)"));
  // Wrong type / signature.
  Bytes type = token;
  type[8] = 2;
  auto r4 = DecodeAuthenticateMessage(type);
  ASSERT_FALSE(r4.ok());
  EXPECT_EQ(r4.error().reason,
            "AUTHENTICATE: MessageType at offset 0x8: expected 3, got 2 (CHALLENGE)");
  Bytes sig = token;
  sig[3] = 'X';
  auto r5 = DecodeAuthenticateMessage(sig);
  ASSERT_FALSE(r5.ok());
  EXPECT_THAT(r5.error().reason, HasSubstr("Signature"));
  // Oversize: a valid token padded beyond 64 KiB.
  Bytes big = token;
  big.resize(kMaxTokenSize + 1, 0);
  auto r6 = DecodeAuthenticateMessage(big);
  ASSERT_FALSE(r6.ok());
  EXPECT_THAT(r6.error().reason, HasSubstr("AUTHENTICATE: token of 65537 bytes exceeds"));
  // ... while exactly 64 KiB is fine, and the trailing bytes survive.
  Bytes max = token;
  max.resize(kMaxTokenSize, 0xCC);
  auto ok = DecodeAuthenticateMessage(max);
  ASSERT_TRUE(ok.ok()) << ok.error().reason;
  EXPECT_EQ(EncodeAuthenticateMessage(*ok), max);
}

TEST(AuthenticateMessage, HeaderFormFromLowestOffset) {
  // A zero-length field pointing below 64 does not count.
  Bytes token = SpecAuthenticate("4.2.3_ntlmv1_with_client_challenge");
  token[56] = 0x10;
  token[57] = 0x00;
  auto msg = DecodeAuthenticateMessage(token);
  ASSERT_TRUE(msg.ok()) << msg.error().reason;
  EXPECT_EQ(msg->layout->header_length, 72u);
  EXPECT_EQ(EncodeAuthenticateMessage(*msg), token);
  // Lowest payload at 80 (between 72 and 88): Version but no MIC field.
  AuthenticateMessage m;
  m.flags = kNegotiateUnicode;
  m.user = "u";
  Bytes t = EncodeAuthenticateMessage(m);  // 64-byte header, user at 64
  Bytes padded(t.begin(), t.begin() + 64);
  padded.resize(80, 0);
  padded.push_back('u');
  padded.push_back(0);
  for (int i = 0; i < 6; ++i) padded[12 + 8 * i + 4] = 80;  // every offset -> 80
  auto m80 = DecodeAuthenticateMessage(padded);
  ASSERT_TRUE(m80.ok()) << m80.error().reason;
  EXPECT_TRUE(m80->has_version);
  EXPECT_FALSE(m80->has_mic_field);
  EXPECT_EQ(m80->user, "u");
  EXPECT_EQ(EncodeAuthenticateMessage(*m80), padded);
}

TEST(AuthenticateMessage, RandomMutationsNeverCrash) {
  const Bytes token = SpecAuthenticate("4.2.4_ntlmv2");
  uint32_t state = 12345;
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 8;
  };
  for (int round = 0; round < 5000; ++round) {
    Bytes t = token;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < flips; ++k) {
      // Mostly hit the header, where the lengths and offsets are.
      const size_t pos = (next() % 4 == 0) ? next() % t.size() : next() % 72;
      t[pos] = static_cast<uint8_t>(next());
    }
    auto msg = DecodeAuthenticateMessage(t);
    if (msg.ok()) {
      EXPECT_EQ(EncodeAuthenticateMessage(*msg), t) << round;
      if (IsNtlmV2Response(msg->nt_challenge_response)) {
        auto r = DecodeNtlmV2Response(msg->nt_challenge_response);
        if (r.ok()) {
          EXPECT_EQ(EncodeNtlmV2Response(*r), msg->nt_challenge_response);
        }
      }
    } else {
      EXPECT_EQ(msg.status(), SecStatus::kInvalidToken);
    }
  }
}

TEST(NtlmV2Response, Errors) {
  auto v2 = DecodeAuthenticateMessage(SpecAuthenticate("4.2.4_ntlmv2"));
  ASSERT_TRUE(v2.ok());
  const Bytes nt = v2->nt_challenge_response;
  auto short_resp = DecodeNtlmV2Response(ByteSpan(nt).first(43), 0x84);
  ASSERT_FALSE(short_resp.ok());
  EXPECT_EQ(short_resp.status(), SecStatus::kInvalidToken);
  EXPECT_THAT(short_resp.error().reason, HasSubstr("at offset 0x84: 43 bytes, shorter than"));
  // Exactly 44 bytes: no AV pairs at all.
  auto bare = DecodeNtlmV2Response(ByteSpan(nt).first(44));
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->client.av_pairs.has_value());
  EXPECT_EQ(EncodeNtlmV2Response(*bare), Bytes(nt.begin(), nt.begin() + 44));
  // AV pairs without MsvAvEOL: 44 + the two pairs (32 bytes), no terminator.
  auto no_eol = DecodeNtlmV2Response(ByteSpan(nt).first(44 + 32), 0x84);
  ASSERT_FALSE(no_eol.ok());
  EXPECT_THAT(no_eol.error().reason, HasSubstr("NTLMv2_RESPONSE: AvPairs"));
  EXPECT_THAT(no_eol.error().reason, HasSubstr("missing MsvAvEOL"));
  EXPECT_EQ(ClassifyNtResponse({}), NtResponseKind::kEmpty);
  EXPECT_EQ(ClassifyNtResponse(ByteSpan(nt).first(23)), NtResponseKind::kInvalidLength);
  EXPECT_EQ(ClassifyNtResponse(ByteSpan(nt).first(24)), NtResponseKind::kNtlmV1);
  EXPECT_EQ(ClassifyNtResponse(ByteSpan(nt).first(25)), NtResponseKind::kNtlmV2);
}

}  // namespace
}  // namespace ntlm::ssp
