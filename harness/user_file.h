// user_file.h: reads an NTLM_USER_FILE (DOMAIN:USER:PASSWORD lines, or
// smbpasswd lines) into the acceptor's account store.
//
// The file holds passwords or NT hashes, so it must be readable by its owner
// only: a file whose mode grants any permission to group or others (mode &
// 077) is refused with a message naming the file, its mode and the fix
// (chmod 600), as ssh does for private keys. Tests that cannot control the
// mode override the check explicitly (UserFileOptions, or the environment
// variable NTLM_ALLOW_INSECURE_USER_FILE=1).
#pragma once

#include <optional>
#include <string>

#include "ssp/credentials.h"

namespace ntlm::harness {

/// Setting NTLM_ALLOW_INSECURE_USER_FILE=1 skips the permission check.
inline constexpr const char* kAllowInsecureUserFileEnv = "NTLM_ALLOW_INSECURE_USER_FILE";

struct UserFileOptions {
  /// Accept a file readable by group or others (tests only).
  bool allow_insecure_permissions = false;
};

// The refusal of a file that holds passwords or NT hashes (`what`: "user
// file", "configuration file") whose `mode` lets group or others access it:
// the message naming the file, its mode and the fix; nullopt when the mode is
// owner-only or the check is overridden (options, or the environment).
std::optional<std::string> SecretFileModeProblem(unsigned mode, const std::string& what,
                                                 const std::string& path,
                                                 UserFileOptions options = {});

// Reads and parses `path`. A missing or unreadable file, a file readable by
// group or others (unless overridden), or a malformed line returns nullopt
// with `error` naming the file (and the mode or line number; never a
// password).
std::optional<ssp::InMemoryCredentialStore> LoadUserFile(const std::string& path,
                                                         std::string& error,
                                                         UserFileOptions options = {});

}  // namespace ntlm::harness
