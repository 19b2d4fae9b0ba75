// rpc_front.h: the DCE/RPC front (ncacn_ip_tcp): one coroutine per TCP
// connection that frames fragments off the socket and drives an RpcSession.
//
// Deadlines come from ctx.limits: idle_timeout between fragments (and for each
// write), handshake_timeout from accept until the NTLM authentication has
// completed. Fragments are capped at min(65535, max_pdu_bytes) before bind and
// at the negotiated max_recv_frag after; a reassembled request at
// max_pdu_bytes; an NTLMSSP token at max_token_bytes. ctx.log gets one
// AuthLogRecord per authentication (front "rpc"), ctx.record the
// connection's NTLM exchange as a transcript when it carried one, ctx.tap every
// byte in both directions.
#pragma once

#include <cstdint>

#include "asio/awaitable.hpp"
#include "asio/ip/tcp.hpp"
#include "harness/net/front_context.h"
#include "harness/net/io/accepted_socket.h"

namespace ntlm::harness::net {

asio::awaitable<void> ServeRpcConnection(AcceptedSocket socket, const FrontContext& ctx,
                                         uint64_t connection_id);

}  // namespace ntlm::harness::net
