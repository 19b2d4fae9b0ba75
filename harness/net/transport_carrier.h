// transport_carrier.h: how `matrix --transport` hands a cell's NTLM tokens
// and session messages to one front's socket-free session (see
// transport_cell.h). One implementation per front: transport_carrier_http.cc,
// transport_carrier_rpc.cc, transport_carrier_smb.cc.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "harness/catalogue.h"
#include "harness/net/front_context.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

// The front's answer to one NTLM token (the NEGOTIATE, then the AUTHENTICATE).
struct LegAnswer {
  bool refused = false;
  Bytes server_token;  // the CHALLENGE, after the NEGOTIATE
  std::string answer;  // the transport's answer: "HTTP 401", "SMB STATUS_LOGON_FAILURE", ...
  // A refusal: the acceptor's status and reason from the front's auth log.
  ssp::SecStatus status = ssp::SecStatus::kOk;
  std::string reason;
  std::string user;   // DOMAIN\user, when accepted
  std::string error;  // the harness could not carry the token (a bug, not a verdict)
};

// The front's answer to the session messages after an accepted logon.
struct SessionAnswer {
  Outcome observed;    // accept, or the refusal and the message it refused
  std::string answer;  // the transport's answer to the refused message
  std::optional<std::string> harness_error;
};

class CellCarrier {
 public:
  virtual ~CellCarrier() = default;
  // The NEGOTIATE on the first call, the AUTHENTICATE on the second.
  virtual LegAnswer Leg(ByteSpan ntlm_token) = 0;
  // The variation's session scenario on this transport's messages;
  // `authenticate` is what the second leg carried (authenticate-twice).
  virtual SessionAnswer Session(ScenarioDeviation scenario, ssp::ClientContext& client,
                                ByteSpan authenticate) = 0;
};

// `ctx` (policy, accounts, clock, random) must outlive the carrier.
std::unique_ptr<CellCarrier> MakeHttpCarrier(const FrontContext& ctx);
std::unique_ptr<CellCarrier> MakeRpcCarrier(const FrontContext& ctx);
std::unique_ptr<CellCarrier> MakeSmbCarrier(const FrontContext& ctx);

// The session scenarios that act on protected messages (replay, reorder, alter).
bool IsMessageScenario(ScenarioDeviation scenario);

// A refused session message as an Outcome.
Outcome SessionRefusal(ssp::SecStatus status, Stage at);

}  // namespace ntlm::harness::net
