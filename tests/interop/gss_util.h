// gss_util.h: thin RAII wrappers over the GSSAPI C interface and the process
// setup the gss-ntlmssp mechanism needs, for the in-process interoperability
// tests (tests/interop/README.md).
//
// gss-ntlmssp is reached only through MIT krb5's mechglue (libgssapi_krb5),
// which loads it from /etc/gss/mech.d/. Nothing here opens a socket: both
// peers live in this process and tokens are handed over as byte strings.
#pragma once

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_ntlmssp.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "ssp/environment.h"

namespace ntlm::interop {

// The account both sides know (NTLM_USER_FILE line "CONTOSO:alice:Passw0rd!").
inline constexpr std::string_view kDomain = "CONTOSO";
inline constexpr std::string_view kUser = "alice";
inline constexpr std::string_view kPassword = "Passw0rd!";
inline constexpr std::string_view kQualifiedUser = "CONTOSO\\alice";
// gss-ntlmssp's own NetBIOS names when it is the acceptor (and its
// workstation name when it is the initiator).
inline constexpr std::string_view kGssComputerName = "GSSSRV";
inline constexpr std::string_view kGssDomainName = "CONTOSO";
// The service the gss-ntlmssp initiator names (GSS_C_NT_HOSTBASED_SERVICE),
// and the SPN it puts into MsvAvTargetName.
inline constexpr std::string_view kTargetService = "HTTP@server.contoso.test";
inline constexpr std::string_view kTargetSpn = "HTTP/server.contoso.test";

// gss-ntlmssp's mechanism, 1.3.6.1.4.1.311.2.2.10 (GSS_NTLMSSP_OID_STRING).
gss_OID NtlmsspMech();
// A one-element OID set holding NtlmsspMech().
gss_OID_set NtlmsspMechSet();
// GSS_C_INQ_SSPI_SESSION_KEY, 1.2.840.113554.1.2.2.5.5: the context's
// ExportedSessionKey (MS-NLMP 3.1.5.1.2 / 3.2.5.1.2).
gss_OID SspiSessionKeyOid();

// "GSS major: <text>; minor <n>: <mech text>" for a failed call.
std::string GssStatusText(OM_uint32 major, OM_uint32 minor);

// CI=true (or 1/yes) in the environment: a missing gss-ntlmssp is a failure.
bool RunningUnderCi();

// Sets the process environment gss-ntlmssp reads (NTLM_USER_FILE with the
// account above in a fresh temporary file, NETBIOS_COMPUTER_NAME,
// NETBIOS_DOMAIN_NAME, LM_COMPAT_LEVEL unset, GSSNTLMSSP_DEBUG unset unless
// NTLM_INTEROP_GSS_DEBUG names a file). Idempotent; must run before the
// first GSSAPI call (every fixture calls it first).
void SetUpGssEnvironment();

// Whether the mechglue lists the gss-ntlmssp mechanism (its .so is
// registered in /etc/gss/mech.d and loads). `why` says what is missing.
bool NtlmsspAvailable(std::string* why);

// Sets one environment variable for the lifetime of the object and restores
// the previous value (or its absence) afterwards. gss-ntlmssp reads
// LM_COMPAT_LEVEL with getenv each time a context is created (at the first
// gss_init_sec_context / gss_accept_sec_context call), so scoping the value
// around that call is enough; nothing is cached per process.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, std::optional<std::string> value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// A gss_buffer_desc the library allocated; released with gss_release_buffer.
class GssBuffer {
 public:
  GssBuffer() = default;
  ~GssBuffer();
  GssBuffer(const GssBuffer&) = delete;
  GssBuffer& operator=(const GssBuffer&) = delete;
  gss_buffer_t get() { return &desc_; }
  Bytes bytes() const;

 private:
  gss_buffer_desc desc_{0, nullptr};
};

// Read-only view of caller bytes as an input gss_buffer_desc.
gss_buffer_desc InputBuffer(ByteSpan bytes);
gss_buffer_desc InputBuffer(std::string_view text);

class GssName {
 public:
  GssName() = default;
  ~GssName();
  GssName(const GssName&) = delete;
  GssName& operator=(const GssName&) = delete;
  gss_name_t* out() { return &name_; }
  gss_name_t get() const { return name_; }
  // gss_display_name of the name without trailing NULs (gss-ntlmssp 1.2.0
  // includes the terminator in the length); empty on failure.
  std::string Display() const;

 private:
  gss_name_t name_ = GSS_C_NO_NAME;
};

class GssCred {
 public:
  GssCred() = default;
  ~GssCred();
  GssCred(const GssCred&) = delete;
  GssCred& operator=(const GssCred&) = delete;
  gss_cred_id_t* out() { return &cred_; }
  gss_cred_id_t get() const { return cred_; }

 private:
  gss_cred_id_t cred_ = GSS_C_NO_CREDENTIAL;
};

class GssContext {
 public:
  GssContext() = default;
  ~GssContext();
  GssContext(const GssContext&) = delete;
  GssContext& operator=(const GssContext&) = delete;
  gss_ctx_id_t* out() { return &ctx_; }
  gss_ctx_id_t get() const { return ctx_; }

 private:
  gss_ctx_id_t ctx_ = GSS_C_NO_CONTEXT;
};

// The outcome of one GSSAPI call: status, output bytes, conf_state.
struct GssOutcome {
  OM_uint32 major = GSS_S_FAILURE;
  OM_uint32 minor = 0;
  Bytes bytes;
  int conf_state = -1;
  bool ok() const { return major == GSS_S_COMPLETE; }
  std::string Text() const { return GssStatusText(major, minor); }
};

// Imports "CONTOSO\alice" (GSS_C_NT_USER_NAME) and acquires initiator
// credentials for it with gss_acquire_cred_with_password.
GssOutcome AcquireInitiatorCred(std::string_view user, std::string_view password, GssCred& cred);
// gss_acquire_cred(GSS_C_NO_NAME, ..., GSS_C_ACCEPT) for the NTLMSSP mech.
GssOutcome AcquireAcceptorCred(GssCred& cred);
// Imports kTargetService as GSS_C_NT_HOSTBASED_SERVICE.
GssOutcome ImportTargetName(GssName& name);

// One gss_init_sec_context step (`input` empty on the first call).
GssOutcome InitStep(const GssCred& cred, GssContext& ctx, const GssName& target,
                    OM_uint32 req_flags, ByteSpan input, OM_uint32* ret_flags = nullptr);
// One gss_accept_sec_context step; `src_name` is filled when it completes.
GssOutcome AcceptStep(const GssCred& cred, GssContext& ctx, ByteSpan input, GssName* src_name,
                      OM_uint32* ret_flags = nullptr);

// gss_inquire_sec_context_by_oid(GSS_SPNEGO_REQUIRE_MIC_OID), as the SPNEGO
// mechanism calls it. Asked after the NEGOTIATE, it tells gss-ntlmssp that
// the caller can handle a MIC, and only then does gss-ntlmssp 1.2.0 put
// MsvAvFlags 0x2 and a MIC into its AUTHENTICATE; asked after the
// AUTHENTICATE, the one-byte answer says whether a MIC was sent (1) or not (0).
GssOutcome SpnegoRequireMic(const GssContext& ctx);

// Per-message calls on an established context.
GssOutcome Wrap(const GssContext& ctx, ByteSpan message, int conf_req = 1);
GssOutcome Unwrap(const GssContext& ctx, ByteSpan token);
GssOutcome GetMic(const GssContext& ctx, ByteSpan message);
GssOutcome VerifyMic(const GssContext& ctx, ByteSpan message, ByteSpan mic);
// gss_inquire_sec_context_by_oid(GSS_C_INQ_SSPI_SESSION_KEY): the first
// element of the returned set (the 16-byte ExportedSessionKey).
GssOutcome SessionKey(const GssContext& ctx);

// The wall clock as a FILETIME, for the NTLMv2 timestamps gss-ntlmssp puts
// into its tokens (it reads the real clock, so our side must as well).
class SystemClock final : public ssp::Clock {
 public:
  ssp::FileTime Now() const override;
};

// Deterministic message bodies of a given size.
Bytes MessageOfSize(size_t size, uint8_t seed);

}  // namespace ntlm::interop
