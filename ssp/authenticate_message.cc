// authenticate_message.cc: AUTHENTICATE_MESSAGE codec ([MS-NLMP] 2.2.1.3).
#include "ssp/authenticate_message.h"

#include <algorithm>

#include "ssp/byte_reader.h"
#include "ssp/flags.h"

namespace ntlm::ssp {
namespace {

constexpr std::string_view kName = "AUTHENTICATE";
constexpr size_t kFieldCount = 6;
enum Field : size_t { kLm = 0, kNt, kDomain, kUser, kWorkstation, kSessionKey };
constexpr std::string_view kFieldNames[kFieldCount] = {
    "LmChallengeResponseFields", "NtChallengeResponseFields",
    "DomainNameFields",          "UserNameFields",
    "WorkstationFields",         "EncryptedRandomSessionKeyFields"};

Bytes ToBytes(ByteSpan span) { return Bytes(span.begin(), span.end()); }

}  // namespace

Result<AuthenticateMessage> DecodeAuthenticateMessage(ByteSpan token) {
  if (Status framing = CheckMessageFraming(token, MessageType::kAuthenticate); !framing.ok()) {
    return framing.error();
  }
  ByteReader reader(token, kName);
  (void)reader.Skip(12);  // Signature + MessageType, checked above.
  AuthenticateMessage msg;
  SecurityBuffer fields[kFieldCount];
  for (size_t i = 0; i < kFieldCount; ++i) {
    NTLM_ASSIGN_OR_RETURN(auto field, ReadSecurityBuffer(reader, kFieldNames[i]));
    fields[i] = field;
  }
  NTLM_ASSIGN_OR_RETURN(auto flags, reader.ReadU32("NegotiateFlags"));
  msg.flags = flags;

  // A session-key field that no server reads (key exchange not in effect)
  // and that is malformed neither places the header nor fails the decode.
  SecurityBuffer placed[kFieldCount];
  std::copy(std::begin(fields), std::end(fields), std::begin(placed));
  const bool key_unread =
      !KeyExchangeInEffect(msg.flags) &&
      !ValidateSecurityBuffer(fields[kSessionKey], kAuthenticateHeaderSize, token.size(), kName, {})
           .ok();
  if (key_unread) placed[kSessionKey] = SecurityBuffer{};
  const uint64_t payload_start = LowestPayloadOffset(placed, token.size());
  size_t header = kAuthenticateHeaderSize;
  if (payload_start >= kAuthenticateHeaderWithMicSize) {
    header = kAuthenticateHeaderWithMicSize;
  } else if (payload_start >= kAuthenticateHeaderWithVersionSize) {
    header = kAuthenticateHeaderWithVersionSize;
  }
  std::vector<bool> unread(kFieldCount, false);
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (Status s = ValidateSecurityBuffer(fields[i], header, token.size(), kName, kFieldNames[i]);
        !s.ok()) {
      if (i != kSessionKey || KeyExchangeInEffect(msg.flags)) return s.error();
      msg.ignored_fields.push_back(s.error().reason + " (not read: key exchange not in effect)");
      unread[i] = true;
    }
  }
  if (header >= kAuthenticateHeaderWithVersionSize) {
    NTLM_ASSIGN_OR_RETURN(auto version, ReadVersion(reader));
    msg.has_version = true;
    msg.version = version;
  }
  if (header >= kAuthenticateHeaderWithMicSize) {
    NTLM_ASSIGN_OR_RETURN(auto mic, reader.ReadBytes(kMicSize, "MIC"));
    std::copy(mic.begin(), mic.end(), msg.mic.begin());
    msg.has_mic_field = true;
    msg.mic_offset = kAuthenticateMicOffset;
  }

  const bool unicode = (msg.flags & kNegotiateUnicode) != 0;
  struct StringField {
    Field index;
    std::string_view name;
    std::string* out;
  };
  const StringField strings[] = {{kDomain, "DomainName", &msg.domain},
                                 {kUser, "UserName", &msg.user},
                                 {kWorkstation, "Workstation", &msg.workstation}};
  for (const StringField& s : strings) {
    NTLM_ASSIGN_OR_RETURN(
        auto text, DecodeWireString(SecurityBufferBytes(token, fields[s.index]), unicode, kName,
                                    s.name, fields[s.index].offset));
    *s.out = std::move(text);
  }
  msg.lm_challenge_response = ToBytes(SecurityBufferBytes(token, fields[kLm]));
  msg.nt_challenge_response = ToBytes(SecurityBufferBytes(token, fields[kNt]));
  if (!unread[kSessionKey]) {
    msg.encrypted_random_session_key = ToBytes(SecurityBufferBytes(token, fields[kSessionKey]));
  }
  msg.layout = PayloadLayout{header, std::vector<SecurityBuffer>(fields, fields + kFieldCount),
                             ToBytes(token.subspan(header)), std::move(unread)};
  return msg;
}

Bytes EncodeAuthenticateMessage(const AuthenticateMessage& message) {
  ByteWriter w;
  w.WriteBytes(kNtlmSignature);
  w.WriteU32(static_cast<uint32_t>(MessageType::kAuthenticate));
  ByteWriter::Slot slots[kFieldCount];
  for (ByteWriter::Slot& slot : slots) slot = w.ReserveSecurityBuffer();
  w.WriteU32(message.flags);
  if (message.has_version) {
    w.WriteBytes(EncodeVersion(message.version));
  } else if (message.has_mic_field) {
    w.WriteZeros(8);
  }
  if (message.has_mic_field) w.WriteBytes(message.mic);

  const bool unicode = (message.flags & kNegotiateUnicode) != 0;
  const Bytes domain = EncodeWireString(message.domain, unicode);
  const Bytes user = EncodeWireString(message.user, unicode);
  const Bytes workstation = EncodeWireString(message.workstation, unicode);
  const ByteSpan data[kFieldCount] = {
      message.lm_challenge_response,       message.nt_challenge_response, domain, user, workstation,
      message.encrypted_random_session_key};
  static constexpr size_t kOrder[kFieldCount] = {kDomain, kUser, kWorkstation,
                                                 kLm,     kNt,   kSessionKey};
  return FinishMessage(w, message.layout, slots, data, kOrder);
}

Result<Bytes> AuthenticateWithZeroedMic(ByteSpan token) {
  NTLM_ASSIGN_OR_RETURN(auto msg, DecodeAuthenticateMessage(token));
  if (!msg.has_mic_field) {
    return MakeError(SecStatus::kInvalidToken,
                     "AUTHENTICATE: MIC at offset 0x48: no MIC field (the fixed header is " +
                         std::to_string(msg.layout->header_length) + " bytes)");
  }
  Bytes copy(token.begin(), token.end());
  std::fill_n(copy.begin() + kAuthenticateMicOffset, kMicSize, 0);
  return copy;
}

}  // namespace ntlm::ssp
