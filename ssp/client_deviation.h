// client_deviation.h: named, deliberate protocol deviations of the test client.
//
// The harness client (ssp/client_context.h) is a correct [MS-NLMP] 3.1
// initiator by default. A Deviation makes it send one specific wrong thing,
// so that a server's reaction to exactly that defect can be measured. Every
// deviation has a stable name (used on the command line, in transcripts and
// in reports), a one-line description and, where it needs one, a parameter.
//
// Text form (ParseDeviation / DeviationToString): "name" or "name=param",
// e.g. "strip-authenticate-flags=SEAL|SIGN", "shift-timestamp=-7200",
// "session-key-length=15", "drop-target-info-pair=MsvAvNbComputerName".
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "crypto/secret.h"
#include "ssp/status.h"

namespace ntlm::ssp {

/// What a deviation does. The comment gives the stable name.
enum class DeviationKind {
  // --- Flags -------------------------------------------------------------
  kStripNegotiateFlags,             // "strip-negotiate-flags": clear `flags` in the NEGOTIATE
  kStripAuthenticateFlags,          // "strip-authenticate-flags": clear `flags` in the
                                    //   AUTHENTICATE, keys and MIC computed for the edited flags
  kStripAuthenticateFlagsStaleMic,  // "strip-authenticate-flags-stale-mic": clear `flags` in the
                                    //   AUTHENTICATE after the MIC was computed (MIC not redone)
  // --- MIC (3.1.5.2.1, 3.2.5.1.2) ------------------------------------------
  kOmitMic,               // "omit-mic": no MIC field and no MsvAvFlags MIC bit
  kZeroMic,               // "zero-mic": MIC field of 16 zero bytes, MIC bit set
  kCorruptMic,            // "corrupt-mic": correct MIC with its first bit flipped
  kRemoveMicKeepAvFlags,  // "remove-mic-keep-avflags": MIC field removed, MIC bit set
  // --- Relay tooling (impacket ntlmrelayx) ----------------------------------
  kRelayRemoveMic,       // "relay-remove-mic": --remove-mic (CVE-2019-1040)
  kRelayRemoveSignSeal,  // "relay-remove-sign-seal": --remove-sign-seal
  // --- Credentials -------------------------------------------------------
  kWrongPassword,  // "wrong-password": responses from another password
  kOtherUserHash,  // "other-user-hash": responses from another account's hash
  // --- NTLMv2 blob (2.2.2.7) ----------------------------------------------
  kShiftTimestamp,        // "shift-timestamp": blob TimeStamp + `seconds`
  kAlterTargetInfo,       // "alter-target-info": change a server AV pair's value
  kDropTargetInfoPair,    // "drop-target-info-pair": drop a server AV pair
  kWrongChannelBindings,  // "wrong-channel-bindings": MsvAvChannelBindings differs
  kZeroChannelBindings,   // "zero-channel-bindings": MsvAvChannelBindings = Z(16)
  kWrongSpn,              // "wrong-spn": MsvAvTargetName = `text`
  // --- Message structure ---------------------------------------------------
  kSessionKeyLength,      // "session-key-length": EncryptedRandomSessionKey of
                          //   `length` bytes
  kTruncateAuthenticate,  // "truncate-authenticate": send only the first `length`
                          //   bytes of the AUTHENTICATE
  // --- Responses (3.3.1, 3.3.2): an LM field alone, NtChallengeResponse empty
  kLmOnly,          // "lm-only": LmChallengeResponse = LM (DESL(LMOWFv1, ServerChallenge))
  kLmV2Only,        // "lmv2-only": LmChallengeResponse = LMv2
  kDropNtResponse,  // "drop-nt-response": the responses as computed, NT response dropped
};

/// One deviation with its parameters (only the ones its kind uses matter).
struct Deviation {
  DeviationKind kind = DeviationKind::kOmitMic;
  /// strip-*-flags: the NEGOTIATE flags ([MS-NLMP] 2.2.2.5) to clear.
  uint32_t flags = 0;
  /// shift-timestamp: seconds added to the NTLMv2 blob TimeStamp (negative: older).
  int64_t seconds = 0;
  /// session-key-length: the EncryptedRandomSessionKey size; truncate-authenticate:
  /// how many leading bytes of the AUTHENTICATE are sent.
  size_t length = 0;
  /// alter-target-info / drop-target-info-pair: the AvId (2.2.2.1) to change.
  uint16_t av_id = 0;
  /// wrong-password / other-user-hash: the password to compute the responses
  /// with; wrong-spn: the SPN to send.
  std::string text;
  /// other-user-hash: the NT hash (NTOWFv1) to use instead of `text`.
  std::optional<crypto::Key16> nt_hash;

  // Constructors for each kind, with the defaults the tests use.
  static Deviation StripNegotiateFlags(uint32_t flags);
  static Deviation StripAuthenticateFlags(uint32_t flags);
  static Deviation StripAuthenticateFlagsStaleMic(uint32_t flags);
  static Deviation OmitMic();
  static Deviation ZeroMic();
  static Deviation CorruptMic();
  static Deviation RemoveMicKeepAvFlags();
  static Deviation RelayRemoveMic();
  static Deviation RelayRemoveSignSeal();
  /// Default password: "definitely-not-the-password".
  static Deviation WrongPassword(std::string password = "definitely-not-the-password");
  static Deviation OtherUserHash(const crypto::Key16& nt_hash);
  static Deviation ShiftTimestamp(int64_t seconds);
  /// Default AvId: MsvAvNbComputerName (1).
  static Deviation AlterTargetInfo(uint16_t av_id = 1);
  static Deviation DropTargetInfoPair(uint16_t av_id = 1);
  static Deviation WrongChannelBindings();
  static Deviation ZeroChannelBindings();
  /// Default SPN: "HTTP/wrong.example.test".
  static Deviation WrongSpn(std::string spn = "HTTP/wrong.example.test");
  static Deviation SessionKeyLength(size_t length);
  static Deviation TruncateAuthenticate(size_t length);
  static Deviation LmOnly();
  static Deviation LmV2Only();
  static Deviation DropNtResponse();
};

/// How a deviation's parameter is written in text form.
enum class DeviationParam { kNone, kFlags, kSeconds, kLength, kAvId, kText, kPasswordOrHash };

/// One row of the deviation table.
struct DeviationInfo {
  DeviationKind kind;
  std::string_view name;  // stable, kebab-case
  DeviationParam param;
  std::string_view description;  // one line, cites MS-NLMP where it applies
};

/// Every deviation, in enum order.
std::span<const DeviationInfo> DeviationTable();
/// The stable name ("corrupt-mic").
std::string_view DeviationName(DeviationKind kind);
/// The one-line description.
std::string_view DeviationDescription(DeviationKind kind);
/// The kind for a name (case-insensitive); nullopt if unknown.
std::optional<DeviationKind> DeviationKindFromName(std::string_view name);

/// Parses "name" or "name=param". Parameters: flags as ParseFlagList accepts
/// them ("SEAL|SIGN", "0x20"); seconds and lengths as decimal integers
/// (seconds may be negative); AvIds as a number or an AvIdName
/// ("MsvAvNbComputerName"); other-user-hash as 32 hex digits (an NT hash) or
/// a password. A missing parameter takes the constructor's default (strip-*
/// flags, shift-timestamp, session-key-length and truncate-authenticate need
/// one). Errors are SEC_E_INVALID_PARAMETER naming the problem.
Result<Deviation> ParseDeviation(std::string_view text);

/// "strip-authenticate-flags=NTLMSSP_NEGOTIATE_SEAL"; never prints a password
/// or hash (shown as "<redacted>").
std::string DeviationToString(const Deviation& deviation);

}  // namespace ntlm::ssp
