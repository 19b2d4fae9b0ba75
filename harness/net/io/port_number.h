// port_number.h: a TCP port written in a target ("8080"): 1..65535, decimal
// digits only. One rule for the probe targets (rpc_client.h, smb_probe_exchange.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ntlm::harness::net {

inline std::optional<uint16_t> ParsePortNumber(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(),
                   [](unsigned char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  unsigned value = 0;
  for (char c : text) value = value * 10 + static_cast<unsigned>(c - '0');
  if (value == 0 || value > 65535) return std::nullopt;
  return static_cast<uint16_t>(value);
}

}  // namespace ntlm::harness::net
