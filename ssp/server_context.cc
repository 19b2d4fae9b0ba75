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
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

bool Has(uint32_t flags, uint32_t bit) { return (flags & bit) != 0; }

Error InvalidToken(std::string reason) {
  return MakeError(SecStatus::kInvalidToken, std::move(reason));
}
Error LogonDenied(std::string reason) {
  return MakeError(SecStatus::kLogonDenied, std::move(reason));
}

// Server challenge and timestamp live in the CHALLENGE we sent or adopted.
Challenge8 ServerChallengeOf(const ChallengeMessage& challenge) {
  Challenge8 sc;
  std::copy(challenge.server_challenge.begin(), challenge.server_challenge.end(), sc.begin());
  return sc;
}

// Anonymous per 3.2.5.1.2: empty user, empty NT response, and an LM
// response that is empty or a single zero byte.
bool IsAnonymous(const AuthenticateMessage& auth) {
  if (!auth.user.empty() || !auth.nt_challenge_response.empty()) return false;
  const auto& lm = auth.lm_challenge_response;
  return lm.empty() || (lm.size() == 1 && lm[0] == 0);
}

uint64_t AbsDiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

// The NTOWFv2 domain variants to try: as sent, then empty (3.2.5.1.2: the
// server SHOULD accept a response computed with a NIL UserDom).
std::vector<std::string> DomainVariants(const std::string& domain) {
  std::vector<std::string> variants{domain};
  std::string upper = ToUpperUtf8(domain);
  if (upper != domain) variants.push_back(upper);
  if (!domain.empty()) variants.emplace_back();
  return variants;
}

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

Error ServerContext::Fail(Error error, const char* kind) {
  state_ = ServerState::kFailed;
  events_.push_back(LogEvent{kind, StatusName(error.status) + ": " + error.reason});
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
  const bool sign_or_seal = Has(client, kNegotiateSign | kNegotiateSeal);
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
  if (sign_or_seal && Has(client, kNegotiateKeyExch) && policy.offer_key_exchange) {
    flags |= kNegotiateKeyExch;
  }
  return flags;
}

Result<Bytes> ServerContext::AcceptNegotiate(ByteSpan token) {
  if (state_ != ServerState::kAwaitNegotiate) {
    return Fail(InvalidToken(std::string("NEGOTIATE received in state ") + ServerStateName(state_)),
                "protocol_error");
  }
  auto negotiate = DecodeNegotiateMessage(token);
  if (!negotiate.ok()) return Fail(negotiate.error(), "invalid_token");
  events_.push_back(LogEvent{"negotiate", "client flags " + Hex32(negotiate->flags) + " (" +
                                              FlagNames(negotiate->flags) + ")"});

  const uint32_t flags = NegotiateResponseFlags(negotiate->flags, policy_);
  if (uint32_t missing = MissingMinSecBits(policy_.min_server_sec, flags); missing != 0) {
    return Fail(MakeError(SecStatus::kUnsupportedFunction,
                          "NEGOTIATE: " + DescribeMinSecFailure(policy_.min_server_sec, flags)),
                "policy_refused");
  }

  ChallengeMessage challenge;
  challenge.flags = flags | (identity_.domain_member ? kTargetTypeDomain : kTargetTypeServer);
  challenge.target_name =
      identity_.domain_member ? identity_.nb_domain_name : identity_.nb_computer_name;
  if (!random_.Fill(MutableByteSpan(challenge.server_challenge))) {
    return Fail(MakeError(SecStatus::kInternalError, "no randomness for the server challenge"),
                "internal_error");
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
  if (!st.ok()) return Fail(st.error(), "internal_error");
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
    return Fail(InvalidToken(std::string("CHALLENGE adopted in state ") + ServerStateName(state_)),
                "protocol_error");
  }
  auto challenge = DecodeChallengeMessage(token);
  if (!challenge.ok()) return Fail(challenge.error(), "invalid_token");
  challenge_bytes_.assign(token.begin(), token.end());
  challenge_ = std::move(*challenge);
  events_.push_back(
      LogEvent{"challenge", "adopted recorded CHALLENGE, flags " + Hex32(challenge_->flags)});
  return Status::Ok();
}

Result<ServerResult> ServerContext::AcceptAuthenticate(ByteSpan token) {
  if (state_ != ServerState::kAwaitAuthenticate || !challenge_) {
    return Fail(
        InvalidToken(std::string("AUTHENTICATE received in state ") + ServerStateName(state_)),
        "protocol_error");
  }
  // 1. Parse.
  auto decoded = DecodeAuthenticateMessage(token);
  if (!decoded.ok()) return Fail(decoded.error(), "invalid_token");
  const AuthenticateMessage& auth = *decoded;
  const uint32_t flags = auth.flags;
  const bool anonymous = IsAnonymous(auth);
  std::optional<ParsedNtlmV2Response> v2;
  ResponseKind kind = ResponseKind::kNtlmV2;
  if (anonymous) {
    kind = ResponseKind::kAnonymous;
  } else {
    switch (ClassifyNtResponse(auth.nt_challenge_response)) {
      case NtResponseKind::kEmpty:
        if (auth.lm_challenge_response.size() != 24) {
          return Fail(InvalidToken("AUTHENTICATE: no NT response and an LM response of " +
                                   std::to_string(auth.lm_challenge_response.size()) +
                                   " bytes (expected 24)"),
                      "invalid_token");
        }
        kind = ResponseKind::kLm;
        break;
      case NtResponseKind::kNtlmV1:
        kind = Has(flags, kNegotiateEss) ? ResponseKind::kNtlmV1Ess : ResponseKind::kNtlmV1;
        if (kind == ResponseKind::kNtlmV1Ess && auth.lm_challenge_response.size() < 8) {
          return Fail(InvalidToken("AUTHENTICATE: NTLMv1 with ESS needs the client challenge in "
                                   "the LM response, which has " +
                                   std::to_string(auth.lm_challenge_response.size()) + " bytes"),
                      "invalid_token");
        }
        break;
      case NtResponseKind::kNtlmV2: {
        auto parsed = DecodeNtlmV2Response(auth.nt_challenge_response);
        if (!parsed.ok()) return Fail(parsed.error(), "invalid_token");
        v2 = std::move(*parsed);
        break;
      }
      case NtResponseKind::kInvalidLength:
        return Fail(InvalidToken("AUTHENTICATE: NtChallengeResponse of " +
                                 std::to_string(auth.nt_challenge_response.size()) +
                                 " bytes (expected 0, 24 or more than 24)"),
                    "invalid_token");
    }
  }
  const bool key_exchange_used =
      Has(flags, kNegotiateKeyExch) && Has(flags, kNegotiateSign | kNegotiateSeal);
  if (key_exchange_used && auth.encrypted_random_session_key.size() != 16) {
    return Fail(InvalidToken("AUTHENTICATE: EncryptedRandomSessionKey is " +
                             std::to_string(auth.encrypted_random_session_key.size()) +
                             " bytes, expected 16 with KEY_EXCH and SIGN/SEAL"),
                "invalid_token");
  }

  // 2. NtlmMinServerSec against the AUTHENTICATE's flags (anonymous too).
  if (uint32_t missing = MissingMinSecBits(policy_.min_server_sec, flags); missing != 0) {
    return Fail(MakeError(SecStatus::kUnsupportedFunction,
                          "AUTHENTICATE: " + DescribeMinSecFailure(policy_.min_server_sec, flags)),
                "policy_refused");
  }

  const Challenge8 sc = ServerChallengeOf(*challenge_);
  ServerResult result;
  result.user = auth.user;
  result.domain = auth.domain;
  result.workstation = auth.workstation;
  result.negotiated_flags = flags;
  result.anonymous = anonymous;
  crypto::Key16 session_base_key;
  crypto::Key16 lm_owf;
  bool ntlmv2_family = v2.has_value();  // NTLMv2 or LMv2: KXKEY = SessionBaseKey

  if (anonymous) {
    if (!policy_.allow_anonymous) {
      return Fail(LogonDenied("anonymous logon refused by policy"), "logon_denied");
    }
    // SessionBaseKey is Z(16) for the anonymous user (3.2.5.1.2).
  } else {
    // 3. LmCompatibilityLevel.
    if (!LmCompatAllows(policy_.lm_compat_level, kind)) {
      return Fail(LogonDenied(std::string(ResponseKindName(kind)) + " response refused at " +
                              "lm_compat_level " + std::to_string(policy_.lm_compat_level)),
                  "logon_denied");
    }
    // 4. Account and response.
    auto candidates = credentials_.Candidates(auth.user, auth.domain);
    if (candidates.empty()) {
      return Fail(LogonDenied("unknown account " + auth.domain + "\\" + auth.user), "logon_denied");
    }
    bool verified = false;
    for (const Account* account : candidates) {
      if (verified) break;
      switch (kind) {
        case ResponseKind::kNtlmV2: {
          for (const auto& domain : DomainVariants(auth.domain)) {
            auto key = NtOwfV2(account->nt_hash, auth.user, domain);
            if (!key.ok()) continue;
            ByteSpan blob = NtlmV2Blob(auth.nt_challenge_response);
            auto proof = NtProofStr(*key, sc, blob);
            if (crypto::ConstantTimeEqual(proof, v2->nt_proof_str)) {
              session_base_key = NtlmV2SessionBaseKey(*key, v2->nt_proof_str);
              verified = true;
              break;
            }
          }
          break;
        }
        case ResponseKind::kNtlmV1:
        case ResponseKind::kNtlmV1Ess: {
          std::array<uint8_t, 24> expected;
          if (kind == ResponseKind::kNtlmV1Ess) {
            Challenge8 cc;
            std::copy_n(auth.lm_challenge_response.begin(), 8, cc.begin());
            expected = NtlmV1EssResponse(account->nt_hash, sc, cc);
          } else {
            expected = NtlmV1Response(account->nt_hash, sc);
          }
          if (crypto::ConstantTimeEqual(expected, auth.nt_challenge_response)) {
            session_base_key = NtlmV1SessionBaseKey(account->nt_hash);
            if (account->lm_hash) lm_owf = *account->lm_hash;
            verified = true;
          }
          break;
        }
        case ResponseKind::kLm: {
          // LMv2 alone (no NT response) first; it is NTLMv2-family.
          for (const auto& domain : DomainVariants(auth.domain)) {
            auto key = NtOwfV2(account->nt_hash, auth.user, domain);
            if (!key.ok()) continue;
            Challenge8 cc;
            std::copy_n(auth.lm_challenge_response.begin() + 16, 8, cc.begin());
            if (crypto::ConstantTimeEqual(LmV2Response(*key, sc, cc), auth.lm_challenge_response)) {
              // SessionBaseKey for LMv2 = HMAC_MD5(ResponseKeyLM, LMv2 proof).
              std::array<uint8_t, 16> proof;
              std::copy_n(auth.lm_challenge_response.begin(), 16, proof.begin());
              session_base_key = NtlmV2SessionBaseKey(*key, proof);
              ntlmv2_family = true;
              verified = true;
              break;
            }
          }
          if (!verified && account->lm_hash && policy_.lm_compat_level <= 3 &&
              crypto::ConstantTimeEqual(LmV1Response(*account->lm_hash, sc),
                                        auth.lm_challenge_response)) {
            lm_owf = *account->lm_hash;
            // LM authentication: the session key comes from the LM hash.
            session_base_key = NtlmV1SessionBaseKey(account->nt_hash);
            verified = true;
          }
          break;
        }
        case ResponseKind::kAnonymous:
          break;
      }
    }
    if (!verified) {
      const char* what = kind == ResponseKind::kNtlmV2 ? "NTProofStr" : "response";
      return Fail(LogonDenied(std::string(ResponseKindName(kind)) + " " + what +
                              " does not verify for " + auth.domain + "\\" + auth.user),
                  "logon_denied");
    }
  }

  // 5. NTLMv2 timestamp against the server clock.
  if (v2 && policy_.max_clock_skew_seconds) {
    const uint64_t skew = *policy_.max_clock_skew_seconds * kFileTimeTicksPerSecond;
    const uint64_t now = clock_.Now();
    if (AbsDiff(v2->client.timestamp, now) > skew) {
      return Fail(MakeError(SecStatus::kTimeSkew,
                            "NTLMv2 timestamp is " +
                                std::to_string(AbsDiff(v2->client.timestamp, now) /
                                               kFileTimeTicksPerSecond) +
                                " s from the server clock (allowed " +
                                std::to_string(*policy_.max_clock_skew_seconds) + " s)"),
                  "time_skew");
    }
  }

  // Session key (3.4.5.1, 3.2.5.1.2).
  // The anonymous logon has a zero SessionBaseKey and no response to feed
  // the NTLMv1 KXKEY rules: its KeyExchangeKey is Z(16).
  auto kxkey = anonymous ? Result<crypto::Key16>(crypto::Key16{})
                         : KeyExchangeKey(flags, ntlmv2_family, session_base_key,
                                          auth.lm_challenge_response, lm_owf, sc);
  if (!kxkey.ok()) return Fail(kxkey.error(), "invalid_token");
  auto exported = ExportedSessionKey(flags, *kxkey, auth.encrypted_random_session_key);
  if (!exported.ok()) return Fail(exported.error(), "invalid_token");

  // 6. MIC and the echo of our target info.
  // A pointer, not a copy of the client's AV pairs.
  const AvPairList* client_info = v2 && v2->client.av_pairs ? &*v2->client.av_pairs : nullptr;
  const bool mic_announced =
      client_info && client_info->Flags() && (*client_info->Flags() & kAvFlagMicPresent) != 0;
  if (!anonymous) {
    if (mic_announced) {
      if (!auth.has_mic_field) {
        return Fail(
            InvalidToken("MsvAvFlags announces a MIC but the AUTHENTICATE has no MIC field"),
            "invalid_token");
      }
      auto mic = ComputeMic(*exported, negotiate_bytes_, challenge_bytes_, token, auth.mic_offset);
      if (!mic.ok()) return Fail(mic.error(), "invalid_token");
      if (!crypto::ConstantTimeEqual(*mic, auth.mic)) {
        return Fail(InvalidToken("MIC does not verify"), "invalid_token");
      }
      result.mic_verified = true;
    } else if (policy_.require_mic) {
      return Fail(InvalidToken("policy requires a MIC and MsvAvFlags announces none"),
                  "invalid_token");
    }
    if (v2 && challenge_->target_info) {
      if (!client_info) {
        return Fail(LogonDenied("NTLMv2 response carries no AV pairs; the server's target info "
                                "was not echoed"),
                    "logon_denied");
      }
      if (auto mismatch = TargetInfoEchoMismatch(*challenge_->target_info, *client_info)) {
        return Fail(LogonDenied("server target info not echoed unchanged: " + *mismatch),
                    "logon_denied");
      }
    }
  }

  // 7. Extended protection: target name and channel bindings.
  if (client_info && client_info->Has(AvId::kTargetName)) {
    auto spn = client_info->GetString(AvId::kTargetName);
    if (spn.ok()) result.client_target_name = *spn;
  }
  if (policy_.target_name && !anonymous) {
    if (!result.client_target_name ||
        !EqualsIgnoreCase(*result.client_target_name, *policy_.target_name)) {
      return Fail(MakeError(SecStatus::kBadBindings,
                            "MsvAvTargetName " +
                                (result.client_target_name ? "'" + *result.client_target_name + "'"
                                                           : std::string("absent")) +
                                ", expected '" + *policy_.target_name + "'"),
                  "bad_bindings");
    }
  }
  if (policy_.channel_bindings_md5 && !anonymous &&
      policy_.channel_binding_mode != ChannelBindingMode::kNever) {
    std::optional<std::array<uint8_t, 16>> cb;
    if (client_info) cb = client_info->ChannelBindings();
    const bool absent = !cb.has_value();
    const bool tolerated =
        absent && policy_.channel_binding_mode == ChannelBindingMode::kWhenSupported;
    if (!tolerated && (absent || *cb != *policy_.channel_bindings_md5)) {
      return Fail(MakeError(SecStatus::kBadBindings,
                            absent ? std::string("MsvAvChannelBindings absent")
                                   : "MsvAvChannelBindings " + HexBytes(*cb) + " differs"),
                  "bad_bindings");
    }
  }

  result.kind = kind;
  result.exported_session_key = std::move(*exported);
  events_.push_back(LogEvent{"logon", "user " + result.QualifiedUser() + " workstation '" +
                                          result.workstation + "' response " +
                                          ResponseKindName(kind) + " flags " + Hex32(flags) +
                                          (result.mic_verified ? " mic verified" : " no mic")});
  state_ = ServerState::kAuthenticated;
  result_ = result;
  return result;
}

Result<ServerContext::StepOutput> ServerContext::Step(ByteSpan token) {
  auto peeked = ReadMessageType(token);
  const uint32_t type = peeked.ok() ? static_cast<uint32_t>(*peeked) : 0;
  if (state_ == ServerState::kAwaitNegotiate && type == 1) {
    auto challenge = AcceptNegotiate(token);
    if (!challenge.ok()) return challenge.error();
    return StepOutput{std::move(*challenge), false};
  }
  if (state_ == ServerState::kAwaitAuthenticate && type == 3) {
    auto verdict = AcceptAuthenticate(token);
    if (!verdict.ok()) return verdict.error();
    return StepOutput{{}, true};
  }
  std::string got = type == 0 ? "a token that is not NTLMSSP" : MessageTypeName(type);
  return Fail(
      InvalidToken("expected " +
                   std::string(state_ == ServerState::kAwaitNegotiate      ? "NEGOTIATE"
                               : state_ == ServerState::kAwaitAuthenticate ? "AUTHENTICATE"
                                                                           : "no further token") +
                   ", got " + got + " in state " + ServerStateName(state_)),
      "protocol_error");
}

}  // namespace ntlm::ssp
