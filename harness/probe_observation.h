// probe_observation.h: what `probe` (harness/net/io/probe.h) saw for one
// variation of the catalogue, and the policies that explain a set of such
// observations. Plain data, no I/O: harness/probe_verdict.h reasons over it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/catalogue.h"

namespace ntlm::harness {

// What one variation got from the server.
struct ProbeObservation {
  const Variation* variation = nullptr;
  bool skipped = false;     // not playable over this transport
  std::string skip_reason;  // or the client's own refusal
  bool accepted = false;
  bool challenged = false;  // the NEGOTIATE got a CHALLENGE
  int negotiate_status = 0;
  int authenticate_status = 0;
  std::string server_status;  // X-NTLM-Status when the server sends one
  std::string error;          // transport problem
  // DCE/RPC: the message the server refused (the stage is exact there), the
  // refusing PDU ("bind_nak invalid_checksum (9)", "fault 0x00000005 ...")
  // and what the exchange did besides (a scenario, a blank verifier).
  std::optional<Stage> refused_at;
  std::string answer;
  std::string note;
  std::string auth_level;  // the level the bind asked for ("pkt_privacy")
  // The NEGOTIATE sent (what refusals are grouped by).
  uint32_t negotiate_flags = 0;
  bool negotiate_has_version = false;
};

// The policies (EPA off, LmCompatibilityLevel 0..5, EPA settings) under
// which the catalogue predicts every observation.
std::vector<PolicyColumn> ConsistentColumns(const std::vector<ProbeObservation>& observations);

}  // namespace ntlm::harness
