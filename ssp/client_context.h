// client_context.h: the NTLMSSP initiator as a sans-I/O state machine.
//
// CreateNegotiate() produces the NEGOTIATE_MESSAGE ([MS-NLMP] 3.1.5.1.1),
// ProcessChallenge() checks the CHALLENGE_MESSAGE against the client policy
// and produces the AUTHENTICATE_MESSAGE (3.1.5.1.2, 3.1.5.2.1). The clock and
// the randomness are injected (ssp/environment.h), so with a FixedClock and a
// FixedRandom every token is deterministic.
//
// Randomness is drawn in this order, only in ProcessChallenge: the 8-byte
// client challenge (every response kind except LM-only/NTLMv1 without ESS,
// which need none but still draw it, so the order never changes), then the
// 16-byte ExportedSessionKey when key exchange is used. A FixedRandom of
// aa*8 || 55*16 therefore reproduces the MS-NLMP 4.2.1 inputs.
//
// Connection-oriented mode only: the client "selects" the session's flags,
// which are the CHALLENGE's flags intersected with what this client supports
// (2.2.2.5, 3.1.5.1.2), and sends them in the AUTHENTICATE.
//
// The client can deliberately deviate from the protocol (ssp/client_deviation.h)
// so the harness can check what a server does with one specific defect.
//
// Stable library API (find_package(ntlmssp) -> ntlmssp::ssp): the classes and
// members listed in docs/library.md keep their meaning within a minor version.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/secret.h"
#include "ssp/challenge_message.h"
#include "ssp/client_deviation.h"
#include "ssp/environment.h"
#include "ssp/flags.h"
#include "ssp/server_policy.h"
#include "ssp/session_security.h"
#include "ssp/status.h"
#include "ssp/version.h"

namespace ntlm::ssp {

/// Who the client authenticates as ([MS-NLMP] 3.1.1.1 User, UserDom, and the
/// password's one-way functions 3.3.1). The password itself is never kept:
/// construction derives NTOWFv1 and, when the password allows it, LMOWFv1.
struct ClientCredentials {
  std::string user;
  std::string domain;
  /// The client machine's NetBIOS name (AUTHENTICATE Workstation field).
  std::string workstation;
  crypto::Key16 nt_hash;                 // NTOWFv1
  std::optional<crypto::Key16> lm_hash;  // LMOWFv1; absent: LM responses impossible
  /// The ANONYMOUS logon (3.1.5.1.2 / 3.2.5.1.2): empty user, empty NT
  /// response, LM response Z(1), NTLMSSP_NEGOTIATE_ANONYMOUS set.
  bool anonymous = false;

  /// From a UTF-8 password. LMOWFv1 is derived when the password is
  /// representable (Latin-1); otherwise lm_hash stays empty.
  static Result<ClientCredentials> FromPassword(std::string_view user, std::string_view domain,
                                                std::string_view password,
                                                std::string_view workstation = "");
  /// From an NT hash (pass-the-hash): no LM hash.
  static ClientCredentials FromNtHash(std::string_view user, std::string_view domain,
                                      const crypto::Key16& nt_hash,
                                      std::string_view workstation = "");
  /// From 32 hex digits of an NT hash; other input is SEC_E_INVALID_PARAMETER.
  static Result<ClientCredentials> FromNtHashHex(std::string_view user, std::string_view domain,
                                                 std::string_view nt_hash_hex,
                                                 std::string_view workstation = "");
  /// The ANONYMOUS credentials.
  static ClientCredentials Anonymous(std::string_view workstation = "");
};

/// A modern Windows-like client's NEGOTIATE flags: UNICODE | REQUEST_TARGET |
/// SIGN | SEAL | NTLM | ALWAYS_SIGN | ESS | VERSION | 128 | KEY_EXCH | 56
/// (0xe2088235).
inline constexpr uint32_t kDefaultClientFlags =
    kNegotiateUnicode | kRequestTarget | kNegotiateSign | kNegotiateSeal | kNegotiateNtlm |
    kNegotiateAlwaysSign | kNegotiateEss | kNegotiateVersion | kNegotiate128 | kNegotiateKeyExch |
    kNegotiate56;

/// What the client does when the server grants KEY_EXCH but neither SIGN nor
/// SEAL. [MS-NLMP] 3.1.5.1.2 (client) keys on KEY_EXCH alone while 3.2.5.1.2
/// (server) also requires SIGN or SEAL; servers differ (gss-ntlmssp and
/// Samba use KEY_EXCH alone, this project's server follows 3.2.5.1.2).
enum class KeyExchWithoutSignSeal {
  /// ExportedSessionKey = KXKEY and EncryptedRandomSessionKey =
  /// RC4K(KXKEY, KXKEY): servers of either reading derive the same key.
  kSendKeyExchangeKey,
  /// Clear KEY_EXCH from the AUTHENTICATE flags; no EncryptedRandomSessionKey.
  kClearFlag,
  /// 3.1.5.1.2 literally: a random ExportedSessionKey, sent encrypted. Only
  /// servers that key on KEY_EXCH alone then agree on the session key.
  kRandomKey,
};

/// The initiator's configuration ([MS-NLMP] 3.1.1.1 ClientConfigFlags,
/// NtlmMinClientSec, LmCompatibilityLevel; 3.1.1.2 ClientSuppliedTargetName,
/// ClientChannelBindingsUnhashed).
struct ClientPolicy {
  /// ClientConfigFlags: what the NEGOTIATE asks for and the most the client
  /// will select. NTLMSSP_NEGOTIATE_VERSION decides whether the Version field
  /// is sent (NEGOTIATE always; AUTHENTICATE when the server granted it).
  uint32_t requested_flags = kDefaultClientFlags;
  /// NtlmMinClientSec (any of 0x10, 0x20, 0x80000, 0x20000000). The bits are
  /// also requested in the NEGOTIATE (as Samba's client does). A CHALLENGE
  /// whose selected flags lack one fails with SEC_E_UNSUPPORTED_FUNCTION
  /// naming the missing bits (3.1.5.1.2).
  uint32_t min_client_sec = 0;
  /// LmCompatibilityLevel 0..5 (client side):
  ///  0: LM + NTLMv1 responses, never ESS (ESS is not requested);
  ///  1: LM + NTLMv1, or NTLMv1 with ESS when the server grants ESS;
  ///  2: NTLMv1 only (the NT response in both fields, NoLMResponseNTLMv1), or
  ///     NTLMv1 with ESS when granted;
  ///  3..5: NTLMv2 + LMv2, or NTLMv2 + Z(24) when the CHALLENGE carries
  ///     MsvAvTimestamp (3.1.5.1.2, 3.1.5.2.1).
  int lm_compat_level = 3;
  /// The Version field's value (2.2.2.10) when VERSION is sent.
  Version version = MakeVersion(10, 0, 19041);
  /// Send a MIC when the CHALLENGE has MsvAvTimestamp: MsvAvFlags |= 0x2 in
  /// the NTLMv2 blob and the MIC at offset 72 (3.1.5.2.1). NTLMv2 only.
  bool send_mic = true;
  /// ClientSuppliedTargetName: the SPN ("HTTP/host.example") sent as
  /// MsvAvTargetName in the NTLMv2 blob. Unset: no MsvAvTargetName.
  std::optional<std::string> target_name;
  /// MD5 of the gss_channel_bindings_struct (see ChannelBindingsHash), sent as
  /// MsvAvChannelBindings. Unset: the pair is omitted (interop-pitfalls #5).
  std::optional<std::array<uint8_t, 16>> channel_bindings_md5;
  /// Overrides ClientCredentials::workstation when set.
  std::optional<std::string> workstation;
  /// Put the domain and workstation names (OEM) into the NEGOTIATE with the
  /// OEM_DOMAIN_SUPPLIED / OEM_WORKSTATION_SUPPLIED flags (2.2.1.1).
  bool negotiate_names = false;
  KeyExchWithoutSignSeal key_exch_without_sign_seal = KeyExchWithoutSignSeal::kSendKeyExchangeKey;
  /// Deliberate deviations, applied in order (ssp/client_deviation.h).
  std::vector<Deviation> deviations;
};

/// MD5 of a gss_channel_bindings_struct with no addresses and
/// `application_data` (e.g. "tls-server-end-point:" || hash, RFC 5929), as
/// MsvAvChannelBindings carries it ([MS-NLMP] 2.2.2.1, RFC 4121 4.1.1.2).
std::array<uint8_t, 16> ChannelBindingsHash(ByteSpan application_data);

enum class ClientState { kInitial, kAwaitChallenge, kComplete, kFailed };
const char* ClientStateName(ClientState state);

/// The NTLMSSP initiator ([MS-NLMP] 3.1).
class ClientContext {
 public:
  /// `clock` and `random` must outlive the context.
  ClientContext(ClientCredentials credentials, ClientPolicy policy, const Clock& clock,
                RandomSource& random);

  /// The NEGOTIATE_MESSAGE (3.1.5.1.1). Only in state kInitial.
  Result<Bytes> CreateNegotiate();

  /// CHALLENGE in, AUTHENTICATE out (3.1.5.1.2, 3.1.5.2.1). Fails with
  /// SEC_E_INVALID_TOKEN for a CHALLENGE that does not parse or arrives out of
  /// order; SEC_E_UNSUPPORTED_FUNCTION when the CHALLENGE flags, or the flags
  /// this client can select from them (e.g. no ESS at level 0), do not meet
  /// min_client_sec; SEC_E_INVALID_PARAMETER for a deviation that cannot be
  /// applied (an NTLMv2-only deviation at levels 0..2, an AV pair the blob
  /// does not have). Without an LM hash, LM responses fall back to the NT
  /// response and LM_KEY / REQUEST_NON_NT_SESSION_KEY are not selected.
  Result<Bytes> ProcessChallenge(ByteSpan challenge);

  /// GSS-style driver: an empty token gives the NEGOTIATE, the CHALLENGE gives
  /// the AUTHENTICATE (after which complete() is true).
  Result<Bytes> Step(ByteSpan token);

  ClientState state() const { return state_; }
  bool complete() const { return state_ == ClientState::kComplete; }

  /// The session's flags: the AUTHENTICATE's NegotiateFlags as sent (after
  /// deviations), which the server takes as NegFlg. Valid when complete().
  uint32_t negotiated_flags() const { return negotiated_flags_; }
  /// ExportedSessionKey (3.1.5.1.2). Valid when complete().
  const crypto::Key16& exported_session_key() const { return exported_session_key_; }
  /// The response kind sent (ResponseKind from ssp/server_policy.h).
  ResponseKind response_kind() const { return response_kind_; }
  /// A MIC field carrying the MIC of the AUTHENTICATE as sent was sent (false
  /// when a deviation spoiled, removed or outdated it).
  bool mic_sent() const { return mic_sent_; }

  /// The client side of session security (3.4), is_server = false, built
  /// from negotiated_flags() and exported_session_key(). Only when complete().
  Result<SessionSecurity> CreateSessionSecurity(SessionSecurity::Options options = {}) const;

  /// The tokens as sent (empty before they exist).
  const Bytes& negotiate_message() const { return negotiate_bytes_; }
  const Bytes& challenge_message() const { return challenge_bytes_; }
  const Bytes& authenticate_message() const { return authenticate_bytes_; }
  /// The decoded CHALLENGE; nullptr before ProcessChallenge.
  const ChallengeMessage* challenge() const { return challenge_ ? &*challenge_ : nullptr; }
  /// One line per decision worth reporting (flag selection, deviations
  /// applied). Names and flags only, never a key or hash.
  const std::vector<std::string>& notes() const { return notes_; }
  const ClientPolicy& policy() const { return policy_; }

  /// The NEGOTIATE flags this client sends under `policy` (requested_flags,
  /// min_client_sec bits, level 0 without ESS, OEM_*_SUPPLIED when names are
  /// sent, before deviations).
  static uint32_t NegotiateFlagsFor(const ClientPolicy& policy, bool names_supplied = false);
  /// The flags the client selects for the AUTHENTICATE from the CHALLENGE's
  /// flags (2.2.2.5 and 3.1.5.1.2): challenge ∩ client capabilities, one
  /// character set, ESS over LM_KEY, LM-only bits dropped at levels >= 3,
  /// REQUEST_TARGET as requested, ANONYMOUS for anonymous credentials;
  /// TARGET_TYPE_* and OEM (when UNICODE) are not echoed.
  static uint32_t SelectFlags(uint32_t challenge_flags, const ClientPolicy& policy,
                              bool anonymous = false);

 private:
  Error Fail(Error error);

  ClientCredentials credentials_;
  ClientPolicy policy_;
  const Clock& clock_;
  RandomSource& random_;

  ClientState state_ = ClientState::kInitial;
  Bytes negotiate_bytes_;
  Bytes challenge_bytes_;
  Bytes authenticate_bytes_;
  std::optional<ChallengeMessage> challenge_;
  uint32_t negotiated_flags_ = 0;
  crypto::Key16 exported_session_key_;
  ResponseKind response_kind_ = ResponseKind::kNtlmV2;
  bool mic_sent_ = false;
  std::vector<std::string> notes_;
};

}  // namespace ntlm::ssp
