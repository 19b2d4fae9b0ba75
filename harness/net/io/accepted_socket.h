// accepted_socket.h: a connection as the listener accepted it, with both of
// its endpoints. ServerRunner fills them from accept(2) (the peer) and the
// listener's own address (when it is not a wildcard), so a front needs no
// getpeername/getsockname per connection; a socket from elsewhere (a test's
// own acceptor) converts implicitly and asks the socket instead.
#pragma once

#include "asio/ip/tcp.hpp"

namespace ntlm::harness::net {

struct AcceptedSocket {
  // The endpoints from the socket itself (getpeername, getsockname).
  AcceptedSocket(asio::ip::tcp::socket accepted)  // NOLINT(google-explicit-constructor)
      : socket(std::move(accepted)) {
    asio::error_code ignored;
    remote = socket.remote_endpoint(ignored);
    local = socket.local_endpoint(ignored);
  }
  AcceptedSocket(asio::ip::tcp::socket accepted, asio::ip::tcp::endpoint remote_endpoint,
                 asio::ip::tcp::endpoint local_endpoint)
      : socket(std::move(accepted)), remote(remote_endpoint), local(local_endpoint) {}

  asio::ip::tcp::socket socket;
  asio::ip::tcp::endpoint remote;
  asio::ip::tcp::endpoint local;
};

}  // namespace ntlm::harness::net
