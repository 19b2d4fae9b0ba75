#include "harness/net/io/server_runner.h"

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <csignal>
#include <exception>
#include <thread>

#include "harness/net/io/coroutine_warning.h"

namespace ntlm::harness::net {

using asio::ip::tcp;

std::optional<tcp::endpoint> ParseListenAddress(const std::string& text, std::string& error) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 == text.size()) {
    error = "'" + text + "' is not ADDR:PORT (e.g. 127.0.0.1:8080, [::1]:8080)";
    return std::nullopt;
  }
  std::string host = text.substr(0, colon);
  std::string port_text = text.substr(colon + 1);
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port_text) > 65535) {
    error = "'" + text + "': port '" + port_text + "' is not a number 0..65535";
    return std::nullopt;
  }
  auto port = static_cast<uint16_t>(std::stoul(port_text));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string::npos) {
    error = "'" + text + "': an IPv6 address must be in brackets ([::1]:8080)";
    return std::nullopt;
  }
  if (host == "localhost") host = "127.0.0.1";
  asio::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    error = "'" + text + "': '" + host + "' is not an IP address";
    return std::nullopt;
  }
  return tcp::endpoint(address, port);
}

std::string EndpointText(const tcp::endpoint& endpoint) {
  std::string ip = endpoint.address().to_string();
  if (endpoint.address().is_v6()) ip = "[" + ip + "]";
  return ip + ":" + std::to_string(endpoint.port());
}

namespace {
// The index of the runner thread this is (0 outside the runner's threads).
thread_local unsigned tls_thread_index = 0;
}  // namespace

ServerRunner::ServerRunner(const FrontContext& ctx,
                           std::function<void(const std::string&)> on_event, unsigned threads)
    : ctx_(ctx), on_event_(std::move(on_event)) {
  threads = std::max(1u, threads);
  for (unsigned i = 0; i < threads; ++i) ios_.push_back(std::make_unique<asio::io_context>(1));
  served_ = std::make_unique<std::atomic<uint64_t>[]>(threads);
}

std::vector<uint64_t> ServerRunner::served_per_thread() const {
  std::vector<uint64_t> out;
  for (size_t i = 0; i < ios_.size(); ++i) out.push_back(served_[i].load());
  return out;
}

ServerRunner::~ServerRunner() = default;

bool ServerRunner::Listen(std::vector<FrontSpec> fronts, std::string& error) {
  std::vector<std::unique_ptr<Front>> opened;
  for (auto& spec : fronts) {
    auto endpoint = ParseListenAddress(spec.address, error);
    if (!endpoint) {
      error = spec.name + ": " + error;
      return false;
    }
    auto front =
        std::make_unique<Front>(Front{spec.name, tcp::acceptor(io()), spec.handler, std::nullopt});
    asio::error_code ec;
    auto fail = [&](const char* what) {
      error = spec.name + " " + EndpointText(*endpoint) + ": " + what + ": " + ec.message();
      return false;
    };
    front->acceptor.open(endpoint->protocol(), ec);
    if (ec) return fail("cannot open a socket");
    front->acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (ec) return fail("cannot set SO_REUSEADDR");
    if (endpoint->address().is_v6()) {
      front->acceptor.set_option(asio::ip::v6_only(true), ec);
      if (ec) return fail("cannot set IPV6_V6ONLY");
    }
    front->acceptor.bind(*endpoint, ec);
    if (ec) return fail("cannot listen");
    front->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("cannot listen");
    const tcp::endpoint bound = front->acceptor.local_endpoint(ec);
    if (!ec && !bound.address().is_unspecified()) front->local = bound;
    opened.push_back(std::move(front));
  }
  for (auto& front : opened) fronts_.push_back(std::move(front));
  return true;
}

std::vector<std::pair<std::string, tcp::endpoint>> ServerRunner::bound() const {
  std::vector<std::pair<std::string, tcp::endpoint>> out;
  for (const auto& front : fronts_) {
    asio::error_code ec;
    out.emplace_back(front->name, front->acceptor.local_endpoint(ec));
  }
  return out;
}

asio::awaitable<void> ServerRunner::Connection(ConnectionHandler handler, AcceptedSocket socket,
                                               uint64_t id) {
  served_[tls_thread_index].fetch_add(1, std::memory_order_relaxed);
  co_await handler(std::move(socket), ctx_, id);
}

asio::awaitable<void> ServerRunner::Accept(Front& front) {
  asio::steady_timer backoff(io());
  while (front.acceptor.is_open()) {
    asio::error_code ec;
    // Round-robin: the socket belongs to the io_context of the thread that serves it.
    asio::io_context& target = *ios_[next_id_ % ios_.size()];
    tcp::endpoint peer;  // filled by accept(2) itself: no getpeername
    tcp::socket socket = co_await front.acceptor.async_accept(
        target, peer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !front.acceptor.is_open()) break;
      // Out of descriptors or a transient error: wait a little, go on.
      if (on_event_) on_event_(front.name + ": accept failed: " + ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (active_.load() >= ctx_.limits.max_connections) {
      ++refused_;
      if (on_event_) {
        on_event_(front.name + ": connection from " + EndpointText(peer) + " closed: " +
                  std::to_string(ctx_.limits.max_connections) + " connections already open");
      }
      socket.close(ec);
      continue;
    }
    ++active_;
    ++accepted_;
    uint64_t id = ++next_id_;
    AcceptedSocket accepted = front.local ? AcceptedSocket(std::move(socket), peer, *front.local)
                                          : AcceptedSocket(std::move(socket));
    asio::co_spawn(target, Connection(front.handler, std::move(accepted), id),
                   [this, name = front.name](std::exception_ptr error) {
                     --active_;
                     if (!error || !on_event_) return;
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       on_event_(name + ": connection ended by an exception: " + e.what());
                     } catch (...) {
                       on_event_(name + ": connection ended by an unknown exception");
                     }
                   });
  }
}

void ServerRunner::Shutdown() {
  if (signals_) {
    asio::error_code ec;
    signals_->cancel(ec);
  }
  for (auto& front : fronts_) {
    asio::error_code ec;
    front->acceptor.close(ec);
  }
  for (auto& io : ios_) io->stop();
}

void ServerRunner::Stop() {
  asio::post(io(), [this] { Shutdown(); });
}

void ServerRunner::HandleSignals() {
  if (signals_) return;
  signals_ = std::make_unique<asio::signal_set>(io(), SIGINT, SIGTERM);
  signals_->async_wait([this](const asio::error_code& ec, int signal_number) {
    if (ec) return;
    stop_signal_ = signal_number;
    if (on_event_) {
      on_event_(std::string("received ") + (signal_number == SIGINT ? "SIGINT" : "SIGTERM") +
                ": closing " + std::to_string(active_.load()) + " connection(s), stopping");
    }
    Shutdown();
  });
}

int ServerRunner::Run(bool handle_signals) {
  if (handle_signals) HandleSignals();
  for (auto& front : fronts_) {
    asio::co_spawn(io(), Accept(*front), [](std::exception_ptr) {});
  }
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_running;
  std::vector<std::thread> workers;
  for (size_t i = 1; i < ios_.size(); ++i) {
    keep_running.push_back(asio::make_work_guard(*ios_[i]));
    workers.emplace_back([this, i] {
      tls_thread_index = static_cast<unsigned>(i);
      ios_[i]->run();
    });
  }
  tls_thread_index = 0;
  io().run();
  // Shutdown() stopped every io_context; the workers return at once.
  for (auto& worker : workers) worker.join();
  return stop_signal_;
}

}  // namespace ntlm::harness::net
