// timed_socket_test.cc: TimedSocket's read-ahead over a real loopback
// connection — pipelined frames (SMB's 4-byte header, then the body) are
// read whole and in order, a body larger than the read-ahead buffer arrives
// intact, ReadSome hands out read-ahead bytes first, the tap sees every byte
// once and in order, end of stream and a passed deadline end a read with
// their reasons. Bounded: every run of the io_context stops after 10 s.
#include "harness/net/io/timed_socket.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "harness/net/io/coroutine_warning.h"

namespace ntlm::harness::net {
namespace {

using Clock = TimedSocket::Clock;
using asio::ip::tcp;

class RecordingTap : public TrafficTap {
 public:
  void OnOpen(uint64_t, const Endpoints&) override {}
  void OnData(uint64_t, TrafficDirection direction, ByteSpan bytes) override {
    if (direction == TrafficDirection::kClientToServer) {
      received.insert(received.end(), bytes.begin(), bytes.end());
    }
  }
  void OnClose(uint64_t) override {}
  Bytes received;
};

// A loopback connection: `client` a plain socket, `server` its TimedSocket.
class TimedSocketTest : public ::testing::Test {
 protected:
  TimedSocketTest() {
    ctx_.tap = &tap_;
    tcp::acceptor acceptor(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client_.connect(acceptor.local_endpoint());
    server_.emplace(AcceptedSocket(acceptor.accept()), ctx_, 1);
  }

  // Runs `body` as a coroutine on the io_context, at most 10 s.
  template <typename Body>
  void Run(Body body) {
    bool finished = false;
    asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          co_await body();
          finished = true;
        },
        asio::detached);
    // Until the body finishes (the watchdog timer it leaves armed is not waited for).
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!finished && std::chrono::steady_clock::now() < end) io_.run_one_until(end);
    EXPECT_TRUE(finished) << "the reads did not finish within 10 s";
  }

  static Bytes Frame(const Bytes& body) {
    Bytes out(4 + body.size());
    out[1] = static_cast<uint8_t>(body.size() >> 16);
    out[2] = static_cast<uint8_t>(body.size() >> 8);
    out[3] = static_cast<uint8_t>(body.size());
    std::copy(body.begin(), body.end(), out.begin() + 4);
    return out;
  }

  asio::io_context io_;
  RecordingTap tap_;
  FrontContext ctx_;
  tcp::socket client_{io_};
  std::optional<TimedSocket> server_;
};

TEST_F(TimedSocketTest, PipelinedFramesAndALargeBodyArriveWholeAndInOrder) {
  Bytes large(3 * TimedSocket::kReadAhead + 17);
  for (size_t i = 0; i < large.size(); ++i) large[i] = static_cast<uint8_t>(i * 7);
  const std::vector<Bytes> bodies = {Bytes{'a', 'b', 'c'}, Bytes(1000, 'x'), large, Bytes{'z'}};
  Bytes wire;
  for (const Bytes& body : bodies) {
    Bytes frame = Frame(body);
    wire.insert(wire.end(), frame.begin(), frame.end());
  }
  asio::write(client_, asio::buffer(wire));  // every frame in one write: pipelined
  client_.shutdown(tcp::socket::shutdown_send);
  std::vector<Bytes> got;
  std::string end_reason;
  bool after_last = true;
  Run([&]() -> asio::awaitable<void> {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    for (size_t i = 0; i < bodies.size(); ++i) {
      uint8_t header[4];
      if (!co_await server_->ReadExactly(asio::buffer(header), deadline, "timeout", end_reason)) {
        co_return;
      }
      Bytes body(static_cast<size_t>(header[1]) << 16 | header[2] << 8 | header[3]);
      if (!co_await server_->ReadExactly(asio::buffer(body), deadline, "timeout", end_reason)) {
        co_return;
      }
      got.push_back(std::move(body));
    }
    uint8_t more[4];
    after_last = co_await server_->ReadExactly(asio::buffer(more), deadline, "timeout", end_reason);
  });
  EXPECT_EQ(got, bodies);
  EXPECT_FALSE(after_last);
  EXPECT_EQ(end_reason, "client closed the connection");
  EXPECT_EQ(tap_.received, wire);  // every byte once, in order
}

TEST_F(TimedSocketTest, ReadSomeHandsOutTheReadAheadFirst) {
  const std::string sent = "HEADrest-of-the-message";
  asio::write(client_, asio::buffer(sent));
  std::string header(4, '\0'), rest;
  std::string end_reason;
  Run([&]() -> asio::awaitable<void> {
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    if (!co_await server_->ReadExactly(asio::buffer(header), deadline, "timeout", end_reason)) {
      co_return;
    }
    while (rest.size() < sent.size() - 4) {
      char chunk[64];
      const size_t n =
          co_await server_->ReadSome(asio::buffer(chunk), deadline, "timeout", end_reason);
      if (n == 0) co_return;
      rest.append(chunk, n);
    }
  });
  EXPECT_EQ(header, "HEAD");
  EXPECT_EQ(rest, sent.substr(4));
  EXPECT_EQ(std::string(tap_.received.begin(), tap_.received.end()), sent);
}

TEST_F(TimedSocketTest, APassedDeadlineEndsTheReadWithItsReason) {
  asio::write(client_, asio::buffer(std::string("AB")));  // half of a 4-byte header, then silence
  std::string end_reason;
  bool read = true;
  Run([&]() -> asio::awaitable<void> {
    uint8_t header[4];
    read = co_await server_->ReadExactly(asio::buffer(header),
                                         Clock::now() + std::chrono::milliseconds(200),
                                         "handshake timeout", end_reason);
  });
  EXPECT_FALSE(read);
  EXPECT_EQ(end_reason, "handshake timeout");
}

}  // namespace
}  // namespace ntlm::harness::net
