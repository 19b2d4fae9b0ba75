#include "ssp/status.h"

#include <array>
#include <cstdio>

namespace ntlm::ssp {
namespace {

struct NamedStatus {
  SecStatus status;
  std::string_view name;
};

constexpr std::array<NamedStatus, 12> kNames = {{
    {SecStatus::kOk, "SEC_E_OK"},
    {SecStatus::kContinueNeeded, "SEC_I_CONTINUE_NEEDED"},
    {SecStatus::kUnsupportedFunction, "SEC_E_UNSUPPORTED_FUNCTION"},
    {SecStatus::kInternalError, "SEC_E_INTERNAL_ERROR"},
    {SecStatus::kInvalidToken, "SEC_E_INVALID_TOKEN"},
    {SecStatus::kLogonDenied, "SEC_E_LOGON_DENIED"},
    {SecStatus::kMessageAltered, "SEC_E_MESSAGE_ALTERED"},
    {SecStatus::kOutOfSequence, "SEC_E_OUT_OF_SEQUENCE"},
    {SecStatus::kTimeSkew, "SEC_E_TIME_SKEW"},
    {SecStatus::kBadBindings, "SEC_E_BAD_BINDINGS"},
    {SecStatus::kInvalidParameter, "SEC_E_INVALID_PARAMETER"},
    {SecStatus::kWrongPrincipal, "SEC_E_WRONG_PRINCIPAL"},
}};

}  // namespace

std::string StatusName(SecStatus status) {
  for (const auto& n : kNames) {
    if (n.status == status) return std::string(n.name);
  }
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08X", static_cast<unsigned>(status));
  return buf;
}

const char* RefusalName(Refusal refusal) {
  switch (refusal) {
    case Refusal::kNone:
      return "none";
    case Refusal::kMalformedToken:
      return "malformed-token";
    case Refusal::kOutOfOrder:
      return "out-of-order";
    case Refusal::kMalformedResponse:
      return "malformed-response";
    case Refusal::kMinServerSec:
      return "min-server-sec";
    case Refusal::kAnonymousRefused:
      return "anonymous-refused";
    case Refusal::kLmCompatLevel:
      return "lm-compat-level";
    case Refusal::kUnknownAccount:
      return "unknown-account";
    case Refusal::kResponseMismatch:
      return "response-mismatch";
    case Refusal::kTimeSkew:
      return "time-skew";
    case Refusal::kMicMissing:
      return "mic-missing";
    case Refusal::kMicMismatch:
      return "mic-mismatch";
    case Refusal::kMicRequired:
      return "mic-required";
    case Refusal::kTargetInfoNotEchoed:
      return "target-info-not-echoed";
    case Refusal::kTargetNameMismatch:
      return "target-name-mismatch";
    case Refusal::kChannelBindingsMismatch:
      return "channel-bindings-mismatch";
    case Refusal::kInternal:
      return "internal";
  }
  return "unknown";
}

std::optional<SecStatus> StatusFromName(std::string_view name) {
  for (const auto& n : kNames) {
    if (n.name == name) return n.status;
  }
  return std::nullopt;
}

}  // namespace ntlm::ssp
