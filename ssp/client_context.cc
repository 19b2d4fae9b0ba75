// client_context.cc: the NTLMSSP initiator ([MS-NLMP] 3.1.5). See client_context.h.
#include "ssp/client_context.h"

#include <algorithm>
#include <utility>

#include "crypto/md5_block.h"
#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/byte_reader.h"
#include "ssp/hex.h"
#include "ssp/keys.h"
#include "ssp/negotiate_message.h"
#include "ssp/ntlmv2_response.h"

namespace ntlm::ssp {
namespace {

bool Has(uint32_t flags, uint32_t bit) { return (flags & bit) != 0; }

Error InvalidToken(std::string reason) {
  return MakeError(SecStatus::kInvalidToken, std::move(reason));
}
Error InvalidParameter(std::string reason) {
  return MakeError(SecStatus::kInvalidParameter, std::move(reason));
}

// NegotiateFlags sits after Signature, MessageType and six security buffers.
constexpr size_t kAuthenticateFlagsOffset = 60;

uint32_t LoadU32(ByteSpan b, size_t at) {
  return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
         uint32_t{b[at + 3]} << 24;
}
void StoreU32(Bytes& b, size_t at, uint32_t v) {
  for (size_t i = 0; i < 4; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// The deviations of one kind in the policy, in order.
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

bool IsNtlmV2OnlyDeviation(DeviationKind kind) {
  switch (kind) {
    case DeviationKind::kOmitMic:
    case DeviationKind::kZeroMic:
    case DeviationKind::kCorruptMic:
    case DeviationKind::kRemoveMicKeepAvFlags:
    case DeviationKind::kShiftTimestamp:
    case DeviationKind::kAlterTargetInfo:
    case DeviationKind::kDropTargetInfoPair:
    case DeviationKind::kWrongChannelBindings:
    case DeviationKind::kZeroChannelBindings:
    case DeviationKind::kWrongSpn:
      return true;
    default:
      return false;
  }
}

// ExportedSessionKey and EncryptedRandomSessionKey ([MS-NLMP] 3.1.5.1.2).
struct SessionKeyChoice {
  crypto::Key16 exported;
  Bytes encrypted;  // EncryptedRandomSessionKey on the wire (empty: none)
};

// The NTLMv2 blob's AV pairs and time (3.1.5.2.1): the server's target info
// with MsvAvFlags, MsvAvTargetName and MsvAvChannelBindings added, and the
// deviations that change them applied.
struct ClientBlob {
  AvPairList av;
  uint64_t timestamp = 0;
  bool mic_field = false;    // a MIC field will be written
  bool mic_correct = false;  // and computed (a MIC deviation may spoil it later)
};

Result<ClientBlob> BuildClientBlob(const ChallengeMessage& challenge, const ClientPolicy& policy,
                                   uint64_t now, std::vector<std::string>& notes) {
  const std::vector<Deviation>& devs = policy.deviations;
  const bool has_timestamp = challenge.target_info && challenge.target_info->Timestamp();
  AvPairList av = challenge.target_info ? *challenge.target_info : AvPairList{};
  // Time: the server's MsvAvTimestamp, else the client clock (3.1.5.2.1).
  uint64_t timestamp = has_timestamp ? *av.Timestamp() : now;
  // MIC decision (3.1.5.2.1) and the MIC deviations.
  const bool want_mic = policy.send_mic && has_timestamp;
  bool announce = want_mic;
  bool mic_field = want_mic;
  bool mic_correct = want_mic;
  if (FindDeviation(devs, DeviationKind::kOmitMic)) {
    announce = mic_field = mic_correct = false;
    notes.push_back("deviation omit-mic");
  }
  if (FindDeviation(devs, DeviationKind::kZeroMic) ||
      FindDeviation(devs, DeviationKind::kCorruptMic) ||
      FindDeviation(devs, DeviationKind::kRemoveMicKeepAvFlags)) {
    announce = true;
    mic_field = true;
    mic_correct = true;  // computed, then spoiled below
  }
  if (announce) av.SetFlags(av.Flags().value_or(0) | kAvFlagMicPresent);
  // ClientSuppliedTargetName and channel bindings (3.1.5.1.2).
  std::optional<std::string> spn = policy.target_name;
  if (const Deviation* d = FindDeviation(devs, DeviationKind::kWrongSpn)) {
    spn = d->text;
    notes.push_back("deviation wrong-spn: '" + d->text + "'");
  }
  if (spn) {
    NTLM_RETURN_IF_ERROR(av.SetString(AvId::kTargetName, *spn));
  }
  std::optional<std::array<uint8_t, 16>> cb = policy.channel_bindings_md5;
  if (FindDeviation(devs, DeviationKind::kWrongChannelBindings)) {
    if (cb) {
      (*cb)[0] ^= 0xFF;
    } else {
      static constexpr uint8_t kWrong[] = {'w', 'r', 'o', 'n', 'g'};
      cb = ChannelBindingsHash(kWrong);
    }
    notes.push_back("deviation wrong-channel-bindings");
  }
  if (FindDeviation(devs, DeviationKind::kZeroChannelBindings)) {
    cb = std::array<uint8_t, 16>{};
    notes.push_back("deviation zero-channel-bindings");
  }
  if (cb) av.SetChannelBindings(*cb);
  // Target-info deviations.
  for (const Deviation& d : devs) {
    if (d.kind == DeviationKind::kAlterTargetInfo) {
      auto it = std::find_if(av.pairs.begin(), av.pairs.end(),
                             [&](const AvPair& p) { return p.id == d.av_id; });
      if (it == av.pairs.end() || it->value.empty()) {
        return InvalidParameter("deviation alter-target-info: the blob has no non-empty " +
                                AvIdName(d.av_id));
      }
      it->value[0] ^= 0x01;
      notes.push_back("deviation alter-target-info: " + AvIdName(d.av_id));
    } else if (d.kind == DeviationKind::kDropTargetInfoPair) {
      if (av.Remove(static_cast<AvId>(d.av_id)) == 0) {
        return InvalidParameter("deviation drop-target-info-pair: the blob has no " +
                                AvIdName(d.av_id));
      }
      notes.push_back("deviation drop-target-info-pair: " + AvIdName(d.av_id));
    } else if (d.kind == DeviationKind::kShiftTimestamp) {
      const int64_t delta = d.seconds * static_cast<int64_t>(kFileTimeTicksPerSecond);
      timestamp = static_cast<uint64_t>(static_cast<int64_t>(timestamp) + delta);
      notes.push_back("deviation shift-timestamp: " + std::to_string(d.seconds) + " s");
    }
  }
  return ClientBlob{std::move(av), timestamp, mic_field, mic_correct};
}

// The deviations applied to the finished AUTHENTICATE, after its MIC: what a
// man in the middle does (remove the MIC, strip flags). Each one clears
// `mic_sent`, since the MIC no longer covers the message.
Status ApplyPostMicDeviations(const std::vector<Deviation>& devs, Bytes& out, bool& mic_sent,
                              std::vector<std::string>& notes) {
  auto reencode = [&](auto&& edit) -> Status {
    NTLM_ASSIGN_OR_RETURN(auto again, DecodeAuthenticateMessage(out));
    AuthenticateMessage m = std::move(again);
    m.layout.reset();
    edit(m);
    out = EncodeAuthenticateMessage(m);
    return Status::Ok();
  };
  if (FindDeviation(devs, DeviationKind::kRemoveMicKeepAvFlags)) {
    Status st = reencode([](AuthenticateMessage& m) {
      m.has_mic_field = false;
      m.mic_offset = 0;
    });
    if (!st.ok()) return st;
    mic_sent = false;
    notes.push_back("deviation remove-mic-keep-avflags");
  }
  if (const uint32_t strip = StrippedFlags(devs, DeviationKind::kStripAuthenticateFlagsStaleMic);
      strip != 0) {
    StoreU32(out, kAuthenticateFlagsOffset, LoadU32(out, kAuthenticateFlagsOffset) & ~strip);
    mic_sent = false;
    notes.push_back("deviation strip-authenticate-flags-stale-mic: cleared " + FlagNames(strip));
  }
  if (FindDeviation(devs, DeviationKind::kRelayRemoveMic)) {
    Status st = reencode([](AuthenticateMessage& m) {
      m.flags &= ~(kNegotiateSign | kNegotiateAlwaysSign | kNegotiateKeyExch | kNegotiateVersion);
      m.has_version = false;
      m.has_mic_field = false;
      m.mic_offset = 0;
    });
    if (!st.ok()) return st;
    mic_sent = false;
    notes.push_back("deviation relay-remove-mic");
  }
  if (FindDeviation(devs, DeviationKind::kRelayRemoveSignSeal)) {
    const uint32_t strip =
        kNegotiateSign | kNegotiateSeal | kNegotiateAlwaysSign | kNegotiateKeyExch;
    StoreU32(out, kAuthenticateFlagsOffset, LoadU32(out, kAuthenticateFlagsOffset) & ~strip);
    mic_sent = false;
    notes.push_back("deviation relay-remove-sign-seal");
  }
  return Status::Ok();
}

// ExportedSessionKey and the EncryptedRandomSessionKey to send (3.1.5.1.2),
// then the session-key-length deviation.
Result<SessionKeyChoice> ChooseSessionKey(uint32_t flags, const crypto::Key16& kxkey,
                                          const ClientPolicy& policy, RandomSource& random,
                                          std::vector<std::string>& notes) {
  SessionKeyChoice keys;
  const bool sign_or_seal = Has(flags, kNegotiateSign | kNegotiateSeal);
  if (Has(flags, kNegotiateKeyExch) &&
      (sign_or_seal || policy.key_exch_without_sign_seal == KeyExchWithoutSignSeal::kRandomKey)) {
    crypto::Key16 random_key;
    if (!random.Fill(random_key.span())) {
      return MakeError(SecStatus::kInternalError, "no randomness for the session key");
    }
    const crypto::Key16 enc = EncryptRandomSessionKey(kxkey, random_key);
    keys.encrypted.assign(enc.data(), enc.data() + 16);
    // With kRandomKey and no SIGN/SEAL the client keys on KEY_EXCH alone
    // (3.1.5.1.2 literally).
    keys.exported = random_key;
  } else if (Has(flags, kNegotiateKeyExch)) {
    // kSendKeyExchangeKey: RC4K(KXKEY, KXKEY) decrypts to KXKEY, so servers
    // that key on KEY_EXCH alone and servers that also need SIGN/SEAL agree.
    const crypto::Key16 enc = EncryptRandomSessionKey(kxkey, kxkey);
    keys.encrypted.assign(enc.data(), enc.data() + 16);
    keys.exported = kxkey;
  } else {
    keys.exported = kxkey;
  }
  if (const Deviation* d = FindDeviation(policy.deviations, DeviationKind::kSessionKeyLength)) {
    Bytes resized = keys.encrypted;
    resized.resize(d->length, 0xEE);
    keys.encrypted = std::move(resized);
    notes.push_back("deviation session-key-length: " + std::to_string(d->length) + " bytes");
  }
  return keys;
}

// The hashes the responses are computed with, changed by the wrong-password
// and other-user-hash deviations.
Status ApplyCredentialDeviations(const std::vector<Deviation>& devs, crypto::Key16& nt_hash,
                                 std::optional<crypto::Key16>& lm_hash,
                                 std::vector<std::string>& notes) {
  if (const Deviation* d = FindDeviation(devs, DeviationKind::kWrongPassword)) {
    NTLM_ASSIGN_OR_RETURN(auto nt, NtOwfV1(d->text));
    nt_hash = nt;
    lm_hash.reset();
    if (auto lm = LmOwfV1(d->text); lm.ok()) lm_hash = *lm;
    notes.push_back("deviation wrong-password");
  }
  if (const Deviation* d = FindDeviation(devs, DeviationKind::kOtherUserHash)) {
    if (d->nt_hash) {
      nt_hash = *d->nt_hash;
      lm_hash.reset();
    } else {
      NTLM_ASSIGN_OR_RETURN(auto nt, NtOwfV1(d->text));
      nt_hash = nt;
      lm_hash.reset();
      if (auto lm = LmOwfV1(d->text); lm.ok()) lm_hash = *lm;
    }
    notes.push_back("deviation other-user-hash");
  }
  return Status::Ok();
}

// The LM/NT responses, SessionBaseKey and MIC decision of one AUTHENTICATE.
struct ClientResponses {
  Bytes lm;
  Bytes nt;
  crypto::Key16 session_base_key;
  ResponseKind kind = ResponseKind::kNtlmV2;
  // NTLMv2 and LMv2: KeyExchangeKey is the SessionBaseKey (3.4.5.1).
  bool ntlmv2_family = false;
  bool mic_field = false;
  bool mic_correct = false;
};

// NTLMv2 (3.3.2): NTProofStr over the blob, LMv2 or Z(24).
Result<ClientResponses> NtlmV2Responses(const ChallengeMessage& challenge,
                                        const ClientPolicy& policy,
                                        const ClientCredentials& credentials,
                                        const crypto::Key16& nt_hash, const Challenge8& sc,
                                        const Challenge8& cc, uint64_t now,
                                        std::vector<std::string>& notes) {
  NTLM_ASSIGN_OR_RETURN(ClientBlob blob, BuildClientBlob(challenge, policy, now, notes));
  NTLM_ASSIGN_OR_RETURN(crypto::Key16 response_key,
                        NtOwfV2(nt_hash, credentials.user, credentials.domain));
  ClientResponses out;
  out.kind = ResponseKind::kNtlmV2;
  out.ntlmv2_family = true;
  out.mic_field = blob.mic_field;
  out.mic_correct = blob.mic_correct;
  const Bytes temp = NtlmV2Temp(blob.timestamp, cc, EncodeAvPairs(blob.av));
  out.nt = ComputeNtlmV2Response(response_key, sc, temp);
  std::array<uint8_t, 16> proof;
  std::copy_n(out.nt.begin(), 16, proof.begin());
  out.session_base_key = NtlmV2SessionBaseKey(response_key, proof);
  // LMv2, or Z(24) when the server sent a timestamp (3.1.5.1.2).
  if (challenge.target_info && challenge.target_info->Timestamp()) {
    out.lm.assign(24, 0);
  } else {
    const auto lmv2 = LmV2Response(response_key, sc, cc);
    out.lm.assign(lmv2.begin(), lmv2.end());
  }
  return out;
}

// NTLMv1 (3.3.1), with ESS (LM = CC || Z(16)) or without (LM response, or
// the NT response again from level 2 on: NoLMResponseNTLMv1, 3.1.1.1).
ClientResponses NtlmV1Responses(uint32_t flags, int lm_compat_level, const crypto::Key16& nt_hash,
                                const std::optional<crypto::Key16>& lm_hash, const Challenge8& sc,
                                const Challenge8& cc) {
  ClientResponses out;
  if (Has(flags, kNegotiateEss)) {
    const auto nt = NtlmV1EssResponse(nt_hash, sc, cc);
    const auto lm = LmV1EssResponse(cc);
    out.nt.assign(nt.begin(), nt.end());
    out.lm.assign(lm.begin(), lm.end());
    out.kind = ResponseKind::kNtlmV1Ess;
  } else {
    const auto nt = NtlmV1Response(nt_hash, sc);
    out.nt.assign(nt.begin(), nt.end());
    if (lm_compat_level >= 2 || !lm_hash) {
      out.lm = out.nt;
    } else {
      const auto lm = LmV1Response(*lm_hash, sc);
      out.lm.assign(lm.begin(), lm.end());
    }
    out.kind = ResponseKind::kNtlmV1;
  }
  out.session_base_key = NtlmV1SessionBaseKey(nt_hash);
  return out;
}

// The deviations that leave an LM field alone (NtChallengeResponse empty):
// lm-only (LM, 3.3.1), lmv2-only (LMv2, 3.3.2) with the keys the server
// derives from them (ssp/response_verifier.cc), and drop-nt-response (the
// responses and keys as computed, the NT response dropped).
Status ApplyResponseDeviations(const std::vector<Deviation>& devs,
                               const ClientCredentials& credentials, const crypto::Key16& nt_hash,
                               const std::optional<crypto::Key16>& lm_hash, const Challenge8& sc,
                               const Challenge8& cc, ClientResponses& r,
                               std::vector<std::string>& notes) {
  if (FindDeviation(devs, DeviationKind::kLmOnly)) {
    if (!lm_hash) {
      return InvalidParameter(
          "deviation lm-only needs an LM hash (a password of at most 14 characters)");
    }
    const auto lm = LmV1Response(*lm_hash, sc);
    r.lm.assign(lm.begin(), lm.end());
    r.session_base_key = NtlmV1SessionBaseKey(nt_hash);
    r.ntlmv2_family = false;
    notes.push_back("deviation lm-only: LM response, no NT response");
  } else if (FindDeviation(devs, DeviationKind::kLmV2Only)) {
    NTLM_ASSIGN_OR_RETURN(crypto::Key16 key,
                          NtOwfV2(nt_hash, credentials.user, credentials.domain));
    const auto lmv2 = LmV2Response(key, sc, cc);
    r.lm.assign(lmv2.begin(), lmv2.end());
    std::array<uint8_t, 16> proof;
    std::copy_n(lmv2.begin(), 16, proof.begin());
    r.session_base_key = NtlmV2SessionBaseKey(key, proof);
    r.ntlmv2_family = true;
    notes.push_back("deviation lmv2-only: LMv2 response, no NT response");
  } else if (FindDeviation(devs, DeviationKind::kDropNtResponse)) {
    notes.push_back("deviation drop-nt-response: NT response dropped");
  } else {
    return Status::Ok();
  }
  r.nt.clear();
  r.kind = ResponseKind::kLm;
  r.mic_field = r.mic_field && FindDeviation(devs, DeviationKind::kDropNtResponse) != nullptr;
  return Status::Ok();
}

// The MIC written into `out` at offset 72, then the zero-mic / corrupt-mic
// deviations. Returns whether a correct MIC went out.
Result<bool> WriteMic(const crypto::Key16& exported, ByteSpan negotiate, ByteSpan challenge,
                      const std::vector<Deviation>& devs, Bytes& out,
                      std::vector<std::string>& notes) {
  NTLM_ASSIGN_OR_RETURN(auto mic,
                        ComputeMic(exported, negotiate, challenge, out, kAuthenticateMicOffset));
  std::copy(mic.begin(), mic.end(), out.begin() + kAuthenticateMicOffset);
  bool sent = true;
  if (FindDeviation(devs, DeviationKind::kZeroMic)) {
    std::fill_n(out.begin() + kAuthenticateMicOffset, kMicSize, uint8_t{0});
    sent = false;
    notes.push_back("deviation zero-mic");
  }
  if (FindDeviation(devs, DeviationKind::kCorruptMic)) {
    out[kAuthenticateMicOffset] ^= 0x80;
    sent = false;
    notes.push_back("deviation corrupt-mic");
  }
  return sent;
}

// KeyExchangeKey (3.4.5.1). The anonymous logon has no password-derived key:
// its KeyExchangeKey is Z(16) whatever the flags (ESS included), as Samba's
// and gss-ntlmssp's clients and acceptors compute it and as this server does
// (docs/windows-fidelity.md, "The anonymous session key").
Result<crypto::Key16> ClientKeyExchangeKey(bool anonymous, uint32_t flags, bool ntlmv2,
                                           const crypto::Key16& session_base_key,
                                           const Bytes& lm_response, const crypto::Key16& lm_owf,
                                           const Challenge8& sc) {
  if (anonymous) return crypto::Key16{};
  return KeyExchangeKey(flags, ntlmv2, session_base_key, lm_response, lm_owf, sc);
}

// The AUTHENTICATE's flags: NtlmMinClientSec on the server's choice, then on
// ours (3.1.5.1.2), then the strip-authenticate-flags deviation (keys and MIC
// follow the stripped flags).
Result<uint32_t> ChooseFlags(uint32_t challenge_flags, const ClientPolicy& policy, bool anonymous,
                             std::vector<std::string>& notes) {
  const std::vector<Deviation>& devs = policy.deviations;
  const uint32_t min_sec = policy.min_client_sec & kMinSecKnownBits;
  if (MissingMinSecBits(min_sec, challenge_flags) != 0) {
    return MakeError(
        SecStatus::kUnsupportedFunction,
        "CHALLENGE: NtlmMinClientSec not met: " + DescribeMinSecFailure(min_sec, challenge_flags));
  }
  uint32_t flags = ClientContext::SelectFlags(challenge_flags, policy, anonymous);
  if (MissingMinSecBits(min_sec, flags) != 0) {
    return MakeError(
        SecStatus::kUnsupportedFunction,
        "selected flags (lm_compat_level " + std::to_string(policy.lm_compat_level) +
            ") do not meet NtlmMinClientSec: " + DescribeMinSecFailure(min_sec, flags));
  }
  // Deviation: select fewer flags, consistently (keys and MIC follow).
  if (const uint32_t strip = StrippedFlags(devs, DeviationKind::kStripAuthenticateFlags);
      strip != 0) {
    flags &= ~strip;
    notes.push_back("deviation strip-authenticate-flags: cleared " + FlagNames(strip));
  }
  return flags;
}

// Deviations that edit the NTLMv2 blob need an NTLMv2 response.
Status CheckNtlmV2OnlyDeviations(const std::vector<Deviation>& devs, bool ntlmv2) {
  if (ntlmv2) return Status::Ok();
  for (const Deviation& d : devs) {
    if (IsNtlmV2OnlyDeviation(d.kind)) {
      return InvalidParameter("deviation " + std::string(DeviationName(d.kind)) +
                              " needs an NTLMv2 response (lm_compat_level >= 3)");
    }
  }
  return Status::Ok();
}

}  // namespace

// --- Credentials ------------------------------------------------------------

Result<ClientCredentials> ClientCredentials::FromPassword(std::string_view user,
                                                          std::string_view domain,
                                                          std::string_view password,
                                                          std::string_view workstation) {
  NTLM_ASSIGN_OR_RETURN(auto nt, NtOwfV1(password));
  ClientCredentials c;
  c.user = std::string(user);
  c.domain = std::string(domain);
  c.workstation = std::string(workstation);
  c.nt_hash = std::move(nt);
  if (auto lm = LmOwfV1(password); lm.ok()) c.lm_hash = std::move(*lm);
  return c;
}

ClientCredentials ClientCredentials::FromNtHash(std::string_view user, std::string_view domain,
                                                const crypto::Key16& nt_hash,
                                                std::string_view workstation) {
  ClientCredentials c;
  c.user = std::string(user);
  c.domain = std::string(domain);
  c.workstation = std::string(workstation);
  c.nt_hash = nt_hash;
  return c;
}

Result<ClientCredentials> ClientCredentials::FromNtHashHex(std::string_view user,
                                                           std::string_view domain,
                                                           std::string_view nt_hash_hex,
                                                           std::string_view workstation) {
  crypto::Key16 hash;
  if (!ParseKey16Hex(nt_hash_hex, hash)) {
    return InvalidParameter("NT hash for '" + std::string(user) + "' must be 32 hex digits");
  }
  return FromNtHash(user, domain, hash, workstation);
}

ClientCredentials ClientCredentials::Anonymous(std::string_view workstation) {
  ClientCredentials c;
  c.workstation = std::string(workstation);
  c.anonymous = true;
  return c;
}

std::array<uint8_t, 16> ChannelBindingsHash(ByteSpan application_data) {
  // gss_channel_bindings_struct flattened as RFC 4121 4.1.1.2 hashes it:
  // initiator_addrtype, initiator_address length, acceptor_addrtype,
  // acceptor_address length (all 0, no address bytes), then the
  // application_data length and bytes; every integer 32-bit little-endian.
  Bytes flat(16, 0);
  const uint32_t len = static_cast<uint32_t>(application_data.size());
  for (int i = 0; i < 4; ++i) flat.push_back(static_cast<uint8_t>(len >> (8 * i)));
  flat.insert(flat.end(), application_data.begin(), application_data.end());
  std::array<uint8_t, 16> out{};
  crypto::Md5Stream md5;
  md5.Reset();
  md5.Update(flat.data(), flat.size());
  md5.Final(out.data());
  md5.Wipe();
  return out;
}

const char* ClientStateName(ClientState state) {
  switch (state) {
    case ClientState::kInitial:
      return "initial";
    case ClientState::kAwaitChallenge:
      return "await-challenge";
    case ClientState::kComplete:
      return "complete";
    case ClientState::kFailed:
      return "failed";
  }
  return "unknown";
}

// --- Flags --------------------------------------------------------------------

uint32_t ClientContext::NegotiateFlagsFor(const ClientPolicy& policy, bool names_supplied) {
  uint32_t flags = policy.requested_flags | (policy.min_client_sec & kMinSecKnownBits);
  // Level 0 sends LM and NTLMv1 responses and never uses ESS.
  if (policy.lm_compat_level <= 0) flags &= ~kNegotiateEss;
  if (names_supplied) {
    flags |= kNegotiateOemDomainSupplied | kNegotiateOemWorkstationSupplied;
  } else {
    flags &= ~(kNegotiateOemDomainSupplied | kNegotiateOemWorkstationSupplied);
  }
  return flags;
}

uint32_t ClientContext::SelectFlags(uint32_t challenge_flags, const ClientPolicy& policy,
                                    bool anonymous) {
  // What this client can do: what it asked for, plus the bits a server
  // answers with on its own (NTLM, TARGET_INFO), 2.2.2.5.
  const uint32_t capable =
      NegotiateFlagsFor(policy) | kNegotiateNtlm | kNegotiateTargetInfo | kNegotiateUnicode;
  uint32_t flags = challenge_flags & capable;
  // Bits that describe the CHALLENGE or the NEGOTIATE only.
  flags &= ~(kTargetTypeDomain | kTargetTypeServer | kNegotiateOemDomainSupplied |
             kNegotiateOemWorkstationSupplied | kRequestTarget | kNegotiateAnonymous);
  // One character set: UNICODE when granted, else OEM (2.2.2.5 A, B).
  if (Has(flags, kNegotiateUnicode)) {
    flags &= ~kNegotiateOem;
  } else {
    flags |= kNegotiateOem;
  }
  // The 4.2.4.3 example shows Windows keeping its own REQUEST_TARGET.
  flags |= policy.requested_flags & kRequestTarget;
  // ESS and LM_KEY are mutually exclusive; ESS wins (2.2.2.5 G, P).
  if (Has(flags, kNegotiateEss)) flags &= ~kNegotiateLmKey;
  if (policy.lm_compat_level >= 3) {
    // NTLMv2: LM_KEY and the LM session key do not apply (3.4.5.1).
    flags &= ~(kNegotiateLmKey | kRequestNonNtSessionKey);
  }
  if (Has(flags, kNegotiateKeyExch) && !Has(flags, kNegotiateSign | kNegotiateSeal) &&
      policy.key_exch_without_sign_seal == KeyExchWithoutSignSeal::kClearFlag) {
    flags &= ~kNegotiateKeyExch;
  }
  if (anonymous) flags |= kNegotiateAnonymous;
  return flags;
}

// --- Context ----------------------------------------------------------------

ClientContext::ClientContext(ClientCredentials credentials, ClientPolicy policy, const Clock& clock,
                             RandomSource& random)
    : credentials_(std::move(credentials)),
      policy_(std::move(policy)),
      clock_(clock),
      random_(random) {}

Error ClientContext::Fail(Error error) {
  state_ = ClientState::kFailed;
  notes_.push_back("failed: " + StatusName(error.status) + ": " + error.reason);
  return error;
}

Result<Bytes> ClientContext::CreateNegotiate() {
  if (state_ != ClientState::kInitial) {
    return Fail(
        InvalidToken(std::string("NEGOTIATE requested in state ") + ClientStateName(state_)));
  }
  if (policy_.lm_compat_level < 0 || policy_.lm_compat_level > 5) {
    return Fail(InvalidParameter("lm_compat_level " + std::to_string(policy_.lm_compat_level) +
                                 " is outside 0..5"));
  }
  const std::string& workstation =
      policy_.workstation ? *policy_.workstation : credentials_.workstation;
  const bool names =
      policy_.negotiate_names && !(credentials_.domain.empty() && workstation.empty());
  NegotiateMessage msg;
  msg.flags = NegotiateFlagsFor(policy_, names);
  if (const uint32_t strip = StrippedFlags(policy_.deviations, DeviationKind::kStripNegotiateFlags);
      strip != 0) {
    msg.flags &= ~strip;
    notes_.push_back("deviation strip-negotiate-flags: cleared " + FlagNames(strip));
  }
  if (names) {
    msg.domain = credentials_.domain;
    msg.workstation = workstation;
  }
  msg.has_version = Has(msg.flags, kNegotiateVersion);
  msg.version = policy_.version;
  negotiate_bytes_ = EncodeNegotiateMessage(msg);
  notes_.push_back("NEGOTIATE flags " + Hex32(msg.flags) + " (" + FlagNames(msg.flags) + ")");
  state_ = ClientState::kAwaitChallenge;
  return negotiate_bytes_;
}

Result<Bytes> ClientContext::Step(ByteSpan token) {
  if (state_ == ClientState::kInitial && token.empty()) return CreateNegotiate();
  if (state_ == ClientState::kAwaitChallenge) return ProcessChallenge(token);
  return Fail(InvalidToken(std::string("unexpected token in state ") + ClientStateName(state_)));
}

Result<Bytes> ClientContext::ProcessChallenge(ByteSpan token) {
  if (state_ != ClientState::kAwaitChallenge) {
    return Fail(
        InvalidToken(std::string("CHALLENGE received in state ") + ClientStateName(state_)));
  }
  auto decoded = DecodeChallengeMessage(token);
  if (!decoded.ok()) return Fail(decoded.error());
  challenge_bytes_.assign(token.begin(), token.end());
  challenge_ = std::move(*decoded);
  const ChallengeMessage& challenge = *challenge_;
  const std::vector<Deviation>& devs = policy_.deviations;
  const bool anonymous = credentials_.anonymous;
  const bool ntlmv2 = !anonymous && policy_.lm_compat_level >= 3;

  // 1. The flags, checked against NtlmMinClientSec (3.1.5.1.2).
  auto chosen_flags = ChooseFlags(challenge.flags, policy_, anonymous, notes_);
  if (!chosen_flags.ok()) return Fail(chosen_flags.error());
  uint32_t flags = *chosen_flags;

  // 2. The keys the responses are computed with (possibly deviating).
  crypto::Key16 nt_hash = credentials_.nt_hash;
  std::optional<crypto::Key16> lm_hash = credentials_.lm_hash;
  if (Status st = ApplyCredentialDeviations(devs, nt_hash, lm_hash, notes_); !st.ok()) {
    return Fail(st.error());
  }
  if (Status st = CheckNtlmV2OnlyDeviations(devs, ntlmv2); !st.ok()) return Fail(st.error());
  // LM_KEY and the LM session key need LMOWFv1 (3.4.5.1).
  if (!anonymous && !lm_hash && Has(flags, kNegotiateLmKey | kRequestNonNtSessionKey)) {
    notes_.push_back("no LM hash: LM_KEY / REQUEST_NON_NT_SESSION_KEY not selected");
    flags &= ~(kNegotiateLmKey | kRequestNonNtSessionKey);
  }

  Challenge8 sc;
  std::copy(challenge.server_challenge.begin(), challenge.server_challenge.end(), sc.begin());
  Challenge8 cc;
  if (!random_.Fill(MutableByteSpan(cc))) {
    return Fail(MakeError(SecStatus::kInternalError, "no randomness for the client challenge"));
  }

  // 3. Responses and SessionBaseKey (3.3.1, 3.3.2).
  ClientResponses responses;
  if (anonymous) {
    // 3.1.5.1.2: anonymous sends an empty NT response and LM = Z(1);
    // SessionBaseKey is Z(16).
    responses.lm = Bytes{0};
    responses.kind = ResponseKind::kAnonymous;
  } else if (ntlmv2) {
    auto v2 =
        NtlmV2Responses(challenge, policy_, credentials_, nt_hash, sc, cc, clock_.Now(), notes_);
    if (!v2.ok()) return Fail(v2.error());
    responses = std::move(*v2);
  } else {
    responses = NtlmV1Responses(flags, policy_.lm_compat_level, nt_hash, lm_hash, sc, cc);
  }
  // Deviations: an LM field alone (the anonymous logon has none to edit).
  if (Status st = anonymous ? Status::Ok()
                            : ApplyResponseDeviations(devs, credentials_, nt_hash, lm_hash, sc, cc,
                                                      responses, notes_);
      !st.ok()) {
    return Fail(st.error());
  }
  response_kind_ = responses.kind;
  Bytes& lm_response = responses.lm;
  Bytes& nt_response = responses.nt;
  crypto::Key16 lm_owf;
  if (lm_hash) lm_owf = *lm_hash;

  // 4. KXKEY and the ExportedSessionKey (3.4.5.1, 3.1.5.1.2).
  auto kxkey = ClientKeyExchangeKey(anonymous, flags, responses.ntlmv2_family,
                                    responses.session_base_key, lm_response, lm_owf, sc);
  if (!kxkey.ok()) return Fail(kxkey.error());
  auto chosen = ChooseSessionKey(flags, *kxkey, policy_, random_, notes_);
  if (!chosen.ok()) return Fail(chosen.error());
  const SessionKeyChoice& keys = *chosen;

  // 5. The AUTHENTICATE_MESSAGE (2.2.1.3).
  AuthenticateMessage auth;
  auth.flags = flags;
  auth.lm_challenge_response = std::move(lm_response);
  auth.nt_challenge_response = std::move(nt_response);
  if (!anonymous) {
    auth.domain = credentials_.domain;
    auth.user = credentials_.user;
  }
  auth.workstation = policy_.workstation ? *policy_.workstation : credentials_.workstation;
  auth.encrypted_random_session_key = keys.encrypted;
  auth.has_version = Has(flags, kNegotiateVersion);
  auth.version = policy_.version;
  auth.has_mic_field = responses.mic_field;
  auth.mic_offset = responses.mic_field ? kAuthenticateMicOffset : 0;
  Bytes out = EncodeAuthenticateMessage(auth);

  // 6. The MIC over NEGOTIATE || CHALLENGE || AUTHENTICATE (3.1.5.2.1).
  mic_sent_ = false;
  if (responses.mic_field && responses.mic_correct) {
    auto sent = WriteMic(keys.exported, negotiate_bytes_, challenge_bytes_, devs, out, notes_);
    if (!sent.ok()) return Fail(sent.error());
    mic_sent_ = *sent;
  }

  // 7. Edits after the MIC: what a man in the middle does.
  if (Status st = ApplyPostMicDeviations(devs, out, mic_sent_, notes_); !st.ok()) {
    return Fail(st.error());
  }
  negotiated_flags_ = LoadU32(out, kAuthenticateFlagsOffset);
  if (const Deviation* d = FindDeviation(devs, DeviationKind::kTruncateAuthenticate)) {
    if (d->length < out.size()) out.resize(d->length);
    notes_.push_back("deviation truncate-authenticate: " + std::to_string(out.size()) +
                     " bytes sent");
  }

  exported_session_key_ = keys.exported;
  authenticate_bytes_ = out;
  notes_.push_back("AUTHENTICATE flags " + Hex32(negotiated_flags_) + " (" +
                   FlagNames(negotiated_flags_) + "), response " +
                   ResponseKindName(response_kind_) + (mic_sent_ ? ", MIC" : ", no MIC"));
  state_ = ClientState::kComplete;
  return out;
}

Result<SessionSecurity> ClientContext::CreateSessionSecurity(
    SessionSecurity::Options options) const {
  if (state_ != ClientState::kComplete) {
    return MakeError(SecStatus::kInvalidParameter,
                     std::string("session security requested in state ") + ClientStateName(state_));
  }
  return SessionSecurity(negotiated_flags_, exported_session_key_, /*is_server=*/false, options);
}

}  // namespace ntlm::ssp
