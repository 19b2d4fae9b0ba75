#include "harness/config.h"

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "harness/json_fields.h"
#include "harness/min_server_sec.h"
#include "harness/policy_json.h"
#include "harness/token_input.h"
#include "harness/user_file.h"

namespace ntlm::harness {
namespace {

using nlohmann::json;

bool ParseLmLevel(const std::string& text, int& out) {
  if (text.size() != 1 || text[0] < '0' || text[0] > '5') return false;
  out = text[0] - '0';
  return true;
}

bool ApplyIdentity(const json& j, JsonFields& r, ssp::ServerIdentity& id) {
  if (!j.is_object()) return r.Fail("identity", "must be an object");
  if (!r.Known(j, "identity",
               {"nb_computer_name", "nb_domain_name", "dns_computer_name", "dns_domain_name",
                "dns_tree_name", "domain_member"})) {
    return false;
  }
  struct Field {
    const char* key;
    std::string* target;
  } fields[] = {{"nb_computer_name", &id.nb_computer_name},
                {"nb_domain_name", &id.nb_domain_name},
                {"dns_computer_name", &id.dns_computer_name},
                {"dns_domain_name", &id.dns_domain_name},
                {"dns_tree_name", &id.dns_tree_name}};
  for (const auto& f : fields) {
    std::optional<std::string> v;
    if (!r.String(j, "identity", f.key, v)) return false;
    if (v) {
      if (v->empty() && std::string(f.key).rfind("nb_", 0) == 0) {
        return r.Fail(JsonFields::Join("identity", f.key), "must not be empty");
      }
      *f.target = *v;
    }
  }
  return r.Bool(j, "identity", "domain_member", id.domain_member);
}

// The keys a transcript's `server` object shares go through ReadPolicyFields
// (one set of rules); channel_binding_mode and allow_anonymous are the
// configuration's own.
bool ApplyPolicy(const json& j, JsonFields& r, ssp::ServerPolicy& p) {
  if (!j.is_object()) return r.Fail("policy", "must be an object");
  if (!r.Known(j, "policy",
               {"min_server_sec", "lm_compat_level", "require_mic", "target_name",
                "channel_bindings_md5", "channel_binding_mode", "max_clock_skew_s",
                "allow_anonymous"})) {
    return false;
  }
  PolicyFields fields;
  if (!ReadPolicyFields(j, "policy", r, fields) ||
      !r.Bool(j, "policy", "allow_anonymous", p.allow_anonymous)) {
    return false;
  }
  if (fields.min_server_sec) p.min_server_sec = *fields.min_server_sec;
  if (fields.lm_compat_level) p.lm_compat_level = *fields.lm_compat_level;
  if (fields.require_mic) p.require_mic = *fields.require_mic;
  if (fields.target_name) p.target_name = fields.target_name;
  if (fields.max_clock_skew_s) p.max_clock_skew_seconds = fields.max_clock_skew_s;
  if (fields.no_timestamp_check) p.max_clock_skew_seconds.reset();
  if (fields.channel_bindings_md5) {
    p.channel_bindings_md5 = fields.channel_bindings_md5;
    p.channel_binding_mode = ssp::ChannelBindingMode::kRequired;
  }
  std::optional<std::string> mode;
  if (!r.String(j, "policy", "channel_binding_mode", mode)) return false;
  if (mode) {
    if (*mode == "never") {
      p.channel_binding_mode = ssp::ChannelBindingMode::kNever;
    } else if (*mode == "when-supported") {
      p.channel_binding_mode = ssp::ChannelBindingMode::kWhenSupported;
    } else if (*mode == "required") {
      p.channel_binding_mode = ssp::ChannelBindingMode::kRequired;
    } else {
      return r.Fail("policy.channel_binding_mode",
                    "'" + *mode + "' must be never, when-supported or required");
    }
  }
  return true;
}

bool AddAccounts(const json& j, JsonFields& r, ssp::InMemoryCredentialStore& store) {
  if (!j.is_array()) return r.Fail("accounts", "must be an array");
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string prefix = "accounts[" + std::to_string(i) + "]";
    const json& a = j[i];
    if (!a.is_object()) return r.Fail("accounts[" + std::to_string(i) + "]", "must be an object");
    if (!r.Known(a, prefix, {"domain", "user", "password", "nt_hash"})) return false;
    std::optional<std::string> domain, user, password, nt_hash;
    if (!r.String(a, prefix, "domain", domain) || !r.String(a, prefix, "user", user) ||
        !r.String(a, prefix, "password", password) || !r.String(a, prefix, "nt_hash", nt_hash)) {
      return false;
    }
    if (!user || user->empty())
      return r.Fail(JsonFields::Join(prefix, "user"), "missing (a non-empty string)");
    if (password.has_value() == nt_hash.has_value()) {
      return r.Fail(JsonFields::Join(prefix, "password"),
                    "give exactly one of password and nt_hash");
    }
    auto account = password ? ssp::AccountFromPassword(domain.value_or(""), *user, *password)
                            : ssp::AccountFromNtHash(domain.value_or(""), *user, *nt_hash);
    if (!account.ok()) {
      return r.Fail(JsonFields::Join(prefix, password ? "password" : "nt_hash"),
                    account.error().reason);
    }
    store.Add(std::move(*account));
  }
  return true;
}

bool AddUserFile(const std::string& path, const std::string& origin, ServerConfig& config,
                 std::string& error) {
  std::string why;
  auto store = LoadUserFile(path, why);
  if (!store) {
    error = origin + ": " + why;
    return false;
  }
  for (const auto& a : store->accounts()) config.accounts.Add(a);
  config.sources.push_back("accounts from " + path + " (" + origin + ")");
  return true;
}

// A configuration file with passwords or NT hashes in `accounts` is held to
// the user file's rule: readable by its owner only.
bool SecretsFileIsPrivate(const std::string& path, std::string& error) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    error = path + ": cannot stat";
    return false;
  }
  if (auto problem = SecretFileModeProblem(info.st_mode, "configuration file", path)) {
    error = *problem + " (its accounts hold passwords or NT hashes)";
    return false;
  }
  return true;
}

// user_file in a configuration file is relative to the file's folder.
std::string RelativeToFolderOf(const std::string& config_path, const std::string& file) {
  const std::filesystem::path p(file);
  if (p.is_absolute()) return file;
  return (std::filesystem::path(config_path).parent_path() / p).string();
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

std::optional<ServerConfig> LoadServerConfig(const std::optional<std::string>& path,
                                             const ConfigOverrides& overrides, const EnvLookup& env,
                                             std::string& error) {
  ServerConfig config;
  std::optional<std::string> file_user_file;
  if (path) {
    std::ifstream in(*path, std::ios::binary);
    if (!in) {
      error = *path + ": cannot be read";
      return std::nullopt;
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    json doc = json::parse(buffer.str(), nullptr, false);
    if (doc.is_discarded()) {
      error = *path + ": not valid JSON";
      return std::nullopt;
    }
    JsonFields r(*path, error);
    if (!doc.is_object()) {
      r.Fail("(top level)", "must be a JSON object");
      return std::nullopt;
    }
    if (!r.Known(doc, "", {"identity", "policy", "accounts", "user_file"})) return std::nullopt;
    if (auto it = doc.find("identity");
        it != doc.end() && !ApplyIdentity(*it, r, config.identity)) {
      return std::nullopt;
    }
    if (auto it = doc.find("policy"); it != doc.end() && !ApplyPolicy(*it, r, config.policy)) {
      return std::nullopt;
    }
    if (auto it = doc.find("accounts"); it != doc.end() && !AddAccounts(*it, r, config.accounts)) {
      return std::nullopt;
    }
    if (config.accounts.size() > 0 && !SecretsFileIsPrivate(*path, error)) return std::nullopt;
    if (!r.String(doc, "", "user_file", file_user_file)) return std::nullopt;
    if (file_user_file) *file_user_file = RelativeToFolderOf(*path, *file_user_file);
    config.sources.push_back("configuration file " + *path);
  }

  // Environment (gss-ntlmssp names).
  if (auto v = env("LM_COMPAT_LEVEL"); v && !v->empty()) {
    if (!ParseLmLevel(*v, config.policy.lm_compat_level)) {
      error = "environment LM_COMPAT_LEVEL: '" + *v + "' must be 0..5";
      return std::nullopt;
    }
    config.sources.push_back("LM_COMPAT_LEVEL from the environment");
  }
  if (auto v = env("NETBIOS_COMPUTER_NAME"); v && !v->empty()) {
    config.identity.nb_computer_name = *v;
  }
  if (auto v = env("NETBIOS_DOMAIN_NAME"); v && !v->empty()) config.identity.nb_domain_name = *v;

  // Command line.
  if (overrides.min_server_sec) {
    std::string why;
    auto v = ParseMinServerSec(*overrides.min_server_sec, why);
    if (!v) {
      error = "--min-server-sec: " + why;
      return std::nullopt;
    }
    config.policy.min_server_sec = *v;
  }
  if (overrides.lm_compat_level) {
    if (*overrides.lm_compat_level < 0 || *overrides.lm_compat_level > 5) {
      error = "--lm-compat: " + std::to_string(*overrides.lm_compat_level) + " must be 0..5";
      return std::nullopt;
    }
    config.policy.lm_compat_level = *overrides.lm_compat_level;
  }
  if (overrides.nb_computer_name) config.identity.nb_computer_name = *overrides.nb_computer_name;
  if (overrides.nb_domain_name) config.identity.nb_domain_name = *overrides.nb_domain_name;

  // Accounts from a user file: the command line, else NTLM_USER_FILE, else
  // the configuration file's user_file.
  if (overrides.user_file) {
    if (!AddUserFile(*overrides.user_file, "--users", config, error)) return std::nullopt;
  } else if (auto v = env("NTLM_USER_FILE"); v && !v->empty()) {
    if (!AddUserFile(*v, "environment NTLM_USER_FILE", config, error)) return std::nullopt;
  } else if (file_user_file) {
    if (!AddUserFile(*file_user_file, *path + ": user_file", config, error)) return std::nullopt;
  }
  return config;
}

}  // namespace ntlm::harness
