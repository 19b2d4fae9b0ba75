// net_fuzz_env.h: the deterministic server environment the network-front
// fuzz targets (http_target.cc, rpc_session_target.cc) share: a FrontContext
// with a fixed clock, fixed random bytes and one account, and the matching
// real NTLM client (ssp::ClientContext) that reaches the authenticated
// states.
#pragma once

#include <memory>

#include "harness/net/front_context.h"
#include "ssp/client_context.h"
#include "ssp/credentials.h"

namespace ntlm::fuzz {

class NetFuzzEnv {
 public:
  NetFuzzEnv();
  NetFuzzEnv(const NetFuzzEnv&) = delete;
  NetFuzzEnv& operator=(const NetFuzzEnv&) = delete;

  harness::net::FrontContext& ctx() { return ctx_; }
  // alice / CONTOSO / Passw0rd!, the account the server knows; a fresh
  // client each call, the default (modern NTLMv2) policy unless given.
  std::unique_ptr<ssp::ClientContext> Client(ssp::ClientPolicy policy = {});

 private:
  ssp::FixedClock clock_;
  ssp::FixedRandom server_random_;
  ssp::FixedRandom client_random_;
  harness::net::FrontContext ctx_;
};

}  // namespace ntlm::fuzz
