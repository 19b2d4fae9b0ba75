#include "harness/transcript.h"

#include <cctype>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "harness/json_fields.h"
#include "harness/policy_json.h"
#include "harness/token_input.h"
#include "ssp/flags.h"
#include "ssp/hex.h"

namespace ntlm::harness {
namespace {

using nlohmann::json;

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

}  // namespace

const char* EntryTypeName(EntryType type) {
  switch (type) {
    case EntryType::kNegotiate:
      return "negotiate";
    case EntryType::kChallenge:
      return "challenge";
    case EntryType::kAuthenticate:
      return "authenticate";
    case EntryType::kSeal:
      return "seal";
    case EntryType::kSign:
      return "sign";
  }
  return "unknown";
}

namespace {

// Exactly `n` decimal digits at text[pos..]; advances pos.
bool ReadDigits(const std::string& text, size_t& pos, size_t n, int& out) {
  if (pos + n > text.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(const std::string& text, size_t& pos, std::string_view chars) {
  if (pos >= text.size() || chars.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

}  // namespace

std::optional<ssp::FileTime> ParseRfc3339(const std::string& text) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM), fixed-width fields.
  size_t pos = 0;
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, pos, 4, year) || !Expect(text, pos, "-") ||
      !ReadDigits(text, pos, 2, month) || !Expect(text, pos, "-") ||
      !ReadDigits(text, pos, 2, day) || !Expect(text, pos, "Tt ") ||
      !ReadDigits(text, pos, 2, hour) || !Expect(text, pos, ":") ||
      !ReadDigits(text, pos, 2, minute) || !Expect(text, pos, ":") ||
      !ReadDigits(text, pos, 2, second)) {
    return std::nullopt;
  }
  if (year < 1601 || month < 1 || month > 12 || day < 1 || day > DaysInMonth(year, month) ||
      hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  uint64_t fraction_ticks = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    uint64_t scale = 1000000;  // ticks per 0.1 s
    size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      fraction_ticks += static_cast<uint64_t>(text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
      ++digits;
    }
    if (digits == 0) return std::nullopt;
  }
  int64_t offset_seconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '+' ? 1 : -1;
    ++pos;
    int oh, om;
    if (!ReadDigits(text, pos, 2, oh) || !Expect(text, pos, ":") || !ReadDigits(text, pos, 2, om) ||
        oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_seconds = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  int64_t unix_seconds =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hour * 3600 + minute * 60 + second - offset_seconds;
  int64_t ticks = unix_seconds * static_cast<int64_t>(ssp::kFileTimeTicksPerSecond) +
                  static_cast<int64_t>(ssp::kFileTimeUnixEpoch);
  if (ticks < 0) return std::nullopt;
  return static_cast<ssp::FileTime>(ticks) + fraction_ticks;
}

std::string FormatRfc3339(ssp::FileTime time) {
  // Unsigned arithmetic from 1601-01-01 covers the whole FILETIME range.
  const uint64_t secs = time / ssp::kFileTimeTicksPerSecond;
  const uint64_t days_since_1601 = secs / 86400;
  const uint64_t rem = secs % 86400;
  // 1601-01-01 is 134774 days before 1970-01-01.
  const int64_t days = static_cast<int64_t>(days_since_1601) - 134774;
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, y, m, d);
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02llu:%02llu:%02lluZ",
                static_cast<long long>(y), m, d, static_cast<unsigned long long>(rem / 3600),
                static_cast<unsigned long long>(rem / 60 % 60),
                static_cast<unsigned long long>(rem % 60));
  return buf;
}

namespace {

// "accounts": each with a password or an NT hash.
bool ParseAccounts(const json& root, JsonFields& p, Transcript& t) {
  if (auto it = root.find("accounts"); it != root.end()) {
    if (!it->is_array()) {
      return p.Fail("accounts", "must be an array");
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& a = (*it)[i];
      std::string where = "accounts[" + std::to_string(i) + "]";
      if (!a.is_object()) {
        return p.Fail(where, "must be an object");
      }
      TranscriptAccount account;
      std::string password, nt_hash;
      if (!p.String(a, where, "user", account.user, Need::kRequired) ||
          !p.String(a, where, "domain", account.domain) ||
          !p.String(a, where, "password", password) || !p.String(a, where, "nt_hash", nt_hash)) {
        return false;
      }
      if (a.contains("password")) account.password = password;
      if (a.contains("nt_hash")) {
        if (nt_hash.size() != 32 ||
            nt_hash.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos) {
          return p.Fail(where + ".nt_hash", "must be 32 hex digits");
        }
        account.nt_hash = nt_hash;
      }
      if (!account.password && !account.nt_hash) {
        return p.Fail(where, "needs a password or an nt_hash");
      }
      t.accounts.push_back(std::move(account));
    }
  }
  return true;
}

// "server": the policy (the keys a configuration's policy shares, read by
// ReadPolicyFields) and the clock the exchange ran under.
bool ParseServer(const json& root, JsonFields& p, Transcript& t) {
  auto it = root.find("server");
  if (it == root.end() || it->is_null()) return true;
  const json& s = *it;
  if (!s.is_object()) return p.Fail("server", "must be an object");
  PolicyFields policy;
  if (!ReadPolicyFields(s, "server", p, policy)) return false;
  if (policy.no_timestamp_check) {
    return p.Fail("server.max_clock_skew_s",
                  "null (no timestamp check) is a configuration value; a transcript without "
                  "`clock` has no timestamp check");
  }
  t.server.min_server_sec = policy.min_server_sec;
  t.server.lm_compat_level = policy.lm_compat_level;
  t.server.max_clock_skew_s = policy.max_clock_skew_s;
  t.server.require_mic = policy.require_mic;
  t.server.target_name = policy.target_name;
  t.server.channel_bindings_md5 = policy.channel_bindings_md5;
  if (auto v = s.find("clock"); v != s.end() && !v->is_null()) {
    auto parsed = v->is_string() ? ParseRfc3339(v->get<std::string>()) : std::nullopt;
    if (!parsed) {
      return p.Fail("server.clock", "must be an RFC 3339 time such as 2026-11-25T12:00:00Z");
    }
    t.server.clock = parsed;
    t.server.clock_text = v->get<std::string>();
  }
  return true;
}

// "exchange": the messages in order, each in the direction its type requires.
bool ParseExchange(const json& root, JsonFields& p, Transcript& t) {
  auto ex = root.find("exchange");
  if (ex == root.end() || !ex->is_array() || ex->empty()) {
    return p.Fail("exchange", "missing or empty (must be an array of messages)");
  }
  for (size_t i = 0; i < ex->size(); ++i) {
    const json& e = (*ex)[i];
    std::string where = "exchange[" + std::to_string(i) + "]";
    if (!e.is_object()) {
      return p.Fail(where, "must be an object");
    }
    TranscriptEntry entry;
    std::string dir, type;
    if (!p.String(e, where, "dir", dir, Need::kRequired) ||
        !p.String(e, where, "type", type, Need::kRequired)) {
      return false;
    }
    if (dir == "c2s") {
      entry.dir = EntryDir::kClientToServer;
    } else if (dir == "s2c") {
      entry.dir = EntryDir::kServerToClient;
    } else {
      return p.Fail(where + ".dir", "is '" + dir + "', expected c2s or s2c");
    }
    static const std::pair<const char*, EntryType> kTypes[] = {
        {"negotiate", EntryType::kNegotiate},
        {"challenge", EntryType::kChallenge},
        {"authenticate", EntryType::kAuthenticate},
        {"seal", EntryType::kSeal},
        {"sign", EntryType::kSign}};
    bool known = false;
    for (const auto& [n, tt] : kTypes) {
      if (type == n) {
        entry.type = tt;
        known = true;
      }
    }
    if (!known) {
      return p.Fail(where + ".type",
                    "is '" + type + "', expected negotiate, challenge, authenticate, seal or sign");
    }
    const bool token_type = entry.type == EntryType::kNegotiate ||
                            entry.type == EntryType::kChallenge ||
                            entry.type == EntryType::kAuthenticate;
    if (token_type) {
      const EntryDir want = entry.type == EntryType::kChallenge ? EntryDir::kServerToClient
                                                                : EntryDir::kClientToServer;
      if (entry.dir != want) {
        return p.Fail(where + ".dir", std::string("a ") + type + " must be " +
                                          (want == EntryDir::kClientToServer ? "c2s" : "s2c"));
      }
      if (!p.Base64(e, where, "token", entry.token, Need::kRequired)) return false;
    } else {
      if (!p.Base64(e, where, "plaintext", entry.plaintext, Need::kRequired)) return false;
      if (entry.type == EntryType::kSeal &&
          !p.Base64(e, where, "data", entry.data, Need::kRequired)) {
        return false;
      }
      if (e.contains("signed")) {
        Bytes signed_bytes;
        if (!p.Base64(e, where, "signed", signed_bytes, Need::kRequired)) return false;
        entry.signed_bytes = std::move(signed_bytes);
      }
      auto sig = e.find("signature");
      if (sig == e.end()) {
        return p.Fail(where + ".signature", "missing (32 hex digits)");
      }
      if (!p.Hex16(*sig, where + ".signature", entry.signature)) return false;
      if (entry.type == EntryType::kSeal && entry.data.size() != entry.plaintext.size()) {
        return p.Fail(where, "data is " + std::to_string(entry.data.size()) +
                                 " bytes but plaintext is " +
                                 std::to_string(entry.plaintext.size()));
      }
    }
    t.exchange.push_back(std::move(entry));
  }
  return true;
}

// "expect": the verdict a correct server reaches.
bool ParseExpect(const json& root, JsonFields& p, Transcript& t) {
  auto ep = root.find("expect");
  if (ep == root.end() || !ep->is_object()) {
    return p.Fail("expect", "missing (must be an object)");
  }
  std::string result, status;
  if (!p.String(*ep, "expect", "result", result, Need::kRequired)) return false;
  if (result != "accept" && result != "reject") {
    return p.Fail("expect.result", "is '" + result + "', expected accept or reject");
  }
  t.expect.accept = result == "accept";
  if (!p.String(*ep, "expect", "status", status, Need::kRequired)) return false;
  auto st = ssp::StatusFromName(status);
  if (!st) {
    return p.Fail("expect.status", "unknown SSPI status '" + status + "'");
  }
  t.expect.status = *st;
  if (t.expect.accept != (*st == ssp::SecStatus::kOk)) {
    return p.Fail("expect.status", t.expect.accept ? "must be SEC_E_OK for accept"
                                                   : "must not be SEC_E_OK for reject");
  }
  if (auto v = ep->find("at"); v != ep->end() && !v->is_null()) {
    if (!v->is_number_integer() || v->get<int64_t>() < 0 ||
        v->get<uint64_t>() >= t.exchange.size()) {
      return p.Fail("expect.at", "must be an index into exchange (0.." +
                                     std::to_string(t.exchange.size() - 1) + ")");
    }
    t.expect.at = v->get<size_t>();
  }
  if (!t.expect.accept && !t.expect.at) {
    return p.Fail("expect.at", "required for a reject");
  }
  std::string user;
  if (!p.String(*ep, "expect", "user", user)) return false;
  if (ep->contains("user")) t.expect.user = user;
  if (auto v = ep->find("negotiated_flags"); v != ep->end() && !v->is_null()) {
    uint32_t flags = 0;
    if (!p.U32(*v, "expect.negotiated_flags", flags)) return false;
    t.expect.negotiated_flags = flags;
  }
  if (auto v = ep->find("session_key"); v != ep->end() && !v->is_null()) {
    std::array<uint8_t, 16> key;
    if (!p.Hex16(*v, "expect.session_key", key)) return false;
    t.expect.session_key = Bytes(key.begin(), key.end());
  }
  return true;
}

}  // namespace

std::optional<Transcript> ParseTranscript(const std::string& text, std::string& error) {
  error.clear();
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& e) {
    // parse_error, and also out_of_range (e.g. a number too large for any
    // JSON number type) which the fuzzer found escaping as a crash.
    error = std::string("not valid JSON: ") + e.what();
    return std::nullopt;
  }
  JsonFields p("", error, NullIs::kAbsent);
  if (!root.is_object()) {
    p.Fail("(top level)", "must be a JSON object");
    return std::nullopt;
  }
  Transcript t;
  std::string format;
  if (!p.String(root, "(top level)", "format", format, Need::kRequired)) return std::nullopt;
  if (format != kTranscriptFormat) {
    p.Fail("format", "is '" + format + "', expected '" + kTranscriptFormat + "'");
    return std::nullopt;
  }
  if (!p.String(root, "(top level)", "name", t.name, Need::kRequired)) return std::nullopt;
  if (t.name.empty()) {
    p.Fail("name", "must not be empty");
    return std::nullopt;
  }
  if (!p.String(root, "(top level)", "description", t.description) ||
      !p.String(root, "(top level)", "client", t.client)) {
    return std::nullopt;
  }

  if (!ParseAccounts(root, p, t) || !ParseServer(root, p, t) || !ParseExchange(root, p, t) ||
      !ParseExpect(root, p, t)) {
    return std::nullopt;
  }
  static const char* kKnown[] = {"format",   "name",   "description", "client",
                                 "accounts", "server", "exchange",    "expect"};
  for (auto it = root.begin(); it != root.end(); ++it) {
    bool known = false;
    for (const char* k : kKnown) known = known || it.key() == k;
    if (!known) t.extra[it.key()] = it.value();
  }
  return t;
}

std::optional<Transcript> LoadTranscript(const std::filesystem::path& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = path.string() + ": cannot open";
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto t = ParseTranscript(buffer.str(), error);
  if (!t) error = path.string() + ": " + error;
  return t;
}

json TranscriptToJson(const Transcript& t) {
  json root = json::object();
  root["format"] = kTranscriptFormat;
  root["name"] = t.name;
  if (!t.description.empty()) root["description"] = t.description;
  if (!t.client.empty()) root["client"] = t.client;
  json accounts = json::array();
  for (const auto& a : t.accounts) {
    json o = {{"user", a.user}, {"domain", a.domain}};
    if (a.password) o["password"] = *a.password;
    if (a.nt_hash) o["nt_hash"] = *a.nt_hash;
    accounts.push_back(o);
  }
  root["accounts"] = accounts;
  json server = json::object();
  if (t.server.min_server_sec) server["min_server_sec"] = ssp::Hex32(*t.server.min_server_sec);
  if (t.server.lm_compat_level) server["lm_compat_level"] = *t.server.lm_compat_level;
  if (t.server.clock)
    server["clock"] = t.server.clock_text.value_or(FormatRfc3339(*t.server.clock));
  if (t.server.max_clock_skew_s) server["max_clock_skew_s"] = *t.server.max_clock_skew_s;
  if (t.server.require_mic) server["require_mic"] = *t.server.require_mic;
  if (t.server.target_name) server["target_name"] = *t.server.target_name;
  if (t.server.channel_bindings_md5) {
    server["channel_bindings_md5"] = EncodeHex(*t.server.channel_bindings_md5);
  }
  root["server"] = server;
  json exchange = json::array();
  for (const auto& e : t.exchange) {
    json o = {{"dir", e.dir == EntryDir::kClientToServer ? "c2s" : "s2c"},
              {"type", EntryTypeName(e.type)}};
    if (e.type == EntryType::kSeal || e.type == EntryType::kSign) {
      if (e.type == EntryType::kSeal) o["data"] = EncodeBase64(e.data);
      o["signature"] = EncodeHex(e.signature);
      o["plaintext"] = EncodeBase64(e.plaintext);
      if (e.signed_bytes) o["signed"] = EncodeBase64(*e.signed_bytes);
    } else {
      o["token"] = EncodeBase64(e.token);
    }
    exchange.push_back(o);
  }
  root["exchange"] = exchange;
  json expect = {{"result", t.expect.accept ? "accept" : "reject"},
                 {"status", ssp::StatusName(t.expect.status)}};
  if (t.expect.at) expect["at"] = *t.expect.at;
  if (t.expect.user) expect["user"] = *t.expect.user;
  if (t.expect.negotiated_flags)
    expect["negotiated_flags"] = ssp::Hex32(*t.expect.negotiated_flags);
  if (t.expect.session_key) expect["session_key"] = EncodeHex(*t.expect.session_key);
  root["expect"] = expect;
  for (auto it = t.extra.begin(); it != t.extra.end(); ++it) root[it.key()] = it.value();
  return root;
}

}  // namespace ntlm::harness
