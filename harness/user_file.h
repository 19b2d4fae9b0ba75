// user_file.h: reads an NTLM_USER_FILE (DOMAIN:USER:PASSWORD lines, or
// smbpasswd lines) into the acceptor's account store.
#pragma once

#include <optional>
#include <string>

#include "ssp/credentials.h"

namespace ntlm::harness {

// Reads and parses `path`. A missing or unreadable file, or a malformed
// line, returns nullopt with `error` naming the file (and the line number;
// never a password).
std::optional<ssp::InMemoryCredentialStore> LoadUserFile(const std::string& path,
                                                         std::string& error);

}  // namespace ntlm::harness
