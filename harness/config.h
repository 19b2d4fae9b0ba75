// config.h: the server's configuration — identity, accounts and policy — from
// one JSON file, the gss-ntlmssp environment names, and command-line
// overrides (in that order of precedence, the command line last).
//
// File format (every key optional; unknown keys are errors):
//   {
//     "identity": {"nb_computer_name": "SRV01", "nb_domain_name": "CONTOSO",
//                  "dns_computer_name": "srv01.contoso.test",
//                  "dns_domain_name": "contoso.test", "dns_tree_name": "contoso.test",
//                  "domain_member": true},
//     "policy": {"min_server_sec": "0x20000000" | "SEAL|128|ESS" | 536870912,
//                "lm_compat_level": 3, "require_mic": false,
//                "target_name": "HTTP/srv01.contoso.test",
//                "channel_bindings_md5": "32 hex digits",
//                "channel_binding_mode": "never" | "when-supported" | "required",
//                "max_clock_skew_s": 129600, "allow_anonymous": false},
//     "accounts": [{"domain": "CONTOSO", "user": "alice", "password": "..."},
//                  {"domain": "CONTOSO", "user": "bob", "nt_hash": "32 hex digits"}],
//     "user_file": "users.txt"
//   }
// Environment (gss-ntlmssp names): NTLM_USER_FILE, LM_COMPAT_LEVEL,
// NETBIOS_COMPUTER_NAME, NETBIOS_DOMAIN_NAME.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ssp/credentials.h"
#include "ssp/server_context.h"
#include "ssp/server_policy.h"

namespace ntlm::harness {

struct ServerConfig {
  ssp::ServerIdentity identity;
  ssp::ServerPolicy policy;
  ssp::InMemoryCredentialStore accounts;
  // Where each part came from, for `--show-config` style output.
  std::vector<std::string> sources;
};

// Command-line values that override the file and the environment.
struct ConfigOverrides {
  std::optional<std::string> min_server_sec;
  std::optional<int> lm_compat_level;
  std::optional<std::string> user_file;
  std::optional<std::string> nb_computer_name;
  std::optional<std::string> nb_domain_name;
};

// Looks up an environment variable (std::getenv by default; tests inject).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnvironment();

// Builds the configuration. A bad file or value: nullopt and `error` naming
// the key (or variable, or option) and what it must be — the caller exits 2.
std::optional<ServerConfig> LoadServerConfig(const std::optional<std::string>& path,
                                             const ConfigOverrides& overrides, const EnvLookup& env,
                                             std::string& error);

}  // namespace ntlm::harness
