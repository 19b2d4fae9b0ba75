// rpc_front_test.cc: ServeRpcConnection's limits and deadlines over a real
// loopback socket (no client library needed): a silent client is cut off at
// the handshake deadline, an oversized fragment is refused with bind_nak and
// the connection closed, a non-DCE/RPC byte stream is closed. Every read is
// bounded by SO_RCVTIMEO.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <mutex>
#include <vector>

#include "asio/connect.hpp"
#include "asio/io_context.hpp"
#include "asio/ip/tcp.hpp"
#include "asio/read.hpp"
#include "asio/write.hpp"
#include "harness/net/rpc_pdu.h"
#include "ssp/credentials.h"
#include "tests/net/rpc_test_listener.h"

namespace ntlm::harness::net {
namespace {

class RpcFrontTest : public ::testing::Test {
 protected:
  RpcFrontTest() : clock_(134080992000000000ULL), random_(Bytes{1, 2, 3}) {
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &random_;
    ctx_.limits.idle_timeout = std::chrono::milliseconds(2000);
    ctx_.limits.handshake_timeout = std::chrono::milliseconds(300);
    ctx_.log = [this](const AuthLogRecord& r) {
      std::lock_guard lock(mutex_);
      logs_.push_back(r);
    };
  }

  asio::ip::tcp::socket Connect(uint16_t port) {
    asio::ip::tcp::socket s(io_);
    s.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval tv{30, 0};  // no read in these tests may hang: a bound for a hang, not a timing
    setsockopt(s.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return s;
  }

  // Reads until EOF (or the 30 s hang bound); returns the bytes and whether EOF came.
  static Bytes ReadToEof(asio::ip::tcp::socket& s, bool& eof) {
    Bytes out;
    uint8_t buf[4096];
    std::error_code ec;
    for (int i = 0; i < 100; ++i) {
      const size_t n = s.read_some(asio::buffer(buf), ec);
      if (ec) {
        eof = ec == asio::error::eof || ec == asio::error::connection_reset;
        return out;
      }
      out.insert(out.end(), buf, buf + n);
    }
    eof = false;
    return out;
  }

  ssp::InMemoryCredentialStore store_;
  ssp::FixedClock clock_;
  ssp::FixedRandom random_;
  FrontContext ctx_;
  asio::io_context io_;
  std::mutex mutex_;
  std::vector<AuthLogRecord> logs_;
};

TEST_F(RpcFrontTest, SilentClientIsClosedAtTheHandshakeDeadline) {
  RpcTestListener listener(ctx_);
  auto s = Connect(listener.port());
  bool eof = false;
  Bytes got = ReadToEof(s, eof);
  // EOF (not the client's read bound) means the server closed the connection:
  // its 300 ms handshake deadline is the only thing that ends a silent client.
  EXPECT_TRUE(eof);
  EXPECT_TRUE(got.empty());
}

TEST_F(RpcFrontTest, OversizedFragmentIsRefusedWithBindNak) {
  ctx_.limits.max_pdu_bytes = 2000;  // fragments capped at 2000 bytes
  RpcTestListener listener(ctx_);
  auto s = Connect(listener.port());
  rpc::CommonHeader h;
  h.type = static_cast<uint8_t>(rpc::PduType::kBind);
  h.call_id = 9;
  Bytes header = rpc::EncodeFragment(h, {}, nullptr);
  header[8] = 0xB8;  // frag_length 3000
  header[9] = 0x0B;
  asio::write(s, asio::buffer(header));
  bool eof = false;
  Bytes got = ReadToEof(s, eof);
  EXPECT_TRUE(eof);
  auto f = rpc::ParseFragment(got, 65535);
  ASSERT_TRUE(f.ok()) << f.error().reason;
  EXPECT_EQ(f->header.type, static_cast<uint8_t>(rpc::PduType::kBindNak));
  EXPECT_EQ(f->header.call_id, 9u);
  EXPECT_EQ(*rpc::ParseBindNakReason(*f), rpc::kNakReasonNotSpecified);
}

TEST_F(RpcFrontTest, WrongProtocolVersionGetsBindNakVersionNotSupported) {
  RpcTestListener listener(ctx_);
  auto s = Connect(listener.port());
  Bytes header = {4, 0, 11, 3, 0x10, 0, 0, 0, 16, 0, 0, 0, 1, 0, 0, 0};
  asio::write(s, asio::buffer(header));
  bool eof = false;
  Bytes got = ReadToEof(s, eof);
  EXPECT_TRUE(eof);
  auto f = rpc::ParseFragment(got, 65535);
  ASSERT_TRUE(f.ok()) << f.error().reason;
  EXPECT_EQ(*rpc::ParseBindNakReason(*f), rpc::kNakProtocolVersionNotSupported);
}

TEST_F(RpcFrontTest, HttpBytesAreNotDceRpcAndTheConnectionCloses) {
  RpcTestListener listener(ctx_);
  auto s = Connect(listener.port());
  const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(s, asio::buffer(get));
  bool eof = false;
  Bytes got = ReadToEof(s, eof);
  EXPECT_TRUE(eof);
  EXPECT_TRUE(got.empty());
  EXPECT_TRUE(logs_.empty());
}

}  // namespace
}  // namespace ntlm::harness::net
