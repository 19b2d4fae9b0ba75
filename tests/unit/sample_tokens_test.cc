// sample_tokens_test.cc: every NEGOTIATE / CHALLENGE / AUTHENTICATE token of
// every vectors/transcripts/*.json decodes, re-encodes byte for byte, and
// carries the field values the transcript describes (accounts, expected
// flags, features). Every prefix of every token is rejected (or, for the
// 16/32-byte NEGOTIATE forms, accepted as that form) without crashing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "harness/token_input.h"
#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/byte_reader.h"
#include "ssp/challenge_message.h"
#include "ssp/flags.h"
#include "ssp/negotiate_message.h"
#include "ssp/ntlmv2_response.h"

namespace ntlm::ssp {
namespace {

using nlohmann::json;

struct Sample {
  std::string name;
  json doc;
  Bytes negotiate, challenge, authenticate;
};

Bytes B64(const std::string& text) {
  std::string error;
  auto bytes = harness::DecodeBase64(text, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or(Bytes{});
}

std::vector<Sample> LoadSamples() {
  std::vector<Sample> out;
  const std::filesystem::path dir = std::filesystem::path(NTLM_SOURCE_DIR) / "vectors/transcripts";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    Sample s;
    s.name = entry.path().stem().string();
    s.doc = json::parse(in);
    for (const json& e : s.doc["exchange"]) {
      const std::string type = e["type"].get<std::string>();
      if (type == "negotiate") s.negotiate = B64(e["token"].get<std::string>());
      if (type == "challenge") s.challenge = B64(e["token"].get<std::string>());
      if (type == "authenticate") s.authenticate = B64(e["token"].get<std::string>());
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(),
            [](const Sample& a, const Sample& b) { return a.name < b.name; });
  return out;
}

const std::vector<Sample>& Samples() {
  static const std::vector<Sample> samples = LoadSamples();
  return samples;
}

TEST(SampleTokens, AllTranscriptsPresent) {
  ASSERT_GE(Samples().size(), 9u);
  for (const Sample& s : Samples()) {
    EXPECT_FALSE(s.negotiate.empty()) << s.name;
    EXPECT_FALSE(s.challenge.empty()) << s.name;
    EXPECT_FALSE(s.authenticate.empty()) << s.name;
  }
}

TEST(SampleTokens, NegotiateRoundTrip) {
  for (const Sample& s : Samples()) {
    SCOPED_TRACE(s.name);
    EXPECT_EQ(ReadMessageType(s.negotiate).value(), MessageType::kNegotiate);
    auto msg = DecodeNegotiateMessage(s.negotiate);
    ASSERT_TRUE(msg.ok()) << msg.error().reason;
    EXPECT_EQ(EncodeNegotiateMessage(*msg), s.negotiate);
    // Every client asks for extended session security.
    EXPECT_TRUE(msg->flags & kNegotiateEss);
    // A fresh encoding decodes to the same values.
    NegotiateMessage fresh = *msg;
    fresh.layout.reset();
    auto again = DecodeNegotiateMessage(EncodeNegotiateMessage(fresh));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->flags, msg->flags);
    EXPECT_EQ(again->domain, msg->domain);
    EXPECT_EQ(again->workstation, msg->workstation);
    EXPECT_EQ(again->has_version, msg->has_version);
    if (s.name.rfind("ntlmauth", 0) == 0) {
      // ntlm-auth sends OEM names and no UNICODE flag in its NEGOTIATE.
      EXPECT_EQ(msg->domain, "CONTOSO");
      EXPECT_EQ(msg->flags & kNegotiateUnicode, 0u);
      EXPECT_TRUE(msg->flags & kNegotiateOem);
    }
  }
}

TEST(SampleTokens, ChallengeRoundTrip) {
  for (const Sample& s : Samples()) {
    SCOPED_TRACE(s.name);
    auto msg = DecodeChallengeMessage(s.challenge);
    ASSERT_TRUE(msg.ok()) << msg.error().reason;
    EXPECT_EQ(EncodeChallengeMessage(*msg), s.challenge);
    EXPECT_TRUE(msg->has_version);
    EXPECT_EQ(msg->target_name, "SRV01");
    ASSERT_TRUE(msg->target_info.has_value());
    EXPECT_EQ(msg->target_info->GetString(AvId::kNbComputerName).value(), "SRV01");
    EXPECT_TRUE(msg->target_info->Timestamp().has_value());
    ChallengeMessage fresh = *msg;
    fresh.layout.reset();
    EXPECT_EQ(EncodeChallengeMessage(fresh), s.challenge);
  }
}

TEST(SampleTokens, AuthenticateRoundTripAndFields) {
  for (const Sample& s : Samples()) {
    SCOPED_TRACE(s.name);
    auto msg = DecodeAuthenticateMessage(s.authenticate);
    ASSERT_TRUE(msg.ok()) << msg.error().reason;
    EXPECT_EQ(EncodeAuthenticateMessage(*msg), s.authenticate);

    const json& account = s.doc["accounts"][0];
    EXPECT_EQ(msg->user, account["user"].get<std::string>());
    EXPECT_EQ(msg->domain, account["domain"].get<std::string>());
    EXPECT_FALSE(msg->workstation.empty());
    const json& expect = s.doc["expect"];
    if (expect.contains("negotiated_flags")) {
      EXPECT_EQ(msg->flags, std::stoul(expect["negotiated_flags"].get<std::string>(), nullptr, 16));
    }
    if (expect.contains("user")) {
      EXPECT_EQ(msg->domain + "\\" + msg->user, expect["user"].get<std::string>());
    }

    // NTLMv2 everywhere: the blob parses and echoes the server's timestamp.
    ASSERT_EQ(ClassifyNtResponse(msg->nt_challenge_response), NtResponseKind::kNtlmV2);
    auto resp = DecodeNtlmV2Response(msg->nt_challenge_response);
    ASSERT_TRUE(resp.ok()) << resp.error().reason;
    EXPECT_EQ(EncodeNtlmV2Response(*resp), msg->nt_challenge_response);
    ASSERT_TRUE(resp->client.av_pairs.has_value());
    const AvPairList& pairs = *resp->client.av_pairs;
    auto challenge = DecodeChallengeMessage(s.challenge);
    ASSERT_TRUE(challenge.ok());
    EXPECT_EQ(pairs.Timestamp(), challenge->target_info->Timestamp());
    EXPECT_EQ(pairs.GetString(AvId::kNbComputerName).value(), "SRV01");

    // MIC: present exactly when the client says so in MsvAvFlags, and then
    // in an 88-byte header at offset 72.
    const bool mic = s.doc["features"]["mic"].get<bool>();
    const uint32_t av_flags = pairs.Flags().value_or(0);
    EXPECT_EQ((av_flags & kAvFlagMicPresent) != 0, mic);
    EXPECT_EQ(msg->has_mic_field, mic);
    if (mic) {
      EXPECT_EQ(msg->mic_offset, 72u);
      auto zeroed = AuthenticateWithZeroedMic(s.authenticate);
      ASSERT_TRUE(zeroed.ok());
      EXPECT_EQ(std::count(zeroed->begin() + 72, zeroed->begin() + 88, 0), 16);
    }
    // Key exchange: a 16-byte EncryptedRandomSessionKey.
    const bool kx = s.doc["features"]["key_exch"].get<bool>();
    EXPECT_EQ(msg->encrypted_random_session_key.size(), kx ? 16u : 0u);
    // Target name (SPN) in the blob, when the transcript names one.
    const json& spn = s.doc["features"]["target_name"];
    if (spn.is_string()) {
      EXPECT_EQ(pairs.GetString(AvId::kTargetName).value(), spn.get<std::string>());
    } else {
      EXPECT_FALSE(pairs.Has(AvId::kTargetName));
    }

    // A fresh layout decodes to the same values.
    AuthenticateMessage fresh = *msg;
    fresh.layout.reset();
    auto again = DecodeAuthenticateMessage(EncodeAuthenticateMessage(fresh));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again->user, msg->user);
    EXPECT_EQ(again->nt_challenge_response, msg->nt_challenge_response);
    EXPECT_EQ(again->lm_challenge_response, msg->lm_challenge_response);
    EXPECT_EQ(again->encrypted_random_session_key, msg->encrypted_random_session_key);
    EXPECT_EQ(again->has_mic_field, msg->has_mic_field);
    EXPECT_EQ(again->mic, msg->mic);
  }
}

TEST(SampleTokens, SpecificSamples) {
  for (const Sample& s : Samples()) {
    auto auth = DecodeAuthenticateMessage(s.authenticate);
    ASSERT_TRUE(auth.ok());
    if (s.name == "curl-ntlmv2") {
      // OEM strings, 64-byte header although NEGOTIATE_VERSION is set.
      EXPECT_EQ(auth->flags & kNegotiateUnicode, 0u);
      EXPECT_TRUE(auth->flags & kNegotiateVersion);
      EXPECT_FALSE(auth->has_version);
      EXPECT_EQ(auth->layout->header_length, 64u);
      EXPECT_EQ(auth->workstation, "WORKSTATION");
      auto neg = DecodeNegotiateMessage(s.negotiate);
      ASSERT_TRUE(neg.ok());
      EXPECT_EQ(s.negotiate.size(), 32u);
      EXPECT_FALSE(neg->has_version);
    }
    if (s.name == "impacket-seal128-kx") {
      EXPECT_EQ(auth->layout->header_length, 64u);
      EXPECT_EQ(auth->layout->fields[2].offset, 64u);  // domain first
      EXPECT_EQ(auth->lm_challenge_response.size(), 24u);
    }
    if (s.name == "samba-gensec-seal128-mic") {
      // Samba puts LM and NT first in the payload.
      EXPECT_EQ(auth->layout->fields[0].offset, 88u);
      EXPECT_EQ(auth->version.ToString(), "6.1.0 rev 15");
    }
    if (s.name == "gss-seal128-kx-mic") {
      EXPECT_TRUE(auth->lm_challenge_response.empty());
      EXPECT_EQ(auth->layout->fields[0], (SecurityBuffer{0, 0, 88}));
    }
  }
}

TEST(SampleTokens, EveryPrefixIsRejectedOrIgnoredWithoutCrashing) {
  for (const Sample& s : Samples()) {
    SCOPED_TRACE(s.name);
    auto full = DecodeNegotiateMessage(s.negotiate);
    ASSERT_TRUE(full.ok());
    for (size_t n = 0; n < s.negotiate.size(); ++n) {
      auto r = DecodeNegotiateMessage(ByteSpan(s.negotiate).first(n));
      if (n < 16) {
        ASSERT_FALSE(r.ok()) << n;
        EXPECT_EQ(r.status(), SecStatus::kInvalidToken) << n;
        continue;
      }
      // From 16 bytes on the flags are whole: a server answers, ignoring
      // (and listing) the fields the cut leaves malformed.
      ASSERT_TRUE(r.ok()) << n;
      EXPECT_EQ(r->flags, full->flags) << n;
      EXPECT_EQ(EncodeNegotiateMessage(*r), Bytes(s.negotiate.begin(), s.negotiate.begin() + n));
      if (n > 16 && (r->domain != full->domain || r->workstation != full->workstation)) {
        EXPECT_FALSE(r->ignored_fields.empty()) << n;
      }
    }
    for (size_t n = 0; n < s.challenge.size(); ++n) {
      auto r = DecodeChallengeMessage(ByteSpan(s.challenge).first(n));
      ASSERT_FALSE(r.ok()) << n;
      EXPECT_EQ(r.status(), SecStatus::kInvalidToken) << n;
    }
    for (size_t n = 0; n < s.authenticate.size(); ++n) {
      auto r = DecodeAuthenticateMessage(ByteSpan(s.authenticate).first(n));
      ASSERT_FALSE(r.ok()) << n;
      EXPECT_EQ(r.status(), SecStatus::kInvalidToken) << n;
      EXPECT_FALSE(r.error().reason.empty());
    }
  }
}

TEST(SampleTokens, WrongDecoderIsInvalidToken) {
  for (const Sample& s : Samples()) {
    EXPECT_EQ(DecodeNegotiateMessage(s.authenticate).status(), SecStatus::kInvalidToken);
    EXPECT_EQ(DecodeChallengeMessage(s.negotiate).status(), SecStatus::kInvalidToken);
    EXPECT_EQ(DecodeAuthenticateMessage(s.challenge).status(), SecStatus::kInvalidToken);
  }
}

}  // namespace
}  // namespace ntlm::ssp
