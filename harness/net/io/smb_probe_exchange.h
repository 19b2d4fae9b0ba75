// smb_probe_exchange.h: one client variation played as an SMB2 logon against
// a real server for `probe smb://HOST[:PORT]`, on one TCP connection (direct
// TCP, [MS-SMB2] 2.1), every step bounded by the step timeout.
//
//   NEGOTIATE (SMB 3.1.1)                        -> dialect chosen
//   SESSION_SETUP NegTokenInit(NEGOTIATE)        -> MORE_PROCESSING (CHALLENGE) | refusal
//   SESSION_SETUP NegTokenResp(AUTHENTICATE
//                 [, mechListMIC])               -> SUCCESS | refusal
//
// As Windows and Samba clients do, the NTLM token travels in SPNEGO offering
// NTLM only, and the AUTHENTICATE leg carries a mechListMIC when the NTLM
// session can sign ([MS-SPNG] 3.1.5.1). A refusal names its NTSTATUS; which leg it
// answered is exact. With `replay_authenticate`, that AUTHENTICATE (from an
// earlier connection) is sent instead of `client`'s answer to this
// connection's CHALLENGE.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "harness/net/smb_wire.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

// "smb://HOST[:PORT]" (PORT default 445; HOST a name, an IPv4 literal or a
// bracketed IPv6 literal); nothing after the authority but an optional '/'.
struct SmbTarget {
  std::string host;
  uint16_t port = 445;
  uint16_t dialect = smb::kDialect311;  // the one dialect the NEGOTIATE offers
};
std::optional<SmbTarget> ParseSmbTarget(const std::string& text, std::string& error);

struct SmbProbeExchange {
  enum class RefusedAt { kNone, kNegotiate, kAuthenticate };
  bool connected = false;
  bool challenged = false;
  bool accepted = false;
  RefusedAt refused_at = RefusedAt::kNone;
  std::string dialect;       // "3.1.1"
  std::string answer;        // the refusing NTSTATUS ("STATUS_LOGON_FAILURE")
  std::string error;         // transport or protocol problem
  std::string client_error;  // our client refused (the CHALLENGE)
  Bytes authenticate;        // the AUTHENTICATE sent
};

SmbProbeExchange RunSmbProbeExchange(const SmbTarget& target, ssp::ClientContext& client,
                                     const Bytes& negotiate, std::chrono::milliseconds step_timeout,
                                     const Bytes* replay_authenticate = nullptr);

}  // namespace ntlm::harness::net
