// rpc_test_listener.h: a test-local acceptor for the DCE/RPC front (not a
// production runner; serve has that). One io_context on one thread accepts on
// 127.0.0.1 port 0 and co_spawns ServeRpcConnection per connection. Stop()
// closes the acceptor, waits (bounded) for the connections to end through
// their own deadlines or the client's close, then stops the context.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <thread>

#include "asio/co_spawn.hpp"
#include "asio/detached.hpp"
#include "asio/experimental/as_tuple.hpp"
#include "asio/io_context.hpp"
#include "asio/ip/tcp.hpp"
#include "asio/post.hpp"
#include "asio/use_awaitable.hpp"
#include "harness/net/front_context.h"
#include "harness/net/io/rpc_front.h"

namespace ntlm::harness::net {

class RpcTestListener {
 public:
  // `ctx` must outlive the listener.
  explicit RpcTestListener(const FrontContext& ctx) : ctx_(ctx) {
    acceptor_.emplace(io_, asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port_ = acceptor_->local_endpoint().port();
    asio::co_spawn(io_, AcceptLoop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RpcTestListener() { Stop(); }
  RpcTestListener(const RpcTestListener&) = delete;
  RpcTestListener& operator=(const RpcTestListener&) = delete;

  uint16_t port() const { return port_; }
  int active() const { return active_; }

  void Stop() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] {
      std::error_code ec;
      acceptor_->close(ec);
    });
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (active_ > 0 && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    io_.stop();
    thread_.join();
  }

 private:
  asio::awaitable<void> AcceptLoop() {
    constexpr auto tuple = asio::experimental::as_tuple(asio::use_awaitable);
    for (;;) {
      auto [ec, socket] = co_await acceptor_->async_accept(tuple);
      if (ec) co_return;
      ++active_;
      const uint64_t id = ++next_id_;
      asio::co_spawn(
          io_,
          [this, s = std::move(socket), id]() mutable -> asio::awaitable<void> {
            co_await ServeRpcConnection(std::move(s), ctx_, id);
            --active_;
          },
          asio::detached);
    }
  }

  const FrontContext& ctx_;
  asio::io_context io_;
  std::optional<asio::ip::tcp::acceptor> acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
  std::atomic<int> active_{0};
  std::atomic<uint64_t> next_id_{0};
};

}  // namespace ntlm::harness::net
