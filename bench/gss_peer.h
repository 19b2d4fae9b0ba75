// gss_peer.h: gss-ntlmssp driven in-process through MIT krb5's GSSAPI
// mechglue, for the comparison benchmarks (bench/gss_bench.cc). Bench-local:
// the test helpers (tests/interop/gss_util.*) are not linked into the bench.
//
// gss-ntlmssp (mechanism 1.3.6.1.4.1.311.2.2.10, loaded from
// /etc/gss/mech.d) reads its accounts from the file NTLM_USER_FILE names
// ("DOMAIN:USER:PASSWORD" lines); SetUpEnvironment() writes one with the
// bench account into a temporary file before the first GSSAPI call.
#pragma once

#include <gssapi/gssapi.h>

#include <string>

#include "crypto/bytes.h"

namespace ntlm::bench {

inline constexpr const char* kGssDomain = "CONTOSO";
inline constexpr const char* kGssUser = "alice";
inline constexpr const char* kGssPassword = "Passw0rd!";

// Writes NTLM_USER_FILE and the NetBIOS names; idempotent. False (with `why`)
// when gss-ntlmssp is not registered with the mechglue.
bool SetUpGssEnvironment(std::string* why);

gss_OID NtlmsspOid();

// An established gss-ntlmssp initiator/acceptor pair (confidentiality and
// integrity requested), or an error text.
class GssPair {
 public:
  GssPair() = default;
  ~GssPair();
  GssPair(const GssPair&) = delete;
  GssPair& operator=(const GssPair&) = delete;

  bool Establish(std::string* why);
  gss_ctx_id_t initiator() const { return initiator_; }
  gss_ctx_id_t acceptor() const { return acceptor_; }

 private:
  gss_cred_id_t initiator_cred_ = GSS_C_NO_CREDENTIAL;
  gss_cred_id_t acceptor_cred_ = GSS_C_NO_CREDENTIAL;
  gss_ctx_id_t initiator_ = GSS_C_NO_CONTEXT;
  gss_ctx_id_t acceptor_ = GSS_C_NO_CONTEXT;
};

// "major 0x..., minor ..." with gss_display_status texts.
std::string GssError(OM_uint32 major, OM_uint32 minor);

}  // namespace ntlm::bench
