// samba_anonymous_test.cc: the anonymous logon against Samba's NTLMSSP, live.
// Samba 4's gensec (python3-samba, tests/interop/samba_gensec_peer.py, driven
// through a pipe; NTLMSSP only, Kerberos off) is the client against our
// ServerContext, and the server (its `anonymous` auth method) against our
// ClientContext; after the handshake both sides seal and unseal messages both
// ways, so both must derive the same session key: KeyExchangeKey Z(16)
// (docs/windows-fidelity.md, "The anonymous session key"). Without
// python3-samba the tests skip, and fail under CI=true.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ssp/client_context.h"
#include "ssp/credentials.h"
#include "ssp/environment.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/server_context.h"
#include "ssp/session_security.h"
#include "ssp/text_encoding.h"
#include "tests/interop/gss_util.h"

namespace ntlm::interop {
namespace {

namespace fs = std::filesystem;
using Sig = std::array<uint8_t, 16>;

constexpr const char* kPython = "/usr/bin/python3";
constexpr const char* kPeerScript = NTLM_SOURCE_DIR "/tests/interop/samba_gensec_peer.py";
constexpr int kAnswerTimeoutMs = 60000;  // fails only on a hang

// samba_gensec_peer.py as a child process: one command line in, one answer
// line out.
class SambaPeer {
 public:
  SambaPeer(const std::string& role, const fs::path& dir) {
    int to_child[2];
    int from_child[2];
    if (::pipe2(to_child, O_CLOEXEC) != 0 || ::pipe2(from_child, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::execl(kPython, kPython, kPeerScript, role.c_str(), dir.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
  }
  ~SambaPeer() {
    if (in_ >= 0) {
      Send("quit");
      ::close(in_);
    }
    if (out_ >= 0) ::close(out_);
    if (pid_ > 0) {
      // Bounded: the peer exits on "quit" or EOF; kill it if it has not.
      for (int i = 0; i < 50 && ::waitpid(pid_, nullptr, WNOHANG) == 0; ++i) ::usleep(100000);
      if (::waitpid(pid_, nullptr, WNOHANG) == 0) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
      }
    }
  }
  SambaPeer(const SambaPeer&) = delete;
  SambaPeer& operator=(const SambaPeer&) = delete;

  // The next answer line, or nullopt on EOF or after kAnswerTimeoutMs.
  std::optional<std::string> ReadLine() {
    for (;;) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      pollfd p{out_, POLLIN, 0};
      if (out_ < 0 || ::poll(&p, 1, kAnswerTimeoutMs) <= 0) return std::nullopt;
      char chunk[4096];
      const ssize_t n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  bool Send(const std::string& line) {
    const std::string text = line + "\n";
    return in_ >= 0 && ::write(in_, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  }
  // "WORD HEX" answer to `command` split in two ("" on a broken pipe).
  std::pair<std::string, Bytes> Ask(const std::string& command) {
    if (!Send(command)) return {"", {}};
    auto line = ReadLine();
    if (!line) return {"", {}};
    const auto space = line->find(' ');
    const std::string word = line->substr(0, space);
    const std::string rest = space == std::string::npos ? "-" : line->substr(space + 1);
    if (word == "error") return {*line, {}};
    std::string why;
    auto bytes = rest == "-" ? std::optional<Bytes>(Bytes{}) : ssp::DecodeHex(rest, why);
    return {word, bytes.value_or(Bytes{})};
  }

 private:
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  std::string buffer_;
};

std::string HexOf(ByteSpan bytes) { return bytes.empty() ? "-" : ssp::EncodeHex(bytes); }
std::string KeyHex(const crypto::Key16& key) { return ssp::EncodeHex(ByteSpan(key.data(), 16)); }
Bytes BytesOf(const std::string& text) { return Bytes(text.begin(), text.end()); }

// gensec's wrap layout: the 16-byte signature, then the sealed bytes.
Bytes Wrap(ssp::SessionSecurity& ss, const std::string& text) {
  Bytes sealed(text.size());
  Sig sig{};
  EXPECT_TRUE(ss.Seal(BytesOf(text), sealed, sig).ok());
  Bytes wrapped(sig.size() + sealed.size());
  std::copy(sig.begin(), sig.end(), wrapped.begin());
  std::copy(sealed.begin(), sealed.end(),
            wrapped.begin() + static_cast<std::ptrdiff_t>(sig.size()));
  return wrapped;
}
std::optional<std::string> Unwrap(ssp::SessionSecurity& ss, const Bytes& wrapped) {
  if (wrapped.size() < 16) return std::nullopt;
  Sig sig{};
  std::copy_n(wrapped.begin(), 16, sig.begin());
  Bytes plain(wrapped.size() - 16);
  if (!ss.Unseal(ByteSpan(wrapped).subspan(16), sig, plain).ok()) return std::nullopt;
  return std::string(plain.begin(), plain.end());
}

class SambaAnonymousTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string probe =
        std::string(kPython) + " -c 'import samba.gensec, samba.auth' " + ">/dev/null 2>&1";
    if (std::system(probe.c_str()) != 0) {
      if (RunningUnderCi()) FAIL() << "CI=true and python3-samba (samba.gensec) is missing";
      GTEST_SKIP() << "python3-samba (samba.gensec) is not installed";
    }
    dir_ = fs::temp_directory_path() /
           ("samba_anonymous_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  void ExpectReady(SambaPeer& peer) {
    auto ready = peer.ReadLine();
    ASSERT_TRUE(ready.has_value()) << "the Samba peer did not start";
    ASSERT_EQ(*ready, "ready");
  }

  fs::path dir_;
  ssp::SecureRandom random_;
  ssp::FixedClock clock_{134401007644852310ULL};  // 2026-11-25T17:19:24Z
};

// Samba's anonymous client against our acceptor (allow_anonymous).
TEST_F(SambaAnonymousTest, SambaClientSealsBothWaysWithOurServer) {
  SambaPeer samba("client", dir_);
  ExpectReady(samba);
  ssp::InMemoryCredentialStore store;
  ssp::ServerPolicy policy;
  policy.allow_anonymous = true;
  policy.min_server_sec = 0;
  policy.max_clock_skew_seconds.reset();
  ssp::ServerContext server({}, policy, store, clock_, random_);

  auto [w1, negotiate] = samba.Ask("update -");
  ASSERT_EQ(w1, "continue");
  auto challenge = server.AcceptNegotiate(negotiate);
  ASSERT_TRUE(challenge.ok()) << challenge.error().reason;
  auto [w2, authenticate] = samba.Ask("update " + HexOf(*challenge));
  ASSERT_TRUE(w2 == "done" || w2 == "continue") << w2;
  auto verdict = server.AcceptAuthenticate(authenticate);
  ASSERT_TRUE(verdict.ok()) << verdict.error().reason;
  EXPECT_TRUE(verdict->anonymous);
  EXPECT_NE(verdict->negotiated_flags & ssp::kNegotiateSeal, 0u);

  auto [w3, samba_key] = samba.Ask("session_key");
  ASSERT_EQ(w3, "ok");
  EXPECT_EQ(ssp::EncodeHex(samba_key), KeyHex(verdict->exported_session_key))
      << "Samba and this server derive different anonymous session keys";

  ssp::SessionSecurity ss(verdict->negotiated_flags, verdict->exported_session_key,
                          /*is_server=*/true);
  for (const std::string text : {"hello from Samba", "second Samba message"}) {
    auto [w, wrapped] = samba.Ask("wrap " + HexOf(BytesOf(text)));
    ASSERT_EQ(w, "ok");
    EXPECT_EQ(Unwrap(ss, wrapped), text);
    const std::string reply = "our reply to: " + text;
    auto [u, plain] = samba.Ask("unwrap " + HexOf(Wrap(ss, reply)));
    ASSERT_EQ(u, "ok") << "Samba did not unseal our reply";
    EXPECT_EQ(std::string(plain.begin(), plain.end()), reply);
  }
}

// Our anonymous client against Samba's acceptor (`anonymous` auth method).
TEST_F(SambaAnonymousTest, OurClientSealsBothWaysWithSambasServer) {
  SambaPeer samba("server", dir_);
  ExpectReady(samba);
  ssp::ClientContext client(ssp::ClientCredentials::Anonymous("WS01"), ssp::ClientPolicy{}, clock_,
                            random_);
  auto negotiate = client.CreateNegotiate();
  ASSERT_TRUE(negotiate.ok());
  auto [w1, challenge] = samba.Ask("update " + HexOf(*negotiate));
  ASSERT_EQ(w1, "continue");
  auto authenticate = client.ProcessChallenge(challenge);
  ASSERT_TRUE(authenticate.ok()) << authenticate.error().reason;
  auto [w2, last] = samba.Ask("update " + HexOf(*authenticate));
  ASSERT_EQ(w2, "done") << "Samba refused our anonymous AUTHENTICATE";
  EXPECT_TRUE(last.empty());

  auto ss = client.CreateSessionSecurity();
  ASSERT_TRUE(ss.ok()) << ss.error().reason;
  auto [w3, samba_key] = samba.Ask("session_key");
  ASSERT_EQ(w3, "ok");
  EXPECT_EQ(ssp::EncodeHex(samba_key), KeyHex(client.exported_session_key()));

  for (const std::string text : {"hello from our client", "second client message"}) {
    auto [u, plain] = samba.Ask("unwrap " + HexOf(Wrap(*ss, text)));
    ASSERT_EQ(u, "ok") << "Samba did not unseal our message";
    EXPECT_EQ(std::string(plain.begin(), plain.end()), text);
    const std::string reply = "Samba's reply to: " + text;
    auto [w, wrapped] = samba.Ask("wrap " + HexOf(BytesOf(reply)));
    ASSERT_EQ(w, "ok");
    EXPECT_EQ(Unwrap(*ss, wrapped), reply);
  }
}

}  // namespace
}  // namespace ntlm::interop
