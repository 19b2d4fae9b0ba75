// gss_peer.cc: see gss_peer.h.
#include "bench/gss_peer.h"

#include <gssapi/gssapi_ext.h>
#include <stdlib.h>  // mkdtemp, setenv

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace ntlm::bench {
namespace {

// 1.3.6.1.4.1.311.2.2.10
gss_OID_desc g_ntlmssp = {10, const_cast<char*>("\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a")};
gss_OID_set_desc g_ntlmssp_set = {1, &g_ntlmssp};
std::string g_dir;

void RemoveDir() {
  std::error_code ignored;
  if (!g_dir.empty()) std::filesystem::remove_all(g_dir, ignored);
}

std::string StatusText(OM_uint32 code, int type) {
  std::string text;
  OM_uint32 context = 0;
  do {
    OM_uint32 minor = 0;
    gss_buffer_desc buf{0, nullptr};
    if (gss_display_status(&minor, code, type, &g_ntlmssp, &context, &buf) != GSS_S_COMPLETE) {
      break;
    }
    if (!text.empty()) text += "; ";
    text.append(static_cast<const char*>(buf.value), buf.length);
    gss_release_buffer(&minor, &buf);
  } while (context != 0);
  return text;
}

}  // namespace

gss_OID NtlmsspOid() { return &g_ntlmssp; }

std::string GssError(OM_uint32 major, OM_uint32 minor) {
  char head[64];
  std::snprintf(head, sizeof head, "GSS major 0x%08x", major);
  return std::string(head) + " (" + StatusText(major, GSS_C_GSS_CODE) + "), minor " +
         std::to_string(minor) + " (" + StatusText(minor, GSS_C_MECH_CODE) + ")";
}

bool SetUpGssEnvironment(std::string* why) {
  static bool done = false;
  if (!done) {
    namespace fs = std::filesystem;
    std::string dir = (fs::temp_directory_path() / "ntlmssp-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) {
      *why = "mkdtemp failed";
      return false;
    }
    g_dir = dir;
    std::atexit(RemoveDir);
    const std::string file = dir + "/ntlm_user_file";
    std::ofstream(file) << kGssDomain << ':' << kGssUser << ':' << kGssPassword << '\n';
    setenv("NTLM_USER_FILE", file.c_str(), 1);
    setenv("NETBIOS_COMPUTER_NAME", "GSSSRV", 1);
    setenv("NETBIOS_DOMAIN_NAME", kGssDomain, 1);
    unsetenv("LM_COMPAT_LEVEL");
    unsetenv("GSSNTLMSSP_DEBUG");
    done = true;
  }
  OM_uint32 minor = 0;
  gss_OID_set mechs = GSS_C_NO_OID_SET;
  if (gss_indicate_mechs(&minor, &mechs) != GSS_S_COMPLETE) {
    *why = "gss_indicate_mechs failed";
    return false;
  }
  int present = 0;
  gss_test_oid_set_member(&minor, &g_ntlmssp, mechs, &present);
  gss_release_oid_set(&minor, &mechs);
  if (!present) {
    *why = "gss-ntlmssp is not registered (install gss-ntlmssp: /etc/gss/mech.d)";
    return false;
  }
  return true;
}

GssPair::~GssPair() {
  OM_uint32 minor = 0;
  if (initiator_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &initiator_, GSS_C_NO_BUFFER);
  if (acceptor_ != GSS_C_NO_CONTEXT) gss_delete_sec_context(&minor, &acceptor_, GSS_C_NO_BUFFER);
  if (initiator_cred_ != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &initiator_cred_);
  if (acceptor_cred_ != GSS_C_NO_CREDENTIAL) gss_release_cred(&minor, &acceptor_cred_);
}

bool GssPair::Establish(std::string* why) {
  if (!SetUpGssEnvironment(why)) return false;
  OM_uint32 major = 0, minor = 0;
  const std::string user = std::string(kGssDomain) + "\\" + kGssUser;
  gss_buffer_desc user_buf{user.size(), const_cast<char*>(user.data())};
  gss_name_t user_name = GSS_C_NO_NAME;
  major = gss_import_name(&minor, &user_buf, GSS_C_NT_USER_NAME, &user_name);
  if (major == GSS_S_COMPLETE) {
    gss_buffer_desc pw{std::string(kGssPassword).size(), const_cast<char*>(kGssPassword)};
    major = gss_acquire_cred_with_password(&minor, user_name, &pw, GSS_C_INDEFINITE, &g_ntlmssp_set,
                                           GSS_C_INITIATE, &initiator_cred_, nullptr, nullptr);
  }
  OM_uint32 ignored = 0;
  if (user_name != GSS_C_NO_NAME) gss_release_name(&ignored, &user_name);
  if (major != GSS_S_COMPLETE) {
    *why = "initiator credentials: " + GssError(major, minor);
    return false;
  }
  major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &g_ntlmssp_set, GSS_C_ACCEPT,
                           &acceptor_cred_, nullptr, nullptr);
  if (major != GSS_S_COMPLETE) {
    *why = "acceptor credentials: " + GssError(major, minor);
    return false;
  }
  const std::string service = "HTTP@server.contoso.test";
  gss_buffer_desc svc{service.size(), const_cast<char*>(service.data())};
  gss_name_t target = GSS_C_NO_NAME;
  major = gss_import_name(&minor, &svc, GSS_C_NT_HOSTBASED_SERVICE, &target);
  if (major != GSS_S_COMPLETE) {
    *why = "target name: " + GssError(major, minor);
    return false;
  }
  gss_buffer_desc to_acceptor{0, nullptr};
  gss_buffer_desc to_initiator{0, nullptr};
  bool ok = false;
  for (int round = 0; round < 3; ++round) {
    major = gss_init_sec_context(&minor, initiator_cred_, &initiator_, target, &g_ntlmssp,
                                 GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | GSS_C_MUTUAL_FLAG, 0,
                                 GSS_C_NO_CHANNEL_BINDINGS,
                                 to_initiator.length ? &to_initiator : GSS_C_NO_BUFFER, nullptr,
                                 &to_acceptor, nullptr, nullptr);
    gss_release_buffer(&ignored, &to_initiator);
    if (GSS_ERROR(major)) {
      *why = "gss_init_sec_context: " + GssError(major, minor);
      break;
    }
    if (to_acceptor.length == 0) break;
    major = gss_accept_sec_context(&minor, &acceptor_, acceptor_cred_, &to_acceptor,
                                   GSS_C_NO_CHANNEL_BINDINGS, nullptr, nullptr, &to_initiator,
                                   nullptr, nullptr, nullptr);
    gss_release_buffer(&ignored, &to_acceptor);
    if (GSS_ERROR(major)) {
      *why = "gss_accept_sec_context: " + GssError(major, minor);
      break;
    }
    if (major == GSS_S_COMPLETE) {
      ok = true;
      break;
    }
  }
  gss_release_buffer(&ignored, &to_initiator);
  gss_release_buffer(&ignored, &to_acceptor);
  gss_release_name(&ignored, &target);
  if (!ok && why->empty()) *why = "the handshake did not complete";
  return ok;
}

}  // namespace ntlm::bench
