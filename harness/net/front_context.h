// front_context.h: what every network front (HTTP, DCE/RPC) shares.
//
// `serve` builds one FrontContext from the configuration and hands it to each
// connection. A front owns one ssp::ServerContext per connection (the NTLM
// context is bound to the TCP connection and dropped with it) and reports each
// finished authentication as one AuthLogRecord. Traffic can be mirrored to a
// TrafficTap (the pcap writer) and each connection's exchange to a recorder
// (transcripts, docs/transcript-format.md).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

#include "crypto/bytes.h"
#include "harness/transcript.h"
#include "ssp/credentials.h"
#include "ssp/environment.h"
#include "ssp/server_context.h"
#include "ssp/server_policy.h"
#include "ssp/status.h"

namespace ntlm::harness::net {

// Limits every front enforces. A client that exceeds one is refused with the
// protocol's own answer (HTTP 413/431/408, DCE/RPC fault or bind_nak) and cut off.
struct FrontLimits {
  size_t max_connections = 1024;
  // A connection with no complete request/PDU for this long is closed.
  std::chrono::milliseconds idle_timeout{10'000};
  // From accept to authenticated; a handshake that takes longer is closed.
  std::chrono::milliseconds handshake_timeout{15'000};
  size_t max_header_bytes = 16 * 1024;  // HTTP request line + headers
  size_t max_body_bytes = 1024 * 1024;  // HTTP body
  size_t max_pdu_bytes = 1024 * 1024;   // DCE/RPC fragment (max_recv_frag is capped here too)
  size_t max_token_bytes = 64 * 1024;   // one NTLMSSP / SPNEGO token
};

// One line per finished authentication (success or refusal). Names, flags and
// statuses only: never a password, hash, key, proof or MIC.
struct AuthLogRecord {
  std::string front;           // "http" or "rpc"
  std::string mechanism;       // "ntlmssp" or "spnego" when the front tells (DCE/RPC auth_type)
  std::string client_address;  // "127.0.0.1:53422"
  std::string user;            // as the client sent it ("" when unknown)
  std::string domain;
  std::string workstation;
  uint32_t negotiated_flags = 0;
  uint32_t min_server_sec = 0;  // the policy in force
  int lm_compat_level = 3;
  bool accepted = false;
  ssp::SecStatus status = ssp::SecStatus::kOk;
  std::string reason;  // the server's refusal reason, "" when accepted
};

enum class TrafficDirection { kClientToServer, kServerToClient };

// Where a connection's bytes are mirrored (the pcap writer). Calls come from
// the I/O thread(s); an implementation serializes them itself.
class TrafficTap {
 public:
  virtual ~TrafficTap() = default;
  struct Endpoints {
    std::string client_ip;  // textual IPv4 or IPv6
    uint16_t client_port = 0;
    std::string server_ip;
    uint16_t server_port = 0;
  };
  virtual void OnOpen(uint64_t connection_id, const Endpoints& endpoints) = 0;
  virtual void OnData(uint64_t connection_id, TrafficDirection direction, ByteSpan bytes) = 0;
  virtual void OnClose(uint64_t connection_id) = 0;
};

struct FrontContext {
  ssp::ServerIdentity identity;
  ssp::ServerPolicy policy;
  const ssp::CredentialStore* accounts = nullptr;  // required
  const ssp::Clock* clock = nullptr;               // required
  ssp::RandomSource* random = nullptr;             // required
  FrontLimits limits;
  // Called once per finished authentication. May be empty.
  std::function<void(const AuthLogRecord&)> log;
  // Called once per connection that carried an NTLM exchange, with that
  // exchange as a transcript (`expect` = what the server decided). May be empty.
  std::function<void(const Transcript&)> record;
  // May be null.
  TrafficTap* tap = nullptr;
};

}  // namespace ntlm::harness::net
