#include "ssp/credentials.h"

#include <algorithm>
#include <cctype>

#include "ssp/hex.h"
#include "ssp/keys.h"
#include "ssp/unicode.h"

namespace ntlm::ssp {
namespace {

std::vector<std::string_view> SplitColon(std::string_view line) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t colon = line.find(':', start);
    if (colon == std::string_view::npos) {
      parts.push_back(line.substr(start));
      return parts;
    }
    parts.push_back(line.substr(start, colon - start));
    start = colon + 1;
  }
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

// smbpasswd: user:uid:LM:NT:[flags]:LCT-xxxxxxxx
bool LooksLikeSmbpasswd(const std::vector<std::string_view>& f) {
  return f.size() >= 6 && AllDigits(f[1]) && f[3].size() == 32 && !f[4].empty() &&
         f[4].front() == '[';
}

Error LineError(size_t line_no, std::string_view what) {
  return MakeError(SecStatus::kInvalidParameter,
                   "user file line " + std::to_string(line_no) + ": " + std::string(what));
}

}  // namespace

Result<Account> AccountFromPassword(std::string_view domain, std::string_view user,
                                    std::string_view password) {
  NTLM_ASSIGN_OR_RETURN(auto nt, NtOwfV1(password));
  Account account;
  account.domain = std::string(domain);
  account.user = std::string(user);
  account.nt_hash = std::move(nt);
  if (auto lm = LmOwfV1(password); lm.ok()) account.lm_hash = std::move(*lm);
  return account;
}

Result<Account> AccountFromNtHash(std::string_view domain, std::string_view user,
                                  std::string_view nt_hash_hex) {
  Account account;
  account.domain = std::string(domain);
  account.user = std::string(user);
  if (!ParseKey16Hex(nt_hash_hex, account.nt_hash)) {
    return MakeError(SecStatus::kInvalidParameter,
                     "NT hash for '" + std::string(user) + "' must be 32 hex digits");
  }
  return account;
}

std::vector<const Account*> InMemoryCredentialStore::Candidates(std::string_view user,
                                                                std::string_view domain) const {
  std::vector<const Account*> exact;
  std::vector<const Account*> loose;
  for (const auto& account : accounts_) {
    if (!EqualsIgnoreCase(account.user, user)) continue;
    if (EqualsIgnoreCase(account.domain, domain)) {
      exact.push_back(&account);
    } else if (account.domain.empty() || domain.empty()) {
      loose.push_back(&account);
    }
  }
  exact.insert(exact.end(), loose.begin(), loose.end());
  return exact;
}

Result<InMemoryCredentialStore> ParseUserFile(std::string_view text) {
  InMemoryCredentialStore store;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view trimmed = line;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
      trimmed.remove_prefix(1);
    }
    if (trimmed.empty() || trimmed.front() == '#') {
      if (end == text.size()) break;
      continue;
    }
    auto fields = SplitColon(line);
    if (LooksLikeSmbpasswd(fields)) {
      if (fields[0].empty()) return LineError(line_no, "empty user name");
      auto account = AccountFromNtHash("", fields[0], fields[3]);
      if (!account.ok()) return LineError(line_no, "NT hash field is not 32 hex digits");
      crypto::Key16 lm;
      if (ParseKey16Hex(fields[2], lm)) account->lm_hash = lm;
      store.Add(std::move(*account));
    } else {
      if (fields.size() < 3) {
        return LineError(line_no, "expected DOMAIN:USER:PASSWORD (found " +
                                      std::to_string(fields.size()) + " field" +
                                      (fields.size() == 1 ? "" : "s") + ")");
      }
      if (fields[1].empty()) return LineError(line_no, "empty user name");
      size_t password_start = fields[0].size() + 1 + fields[1].size() + 1;
      auto account = AccountFromPassword(fields[0], fields[1], line.substr(password_start));
      if (!account.ok()) return LineError(line_no, account.error().reason);
      store.Add(std::move(*account));
    }
    if (end == text.size()) break;
  }
  if (store.size() == 0) {
    return MakeError(SecStatus::kInvalidParameter, "user file holds no accounts");
  }
  return store;
}

}  // namespace ntlm::ssp
