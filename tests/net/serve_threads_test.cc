// serve_threads_test.cc: the serve runner with two threads — concurrent HTTP
// logons are served by both threads (each connection's coroutine counts the
// thread that ran it), every logon is accepted and logged once, and the port
// the threads share is nobody else's. Bounded: each client step times out
// after 20 s.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>

#include "harness/net/io/http_session.h"
#include "harness/net/io/server_runner.h"
#include "tests/net/http_logon_load.h"

namespace ntlm::harness::net {
namespace {

TEST(ServeThreads, ConnectionsAreSpreadOverBothThreads) {
  testing::AliceFrontContext alice;
  FrontContext& ctx = alice.ctx;
  std::mutex mutex;
  int logged = 0;
  std::set<std::thread::id> logging_threads;
  ctx.log = [&](const AuthLogRecord& record) {
    std::lock_guard lock(mutex);
    logged += record.accepted ? 1 : 0;
    logging_threads.insert(std::this_thread::get_id());
  };

  ServerRunner runner(ctx, {}, 2);
  ASSERT_EQ(runner.threads(), 2u);
  std::string error;
  ASSERT_TRUE(runner.Listen({{"http", "127.0.0.1:0", &ServeHttpConnection}}, error)) << error;
  const uint16_t port = runner.bound().at(0).second.port();
  std::thread server_thread([&runner] { runner.Run(false); });

  constexpr int kLogons = 40;
  auto counts = testing::RunHttpLogons(port, kLogons, 4);
  runner.Stop();
  server_thread.join();

  EXPECT_EQ(counts.failed, 0) << counts.first_error;
  EXPECT_EQ(counts.accepted, kLogons);
  EXPECT_EQ(logged, kLogons);
  auto served = runner.served_per_thread();
  ASSERT_EQ(served.size(), 2u);
  EXPECT_EQ(served[0] + served[1], static_cast<uint64_t>(kLogons));
  EXPECT_GT(served[0], 0u);
  EXPECT_GT(served[1], 0u);
  // The log callback ran on two distinct threads, neither of them this one.
  EXPECT_EQ(logging_threads.size(), 2u);
  EXPECT_EQ(logging_threads.count(std::this_thread::get_id()), 0u);
}

// With several threads each thread listens on the port through SO_REUSEPORT;
// the port still belongs to this runner alone: a second runner (several
// threads or one) and a plain socket are refused it.
TEST(ServeThreads, TheSharedPortIsRefusedToOthers) {
  FrontContext ctx;
  ServerRunner first(ctx, {}, 2);
  std::string error;
  ASSERT_TRUE(first.Listen({{"http", "127.0.0.1:0", &ServeHttpConnection}}, error)) << error;
  const std::string address = "127.0.0.1:" + std::to_string(first.bound().at(0).second.port());
  for (unsigned threads : {2u, 1u}) {
    ServerRunner second(ctx, {}, threads);
    error.clear();
    EXPECT_FALSE(second.Listen({{"http", address, &ServeHttpConnection}}, error)) << threads;
    EXPECT_NE(error.find("http " + address + ": cannot listen: "), std::string::npos) << error;
    EXPECT_NE(error.find("in use"), std::string::npos) << error;
  }
  asio::io_context io;
  asio::ip::tcp::acceptor plain(io);
  plain.open(asio::ip::tcp::v4());
  asio::error_code ec;
  plain.bind(first.bound().at(0).second, ec);
  EXPECT_EQ(ec, asio::error::address_in_use);
}

TEST(ServeThreads, AtLeastOneThread) {
  FrontContext ctx;
  ServerRunner runner(ctx, {}, 0);
  EXPECT_EQ(runner.threads(), 1u);
}

}  // namespace
}  // namespace ntlm::harness::net
