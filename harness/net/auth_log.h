// auth_log.h: one JSON line (JSON Lines) per finished authentication.
//
// The line carries names, flags and statuses only: the AuthLogRecord has no
// field for a password, hash, key, proof or MIC, and none is ever added here.
#pragma once

#include <mutex>
#include <ostream>
#include <string>

#include "harness/net/front_context.h"
#include "ssp/environment.h"

namespace ntlm::harness::net {

// A record of `front` for `client_address` with the policy in force
// (min_server_sec, lm_compat_level) taken from `ctx`; the caller fills in the
// names, flags and verdict.
AuthLogRecord NewAuthLogRecord(const FrontContext& ctx, std::string front,
                               std::string client_address);

// {"time":"2026-11-26T02:00:00Z","event":"auth","front":"http","client":"127.0.0.1:5342",
//  "user":"alice","domain":"CONTOSO","workstation":"WS1","negotiated_flags":"0xe2888215",
//  "min_server_sec":"0x20000000","lm_compat_level":3,"verdict":"accept","status":"SEC_E_OK",
//  "reason":""} — no trailing newline.
std::string FormatAuthLogLine(const AuthLogRecord& record, ssp::FileTime now);

// Serialises lines to a stream (stderr or --log FILE) from any thread: each
// line is formatted by the caller's thread and handed to the stream whole, in
// one write and flush under a lock, so lines never interleave.
class AuthLogSink {
 public:
  AuthLogSink(std::ostream& out, const ssp::Clock& clock) : out_(out), clock_(clock) {}
  void Write(const AuthLogRecord& record);
  // Any other one-line event, as {"time":..,"event":event,"message":text}.
  void Event(const std::string& event, const std::string& text);

 private:
  void WriteLine(std::string line);
  std::ostream& out_;
  const ssp::Clock& clock_;
  std::mutex mutex_;
};

}  // namespace ntlm::harness::net
