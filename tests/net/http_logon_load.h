// http_logon_load.h: helpers of the load tests — many fresh HTTP NTLM logons
// against a server on loopback from several client threads (this project's
// client over RunHttpNtlmExchange, every step bounded by a timeout), and a
// reader of classic pcap record headers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "harness/net/front_context.h"
#include "harness/system_clock.h"
#include "ssp/credentials.h"

namespace ntlm::harness::net::testing {

// A FrontContext for an in-process ServerRunner with the one account
// RunHttpLogons uses (CONTOSO\alice), the system clock and secure randomness.
struct AliceFrontContext {
  AliceFrontContext();
  AliceFrontContext(const AliceFrontContext&) = delete;
  AliceFrontContext& operator=(const AliceFrontContext&) = delete;
  ssp::InMemoryCredentialStore store;
  SystemClock clock;
  ssp::SecureRandom random;
  FrontContext ctx;
};

struct HttpLogonCounts {
  int accepted = 0;
  int failed = 0;
  std::string first_error;
};

// `logons` logons of CONTOSO\alice (password Passw0rd!), each on a new
// connection, spread over `threads` client threads. A thread stops early when
// `stop` becomes true (may be null). Bounded: each step times out after 20 s.
HttpLogonCounts RunHttpLogons(uint16_t port, int logons, int threads,
                              const std::atomic<bool>* stop = nullptr);

struct PcapRecords {
  uint64_t records = 0;
  // "" when the file is a pcap header followed by whole records only.
  std::string error;
};
// Walks the record headers of a classic little-endian pcap file.
PcapRecords ReadPcapRecords(const std::filesystem::path& path);

}  // namespace ntlm::harness::net::testing
