// replay.h: plays the server side of a transcript and compares the outcome.
//
// The server is our ssp::ServerContext with the transcript's accounts and
// policy; it adopts the recorded CHALLENGE (docs/transcript-format.md), then
// judges the AUTHENTICATE and processes every sealed or signed message: c2s
// entries are verified/unsealed, s2c entries are produced and compared byte
// for byte.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "harness/transcript.h"
#include "harness/transcript_policy.h"
#include "ssp/server_context.h"
#include "ssp/status.h"

namespace ntlm::harness {

struct ReplayOutcome {
  bool accept = false;
  ssp::SecStatus status = ssp::SecStatus::kOk;
  std::optional<size_t> at;  // entry where the server stopped (reject)
  std::string reason;        // the server's reason for a reject
  std::optional<std::string> user;
  std::optional<uint32_t> negotiated_flags;
  std::optional<Bytes> session_key;
  // First entry whose content differed from the recording (a produced s2c
  // message, or an unsealed c2s plaintext), with what differed.
  std::optional<size_t> content_difference_at;
  std::string content_difference;
  std::vector<ssp::LogEvent> events;
};

// Plays the server side. Never throws; malformed tokens are server rejects.
ReplayOutcome ReplayServerSide(const Transcript& transcript);

// The first difference between `expect` and `actual`, as text; nullopt when
// they match in every field the transcript states.
std::optional<std::string> FirstDifference(const Transcript& transcript,
                                           const ReplayOutcome& actual);

// One object for --json output: name, expected, actual, first difference.
nlohmann::json ReplayReportJson(const std::string& path, const Transcript& transcript,
                                const ReplayOutcome& actual,
                                const std::optional<std::string>& difference);

// The server policy a transcript's `server` object describes (absent keys:
// no requirement, per the format).
}  // namespace ntlm::harness
