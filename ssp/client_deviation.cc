// client_deviation.cc: the deviation table, constructors and text form.
#include "ssp/client_deviation.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "ssp/av_pairs.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/keys.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

constexpr std::array<DeviationInfo, 22> kTable = {{
    {DeviationKind::kStripNegotiateFlags, "strip-negotiate-flags", DeviationParam::kFlags,
     "clear the given flags in the NEGOTIATE (the server then cannot grant them, MS-NLMP "
     "3.2.5.1.1)"},
    {DeviationKind::kStripAuthenticateFlags, "strip-authenticate-flags", DeviationParam::kFlags,
     "select fewer flags: clear the given flags in the AUTHENTICATE, with responses, keys and "
     "MIC computed for the edited flags, so only the policy check (3.2.5.1.2) can object"},
    {DeviationKind::kStripAuthenticateFlagsStaleMic, "strip-authenticate-flags-stale-mic",
     DeviationParam::kFlags,
     "clear the given flags in the AUTHENTICATE after the MIC was computed (a man in the "
     "middle; the MIC no longer matches, 3.2.5.1.2)"},
    {DeviationKind::kOmitMic, "omit-mic", DeviationParam::kNone,
     "send no MIC and no MsvAvFlags MIC bit although the CHALLENGE has MsvAvTimestamp (a "
     "client that ignores 3.1.5.2.1)"},
    {DeviationKind::kZeroMic, "zero-mic", DeviationParam::kNone,
     "announce a MIC (MsvAvFlags 0x2) and send 16 zero bytes as the MIC"},
    {DeviationKind::kCorruptMic, "corrupt-mic", DeviationParam::kNone,
     "announce a MIC and send the correct MIC with its first bit flipped"},
    {DeviationKind::kRemoveMicKeepAvFlags, "remove-mic-keep-avflags", DeviationParam::kNone,
     "announce a MIC (MsvAvFlags 0x2, NTProofStr-protected) but send an AUTHENTICATE without "
     "the MIC field"},
    {DeviationKind::kRelayRemoveMic, "relay-remove-mic", DeviationParam::kNone,
     "impacket ntlmrelayx --remove-mic (CVE-2019-1040): drop the Version and MIC fields and "
     "clear SIGN, ALWAYS_SIGN, KEY_EXCH and VERSION in the AUTHENTICATE; MsvAvFlags keeps 0x2"},
    {DeviationKind::kRelayRemoveSignSeal, "relay-remove-sign-seal", DeviationParam::kNone,
     "impacket ntlmrelayx --remove-sign-seal: clear SIGN, SEAL, ALWAYS_SIGN and KEY_EXCH in the "
     "AUTHENTICATE, MIC left as computed"},
    {DeviationKind::kWrongPassword, "wrong-password", DeviationParam::kText,
     "compute every response from another password (3.3.1, 3.3.2)"},
    {DeviationKind::kOtherUserHash, "other-user-hash", DeviationParam::kPasswordOrHash,
     "send this user's name with responses computed from another account's NT hash"},
    {DeviationKind::kShiftTimestamp, "shift-timestamp", DeviationParam::kSeconds,
     "add the given seconds to the NTLMv2 blob TimeStamp (2.2.2.7); MsvAvTimestamp is echoed "
     "unchanged"},
    {DeviationKind::kAlterTargetInfo, "alter-target-info", DeviationParam::kAvId,
     "change one byte of the given server AV pair in the NTLMv2 blob (the server's target info "
     "is not echoed unchanged)"},
    {DeviationKind::kDropTargetInfoPair, "drop-target-info-pair", DeviationParam::kAvId,
     "leave the given server AV pair out of the NTLMv2 blob"},
    {DeviationKind::kWrongChannelBindings, "wrong-channel-bindings", DeviationParam::kNone,
     "send an MsvAvChannelBindings value that is not the MD5 of the real bindings (2.2.2.1)"},
    {DeviationKind::kZeroChannelBindings, "zero-channel-bindings", DeviationParam::kNone,
     "send MsvAvChannelBindings = Z(16) (interop-pitfalls #5: not the same as absent)"},
    {DeviationKind::kWrongSpn, "wrong-spn", DeviationParam::kText,
     "send the given SPN as MsvAvTargetName instead of the configured one (3.1.1.2)"},
    {DeviationKind::kSessionKeyLength, "session-key-length", DeviationParam::kLength,
     "send an EncryptedRandomSessionKey of the given length (16 is correct, 2.2.1.3)"},
    {DeviationKind::kTruncateAuthenticate, "truncate-authenticate", DeviationParam::kLength,
     "send only the given number of leading bytes of the AUTHENTICATE"},
    {DeviationKind::kLmOnly, "lm-only", DeviationParam::kNone,
     "send the LM response alone (DESL(LMOWFv1, ServerChallenge), 3.3.1) and an empty "
     "NtChallengeResponse; keys as an LM logon derives them (needs an LM hash)"},
    {DeviationKind::kLmV2Only, "lmv2-only", DeviationParam::kNone,
     "send the LMv2 response alone (3.3.2) and an empty NtChallengeResponse; SessionBaseKey "
     "HMAC_MD5(ResponseKeyLM, LMv2 proof)"},
    {DeviationKind::kDropNtResponse, "drop-nt-response", DeviationParam::kNone,
     "compute the responses as usual, then send an empty NtChallengeResponse (the LM field as "
     "computed: LM, the NTLMv1 response again, CC||Z(16) or LMv2/Z(24))"},
}};

const DeviationInfo& InfoOf(DeviationKind kind) {
  for (const DeviationInfo& info : kTable) {
    if (info.kind == kind) return info;
  }
  return kTable[0];  // unreachable: every kind is in the table
}

Error BadParam(std::string reason) {
  return MakeError(SecStatus::kInvalidParameter, "deviation: " + std::move(reason));
}

template <typename T>
bool ParseInt(std::string_view text, T& out) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size() && !text.empty();
}

std::optional<uint16_t> ParseAvId(std::string_view text) {
  uint16_t id = 0;
  if (ParseInt(text, id)) return id;
  for (uint16_t i = 0; i <= 10; ++i) {
    if (EqualsIgnoreAsciiCase(AvIdName(i), text)) return i;
  }
  return std::nullopt;
}

Deviation Make(DeviationKind kind) {
  Deviation d;
  d.kind = kind;
  return d;
}

}  // namespace

Deviation Deviation::StripNegotiateFlags(uint32_t flags) {
  Deviation d = Make(DeviationKind::kStripNegotiateFlags);
  d.flags = flags;
  return d;
}
Deviation Deviation::StripAuthenticateFlags(uint32_t flags) {
  Deviation d = Make(DeviationKind::kStripAuthenticateFlags);
  d.flags = flags;
  return d;
}
Deviation Deviation::StripAuthenticateFlagsStaleMic(uint32_t flags) {
  Deviation d = Make(DeviationKind::kStripAuthenticateFlagsStaleMic);
  d.flags = flags;
  return d;
}
Deviation Deviation::OmitMic() { return Make(DeviationKind::kOmitMic); }
Deviation Deviation::ZeroMic() { return Make(DeviationKind::kZeroMic); }
Deviation Deviation::CorruptMic() { return Make(DeviationKind::kCorruptMic); }
Deviation Deviation::RemoveMicKeepAvFlags() { return Make(DeviationKind::kRemoveMicKeepAvFlags); }
Deviation Deviation::RelayRemoveMic() { return Make(DeviationKind::kRelayRemoveMic); }
Deviation Deviation::RelayRemoveSignSeal() { return Make(DeviationKind::kRelayRemoveSignSeal); }
Deviation Deviation::WrongPassword(std::string password) {
  Deviation d = Make(DeviationKind::kWrongPassword);
  d.text = std::move(password);
  return d;
}
Deviation Deviation::OtherUserHash(const crypto::Key16& nt_hash) {
  Deviation d = Make(DeviationKind::kOtherUserHash);
  d.nt_hash = nt_hash;
  return d;
}
Deviation Deviation::ShiftTimestamp(int64_t seconds) {
  Deviation d = Make(DeviationKind::kShiftTimestamp);
  d.seconds = seconds;
  return d;
}
Deviation Deviation::AlterTargetInfo(uint16_t av_id) {
  Deviation d = Make(DeviationKind::kAlterTargetInfo);
  d.av_id = av_id;
  return d;
}
Deviation Deviation::DropTargetInfoPair(uint16_t av_id) {
  Deviation d = Make(DeviationKind::kDropTargetInfoPair);
  d.av_id = av_id;
  return d;
}
Deviation Deviation::WrongChannelBindings() { return Make(DeviationKind::kWrongChannelBindings); }
Deviation Deviation::ZeroChannelBindings() { return Make(DeviationKind::kZeroChannelBindings); }
Deviation Deviation::WrongSpn(std::string spn) {
  Deviation d = Make(DeviationKind::kWrongSpn);
  d.text = std::move(spn);
  return d;
}
Deviation Deviation::SessionKeyLength(size_t length) {
  Deviation d = Make(DeviationKind::kSessionKeyLength);
  d.length = length;
  return d;
}
Deviation Deviation::TruncateAuthenticate(size_t length) {
  Deviation d = Make(DeviationKind::kTruncateAuthenticate);
  d.length = length;
  return d;
}

Deviation Deviation::LmOnly() { return Make(DeviationKind::kLmOnly); }
Deviation Deviation::LmV2Only() { return Make(DeviationKind::kLmV2Only); }
Deviation Deviation::DropNtResponse() { return Make(DeviationKind::kDropNtResponse); }

std::span<const DeviationInfo> DeviationTable() { return kTable; }

std::string_view DeviationName(DeviationKind kind) { return InfoOf(kind).name; }
std::string_view DeviationDescription(DeviationKind kind) { return InfoOf(kind).description; }

std::optional<DeviationKind> DeviationKindFromName(std::string_view name) {
  for (const DeviationInfo& info : kTable) {
    if (EqualsIgnoreAsciiCase(info.name, name)) return info.kind;
  }
  return std::nullopt;
}

Result<Deviation> ParseDeviation(std::string_view text) {
  const size_t eq = text.find('=');
  const std::string_view name = text.substr(0, eq);
  const bool has_param = eq != std::string_view::npos;
  const std::string_view param = has_param ? text.substr(eq + 1) : std::string_view{};
  auto kind = DeviationKindFromName(name);
  if (!kind) return BadParam("unknown deviation '" + std::string(name) + "'");
  const DeviationInfo& info = InfoOf(*kind);
  const std::string label = std::string(info.name);
  if (has_param && info.param == DeviationParam::kNone) {
    return BadParam(label + " takes no parameter");
  }
  Deviation d = Make(*kind);
  switch (*kind) {
    case DeviationKind::kWrongPassword:
      d = Deviation::WrongPassword();
      break;
    case DeviationKind::kAlterTargetInfo:
    case DeviationKind::kDropTargetInfoPair:
      d.av_id = static_cast<uint16_t>(AvId::kNbComputerName);
      break;
    case DeviationKind::kWrongSpn:
      d = Deviation::WrongSpn();
      break;
    default:
      break;
  }
  const bool needs_param =
      info.param == DeviationParam::kFlags || info.param == DeviationParam::kSeconds ||
      info.param == DeviationParam::kLength || info.param == DeviationParam::kPasswordOrHash;
  if (!has_param) {
    if (needs_param) return BadParam(label + " needs a parameter (" + label + "=...)");
    return d;
  }
  switch (info.param) {
    case DeviationParam::kNone:
      break;
    case DeviationParam::kFlags: {
      auto flags = ParseFlagList(param);
      if (!flags) return BadParam(label + ": unknown flag in '" + std::string(param) + "'");
      d.flags = *flags;
      break;
    }
    case DeviationParam::kSeconds:
      if (!ParseInt(param, d.seconds)) {
        return BadParam(label + ": '" + std::string(param) + "' is not a number of seconds");
      }
      break;
    case DeviationParam::kLength:
      if (!ParseInt(param, d.length)) {
        return BadParam(label + ": '" + std::string(param) + "' is not a length");
      }
      break;
    case DeviationParam::kAvId: {
      auto id = ParseAvId(param);
      if (!id) return BadParam(label + ": unknown AvId '" + std::string(param) + "'");
      d.av_id = *id;
      break;
    }
    case DeviationParam::kText:
      d.text = std::string(param);
      break;
    case DeviationParam::kPasswordOrHash: {
      crypto::Key16 hash;
      if (ParseKey16Hex(param, hash)) {
        d.nt_hash = hash;
      } else {
        d.text = std::string(param);
      }
      break;
    }
  }
  return d;
}

std::string DeviationToString(const Deviation& d) {
  const DeviationInfo& info = InfoOf(d.kind);
  std::string out(info.name);
  switch (info.param) {
    case DeviationParam::kNone:
      break;
    case DeviationParam::kFlags:
      out += "=" + FlagNames(d.flags);
      break;
    case DeviationParam::kSeconds:
      out += "=" + std::to_string(d.seconds);
      break;
    case DeviationParam::kLength:
      out += "=" + std::to_string(d.length);
      break;
    case DeviationParam::kAvId:
      out += "=" + AvIdName(d.av_id);
      break;
    case DeviationParam::kText:
      if (d.kind == DeviationKind::kWrongPassword) {
        out += "=<redacted>";
      } else {
        out += "=" + d.text;
      }
      break;
    case DeviationParam::kPasswordOrHash:
      out += "=<redacted>";
      break;
  }
  return out;
}

}  // namespace ntlm::ssp
