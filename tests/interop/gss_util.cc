#include "tests/interop/gss_util.h"

#include <stdlib.h>  // mkdtemp, setenv, unsetenv

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <system_error>

namespace ntlm::interop {
namespace {

gss_OID_desc g_ntlmssp_mech = {GSS_NTLMSSP_OID_LENGTH, const_cast<char*>(GSS_NTLMSSP_OID_STRING)};
gss_OID_set_desc g_ntlmssp_mech_set = {1, &g_ntlmssp_mech};
// 1.2.840.113554.1.2.2.5.5
gss_OID_desc g_spnego_require_mic = {GSS_SPNEGO_REQUIRE_MIC_OID_LENGTH,
                                     const_cast<char*>(GSS_SPNEGO_REQUIRE_MIC_OID_STRING)};
gss_OID_desc g_sspi_session_key = {
    11, const_cast<char*>("\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x05\x05")};

// The temporary directory holding NTLM_USER_FILE, removed at exit.
std::string g_temp_dir;

void RemoveTempDir() {
  std::error_code ignored;
  if (!g_temp_dir.empty()) std::filesystem::remove_all(g_temp_dir, ignored);
}

std::string StatusLines(OM_uint32 code, int type, gss_OID mech) {
  std::string text;
  OM_uint32 context = 0;
  do {
    OM_uint32 minor = 0;
    gss_buffer_desc buf{0, nullptr};
    if (gss_display_status(&minor, code, type, mech, &context, &buf) != GSS_S_COMPLETE) break;
    if (!text.empty()) text += "; ";
    text.append(static_cast<const char*>(buf.value), buf.length);
    gss_release_buffer(&minor, &buf);
  } while (context != 0);
  return text;
}

}  // namespace

gss_OID NtlmsspMech() { return &g_ntlmssp_mech; }
gss_OID_set NtlmsspMechSet() { return &g_ntlmssp_mech_set; }
gss_OID SspiSessionKeyOid() { return &g_sspi_session_key; }

std::string GssStatusText(OM_uint32 major, OM_uint32 minor) {
  char head[64];
  snprintf(head, sizeof head, "GSS major 0x%08x", major);
  std::string text = std::string(head) + " (" + StatusLines(major, GSS_C_GSS_CODE, GSS_C_NO_OID) +
                     "), minor " + std::to_string(minor);
  if (minor != 0) text += " (" + StatusLines(minor, GSS_C_MECH_CODE, NtlmsspMech()) + ")";
  return text;
}

bool RunningUnderCi() {
  const char* ci = std::getenv("CI");
  if (ci == nullptr) return false;
  std::string value(ci);
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return value == "true" || value == "1" || value == "yes";
}

void SetUpGssEnvironment() {
  static std::once_flag once;
  std::call_once(once, [] {
    namespace fs = std::filesystem;
    std::string dir = (fs::temp_directory_path() / "ntlm-interop-XXXXXX").string();
    if (mkdtemp(dir.data()) != nullptr) {
      g_temp_dir = dir;
      std::atexit(RemoveTempDir);
    } else {
      dir = fs::temp_directory_path().string();
    }
    const std::string user_file = (fs::path(dir) / "ntlm_user_file").string();
    {
      std::ofstream out(user_file, std::ios::trunc);
      out << kDomain << ':' << kUser << ':' << kPassword << '\n';
    }
    // Owner-only, as a file of passwords must be (our LoadUserFile refuses others).
    fs::permissions(user_file, fs::perms::owner_read | fs::perms::owner_write,
                    fs::perm_options::replace);
    setenv("NTLM_USER_FILE", user_file.c_str(), 1);
    setenv("NETBIOS_COMPUTER_NAME", std::string(kGssComputerName).c_str(), 1);
    setenv("NETBIOS_DOMAIN_NAME", std::string(kGssDomainName).c_str(), 1);
    unsetenv("LM_COMPAT_LEVEL");
    unsetenv("NTLMUSER");
    unsetenv("NTLM_ALLOW_ANONYMOUS");
    if (const char* debug = std::getenv("NTLM_INTEROP_GSS_DEBUG"); debug && *debug) {
      setenv("GSSNTLMSSP_DEBUG", debug, 1);
    } else {
      unsetenv("GSSNTLMSSP_DEBUG");
    }
  });
}

bool NtlmsspAvailable(std::string* why) {
  SetUpGssEnvironment();
  OM_uint32 minor = 0;
  gss_OID_set mechs = GSS_C_NO_OID_SET;
  OM_uint32 major = gss_indicate_mechs(&minor, &mechs);
  if (major != GSS_S_COMPLETE) {
    if (why) *why = "gss_indicate_mechs failed: " + GssStatusText(major, minor);
    return false;
  }
  int present = 0;
  gss_test_oid_set_member(&minor, NtlmsspMech(), mechs, &present);
  gss_release_oid_set(&minor, &mechs);
  if (!present) {
    if (why) {
      *why =
          "the GSSAPI mechglue does not list 1.3.6.1.4.1.311.2.2.10 (gss-ntlmssp): install the "
          "gss-ntlmssp package (its /etc/gss/mech.d/mech.ntlmssp.conf registers the mechanism)";
    }
    return false;
  }
  return true;
}

ScopedEnv::ScopedEnv(const char* name, std::optional<std::string> value) : name_(name) {
  if (const char* old = std::getenv(name)) old_ = old;
  if (value) {
    setenv(name, value->c_str(), 1);
  } else {
    unsetenv(name);
  }
}

ScopedEnv::~ScopedEnv() {
  if (old_) {
    setenv(name_.c_str(), old_->c_str(), 1);
  } else {
    unsetenv(name_.c_str());
  }
}

GssBuffer::~GssBuffer() {
  OM_uint32 minor = 0;
  if (desc_.value != nullptr) gss_release_buffer(&minor, &desc_);
}

Bytes GssBuffer::bytes() const {
  const auto* p = static_cast<const uint8_t*>(desc_.value);
  return p ? Bytes(p, p + desc_.length) : Bytes{};
}

gss_buffer_desc InputBuffer(ByteSpan bytes) {
  return gss_buffer_desc{bytes.size(), const_cast<uint8_t*>(bytes.data())};
}

gss_buffer_desc InputBuffer(std::string_view text) {
  return gss_buffer_desc{text.size(), const_cast<char*>(text.data())};
}

GssName::~GssName() {
  OM_uint32 minor = 0;
  if (name_ != GSS_C_NO_NAME) gss_release_name(&minor, &name_);
}

std::string GssName::Display() const {
  OM_uint32 minor = 0;
  gss_buffer_desc buf{0, nullptr};
  if (gss_display_name(&minor, name_, &buf, nullptr) != GSS_S_COMPLETE) return {};
  std::string text(static_cast<const char*>(buf.value), buf.length);
  gss_release_buffer(&minor, &buf);
  // gss-ntlmssp 1.2.0 counts the terminating NUL in the buffer's length.
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

GssCred::~GssCred() {
  OM_uint32 minor = 0;
  if (cred_ != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &cred_);
}

GssContext::~GssContext() {
  OM_uint32 minor = 0;
  if (ctx_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &ctx_, GSS_C_NO_BUFFER);
}

GssOutcome AcquireInitiatorCred(std::string_view user, std::string_view password, GssCred& cred) {
  GssOutcome out;
  GssName name;
  gss_buffer_desc user_buf = InputBuffer(user);
  out.major = gss_import_name(&out.minor, &user_buf, GSS_C_NT_USER_NAME, name.out());
  if (out.major != GSS_S_COMPLETE) return out;
  gss_buffer_desc pw = InputBuffer(password);
  out.major = gss_acquire_cred_with_password(&out.minor, name.get(), &pw, GSS_C_INDEFINITE,
                                             NtlmsspMechSet(), GSS_C_INITIATE, cred.out(), nullptr,
                                             nullptr);
  return out;
}

GssOutcome AcquireAcceptorCred(GssCred& cred) {
  GssOutcome out;
  out.major = gss_acquire_cred(&out.minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, NtlmsspMechSet(),
                               GSS_C_ACCEPT, cred.out(), nullptr, nullptr);
  return out;
}

GssOutcome ImportTargetName(GssName& name) {
  GssOutcome out;
  gss_buffer_desc buf = InputBuffer(kTargetService);
  out.major = gss_import_name(&out.minor, &buf, GSS_C_NT_HOSTBASED_SERVICE, name.out());
  return out;
}

GssOutcome InitStep(const GssCred& cred, GssContext& ctx, const GssName& target,
                    OM_uint32 req_flags, ByteSpan input, OM_uint32* ret_flags) {
  GssOutcome out;
  GssBuffer token;
  gss_buffer_desc in = InputBuffer(input);
  OM_uint32 flags = 0;
  out.major = gss_init_sec_context(&out.minor, cred.get(), ctx.out(), target.get(), NtlmsspMech(),
                                   req_flags, 0, GSS_C_NO_CHANNEL_BINDINGS,
                                   input.empty() ? GSS_C_NO_BUFFER : &in, nullptr, token.get(),
                                   &flags, nullptr);
  out.bytes = token.bytes();
  if (ret_flags) *ret_flags = flags;
  return out;
}

GssOutcome AcceptStep(const GssCred& cred, GssContext& ctx, ByteSpan input, GssName* src_name,
                      OM_uint32* ret_flags) {
  GssOutcome out;
  GssBuffer token;
  gss_buffer_desc in = InputBuffer(input);
  OM_uint32 flags = 0;
  GssName ignored;
  out.major = gss_accept_sec_context(
      &out.minor, ctx.out(), cred.get(), &in, GSS_C_NO_CHANNEL_BINDINGS,
      src_name ? src_name->out() : ignored.out(), nullptr, token.get(), &flags, nullptr, nullptr);
  out.bytes = token.bytes();
  if (ret_flags) *ret_flags = flags;
  return out;
}

GssOutcome Wrap(const GssContext& ctx, ByteSpan message, int conf_req) {
  GssOutcome out;
  GssBuffer token;
  gss_buffer_desc in = InputBuffer(message);
  out.major = gss_wrap(&out.minor, ctx.get(), conf_req, GSS_C_QOP_DEFAULT, &in, &out.conf_state,
                       token.get());
  out.bytes = token.bytes();
  return out;
}

GssOutcome Unwrap(const GssContext& ctx, ByteSpan token) {
  GssOutcome out;
  GssBuffer message;
  gss_buffer_desc in = InputBuffer(token);
  gss_qop_t qop = 0;
  out.major = gss_unwrap(&out.minor, ctx.get(), &in, message.get(), &out.conf_state, &qop);
  out.bytes = message.bytes();
  return out;
}

GssOutcome GetMic(const GssContext& ctx, ByteSpan message) {
  GssOutcome out;
  GssBuffer mic;
  gss_buffer_desc in = InputBuffer(message);
  out.major = gss_get_mic(&out.minor, ctx.get(), GSS_C_QOP_DEFAULT, &in, mic.get());
  out.bytes = mic.bytes();
  return out;
}

GssOutcome VerifyMic(const GssContext& ctx, ByteSpan message, ByteSpan mic) {
  GssOutcome out;
  gss_buffer_desc msg = InputBuffer(message);
  gss_buffer_desc sig = InputBuffer(mic);
  gss_qop_t qop = 0;
  out.major = gss_verify_mic(&out.minor, ctx.get(), &msg, &sig, &qop);
  return out;
}

namespace {

// The first element of gss_inquire_sec_context_by_oid(oid).
GssOutcome InquireFirst(const GssContext& ctx, gss_OID oid) {
  GssOutcome out;
  gss_buffer_set_t set = GSS_C_NO_BUFFER_SET;
  out.major = gss_inquire_sec_context_by_oid(&out.minor, ctx.get(), oid, &set);
  if (out.major == GSS_S_COMPLETE && set != GSS_C_NO_BUFFER_SET && set->count > 0) {
    const auto* p = static_cast<const uint8_t*>(set->elements[0].value);
    out.bytes.assign(p, p + set->elements[0].length);
  }
  OM_uint32 minor = 0;
  if (set != GSS_C_NO_BUFFER_SET) gss_release_buffer_set(&minor, &set);
  return out;
}

}  // namespace

GssOutcome SessionKey(const GssContext& ctx) { return InquireFirst(ctx, SspiSessionKeyOid()); }

GssOutcome SpnegoRequireMic(const GssContext& ctx) {
  return InquireFirst(ctx, &g_spnego_require_mic);
}

ssp::FileTime SystemClock::Now() const {
  using namespace std::chrono;
  const auto since_epoch = system_clock::now().time_since_epoch();
  const auto ticks = duration_cast<nanoseconds>(since_epoch).count() / 100;
  return ssp::kFileTimeUnixEpoch + static_cast<ssp::FileTime>(ticks);
}

Bytes MessageOfSize(size_t size, uint8_t seed) {
  Bytes message(size);
  uint32_t x = 0x9e3779b9u ^ seed;
  for (auto& b : message) {
    x = x * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(x >> 24);
  }
  return message;
}

}  // namespace ntlm::interop
