// server_runner.h: the listeners of `serve`.
//
// N threads, each running its own io_context with its own listening socket
// per front: with more than one thread every front's sockets share the port
// through SO_REUSEPORT, so the kernel spreads the connections over the
// threads and a connection is accepted and served start to end on one thread
// (no hand-off between threads, no lock on a connection's path; what the
// fronts share — the log, the recorder, the pcap tap — serializes only its
// final write). Before those sockets bind, a plain socket without
// SO_REUSEPORT binds the address once: a port another process (or another
// `serve`) listens on is refused as "Address already in use". The runner enforces
// max_connections across all fronts (a connection over the limit is closed at once and logged),
// stops on Stop() or, when asked, on SIGINT/SIGTERM (asio::signal_set), and on stopping closes the
// acceptors and drops every connection with its NTLM context.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/net/front_context.h"
#include "harness/net/io/accepted_socket.h"

namespace ntlm::harness::net {

// A front's per-connection coroutine: ServeHttpConnection, ServeRpcConnection.
using ConnectionHandler = std::function<asio::awaitable<void>(
    AcceptedSocket socket, const FrontContext& ctx, uint64_t connection_id)>;

struct FrontSpec {
  std::string name;     // "http", "rpc"
  std::string address;  // "127.0.0.1:8080", "[::1]:0", "localhost:8080"
  ConnectionHandler handler;
};

// "ADDR:PORT" with ADDR an IPv4 literal, a bracketed IPv6 literal or
// "localhost" (127.0.0.1); PORT 0..65535 (0: the system picks one). nullopt
// with `error` naming the text otherwise.
std::optional<asio::ip::tcp::endpoint> ParseListenAddress(const std::string& text,
                                                          std::string& error);
// "127.0.0.1:8080", "[::1]:8080".
std::string EndpointText(const asio::ip::tcp::endpoint& endpoint);

class ServerRunner {
 public:
  // `ctx` must outlive the runner. `on_event` receives one-line notices
  // (connection refused at the limit, shutdown), from any of the threads; may
  // be empty. `threads` (at least 1) threads serve the connections; with more
  // than one, ctx.log, ctx.record and ctx.tap are called from several threads.
  ServerRunner(const FrontContext& ctx, std::function<void(const std::string&)> on_event,
               unsigned threads = 1);
  ~ServerRunner();
  ServerRunner(const ServerRunner&) = delete;
  ServerRunner& operator=(const ServerRunner&) = delete;

  // Binds and listens on every front. On failure nothing listens and `error`
  // names the front, the address and the reason ("http 127.0.0.1:8080:
  // Address already in use").
  bool Listen(std::vector<FrontSpec> fronts, std::string& error);
  // The bound address of each front, in Listen order (the real port for 0).
  std::vector<std::pair<std::string, asio::ip::tcp::endpoint>> bound() const;

  // From now on SIGINT/SIGTERM stop the runner (call before announcing the
  // listeners, so a signal sent right after cannot kill the process).
  void HandleSignals();
  // Serves until Stop() or, with `handle_signals` (or after HandleSignals()),
  // SIGINT/SIGTERM. Returns the signal number that stopped it, or 0.
  int Run(bool handle_signals);
  // Thread-safe; Run() returns soon after.
  void Stop();

  unsigned threads() const { return static_cast<unsigned>(ios_.size()); }
  // Connections whose coroutine ran on each thread, by thread index.
  std::vector<uint64_t> served_per_thread() const;
  size_t active_connections() const { return active_.load(); }
  uint64_t accepted_connections() const { return accepted_.load(); }
  uint64_t refused_connections() const { return refused_.load(); }

 private:
  struct Front {
    std::string name;
    // One listening socket per thread, index i on ios_[i].
    std::vector<asio::ip::tcp::acceptor> acceptors;
    ConnectionHandler handler;
    // The listener's address, every connection's local endpoint; unset for
    // a wildcard listener (each connection then asks its socket).
    std::optional<asio::ip::tcp::endpoint> local;
  };
  // The front's listening sockets on `endpoint`, one per thread; nullptr with
  // `error` ("http 127.0.0.1:8080: cannot listen: Address already in use").
  std::unique_ptr<Front> Open(const FrontSpec& spec, asio::ip::tcp::endpoint endpoint,
                              std::string& error);
  // Accepts on thread `thread`'s socket of `front`, serving on that thread.
  asio::awaitable<void> Accept(Front& front, unsigned thread);
  // One more open connection, unless max_connections are open (atomic across threads).
  bool ReserveConnection();
  // Closes thread `thread`'s listening sockets and stops its io_context (on that thread).
  void StopThread(unsigned thread);
  asio::awaitable<void> Connection(ConnectionHandler handler, AcceptedSocket socket, uint64_t id);
  void Shutdown();
  asio::io_context& io() { return *ios_.front(); }

  const FrontContext& ctx_;
  std::function<void(const std::string&)> on_event_;
  // Declared before fronts_: the acceptors close before their io_context goes.
  std::vector<std::unique_ptr<asio::io_context>> ios_;
  std::unique_ptr<std::atomic<uint64_t>[]> served_;
  std::vector<std::unique_ptr<Front>> fronts_;
  std::unique_ptr<asio::signal_set> signals_;
  std::atomic<size_t> active_{0};
  std::atomic<uint64_t> accepted_{0};
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> next_id_{0};
  int stop_signal_ = 0;
};

}  // namespace ntlm::harness::net
