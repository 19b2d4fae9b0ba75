// status.h: SSPI status codes and the Result<T> type used across the SSP API.
//
// Errors are values: every fallible ssp/ function returns Result<T>, which
// holds either a T or an Error (an SSPI status plus a human-readable reason
// that names the field and, for parse errors, the byte offset). Nothing in
// ssp/ throws across its API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ntlm::ssp {

// Values from [MS-ERREF] 2.1 (HRESULT form, as SSPI returns them).
enum class SecStatus : uint32_t {
  kOk = 0x00000000,                   // SEC_E_OK
  kContinueNeeded = 0x00090312,       // SEC_I_CONTINUE_NEEDED
  kUnsupportedFunction = 0x80090302,  // SEC_E_UNSUPPORTED_FUNCTION
  kInternalError = 0x80090304,        // SEC_E_INTERNAL_ERROR
  kInvalidToken = 0x80090308,         // SEC_E_INVALID_TOKEN
  kLogonDenied = 0x8009030C,          // SEC_E_LOGON_DENIED
  kMessageAltered = 0x8009030F,       // SEC_E_MESSAGE_ALTERED
  kOutOfSequence = 0x80090310,        // SEC_E_OUT_OF_SEQUENCE
  kTimeSkew = 0x80090324,             // SEC_E_TIME_SKEW
  kBadBindings = 0x80090346,          // SEC_E_BAD_BINDINGS
  kInvalidParameter = 0x80090363,     // SEC_E_INVALID_PARAMETER
  kWrongPrincipal = 0x80090322,       // SEC_E_WRONG_PRINCIPAL
};

// "SEC_E_INVALID_TOKEN" etc.; "0x%08X" for a value without a name.
std::string StatusName(SecStatus status);
// Accepts the SEC_E_/SEC_I_ names above; nullopt for anything else.
std::optional<SecStatus> StatusFromName(std::string_view name);

/// Why a handshake was refused, next to the SecStatus that carries it, so
/// tests and tools assert the reason, not a substring of the text. One value
/// per refusal of the acceptor (docs/windows-fidelity.md lists them).
enum class Refusal : uint8_t {
  kNone = 0,                 // not a refusal (or not classified)
  kMalformedToken,           // a token that does not parse (codecs)
  kOutOfOrder,               // a message of the wrong type or in the wrong state
  kMalformedResponse,        // LM/NT responses that cannot be verified at all
  kMinServerSec,             // NtlmMinServerSec not met
  kAnonymousRefused,         // anonymous logon while the policy refuses it
  kLmCompatLevel,            // LM / NTLMv1 refused by LmCompatibilityLevel
  kUnknownAccount,           // no such account
  kResponseMismatch,         // the response does not verify (wrong password)
  kTimeSkew,                 // NTLMv2 timestamp too far from the server clock
  kMicMissing,               // MIC announced in MsvAvFlags, no MIC field
  kMicMismatch,              // MIC announced and wrong
  kMicRequired,              // the policy requires a MIC, none announced
  kTargetInfoNotEchoed,      // the server's AV pairs did not come back unchanged
  kTargetNameMismatch,       // MsvAvTargetName differs from the expected SPN
  kChannelBindingsMismatch,  // MsvAvChannelBindings differs or is absent
  kInternal,                 // no randomness, or a bug
};

/// "malformed-token", "mic-mismatch", ... ("none" for kNone).
const char* RefusalName(Refusal refusal);

struct Error {
  SecStatus status = SecStatus::kInternalError;
  std::string reason;
  Refusal refusal = Refusal::kNone;
};

inline Error MakeError(SecStatus status, std::string reason) {
  return Error{status, std::move(reason)};
}
inline Error MakeError(SecStatus status, Refusal refusal, std::string reason) {
  return Error{status, std::move(reason), refusal};
}

// Minimal expected-like type (std::expected is C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const T& operator*() const& { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }
  SecStatus status() const { return ok() ? SecStatus::kOk : error().status; }

 private:
  std::variant<T, Error> v_;
};

// Result<void>.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT
  static Status Ok() { return Status(); }
  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }
  SecStatus status() const { return ok() ? SecStatus::kOk : error_->status; }

 private:
  std::optional<Error> error_;
};

}  // namespace ntlm::ssp

// Early returns on error, for functions returning Result<T> or Status:
//   NTLM_RETURN_IF_ERROR(status_expr);
//   NTLM_ASSIGN_OR_RETURN(lhs, result_expr);   // lhs: a variable or a declaration
#define NTLM_STATUS_CONCAT_INNER(a, b) a##b
#define NTLM_STATUS_CONCAT(a, b) NTLM_STATUS_CONCAT_INNER(a, b)
#define NTLM_RETURN_IF_ERROR(expr)                        \
  do {                                                    \
    if (auto ntlm_status_ = (expr); !ntlm_status_.ok()) { \
      return ntlm_status_.error();                        \
    }                                                     \
  } while (0)
#define NTLM_ASSIGN_OR_RETURN(lhs, expr) \
  NTLM_ASSIGN_OR_RETURN_IMPL(NTLM_STATUS_CONCAT(ntlm_result_, __LINE__), lhs, expr)
#define NTLM_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()
