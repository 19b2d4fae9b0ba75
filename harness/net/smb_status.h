// smb_status.h: the NTSTATUS values the SMB front sends ([MS-ERREF] 2.3.1)
// and the one place that maps an SSPI status of the NTLM acceptor to the
// NTSTATUS of a refused SESSION_SETUP. The evidence for each mapping is in
// docs/smb.md.
#pragma once

#include <cstdint>
#include <string>

#include "ssp/status.h"

namespace ntlm::harness::net::smb {

inline constexpr uint32_t kStatusSuccess = 0x00000000;
inline constexpr uint32_t kStatusMoreProcessingRequired = 0xC0000016;
inline constexpr uint32_t kStatusInvalidParameter = 0xC000000D;
inline constexpr uint32_t kStatusAccessDenied = 0xC0000022;
inline constexpr uint32_t kStatusLogonFailure = 0xC000006D;
inline constexpr uint32_t kStatusNotSupported = 0xC00000BB;
inline constexpr uint32_t kStatusNetworkNameDeleted = 0xC00000C9;
inline constexpr uint32_t kStatusBadNetworkName = 0xC00000CC;
inline constexpr uint32_t kStatusRequestNotAccepted = 0xC00000D0;
inline constexpr uint32_t kStatusTimeDifferenceAtDc = 0xC0000133;
inline constexpr uint32_t kStatusUserSessionDeleted = 0xC0000203;
inline constexpr uint32_t kStatusBadBindings = 0xC000035B;
// SEC_E_UNSUPPORTED_FUNCTION carried as an NTSTATUS, as Samba's NTLMSSP
// server returns it when a required flag is missing.
inline constexpr uint32_t kStatusSecEUnsupportedFunction = 0x80090302;

// "STATUS_LOGON_FAILURE", or "0xC0000..." for a value not listed above.
std::string NtStatusName(uint32_t status);

// The NTSTATUS a refused SESSION_SETUP carries for the acceptor's status.
uint32_t SessionSetupStatusFor(ssp::SecStatus status);

}  // namespace ntlm::harness::net::smb
