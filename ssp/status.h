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

struct Error {
  SecStatus status = SecStatus::kInternalError;
  std::string reason;
};

inline Error MakeError(SecStatus status, std::string reason) {
  return Error{status, std::move(reason)};
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
