// client_deviation_steps.cc: the test client's named deviations
// (ssp/client_deviation.h), one function each, in one table that says after
// which stage of ClientContext::ProcessChallenge each one applies
// (ssp/client_authenticate_draft.h). ProcessChallenge builds the honest
// AUTHENTICATE; these edit it.
#include <algorithm>

#include "ssp/authenticate_message.h"
#include "ssp/client_authenticate_draft.h"
#include "ssp/environment.h"
#include "ssp/flags.h"

namespace ntlm::ssp::client_draft {
namespace {

Error InvalidParameter(std::string reason) {
  return MakeError(SecStatus::kInvalidParameter, std::move(reason));
}

uint32_t LoadU32(ByteSpan b, size_t at) {
  return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
         uint32_t{b[at + 3]} << 24;
}
void StoreU32(Bytes& b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

const Deviation* Find(const AuthenticateDraft& d, DeviationKind kind) {
  return FindDeviation(d.policy.deviations, kind);
}

// --- kFlags: select fewer flags, consistently (keys and MIC follow) --------

Status StripAuthenticateFlags(AuthenticateDraft& d) {
  const uint32_t strip = StrippedFlags(d.policy.deviations, DeviationKind::kStripAuthenticateFlags);
  if (strip == 0) return Status::Ok();
  d.flags &= ~strip;
  d.notes.push_back("deviation strip-authenticate-flags: cleared " + FlagNames(strip));
  return Status::Ok();
}

// --- kCredentials: the hashes the responses are computed with --------------

Status UsePassword(AuthenticateDraft& d, const std::string& password) {
  NTLM_ASSIGN_OR_RETURN(d.nt_hash, NtOwfV1(password));
  d.lm_hash.reset();
  if (auto lm = LmOwfV1(password); lm.ok()) d.lm_hash = *lm;
  return Status::Ok();
}

Status WrongPassword(AuthenticateDraft& d) {
  const Deviation* dev = Find(d, DeviationKind::kWrongPassword);
  if (dev == nullptr) return Status::Ok();
  NTLM_RETURN_IF_ERROR(UsePassword(d, dev->text));
  d.notes.push_back("deviation wrong-password");
  return Status::Ok();
}

Status OtherUserHash(AuthenticateDraft& d) {
  const Deviation* dev = Find(d, DeviationKind::kOtherUserHash);
  if (dev == nullptr) return Status::Ok();
  if (dev->nt_hash) {
    d.nt_hash = *dev->nt_hash;
    d.lm_hash.reset();
  } else {
    NTLM_RETURN_IF_ERROR(UsePassword(d, dev->text));
  }
  d.notes.push_back("deviation other-user-hash");
  return Status::Ok();
}

// --- kBlobPlan: MIC, target name and channel bindings of the blob ----------

Status OmitMic(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kOmitMic)) return Status::Ok();
  d.blob_plan.announce_mic = d.blob_plan.mic_field = d.blob_plan.mic_correct = false;
  d.notes.push_back("deviation omit-mic");
  return Status::Ok();
}

// zero-mic, corrupt-mic and remove-mic-keep-avflags announce and compute a
// MIC, which kMic / kWire then spoil.
Status AnnounceMicToSpoil(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kZeroMic) && !Find(d, DeviationKind::kCorruptMic) &&
      !Find(d, DeviationKind::kRemoveMicKeepAvFlags)) {
    return Status::Ok();
  }
  d.blob_plan.announce_mic = d.blob_plan.mic_field = d.blob_plan.mic_correct = true;
  return Status::Ok();
}

Status WrongSpn(AuthenticateDraft& d) {
  const Deviation* dev = Find(d, DeviationKind::kWrongSpn);
  if (dev == nullptr) return Status::Ok();
  d.blob_plan.spn = dev->text;
  d.notes.push_back("deviation wrong-spn: '" + dev->text + "'");
  return Status::Ok();
}

Status WrongChannelBindings(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kWrongChannelBindings)) return Status::Ok();
  auto& cb = d.blob_plan.channel_bindings_md5;
  if (cb) {
    (*cb)[0] ^= 0xFF;
  } else {
    static constexpr uint8_t kWrong[] = {'w', 'r', 'o', 'n', 'g'};
    cb = ChannelBindingsHash(kWrong);
  }
  d.notes.push_back("deviation wrong-channel-bindings");
  return Status::Ok();
}

Status ZeroChannelBindings(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kZeroChannelBindings)) return Status::Ok();
  d.blob_plan.channel_bindings_md5 = std::array<uint8_t, 16>{};
  d.notes.push_back("deviation zero-channel-bindings");
  return Status::Ok();
}

// --- kBlobPairs: edits of the finished AV pairs and time, in policy order --

Status AlterTargetInfo(AuthenticateDraft& d, const Deviation& dev) {
  auto it = std::find_if(d.av.pairs.begin(), d.av.pairs.end(),
                         [&](const AvPair& p) { return p.id == dev.av_id; });
  if (it == d.av.pairs.end() || it->value.empty()) {
    return InvalidParameter("deviation alter-target-info: the blob has no non-empty " +
                            AvIdName(dev.av_id));
  }
  it->value[0] ^= 0x01;
  d.notes.push_back("deviation alter-target-info: " + AvIdName(dev.av_id));
  return Status::Ok();
}

Status DropTargetInfoPair(AuthenticateDraft& d, const Deviation& dev) {
  if (d.av.Remove(static_cast<AvId>(dev.av_id)) == 0) {
    return InvalidParameter("deviation drop-target-info-pair: the blob has no " +
                            AvIdName(dev.av_id));
  }
  d.notes.push_back("deviation drop-target-info-pair: " + AvIdName(dev.av_id));
  return Status::Ok();
}

Status ShiftTimestamp(AuthenticateDraft& d, const Deviation& dev) {
  const int64_t delta = dev.seconds * static_cast<int64_t>(kFileTimeTicksPerSecond);
  d.timestamp = static_cast<uint64_t>(static_cast<int64_t>(d.timestamp) + delta);
  d.notes.push_back("deviation shift-timestamp: " + std::to_string(dev.seconds) + " s");
  return Status::Ok();
}

Status EditBlobPairs(AuthenticateDraft& d) {
  for (const Deviation& dev : d.policy.deviations) {
    if (dev.kind == DeviationKind::kAlterTargetInfo) {
      NTLM_RETURN_IF_ERROR(AlterTargetInfo(d, dev));
    } else if (dev.kind == DeviationKind::kDropTargetInfoPair) {
      NTLM_RETURN_IF_ERROR(DropTargetInfoPair(d, dev));
    } else if (dev.kind == DeviationKind::kShiftTimestamp) {
      NTLM_RETURN_IF_ERROR(ShiftTimestamp(d, dev));
    }
  }
  return Status::Ok();
}

// --- kResponses: an LM field alone, NtChallengeResponse empty ---------------
// The first of lm-only, lmv2-only, drop-nt-response in that order applies.

void SendLmFieldOnly(AuthenticateDraft& d) {
  ClientResponses& r = d.responses;
  r.nt.clear();
  r.kind = ResponseKind::kLm;
  r.mic_field = r.mic_field && Find(d, DeviationKind::kDropNtResponse) != nullptr;
}

// LM (3.3.1) with the NTLMv1 SessionBaseKey the server derives for it.
Status LmOnly(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kLmOnly)) return Status::Ok();
  if (!d.lm_hash) {
    return InvalidParameter(
        "deviation lm-only needs an LM hash (a password of at most 14 characters)");
  }
  const auto lm = LmV1Response(*d.lm_hash, d.sc);
  d.responses.lm.assign(lm.begin(), lm.end());
  d.responses.session_base_key = NtlmV1SessionBaseKey(d.nt_hash);
  d.responses.ntlmv2_family = false;
  d.notes.push_back("deviation lm-only: LM response, no NT response");
  SendLmFieldOnly(d);
  return Status::Ok();
}

// LMv2 (3.3.2) with the SessionBaseKey over its first 16 bytes
// (ssp/response_verifier.cc).
Status LmV2Only(AuthenticateDraft& d) {
  if (Find(d, DeviationKind::kLmOnly) || !Find(d, DeviationKind::kLmV2Only)) return Status::Ok();
  NTLM_ASSIGN_OR_RETURN(crypto::Key16 key,
                        NtOwfV2(d.nt_hash, d.credentials.user, d.credentials.domain));
  const auto lmv2 = LmV2Response(key, d.sc, d.cc);
  d.responses.lm.assign(lmv2.begin(), lmv2.end());
  std::array<uint8_t, 16> proof;
  std::copy_n(lmv2.begin(), 16, proof.begin());
  d.responses.session_base_key = NtlmV2SessionBaseKey(key, proof);
  d.responses.ntlmv2_family = true;
  d.notes.push_back("deviation lmv2-only: LMv2 response, no NT response");
  SendLmFieldOnly(d);
  return Status::Ok();
}

// The responses and keys as computed, the NT response dropped.
Status DropNtResponse(AuthenticateDraft& d) {
  if (Find(d, DeviationKind::kLmOnly) || Find(d, DeviationKind::kLmV2Only) ||
      !Find(d, DeviationKind::kDropNtResponse)) {
    return Status::Ok();
  }
  d.notes.push_back("deviation drop-nt-response: NT response dropped");
  SendLmFieldOnly(d);
  return Status::Ok();
}

// --- kSessionKey ---------------------------------------------------------------

Status SessionKeyLength(AuthenticateDraft& d) {
  const Deviation* dev = Find(d, DeviationKind::kSessionKeyLength);
  if (dev == nullptr) return Status::Ok();
  d.keys.encrypted.resize(dev->length, 0xEE);
  d.notes.push_back("deviation session-key-length: " + std::to_string(dev->length) + " bytes");
  return Status::Ok();
}

// --- kMic: the MIC written, then spoiled ---------------------------------------

Status ZeroMic(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kZeroMic)) return Status::Ok();
  std::fill_n(d.out.begin() + kAuthenticateMicOffset, kMicSize, uint8_t{0});
  d.mic_sent = false;
  d.notes.push_back("deviation zero-mic");
  return Status::Ok();
}

Status CorruptMic(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kCorruptMic)) return Status::Ok();
  d.out[kAuthenticateMicOffset] ^= 0x80;
  d.mic_sent = false;
  d.notes.push_back("deviation corrupt-mic");
  return Status::Ok();
}

// --- kWire: what a man in the middle does to the finished message ------------
// Each one clears mic_sent, since the MIC no longer covers the message.

template <typename Edit>
Status Reencode(AuthenticateDraft& d, Edit edit) {
  NTLM_ASSIGN_OR_RETURN(AuthenticateMessage m, DecodeAuthenticateMessage(d.out));
  m.layout.reset();
  edit(m);
  d.out = EncodeAuthenticateMessage(m);
  d.mic_sent = false;
  return Status::Ok();
}

void ClearFlagsOnWire(AuthenticateDraft& d, uint32_t strip) {
  StoreU32(d.out, kAuthenticateFlagsOffset, LoadU32(d.out, kAuthenticateFlagsOffset) & ~strip);
  d.mic_sent = false;
}

Status RemoveMicKeepAvFlags(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kRemoveMicKeepAvFlags)) return Status::Ok();
  NTLM_RETURN_IF_ERROR(Reencode(d, [](AuthenticateMessage& m) {
    m.has_mic_field = false;
    m.mic_offset = 0;
  }));
  d.notes.push_back("deviation remove-mic-keep-avflags");
  return Status::Ok();
}

Status StripAuthenticateFlagsStaleMic(AuthenticateDraft& d) {
  const uint32_t strip =
      StrippedFlags(d.policy.deviations, DeviationKind::kStripAuthenticateFlagsStaleMic);
  if (strip == 0) return Status::Ok();
  ClearFlagsOnWire(d, strip);
  d.notes.push_back("deviation strip-authenticate-flags-stale-mic: cleared " + FlagNames(strip));
  return Status::Ok();
}

// impacket ntlmrelayx --remove-mic (CVE-2019-1040).
Status RelayRemoveMic(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kRelayRemoveMic)) return Status::Ok();
  NTLM_RETURN_IF_ERROR(Reencode(d, [](AuthenticateMessage& m) {
    m.flags &= ~(kNegotiateSign | kNegotiateAlwaysSign | kNegotiateKeyExch | kNegotiateVersion);
    m.has_version = false;
    m.has_mic_field = false;
    m.mic_offset = 0;
  }));
  d.notes.push_back("deviation relay-remove-mic");
  return Status::Ok();
}

// impacket ntlmrelayx --remove-sign-seal.
Status RelayRemoveSignSeal(AuthenticateDraft& d) {
  if (!Find(d, DeviationKind::kRelayRemoveSignSeal)) return Status::Ok();
  ClearFlagsOnWire(d, kNegotiateSign | kNegotiateSeal | kNegotiateAlwaysSign | kNegotiateKeyExch);
  d.notes.push_back("deviation relay-remove-sign-seal");
  return Status::Ok();
}

// --- kSend ---------------------------------------------------------------------

Status TruncateAuthenticate(AuthenticateDraft& d) {
  const Deviation* dev = Find(d, DeviationKind::kTruncateAuthenticate);
  if (dev == nullptr) return Status::Ok();
  if (dev->length < d.out.size()) d.out.resize(dev->length);
  d.notes.push_back("deviation truncate-authenticate: " + std::to_string(d.out.size()) +
                    " bytes sent");
  return Status::Ok();
}

struct DeviationStep {
  DeviationStage stage;
  Status (*apply)(AuthenticateDraft&);
};

// Every AUTHENTICATE deviation, in the order ProcessChallenge applies them.
constexpr DeviationStep kSteps[] = {
    {DeviationStage::kFlags, StripAuthenticateFlags},
    {DeviationStage::kCredentials, WrongPassword},
    {DeviationStage::kCredentials, OtherUserHash},
    {DeviationStage::kBlobPlan, OmitMic},
    {DeviationStage::kBlobPlan, AnnounceMicToSpoil},
    {DeviationStage::kBlobPlan, WrongSpn},
    {DeviationStage::kBlobPlan, WrongChannelBindings},
    {DeviationStage::kBlobPlan, ZeroChannelBindings},
    {DeviationStage::kBlobPairs, EditBlobPairs},
    {DeviationStage::kResponses, LmOnly},
    {DeviationStage::kResponses, LmV2Only},
    {DeviationStage::kResponses, DropNtResponse},
    {DeviationStage::kSessionKey, SessionKeyLength},
    {DeviationStage::kMic, ZeroMic},
    {DeviationStage::kMic, CorruptMic},
    {DeviationStage::kWire, RemoveMicKeepAvFlags},
    {DeviationStage::kWire, StripAuthenticateFlagsStaleMic},
    {DeviationStage::kWire, RelayRemoveMic},
    {DeviationStage::kWire, RelayRemoveSignSeal},
    {DeviationStage::kSend, TruncateAuthenticate},
};

}  // namespace

const Deviation* FindDeviation(const std::vector<Deviation>& list, DeviationKind kind) {
  const Deviation* found = nullptr;
  for (const Deviation& d : list) {
    if (d.kind == kind) found = &d;  // the last one wins
  }
  return found;
}

uint32_t StrippedFlags(const std::vector<Deviation>& list, DeviationKind kind) {
  uint32_t flags = 0;
  for (const Deviation& d : list) {
    if (d.kind == kind) flags |= d.flags;
  }
  return flags;
}

uint32_t WireFlags(ByteSpan authenticate) {
  return LoadU32(authenticate, kAuthenticateFlagsOffset);
}

Status ApplyDeviations(DeviationStage stage, AuthenticateDraft& draft) {
  for (const DeviationStep& step : kSteps) {
    if (step.stage == stage) NTLM_RETURN_IF_ERROR(step.apply(draft));
  }
  return Status::Ok();
}

}  // namespace ntlm::ssp::client_draft
