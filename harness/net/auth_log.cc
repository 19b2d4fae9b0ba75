#include "harness/net/auth_log.h"

#include <nlohmann/json.hpp>
#include <string_view>

#include "harness/json_text_writer.h"
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

// The same compact line nlohmann's ordered_json.dump() gives for these keys
// in this order (AuthLogLine.IsNlohmannsCompactForm checks it), written
// directly.
std::string FormatAuthLogLine(const AuthLogRecord& record, ssp::FileTime now) {
  JsonTextWriter line;
  line.BeginObject().Field("time", FormatRfc3339(now)).Field("event", "auth");
  line.Field("front", record.front);
  if (!record.mechanism.empty()) line.Field("mechanism", record.mechanism);
  line.Field("client", record.client_address).Field("user", record.user);
  line.Field("domain", record.domain).Field("workstation", record.workstation);
  line.Field("negotiated_flags", ssp::Hex32(record.negotiated_flags));
  line.Field("min_server_sec", ssp::Hex32(record.min_server_sec));
  line.Field("lm_compat_level", record.lm_compat_level);
  line.Field("verdict", record.accepted ? "accept" : "reject");
  line.Field("status", ssp::StatusName(record.status)).Field("reason", record.reason);
  return line.End().Take();
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
