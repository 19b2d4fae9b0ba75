// policy_json.h: the acceptor-policy keys that the server configuration's
// `policy` object and a transcript's `server` object share, read by one
// function with one set of rules (docs/transcript-format.md, README
// "Configuration"):
//   min_server_sec        a number, hex ("0x20080030") or flag names
//                         ("SEAL|128|ESS"); only the four NtlmMinServerSec bits
//   lm_compat_level       an integer 0..5
//   require_mic           true or false
//   target_name           a string
//   channel_bindings_md5  32 hex digits
//   max_clock_skew_s      a non-negative integer (seconds), or null: no
//                         timestamp check (no_timestamp_check)
// Any other key given as null is not set, as if absent. Which other keys an
// object may hold is the caller's rule: the configuration is closed (unknown
// keys are errors), a transcript's `server` object is open (its writers may
// add keys this reader does not know).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/json_fields.h"

namespace ntlm::harness {

struct PolicyFields {
  std::optional<uint32_t> min_server_sec;
  std::optional<int> lm_compat_level;
  std::optional<bool> require_mic;
  std::optional<std::string> target_name;
  std::optional<std::array<uint8_t, 16>> channel_bindings_md5;
  std::optional<uint64_t> max_clock_skew_s;
  bool no_timestamp_check = false;  // max_clock_skew_s: null
};

// Reads the shared policy keys of `obj` (an object; `prefix` names it in
// errors, e.g. "policy" or "server"). False with the error in `fields`.
bool ReadPolicyFields(const nlohmann::json& obj, std::string_view prefix, JsonFields& fields,
                      PolicyFields& out);

}  // namespace ntlm::harness
