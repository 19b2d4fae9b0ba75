// codec_targets.cc: fuzz bodies for the wire codecs (ssp/*_message.h,
// ssp/av_pairs.h, ssp/ntlmv2_response.h). Each codec documents that
// Encode(Decode(t)) == t (the decoded layout is kept), so every token that
// decodes must re-encode to exactly the input.
#include <string>

#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/challenge_message.h"
#include "ssp/negotiate_message.h"
#include "ssp/ntlmv2_response.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

bool SameBytes(const Bytes& encoded, ByteSpan input) {
  return encoded.size() == input.size() &&
         std::equal(encoded.begin(), encoded.end(), input.begin());
}

// Every accessor of an AV pair list (none may fail other than by value).
void TouchAvPairs(const ssp::AvPairList& list) {
  for (uint16_t id = 0; id <= 11; ++id) {
    (void)list.GetString(static_cast<ssp::AvId>(id));
    (void)list.Count(static_cast<ssp::AvId>(id));
  }
  (void)list.Flags();
  (void)list.Timestamp();
  (void)list.ChannelBindings();
  (void)list.SingleHost();
  for (const auto& pair : list.pairs) {
    (void)ssp::AvIdName(pair.id);
    (void)ssp::AvPairValueToString(pair);
  }
}

}  // namespace

int FuzzNegotiate(const uint8_t* data, size_t size) {
  ByteSpan token(data, size);
  auto message = ssp::DecodeNegotiateMessage(token);
  if (!message.ok()) {
    FuzzCheck(!message.error().reason.empty(), "NEGOTIATE: an error without a reason");
    return 0;
  }
  FuzzCheck(SameBytes(ssp::EncodeNegotiateMessage(*message), token),
            "NEGOTIATE: Encode(Decode(token)) != token");
  // A fresh (canonical) encoding must decode again.
  ssp::NegotiateMessage fresh = *message;
  fresh.layout.reset();
  FuzzCheck(ssp::DecodeNegotiateMessage(ssp::EncodeNegotiateMessage(fresh)).ok(),
            "NEGOTIATE: a fresh encoding of a decoded message does not decode");
  return 0;
}

int FuzzChallenge(const uint8_t* data, size_t size) {
  ByteSpan token(data, size);
  auto message = ssp::DecodeChallengeMessage(token);
  if (!message.ok()) {
    FuzzCheck(!message.error().reason.empty(), "CHALLENGE: an error without a reason");
    return 0;
  }
  FuzzCheck(SameBytes(ssp::EncodeChallengeMessage(*message), token),
            "CHALLENGE: Encode(Decode(token)) != token");
  if (message->target_info) TouchAvPairs(*message->target_info);
  ssp::ChallengeMessage fresh = *message;
  fresh.layout.reset();
  FuzzCheck(ssp::DecodeChallengeMessage(ssp::EncodeChallengeMessage(fresh)).ok(),
            "CHALLENGE: a fresh encoding of a decoded message does not decode");
  return 0;
}

int FuzzAuthenticate(const uint8_t* data, size_t size) {
  ByteSpan token(data, size);
  auto message = ssp::DecodeAuthenticateMessage(token);
  if (!message.ok()) {
    FuzzCheck(!message.error().reason.empty(), "AUTHENTICATE: an error without a reason");
    FuzzCheck(!ssp::AuthenticateWithZeroedMic(token).ok(),
              "AUTHENTICATE: zeroed-MIC copy of a token that does not decode");
    return 0;
  }
  FuzzCheck(SameBytes(ssp::EncodeAuthenticateMessage(*message), token),
            "AUTHENTICATE: Encode(Decode(token)) != token");
  auto zeroed = ssp::AuthenticateWithZeroedMic(token);
  FuzzCheck(zeroed.ok() == message->has_mic_field,
            "AUTHENTICATE: zeroed-MIC copy exists exactly when the MIC field does");
  if (zeroed.ok()) {
    FuzzCheck(zeroed->size() == token.size(), "AUTHENTICATE: zeroed-MIC copy changed size");
  }
  (void)message->GetMic();
  ByteSpan nt(message->nt_challenge_response);
  (void)ssp::ClassifyNtResponse(nt);
  if (ssp::IsNtlmV2Response(nt)) {
    auto v2 = ssp::DecodeNtlmV2Response(nt);
    if (v2.ok() && v2->client.av_pairs) TouchAvPairs(*v2->client.av_pairs);
    (void)ssp::NtlmV2Blob(nt);
  }
  ssp::AuthenticateMessage fresh = *message;
  fresh.layout.reset();
  FuzzCheck(ssp::DecodeAuthenticateMessage(ssp::EncodeAuthenticateMessage(fresh)).ok(),
            "AUTHENTICATE: a fresh encoding of a decoded message does not decode");
  return 0;
}

int FuzzAvPairs(const uint8_t* data, size_t size) {
  ByteSpan bytes(data, size);
  auto list = ssp::DecodeAvPairs(bytes, "fuzz", 0);
  if (!list.ok()) {
    FuzzCheck(!list.error().reason.empty(), "AvPairs: an error without a reason");
    return 0;
  }
  FuzzCheck(SameBytes(ssp::EncodeAvPairs(*list), bytes), "AvPairs: Encode(Decode(t)) != t");
  TouchAvPairs(*list);
  // Editing keeps the list well formed.
  ssp::AvPairList edited = *list;
  edited.SetFlags(ssp::kAvFlagMicPresent);
  edited.SetTimestamp(0x01d2345678abcdefULL);
  (void)edited.Remove(ssp::AvId::kTargetName);
  auto again = ssp::DecodeAvPairs(ssp::EncodeAvPairs(edited));
  FuzzCheck(again.ok(), "AvPairs: an edited list does not decode");
  FuzzCheck(again->Flags() == ssp::kAvFlagMicPresent, "AvPairs: SetFlags lost");
  return 0;
}

int FuzzNtlmV2Response(const uint8_t* data, size_t size) {
  ByteSpan bytes(data, size);
  auto response = ssp::DecodeNtlmV2Response(bytes, 0);
  if (!response.ok()) {
    FuzzCheck(!response.error().reason.empty(), "NTLMv2 response: an error without a reason");
    return 0;
  }
  FuzzCheck(SameBytes(ssp::EncodeNtlmV2Response(*response), bytes),
            "NTLMv2 response: Encode(Decode(r)) != r");
  Bytes blob = ssp::EncodeNtlmV2ClientChallenge(response->client);
  ByteSpan received = ssp::NtlmV2Blob(bytes);
  FuzzCheck(SameBytes(blob, received), "NTLMv2 response: blob differs from the bytes received");
  if (response->client.av_pairs) TouchAvPairs(*response->client.av_pairs);
  return 0;
}

}  // namespace ntlm::fuzz
