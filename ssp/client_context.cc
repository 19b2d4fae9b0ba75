// client_context.cc: the NTLMSSP initiator ([MS-NLMP] 3.1.5). See client_context.h.
#include "ssp/client_context.h"

#include <algorithm>
#include <utility>

#include "crypto/md5_block.h"
#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/byte_reader.h"
#include "ssp/client_authenticate_draft.h"
#include "ssp/hex.h"
#include "ssp/keys.h"
#include "ssp/negotiate_message.h"
#include "ssp/ntlmv2_response.h"

namespace ntlm::ssp {
namespace {

using client_draft::ApplyDeviations;
using client_draft::AuthenticateDraft;
using client_draft::BlobPlan;
using client_draft::ClientResponses;
using client_draft::DeviationStage;
using client_draft::SessionKeyChoice;
using client_draft::StrippedFlags;

bool Has(uint32_t flags, uint32_t bit) { return (flags & bit) != 0; }

Error InvalidToken(std::string reason) {
  return MakeError(SecStatus::kInvalidToken, std::move(reason));
}
Error InvalidParameter(std::string reason) {
  return MakeError(SecStatus::kInvalidParameter, std::move(reason));
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

// The AUTHENTICATE's flags: NtlmMinClientSec on the server's choice, then on
// ours (3.1.5.1.2).
Result<uint32_t> ChooseFlags(uint32_t challenge_flags, const ClientPolicy& policy, bool anonymous) {
  const uint32_t min_sec = policy.min_client_sec & kMinSecKnownBits;
  if (MissingMinSecBits(min_sec, challenge_flags) != 0) {
    return MakeError(
        SecStatus::kUnsupportedFunction,
        "CHALLENGE: NtlmMinClientSec not met: " + DescribeMinSecFailure(min_sec, challenge_flags));
  }
  const uint32_t flags = ClientContext::SelectFlags(challenge_flags, policy, anonymous);
  if (MissingMinSecBits(min_sec, flags) != 0) {
    return MakeError(
        SecStatus::kUnsupportedFunction,
        "selected flags (lm_compat_level " + std::to_string(policy.lm_compat_level) +
            ") do not meet NtlmMinClientSec: " + DescribeMinSecFailure(min_sec, flags));
  }
  return flags;
}

// The blob's MIC decision (3.1.5.2.1: a MIC when the server sent a
// timestamp), target name and channel bindings (3.1.5.1.2), as configured.
BlobPlan HonestBlobPlan(const ChallengeMessage& challenge, const ClientPolicy& policy) {
  const bool has_timestamp = challenge.target_info && challenge.target_info->Timestamp();
  const bool want_mic = policy.send_mic && has_timestamp;
  return BlobPlan{want_mic, want_mic, want_mic, policy.target_name, policy.channel_bindings_md5};
}

// The NTLMv2 blob's AV pairs and time (3.1.5.2.1): the server's target info
// with MsvAvFlags, MsvAvTargetName and MsvAvChannelBindings added as planned;
// the server's MsvAvTimestamp, else the client clock.
Status BuildBlobPairs(AuthenticateDraft& d, const Clock& clock) {
  const bool has_timestamp = d.challenge.target_info && d.challenge.target_info->Timestamp();
  d.av = d.challenge.target_info ? *d.challenge.target_info : AvPairList{};
  d.timestamp = has_timestamp ? *d.av.Timestamp() : clock.Now();
  if (d.blob_plan.announce_mic) d.av.SetFlags(d.av.Flags().value_or(0) | kAvFlagMicPresent);
  if (d.blob_plan.spn) NTLM_RETURN_IF_ERROR(d.av.SetString(AvId::kTargetName, *d.blob_plan.spn));
  if (d.blob_plan.channel_bindings_md5) {
    d.av.SetChannelBindings(*d.blob_plan.channel_bindings_md5);
  }
  return Status::Ok();
}

// NTLMv2 (3.3.2): NTProofStr over the blob, LMv2 or Z(24).
Result<ClientResponses> NtlmV2Responses(const AuthenticateDraft& d) {
  NTLM_ASSIGN_OR_RETURN(crypto::Key16 response_key,
                        NtOwfV2(d.nt_hash, d.credentials.user, d.credentials.domain));
  ClientResponses out;
  out.kind = ResponseKind::kNtlmV2;
  out.ntlmv2_family = true;
  out.mic_field = d.blob_plan.mic_field;
  out.mic_correct = d.blob_plan.mic_correct;
  const Bytes temp = NtlmV2Temp(d.timestamp, d.cc, EncodeAvPairs(d.av));
  out.nt = ComputeNtlmV2Response(response_key, d.sc, temp);
  std::array<uint8_t, 16> proof;
  std::copy_n(out.nt.begin(), 16, proof.begin());
  out.session_base_key = NtlmV2SessionBaseKey(response_key, proof);
  // LMv2, or Z(24) when the server sent a timestamp (3.1.5.1.2).
  if (d.challenge.target_info && d.challenge.target_info->Timestamp()) {
    out.lm.assign(24, 0);
  } else {
    const auto lmv2 = LmV2Response(response_key, d.sc, d.cc);
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

// Responses and SessionBaseKey (3.3.1, 3.3.2), each stage followed by its
// deviations: the blob's plan and pairs (NTLMv2), then the responses.
Status ComputeResponses(AuthenticateDraft& d, bool anonymous, bool ntlmv2, const Clock& clock) {
  if (anonymous) {
    // 3.1.5.1.2: anonymous sends an empty NT response and LM = Z(1);
    // SessionBaseKey is Z(16). There is no LM field to edit.
    d.responses.lm = Bytes{0};
    d.responses.kind = ResponseKind::kAnonymous;
    return Status::Ok();
  }
  if (ntlmv2) {
    d.blob_plan = HonestBlobPlan(d.challenge, d.policy);
    NTLM_RETURN_IF_ERROR(ApplyDeviations(DeviationStage::kBlobPlan, d));
    NTLM_RETURN_IF_ERROR(BuildBlobPairs(d, clock));
    NTLM_RETURN_IF_ERROR(ApplyDeviations(DeviationStage::kBlobPairs, d));
    NTLM_ASSIGN_OR_RETURN(d.responses, NtlmV2Responses(d));
  } else {
    d.responses =
        NtlmV1Responses(d.flags, d.policy.lm_compat_level, d.nt_hash, d.lm_hash, d.sc, d.cc);
  }
  return ApplyDeviations(DeviationStage::kResponses, d);
}

// ExportedSessionKey and the EncryptedRandomSessionKey to send (3.1.5.1.2).
Result<SessionKeyChoice> ChooseSessionKey(uint32_t flags, const crypto::Key16& kxkey,
                                          const ClientPolicy& policy, RandomSource& random) {
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
  return keys;
}

// KeyExchangeKey (3.4.5.1). The anonymous logon has no password-derived key:
// its KeyExchangeKey is Z(16) whatever the flags (ESS included), as Samba's
// and gss-ntlmssp's clients and acceptors compute it and as this server does
// (docs/windows-fidelity.md, "The anonymous session key").
Result<crypto::Key16> ClientKeyExchangeKey(bool anonymous, const AuthenticateDraft& d) {
  if (anonymous) return crypto::Key16{};
  crypto::Key16 lm_owf;
  if (d.lm_hash) lm_owf = *d.lm_hash;
  return KeyExchangeKey(d.flags, d.responses.ntlmv2_family, d.responses.session_base_key,
                        d.responses.lm, lm_owf, d.sc);
}

// The AUTHENTICATE_MESSAGE (2.2.1.3) of the draft, MIC field zero.
Bytes EncodeDraft(const AuthenticateDraft& d, bool anonymous) {
  AuthenticateMessage auth;
  auth.flags = d.flags;
  auth.lm_challenge_response = d.responses.lm;
  auth.nt_challenge_response = d.responses.nt;
  if (!anonymous) {
    auth.domain = d.credentials.domain;
    auth.user = d.credentials.user;
  }
  auth.workstation = d.policy.workstation ? *d.policy.workstation : d.credentials.workstation;
  auth.encrypted_random_session_key = d.keys.encrypted;
  auth.has_version = Has(d.flags, kNegotiateVersion);
  auth.version = d.policy.version;
  auth.has_mic_field = d.responses.mic_field;
  auth.mic_offset = d.responses.mic_field ? kAuthenticateMicOffset : 0;
  return EncodeAuthenticateMessage(auth);
}

// The honest AUTHENTICATE (3.1.5.1.2), stage by stage, each stage followed by
// the policy's deviations of that stage (ssp/client_deviation_steps.cc).
Status BuildAuthenticate(AuthenticateDraft& d, const Clock& clock, RandomSource& random,
                         ByteSpan negotiate, ByteSpan challenge_bytes) {
  const bool anonymous = d.credentials.anonymous;
  const bool ntlmv2 = !anonymous && d.policy.lm_compat_level >= 3;
  // 1. The flags, checked against NtlmMinClientSec (3.1.5.1.2).
  NTLM_ASSIGN_OR_RETURN(d.flags, ChooseFlags(d.challenge.flags, d.policy, anonymous));
  NTLM_RETURN_IF_ERROR(ApplyDeviations(DeviationStage::kFlags, d));
  // 2. The hashes the responses are computed with.
  d.nt_hash = d.credentials.nt_hash;
  d.lm_hash = d.credentials.lm_hash;
  NTLM_RETURN_IF_ERROR(ApplyDeviations(DeviationStage::kCredentials, d));
  NTLM_RETURN_IF_ERROR(CheckNtlmV2OnlyDeviations(d.policy.deviations, ntlmv2));
  // LM_KEY and the LM session key need LMOWFv1 (3.4.5.1).
  if (!anonymous && !d.lm_hash && Has(d.flags, kNegotiateLmKey | kRequestNonNtSessionKey)) {
    d.notes.push_back("no LM hash: LM_KEY / REQUEST_NON_NT_SESSION_KEY not selected");
    d.flags &= ~(kNegotiateLmKey | kRequestNonNtSessionKey);
  }
  std::copy(d.challenge.server_challenge.begin(), d.challenge.server_challenge.end(), d.sc.begin());
  if (!random.Fill(MutableByteSpan(d.cc))) {
    return MakeError(SecStatus::kInternalError, "no randomness for the client challenge");
  }
  // 3. Responses and SessionBaseKey (3.3.1, 3.3.2).
  NTLM_RETURN_IF_ERROR(ComputeResponses(d, anonymous, ntlmv2, clock));
  // 4. KXKEY and the ExportedSessionKey (3.4.5.1, 3.1.5.1.2).
  NTLM_ASSIGN_OR_RETURN(const crypto::Key16 kxkey, ClientKeyExchangeKey(anonymous, d));
  NTLM_ASSIGN_OR_RETURN(d.keys, ChooseSessionKey(d.flags, kxkey, d.policy, random));
  NTLM_RETURN_IF_ERROR(ApplyDeviations(DeviationStage::kSessionKey, d));
  // 5. The AUTHENTICATE_MESSAGE (2.2.1.3).
  d.out = EncodeDraft(d, anonymous);
  // 6. The MIC over NEGOTIATE || CHALLENGE || AUTHENTICATE (3.1.5.2.1).
  d.mic_sent = false;
  if (d.responses.mic_field && d.responses.mic_correct) {
    NTLM_ASSIGN_OR_RETURN(auto mic, ComputeMic(d.keys.exported, negotiate, challenge_bytes, d.out,
                                               kAuthenticateMicOffset));
    std::copy(mic.begin(), mic.end(), d.out.begin() + kAuthenticateMicOffset);
    d.mic_sent = true;
    NTLM_RETURN_IF_ERROR(ApplyDeviations(DeviationStage::kMic, d));
  }
  // 7. Edits of the finished message: what a man in the middle does.
  return ApplyDeviations(DeviationStage::kWire, d);
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

  AuthenticateDraft draft(credentials_, policy_, *challenge_, notes_);
  const Status built =
      BuildAuthenticate(draft, clock_, random_, negotiate_bytes_, challenge_bytes_);
  response_kind_ = draft.responses.kind;
  mic_sent_ = draft.mic_sent;
  if (!built.ok()) return Fail(built.error());
  negotiated_flags_ = client_draft::WireFlags(draft.out);
  // What is sent of it.
  if (Status st = ApplyDeviations(DeviationStage::kSend, draft); !st.ok()) return Fail(st.error());

  exported_session_key_ = draft.keys.exported;
  authenticate_bytes_ = draft.out;
  notes_.push_back("AUTHENTICATE flags " + Hex32(negotiated_flags_) + " (" +
                   FlagNames(negotiated_flags_) + "), response " +
                   ResponseKindName(response_kind_) + (mic_sent_ ? ", MIC" : ", no MIC"));
  state_ = ClientState::kComplete;
  return std::move(draft.out);
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
