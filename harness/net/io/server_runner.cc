#include "harness/net/io/server_runner.h"

#include <sys/socket.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/ip/v6_only.hpp>
#include <asio/post.hpp>
#include <asio/redirect_error.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <cerrno>
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

namespace {

// Opens `acceptor` and binds it to `endpoint` (SO_REUSEADDR; IPV6_V6ONLY for
// IPv6; SO_REUSEPORT when `reuse_port`): "" or what failed.
std::string Bind(tcp::acceptor& acceptor, const tcp::endpoint& endpoint, bool reuse_port) {
  asio::error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return "cannot open a socket: " + ec.message();
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec) return "cannot set SO_REUSEADDR: " + ec.message();
  if (endpoint.address().is_v6()) {
    acceptor.set_option(asio::ip::v6_only(true), ec);
    if (ec) return "cannot set IPV6_V6ONLY: " + ec.message();
  }
  const int one = 1;
  if (reuse_port &&
      ::setsockopt(acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
    return "cannot set SO_REUSEPORT: " + std::error_code(errno, std::generic_category()).message();
  }
  acceptor.bind(endpoint, ec);
  return ec ? "cannot listen: " + ec.message() : "";
}

}  // namespace

std::unique_ptr<ServerRunner::Front> ServerRunner::Open(const FrontSpec& spec,
                                                        tcp::endpoint endpoint,
                                                        std::string& error) {
  auto front = std::make_unique<Front>(Front{spec.name, {}, spec.handler, std::nullopt});
  const bool shared = ios_.size() > 1;
  const tcp::endpoint asked = endpoint;
  front->acceptors.reserve(ios_.size());  // no open acceptor is moved
  std::string why;
  if (shared) {  // the address once without SO_REUSEPORT: a port in use is refused
    tcp::acceptor probe(io());
    why = Bind(probe, endpoint, false);
    asio::error_code ec;
    if (why.empty()) endpoint.port(probe.local_endpoint(ec).port());  // port 0: the one given
  }
  for (size_t i = 0; why.empty() && i < ios_.size(); ++i) {
    tcp::acceptor& acceptor = front->acceptors.emplace_back(*ios_[i]);
    why = Bind(acceptor, endpoint, shared);
    asio::error_code ec;
    if (why.empty()) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) why = "cannot listen: " + ec.message();
  }
  if (!why.empty()) {
    error = spec.name + " " + EndpointText(asked) + ": " + why;
    return nullptr;
  }
  asio::error_code ec;
  const tcp::endpoint bound = front->acceptors.front().local_endpoint(ec);
  if (!ec && !bound.address().is_unspecified()) front->local = bound;
  return front;
}

bool ServerRunner::Listen(std::vector<FrontSpec> fronts, std::string& error) {
  std::vector<std::unique_ptr<Front>> opened;
  for (auto& spec : fronts) {
    auto endpoint = ParseListenAddress(spec.address, error);
    if (!endpoint) {
      error = spec.name + ": " + error;
      return false;
    }
    auto front = Open(spec, *endpoint, error);
    if (!front) return false;
    opened.push_back(std::move(front));
  }
  for (auto& front : opened) fronts_.push_back(std::move(front));
  return true;
}

std::vector<std::pair<std::string, tcp::endpoint>> ServerRunner::bound() const {
  std::vector<std::pair<std::string, tcp::endpoint>> out;
  for (const auto& front : fronts_) {
    asio::error_code ec;
    out.emplace_back(front->name, front->acceptors.front().local_endpoint(ec));
  }
  return out;
}

asio::awaitable<void> ServerRunner::Connection(ConnectionHandler handler, AcceptedSocket socket,
                                               uint64_t id) {
  served_[tls_thread_index].fetch_add(1, std::memory_order_relaxed);
  co_await handler(std::move(socket), ctx_, id);
}

bool ServerRunner::ReserveConnection() {
  size_t active = active_.load();
  do {
    if (active >= ctx_.limits.max_connections) return false;
  } while (!active_.compare_exchange_weak(active, active + 1));
  return true;
}

asio::awaitable<void> ServerRunner::Accept(Front& front, unsigned thread) {
  asio::io_context& io = *ios_[thread];
  tcp::acceptor& acceptor = front.acceptors[thread];
  asio::steady_timer backoff(io);
  while (acceptor.is_open()) {
    asio::error_code ec;
    tcp::endpoint peer;  // filled by accept(2) itself: no getpeername
    tcp::socket socket =
        co_await acceptor.async_accept(io, peer, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
      // Out of descriptors or a transient error: wait a little, go on.
      if (on_event_) on_event_(front.name + ": accept failed: " + ec.message());
      backoff.expires_after(std::chrono::milliseconds(50));
      co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    if (!ReserveConnection()) {
      ++refused_;
      if (on_event_) {
        on_event_(front.name + ": connection from " + EndpointText(peer) + " closed: " +
                  std::to_string(ctx_.limits.max_connections) + " connections already open");
      }
      socket.close(ec);
      continue;
    }
    ++accepted_;
    const uint64_t id = ++next_id_;
    AcceptedSocket accepted = front.local ? AcceptedSocket(std::move(socket), peer, *front.local)
                                          : AcceptedSocket(std::move(socket));
    asio::co_spawn(io, Connection(front.handler, std::move(accepted), id),
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

void ServerRunner::StopThread(unsigned thread) {
  for (auto& front : fronts_) {
    asio::error_code ec;
    front->acceptors[thread].close(ec);
  }
  ios_[thread]->stop();
}

void ServerRunner::Shutdown() {
  if (signals_) {
    asio::error_code ec;
    signals_->cancel(ec);
  }
  // Each thread closes its own listening sockets: an acceptor is used only
  // from the thread that runs its io_context.
  for (unsigned i = 1; i < ios_.size(); ++i) {
    asio::post(*ios_[i], [this, i] { StopThread(i); });
  }
  StopThread(0);
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
    for (unsigned i = 0; i < ios_.size(); ++i) {
      asio::co_spawn(*ios_[i], Accept(*front, i), [](std::exception_ptr) {});
    }
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
