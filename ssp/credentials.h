// credentials.h: the acceptor's account store.
//
// The store holds NT one-way hashes (and LM hashes when the password is known
// and representable), never needs the password after loading, and matches
// user and domain case-insensitively as Windows does. ParseUserFile reads the
// text of an NTLM_USER_FILE as gss-ntlmssp and pyspnego use it (the harness
// reads the file; ssp/ does no I/O).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/secret.h"
#include "ssp/status.h"

namespace ntlm::ssp {

struct Account {
  std::string domain;  // may be empty: matches any domain the client names
  std::string user;
  crypto::Key16 nt_hash;                 // NTOWFv1
  std::optional<crypto::Key16> lm_hash;  // LMOWFv1, when derivable
};

// Builds an account from a password (UTF-8). LMOWFv1 is derived when the
// password can be represented (Windows stores no LM hash otherwise).
Result<Account> AccountFromPassword(std::string_view domain, std::string_view user,
                                    std::string_view password);
// Builds an account from a 32-hex-digit NT hash.
Result<Account> AccountFromNtHash(std::string_view domain, std::string_view user,
                                  std::string_view nt_hash_hex);

class CredentialStore {
 public:
  virtual ~CredentialStore() = default;
  // Every account that may be the one the client means, best match first:
  // user equal ignoring case, and domain equal ignoring case, or the stored
  // domain empty, or the client's domain empty. The verifier tries them in
  // order, so an ambiguous name is settled by which hash verifies.
  virtual std::vector<const Account*> Candidates(std::string_view user,
                                                 std::string_view domain) const = 0;
};

class InMemoryCredentialStore final : public CredentialStore {
 public:
  void Add(Account account) { accounts_.push_back(std::move(account)); }
  size_t size() const { return accounts_.size(); }
  const std::vector<Account>& accounts() const { return accounts_; }
  std::vector<const Account*> Candidates(std::string_view user,
                                         std::string_view domain) const override;

 private:
  std::vector<Account> accounts_;
};

// Parses NTLM_USER_FILE text. Accepted lines:
//   DOMAIN:USER:PASSWORD        (gss-ntlmssp / pyspnego; the password is
//                                everything after the second ':')
//   USER:UID:LMHASH:NTHASH:[FLAGS]:LCT-...   (Samba smbpasswd; domain empty)
// Blank lines and lines starting with '#' are skipped. Errors name the line
// number and what is wrong (never the password).
Result<InMemoryCredentialStore> ParseUserFile(std::string_view text);

}  // namespace ntlm::ssp
