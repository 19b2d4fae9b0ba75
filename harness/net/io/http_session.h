// http_session.h: one HTTP/1.1 connection of the `serve` front.
//
// Reads requests with HttpRequestParser, answers them with HttpAuthSession
// (the NTLM context lives and dies with this coroutine, so with the TCP
// connection), keeps the connection alive as HTTP/1.1 allows, and enforces
// the FrontLimits: a request that is not complete within idle_timeout of the
// previous answer (or of the accept) is answered 408 when some of it had
// arrived and the connection is closed; a client that has not authenticated
// within handshake_timeout of the accept is cut off the same way; 400, 413,
// 431 and 505 close the connection after the answer.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/ip/tcp.hpp>
#include <cstdint>

#include "harness/net/front_context.h"
#include "harness/net/io/accepted_socket.h"

namespace ntlm::harness::net {

asio::awaitable<void> ServeHttpConnection(AcceptedSocket socket, const FrontContext& ctx,
                                          uint64_t connection_id);

}  // namespace ntlm::harness::net
