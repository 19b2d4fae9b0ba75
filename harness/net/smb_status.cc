// smb_status.cc: NTSTATUS names and the SSPI -> NTSTATUS mapping (see
// smb_status.h and the table in docs/smb.md).
#include "harness/net/smb_status.h"

#include <cstdio>

namespace ntlm::harness::net::smb {

std::string NtStatusName(uint32_t status) {
  switch (status) {
    case kStatusSuccess:
      return "STATUS_SUCCESS";
    case kStatusMoreProcessingRequired:
      return "STATUS_MORE_PROCESSING_REQUIRED";
    case kStatusInvalidParameter:
      return "STATUS_INVALID_PARAMETER";
    case kStatusAccessDenied:
      return "STATUS_ACCESS_DENIED";
    case kStatusLogonFailure:
      return "STATUS_LOGON_FAILURE";
    case kStatusNotSupported:
      return "STATUS_NOT_SUPPORTED";
    case kStatusNetworkNameDeleted:
      return "STATUS_NETWORK_NAME_DELETED";
    case kStatusBadNetworkName:
      return "STATUS_BAD_NETWORK_NAME";
    case kStatusRequestNotAccepted:
      return "STATUS_REQUEST_NOT_ACCEPTED";
    case kStatusTimeDifferenceAtDc:
      return "STATUS_TIME_DIFFERENCE_AT_DC";
    case kStatusUserSessionDeleted:
      return "STATUS_USER_SESSION_DELETED";
    case kStatusBadBindings:
      return "STATUS_BAD_BINDINGS";
    case kStatusSecEUnsupportedFunction:
      return "SEC_E_UNSUPPORTED_FUNCTION";
    default: {
      char text[16];
      std::snprintf(text, sizeof text, "0x%08X", status);
      return text;
    }
  }
}

uint32_t SessionSetupStatusFor(ssp::SecStatus status) {
  using ssp::SecStatus;
  switch (status) {
    case SecStatus::kOk:
      return kStatusSuccess;
    case SecStatus::kContinueNeeded:
      return kStatusMoreProcessingRequired;
    // Malformed, out-of-order or non-NTLM tokens.
    case SecStatus::kInvalidToken:
    case SecStatus::kInvalidParameter:
      return kStatusInvalidParameter;
    // Wrong password, unknown user, LM/NTLMv1 refused, bad MIC.
    case SecStatus::kLogonDenied:
      return kStatusLogonFailure;
    // NtlmMinServerSec not met.
    case SecStatus::kUnsupportedFunction:
      return kStatusSecEUnsupportedFunction;
    case SecStatus::kTimeSkew:
      return kStatusTimeDifferenceAtDc;
    // Channel bindings / target name (EPA).
    case SecStatus::kBadBindings:
    case SecStatus::kWrongPrincipal:
      return kStatusBadBindings;
    default:
      return kStatusLogonFailure;
  }
}

}  // namespace ntlm::harness::net::smb
