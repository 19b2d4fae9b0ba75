// rpc_epm_client.h: asks a host's endpoint mapper (ncacn_ip_tcp port 135,
// ept_map, harness/net/rpc_epm.h) for the TCP port of an interface, as
// Windows clients do for a binding without an endpoint. Unauthenticated, one
// connection, every step bounded by `step_timeout`.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "harness/net/rpc_pdu.h"

namespace ntlm::harness::net {

// The port of `iface` on `host`, or nullopt with `error`. `epm_port` is 135
// but for tests.
std::optional<uint16_t> MapEndpoint(const std::string& host, const rpc::SyntaxId& iface,
                                    std::chrono::milliseconds step_timeout, std::string& error,
                                    uint16_t epm_port = 135);

}  // namespace ntlm::harness::net
