#include "harness/net/auth_log.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string_view>

#include "harness/transcript.h"
#include "ssp/hex.h"

namespace ntlm::harness::net {

AuthLogRecord NewAuthLogRecord(const FrontContext& ctx, std::string front,
                               std::string client_address) {
  AuthLogRecord record;
  record.front = std::move(front);
  record.client_address = std::move(client_address);
  record.min_server_sec = ctx.policy.min_server_sec;
  record.lm_compat_level = ctx.policy.lm_compat_level;
  return record;
}

namespace {

// Appends `value` as a JSON string: printable ASCII without '"' or '\\' (the
// names of nearly every logon) as it is, anything else as nlohmann's
// serializer writes it (its escapes; invalid UTF-8 replaced by U+FFFD). The
// serializer checks UTF-8 byte by byte: about a tenth of an HTTP logon's
// instructions went there before this fast path.
void AppendJsonString(std::string& out, std::string_view value) {
  const bool plain = std::all_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += value;
    out += '"';
    return;
  }
  out += nlohmann::json(std::string(value))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Appends `,"key":` (no comma before the first key).
void AppendKey(std::string& out, std::string_view key) {
  out += out.size() > 1 ? ",\"" : "\"";
  out += key;
  out += "\":";
}

void AppendStringField(std::string& out, std::string_view key, std::string_view value) {
  AppendKey(out, key);
  AppendJsonString(out, value);
}

}  // namespace

// The same compact line nlohmann's ordered_json.dump() gives for these keys
// in this order (AuthLogLine.IsNlohmannsCompactForm checks it), written
// directly.
std::string FormatAuthLogLine(const AuthLogRecord& record, ssp::FileTime now) {
  std::string line;
  line.reserve(384);
  line += '{';
  AppendStringField(line, "time", FormatRfc3339(now));
  AppendStringField(line, "event", "auth");
  AppendStringField(line, "front", record.front);
  if (!record.mechanism.empty()) AppendStringField(line, "mechanism", record.mechanism);
  AppendStringField(line, "client", record.client_address);
  AppendStringField(line, "user", record.user);
  AppendStringField(line, "domain", record.domain);
  AppendStringField(line, "workstation", record.workstation);
  AppendStringField(line, "negotiated_flags", ssp::Hex32(record.negotiated_flags));
  AppendStringField(line, "min_server_sec", ssp::Hex32(record.min_server_sec));
  AppendKey(line, "lm_compat_level");
  line += std::to_string(record.lm_compat_level);
  AppendStringField(line, "verdict", record.accepted ? "accept" : "reject");
  AppendStringField(line, "status", ssp::StatusName(record.status));
  AppendStringField(line, "reason", record.reason);
  line += '}';
  return line;
}

void AuthLogSink::Write(const AuthLogRecord& record) {
  WriteLine(FormatAuthLogLine(record, clock_.Now()));
}

void AuthLogSink::WriteLine(std::string line) {
  line += '\n';
  // The line is formatted outside the lock; the lock covers the one write.
  std::lock_guard<std::mutex> lock(mutex_);
  out_.write(line.data(), static_cast<std::streamsize>(line.size()));
  out_.flush();
}

void AuthLogSink::Event(const std::string& event, const std::string& text) {
  nlohmann::ordered_json line;
  line["time"] = FormatRfc3339(clock_.Now());
  line["event"] = event;
  line["message"] = text;
  WriteLine(line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
}

}  // namespace ntlm::harness::net
