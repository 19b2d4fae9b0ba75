#include "ssp/server_context.h"

#include <algorithm>
#include <array>
#include <utility>

#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/keys.h"
#include "ssp/negotiate_message.h"
#include "ssp/ntlmv2_response.h"
#include "ssp/response_verifier.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

bool Has(uint32_t flags, uint32_t bit) { return (flags & bit) != 0; }

Error OutOfOrder(std::string reason) {
  return MakeError(SecStatus::kInvalidToken, Refusal::kOutOfOrder, std::move(reason));
}

// The log event kind of a refusal.
const char* EventKind(const Error& error) {
  if (error.refusal == Refusal::kOutOfOrder) return "protocol_error";
  switch (error.status) {
    case SecStatus::kInvalidToken:
      return "invalid_token";
    case SecStatus::kUnsupportedFunction:
      return "policy_refused";
    case SecStatus::kLogonDenied:
      return "logon_denied";
    case SecStatus::kTimeSkew:
      return "time_skew";
    case SecStatus::kBadBindings:
      return "bad_bindings";
    default:
      return "internal_error";
  }
}

// Server challenge and timestamp live in the CHALLENGE we sent or adopted.
Challenge8 ServerChallengeOf(const ChallengeMessage& challenge) {
  Challenge8 sc;
  std::copy(challenge.server_challenge.begin(), challenge.server_challenge.end(), sc.begin());
  return sc;
}

uint64_t AbsDiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

}  // namespace

// Every AV pair the server sent must come back unchanged, except MsvAvEOL
// and MsvAvFlags, which the client rewrites with its own bits (a CHALLENGE
// that carries MsvAvFlags is answered with the MIC bit added).
std::optional<std::string> TargetInfoEchoMismatch(const AvPairList& sent,
                                                  const AvPairList& echoed) {
  for (const auto& pair : sent.pairs) {
    if (pair.id == static_cast<uint16_t>(AvId::kEol) ||
        pair.id == static_cast<uint16_t>(AvId::kFlags)) {
      continue;
    }
    const AvPair* back = echoed.Find(static_cast<AvId>(pair.id));
    if (back == nullptr) return AvIdName(pair.id) + " missing";
    if (back->value != pair.value) return AvIdName(pair.id) + " differs";
  }
  return std::nullopt;
}

const char* ServerStateName(ServerState state) {
  switch (state) {
    case ServerState::kAwaitNegotiate:
      return "await-negotiate";
    case ServerState::kAwaitAuthenticate:
      return "await-authenticate";
    case ServerState::kAuthenticated:
      return "authenticated";
    case ServerState::kFailed:
      return "failed";
  }
  return "unknown";
}

ServerContext::ServerContext(ServerIdentity identity, ServerPolicy policy,
                             const CredentialStore& credentials, const Clock& clock,
                             RandomSource& random)
    : identity_(std::move(identity)),
      policy_(std::move(policy)),
      credentials_(credentials),
      clock_(clock),
      random_(random) {}

Error ServerContext::Fail(Error error) {
  // A codec's parse error is a malformed token; anything else unnamed, internal.
  if (error.refusal == Refusal::kNone) {
    error.refusal =
        error.status == SecStatus::kInvalidToken ? Refusal::kMalformedToken : Refusal::kInternal;
  }
  state_ = ServerState::kFailed;
  events_.push_back(LogEvent{EventKind(error), StatusName(error.status) + ": " + error.reason});
  return error;
}

uint32_t ServerContext::NegotiateResponseFlags(uint32_t client, const ServerPolicy& policy) {
  uint32_t flags = kNegotiateNtlm | kNegotiateTargetInfo | kNegotiateVersion;
  // Character set: UNICODE wins when both are offered (2.2.2.5 A/B).
  if (Has(client, kNegotiateUnicode)) {
    flags |= kNegotiateUnicode;
  } else {
    flags |= kNegotiateOem;
  }
  if (Has(client, kRequestTarget)) flags |= kRequestTarget;
  flags |= client & (kNegotiateSign | kNegotiateSeal | kNegotiateAlwaysSign);
  if (Has(client, kNegotiateEss)) {
    // ESS and LM_KEY are mutually exclusive; ESS wins (2.2.2.5 G, P).
    flags |= kNegotiateEss;
  } else {
    if (Has(client, kNegotiateLmKey) && policy.offer_lm_key && policy.lm_compat_level <= 2) {
      flags |= kNegotiateLmKey;
    }
    if (Has(client, kRequestNonNtSessionKey) && policy.lm_compat_level <= 2) {
      flags |= kRequestNonNtSessionKey;
    }
  }
  // 128/56 are returned whenever the client asked for them and the server
  // offers them. 2.2.2.5 U and W make this a MUST when SIGN or SEAL is also
  // asked for and are silent otherwise; Windows (IIS answers the HTTP
  // NEGOTIATE 0xa2088207 with 128 and 56), Samba and gss-ntlmssp echo them
  // without SIGN/SEAL too, so an authentication-only client that asks for
  // 128 meets a 0x20000000 minimum, as it does against Windows.
  if (Has(client, kNegotiate128) && policy.offer_128bit) flags |= kNegotiate128;
  if (Has(client, kNegotiate56) && policy.offer_56bit) flags |= kNegotiate56;
  // KEY_EXCH likewise only with SIGN or SEAL (2.2.2.5 V): without them the
  // EncryptedRandomSessionKey is not used (3.2.5.1.2), and peers disagree on
  // what the key then is, so the server does not grant it.
  if (KeyExchangeInEffect(client) && policy.offer_key_exchange) {
    flags |= kNegotiateKeyExch;
  }
  return flags;
}

Result<Bytes> ServerContext::AcceptNegotiate(ByteSpan token) {
  if (state_ != ServerState::kAwaitNegotiate) {
    return Fail(OutOfOrder(std::string("NEGOTIATE received in state ") + ServerStateName(state_)));
  }
  auto negotiate = DecodeNegotiateMessage(token);
  if (!negotiate.ok()) return Fail(negotiate.error());
  events_.push_back(LogEvent{"negotiate", "client flags " + Hex32(negotiate->flags) + " (" +
                                              FlagNames(negotiate->flags) + ")"});
  for (const auto& reason : negotiate->ignored_fields) {
    events_.push_back(LogEvent{"negotiate", "ignored: " + reason});
  }

  const uint32_t flags = NegotiateResponseFlags(negotiate->flags, policy_);
  if (uint32_t missing = MissingMinSecBits(policy_.min_server_sec, flags); missing != 0) {
    return Fail(MakeError(SecStatus::kUnsupportedFunction, Refusal::kMinServerSec,
                          "NEGOTIATE: " + DescribeMinSecFailure(policy_.min_server_sec, flags)));
  }

  ChallengeMessage challenge;
  challenge.flags = flags | (identity_.domain_member ? kTargetTypeDomain : kTargetTypeServer);
  challenge.target_name =
      identity_.domain_member ? identity_.nb_domain_name : identity_.nb_computer_name;
  if (!random_.Fill(MutableByteSpan(challenge.server_challenge))) {
    return Fail(MakeError(SecStatus::kInternalError, "no randomness for the server challenge"));
  }
  AvPairList info;
  auto add = [&](AvId id, const std::string& value) -> Status {
    if (value.empty()) return Status::Ok();
    return info.SetString(id, value);
  };
  Status st = add(AvId::kNbDomainName,
                  identity_.domain_member ? identity_.nb_domain_name : identity_.nb_computer_name);
  if (st.ok()) st = add(AvId::kNbComputerName, identity_.nb_computer_name);
  if (st.ok()) {
    st = add(AvId::kDnsDomainName,
             identity_.domain_member ? identity_.dns_domain_name : identity_.dns_computer_name);
  }
  if (st.ok()) st = add(AvId::kDnsComputerName, identity_.dns_computer_name);
  if (st.ok() && identity_.domain_member) st = add(AvId::kDnsTreeName, identity_.dns_tree_name);
  if (!st.ok()) return Fail(MakeError(SecStatus::kInternalError, st.error().reason));
  info.SetTimestamp(clock_.Now());
  info.pairs.push_back(AvPair{static_cast<uint16_t>(AvId::kEol), {}});
  challenge.target_info = std::move(info);
  challenge.has_version = true;
  challenge.version = identity_.version;

  Bytes out = EncodeChallengeMessage(challenge);
  negotiate_bytes_.assign(token.begin(), token.end());
  challenge_bytes_ = out;
  challenge_ = std::move(challenge);
  state_ = ServerState::kAwaitAuthenticate;
  events_.push_back(LogEvent{"challenge", "flags " + Hex32(challenge_->flags)});
  return out;
}

Status ServerContext::AdoptChallenge(ByteSpan token) {
  if (state_ != ServerState::kAwaitAuthenticate) {
    return Fail(OutOfOrder(std::string("CHALLENGE adopted in state ") + ServerStateName(state_)));
  }
  auto challenge = DecodeChallengeMessage(token);
  if (!challenge.ok()) return Fail(challenge.error());
  challenge_bytes_.assign(token.begin(), token.end());
  challenge_ = std::move(*challenge);
  events_.push_back(
      LogEvent{"challenge", "adopted recorded CHALLENGE, flags " + Hex32(challenge_->flags)});
  return Status::Ok();
}

// The state one AUTHENTICATE carries through the stages.
struct ServerContext::AuthState {
  ByteSpan token;
  AuthenticateMessage auth;
  ClassifiedResponses responses;
  Challenge8 server_challenge{};
  VerifiedResponse verified;  // zero keys for the anonymous logon
  crypto::Key16 exported;
  // The client's AV pairs (a pointer into `responses`, not a copy).
  const AvPairList* client_info = nullptr;
  ServerResult result;
};

Result<ServerResult> ServerContext::AcceptAuthenticate(ByteSpan token) {
  AuthState s;
  s.token = token;
  Status status = DoClassify(s);
  if (status.ok()) status = DoPolicy(s);
#ifndef NTLM_BENCH_PASSTHROUGH_FLOOR
  if (status.ok()) status = DoVerifyResponse(s);
  if (status.ok()) status = DoClock(s);
  if (status.ok()) status = DoKeys(s);
  if (status.ok()) status = DoMicAndEcho(s);
  if (status.ok()) status = DoExtendedProtection(s);
#else
  // The benchmark floor (bench/floor/, never linked into ntlmssp-harness):
  // any well-formed AUTHENTICATE is accepted without verification, keys
  // (the exported session key stays zero), MIC or channel bindings.
  if (status.ok()) s.result.exported_session_key = crypto::Key16{};
#endif
  if (!status.ok()) return Fail(status.error());
  const ServerResult& result = s.result;
  events_.push_back(LogEvent{"logon", "user " + result.QualifiedUser() + " workstation '" +
                                          result.workstation + "' response " +
                                          ResponseKindName(result.kind) + " flags " +
                                          Hex32(result.negotiated_flags) +
                                          (result.mic_verified ? " mic verified" : " no mic")});
  state_ = ServerState::kAuthenticated;
  result_ = s.result;
  return std::move(s.result);
}

// Stage 1, classify: order, parse, what the responses are, key length.
Status ServerContext::DoClassify(AuthState& s) {
  if (state_ != ServerState::kAwaitAuthenticate || !challenge_) {
    return OutOfOrder(std::string("AUTHENTICATE received in state ") + ServerStateName(state_));
  }
  NTLM_ASSIGN_OR_RETURN(s.auth, DecodeAuthenticateMessage(s.token));
  NTLM_ASSIGN_OR_RETURN(s.responses, ClassifyResponses(s.auth));
  if (KeyExchangeInEffect(s.auth.flags) && s.auth.encrypted_random_session_key.size() != 16) {
    return MakeError(SecStatus::kInvalidToken, Refusal::kMalformedToken,
                     "AUTHENTICATE: EncryptedRandomSessionKey is " +
                         std::to_string(s.auth.encrypted_random_session_key.size()) +
                         " bytes, expected 16 with KEY_EXCH and SIGN/SEAL");
  }
  s.server_challenge = ServerChallengeOf(*challenge_);
  if (s.responses.v2 && s.responses.v2->client.av_pairs) {
    s.client_info = &*s.responses.v2->client.av_pairs;
  }
  ServerResult& r = s.result;
  r.user = s.auth.user;
  r.domain = s.auth.domain;
  r.workstation = s.auth.workstation;
  r.negotiated_flags = s.auth.flags;
  r.anonymous = s.responses.anonymous;
  r.kind = s.responses.kind;
  return Status::Ok();
}

// Stage 2, policy: NtlmMinServerSec (anonymous too), anonymous allowed,
// LmCompatibilityLevel.
Status ServerContext::DoPolicy(AuthState& s) {
  const uint32_t flags = s.auth.flags;
  if (MissingMinSecBits(policy_.min_server_sec, flags) != 0) {
    return MakeError(SecStatus::kUnsupportedFunction, Refusal::kMinServerSec,
                     "AUTHENTICATE: " + DescribeMinSecFailure(policy_.min_server_sec, flags));
  }
  if (s.responses.anonymous) {
    if (policy_.allow_anonymous) return Status::Ok();
    return MakeError(SecStatus::kLogonDenied, Refusal::kAnonymousRefused,
                     "anonymous logon refused by policy");
  }
  // An LM field alone may hold LMv2 (NTLMv2 family, allowed at every level)
  // or LM: which one is known only once it verifies (DoVerifyResponse).
  if (s.responses.kind != ResponseKind::kLm &&
      !LmCompatAllows(policy_.lm_compat_level, s.responses.kind)) {
    return LmCompatRefusal(s.responses.kind);
  }
  return Status::Ok();
}

Error ServerContext::LmCompatRefusal(ResponseKind kind) const {
  return MakeError(SecStatus::kLogonDenied, Refusal::kLmCompatLevel,
                   std::string(ResponseKindName(kind)) + " response refused at " +
                       "lm_compat_level " + std::to_string(policy_.lm_compat_level));
}

// Stage 3, verify response: the account and its response (one verifier,
// shared with `decode`). The anonymous logon has nothing to verify: its
// SessionBaseKey is Z(16) (3.2.5.1.2).
Status ServerContext::DoVerifyResponse(AuthState& s) {
  if (s.responses.anonymous) return Status::Ok();
  const AuthenticateMessage& auth = s.auth;
  auto candidates = credentials_.Candidates(auth.user, auth.domain);
  if (candidates.empty()) {
    return MakeError(SecStatus::kLogonDenied, Refusal::kUnknownAccount,
                     "unknown account " + auth.domain + "\\" + auth.user);
  }
  for (const Account* account : candidates) {
    auto verified = VerifyResponse(auth, s.responses, auth.user, auth.domain, account->nt_hash,
                                   account->lm_hash, s.server_challenge);
    if (verified) {
      // LmCompatibilityLevel 4 and 5: domain controllers refuse LM (and 5
      // NTLMv1) but accept NTLMv2, of which LMv2 is a part. LM is what
      // verified for an LM field alone or an NTLMv1 logon whose NT response
      // did not match but whose LM response did.
      if (verified->lm_v1 && !LmCompatAllows(policy_.lm_compat_level, ResponseKind::kLm)) {
        return LmCompatRefusal(ResponseKind::kLm);
      }
      s.verified = std::move(*verified);
      return Status::Ok();
    }
  }
  const char* what = s.responses.kind == ResponseKind::kNtlmV2 ? "NTProofStr" : "response";
  return MakeError(SecStatus::kLogonDenied, Refusal::kResponseMismatch,
                   std::string(ResponseKindName(s.responses.kind)) + " " + what +
                       " does not verify for " + auth.domain + "\\" + auth.user);
}

// Stage 4, clock: the NTLMv2 timestamp against the server clock.
Status ServerContext::DoClock(AuthState& s) {
  if (!s.responses.v2 || !policy_.max_clock_skew_seconds) return Status::Ok();
  const uint64_t skew = *policy_.max_clock_skew_seconds * kFileTimeTicksPerSecond;
  const uint64_t now = clock_.Now();
  const uint64_t distance = AbsDiff(s.responses.v2->client.timestamp, now);
  if (distance <= skew) return Status::Ok();
  return MakeError(SecStatus::kTimeSkew, Refusal::kTimeSkew,
                   "NTLMv2 timestamp is " + std::to_string(distance / kFileTimeTicksPerSecond) +
                       " s from the server clock (allowed " +
                       std::to_string(*policy_.max_clock_skew_seconds) + " s)");
}

// Stage 5, keys: KeyExchangeKey and ExportedSessionKey (3.4.5.1, 3.2.5.1.2).
// The anonymous logon has a zero SessionBaseKey and no response to feed the
// NTLMv1 KXKEY rules: its KeyExchangeKey is Z(16).
Status ServerContext::DoKeys(AuthState& s) {
  crypto::Key16 kxkey;
  if (!s.responses.anonymous) {
    NTLM_ASSIGN_OR_RETURN(
        kxkey, KeyExchangeKey(s.auth.flags, s.verified.ntlmv2_family, s.verified.session_base_key,
                              s.auth.lm_challenge_response, s.verified.lm_owf, s.server_challenge));
  }
  NTLM_ASSIGN_OR_RETURN(
      s.exported, ExportedSessionKey(s.auth.flags, kxkey, s.auth.encrypted_random_session_key));
  s.result.exported_session_key = s.exported;
  return Status::Ok();
}

// Stage 6, MIC and the echo of the server's target info.
Status ServerContext::DoMicAndEcho(AuthState& s) {
  if (s.responses.anonymous) return Status::Ok();
  const AuthenticateMessage& auth = s.auth;
  const bool mic_announced =
      s.client_info && s.client_info->Flags() && (*s.client_info->Flags() & kAvFlagMicPresent) != 0;
  if (mic_announced) {
    if (!auth.has_mic_field) {
      return MakeError(SecStatus::kInvalidToken, Refusal::kMicMissing,
                       "MsvAvFlags announces a MIC but the AUTHENTICATE has no MIC field");
    }
    NTLM_ASSIGN_OR_RETURN(auto mic, ComputeMic(s.exported, negotiate_bytes_, challenge_bytes_,
                                               s.token, auth.mic_offset));
    if (!crypto::ConstantTimeEqual(mic, auth.mic)) {
      return MakeError(SecStatus::kInvalidToken, Refusal::kMicMismatch, "MIC does not verify");
    }
    s.result.mic_verified = true;
  } else if (policy_.require_mic) {
    return MakeError(SecStatus::kInvalidToken, Refusal::kMicRequired,
                     "policy requires a MIC and MsvAvFlags announces none");
  }
  if (!s.responses.v2 || !challenge_->target_info) return Status::Ok();
  if (!s.client_info) {
    return MakeError(SecStatus::kLogonDenied, Refusal::kTargetInfoNotEchoed,
                     "NTLMv2 response carries no AV pairs; the server's target info was not "
                     "echoed");
  }
  if (auto mismatch = TargetInfoEchoMismatch(*challenge_->target_info, *s.client_info)) {
    return MakeError(SecStatus::kLogonDenied, Refusal::kTargetInfoNotEchoed,
                     "server target info not echoed unchanged: " + *mismatch);
  }
  return Status::Ok();
}

// Stage 7, extended protection: MsvAvTargetName and MsvAvChannelBindings.
Status ServerContext::DoExtendedProtection(AuthState& s) {
  ServerResult& r = s.result;
  if (s.client_info && s.client_info->Has(AvId::kTargetName)) {
    if (auto spn = s.client_info->GetString(AvId::kTargetName); spn.ok()) {
      r.client_target_name = *spn;
    }
  }
  if (s.responses.anonymous) return Status::Ok();
  if (policy_.target_name &&
      (!r.client_target_name || !EqualsIgnoreCase(*r.client_target_name, *policy_.target_name))) {
    return MakeError(
        SecStatus::kBadBindings, Refusal::kTargetNameMismatch,
        "MsvAvTargetName " +
            (r.client_target_name ? "'" + *r.client_target_name + "'" : std::string("absent")) +
            ", expected '" + *policy_.target_name + "'");
  }
  if (!policy_.channel_bindings_md5 || policy_.channel_binding_mode == ChannelBindingMode::kNever) {
    return Status::Ok();
  }
  std::optional<std::array<uint8_t, 16>> cb;
  if (s.client_info) cb = s.client_info->ChannelBindings();
  const bool absent = !cb.has_value();
  if (absent && policy_.channel_binding_mode == ChannelBindingMode::kWhenSupported) {
    return Status::Ok();
  }
  if (!absent && *cb == *policy_.channel_bindings_md5) return Status::Ok();
  return MakeError(SecStatus::kBadBindings, Refusal::kChannelBindingsMismatch,
                   absent ? std::string("MsvAvChannelBindings absent")
                          : "MsvAvChannelBindings " + HexBytes(*cb) + " differs");
}

Result<ServerContext::StepOutput> ServerContext::Step(ByteSpan token) {
  auto peeked = ReadMessageType(token);
  const uint32_t type = peeked.ok() ? static_cast<uint32_t>(*peeked) : 0;
  if (state_ == ServerState::kAwaitNegotiate && type == 1) {
    NTLM_ASSIGN_OR_RETURN(auto challenge, AcceptNegotiate(token));
    return StepOutput{std::move(challenge), false};
  }
  if (state_ == ServerState::kAwaitAuthenticate && type == 3) {
    NTLM_ASSIGN_OR_RETURN(auto verdict, AcceptAuthenticate(token));
    return StepOutput{{}, true};
  }
  std::string got = type == 0 ? "a token that is not NTLMSSP" : MessageTypeName(type);
  return Fail(
      OutOfOrder("expected " +
                 std::string(state_ == ServerState::kAwaitNegotiate      ? "NEGOTIATE"
                             : state_ == ServerState::kAwaitAuthenticate ? "AUTHENTICATE"
                                                                         : "no further token") +
                 ", got " + got + " in state " + ServerStateName(state_)));
}

}  // namespace ntlm::ssp
