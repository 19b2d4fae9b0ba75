#include "harness/net/io/http_ntlm_client.h"

#include <algorithm>
#include <asio.hpp>
#include <cctype>
#include <vector>

#include "harness/ascii.h"
#include "harness/token_input.h"

namespace ntlm::harness::net {
namespace {

using asio::ip::tcp;

constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxBody = 1024 * 1024;

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

struct Response {
  int status = 0;
  std::map<std::string, std::string> headers;
  std::vector<std::string> www_authenticate;
};

// A blocking connection whose every operation ends within the timeout.
class Connection {
 public:
  explicit Connection(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  bool Connect(const HttpTarget& t, std::string& error) {
    asio::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(t.host, std::to_string(t.port), ec);
    if (ec) {
      error = "cannot resolve " + t.host + ": " + ec.message();
      return false;
    }
    asio::error_code result = asio::error::would_block;
    asio::async_connect(socket_, endpoints,
                        [&](const asio::error_code& e, const tcp::endpoint&) { result = e; });
    if (!Run(result, "connecting to " + t.host + ":" + std::to_string(t.port), error)) return false;
    return true;
  }

  bool Write(const std::string& bytes, std::string& error) {
    asio::error_code result = asio::error::would_block;
    asio::async_write(socket_, asio::buffer(bytes),
                      [&](const asio::error_code& e, size_t) { result = e; });
    return Run(result, "sending the request", error);
  }

  bool ReadResponse(Response& r, std::string& error) {
    // Head.
    size_t head_end;
    while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (buffer_.size() > kMaxHead) {
        error = "response head larger than 64 KiB";
        return false;
      }
      if (!ReadSome(error)) return false;
    }
    const std::string head = buffer_.substr(0, head_end);
    buffer_.erase(0, head_end + 4);
    size_t line_end = head.find("\r\n");
    const std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
      error = "not an HTTP/1.x response: '" + status_line.substr(0, 60) + "'";
      return false;
    }
    r.status = std::atoi(status_line.c_str() + 9);
    for (size_t pos = line_end; pos != std::string::npos && pos < head.size();) {
      size_t start = pos + 2;
      size_t end = head.find("\r\n", start);
      const std::string line = head.substr(start, end == std::string::npos ? end : end - start);
      pos = end;
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      const std::string name = ToLowerAscii(Trim(line.substr(0, colon)));
      const std::string value = Trim(line.substr(colon + 1));
      if (name == "www-authenticate") r.www_authenticate.push_back(value);
      r.headers[name] = value;
    }
    // Body (discarded).
    if (ToLowerAscii(r.headers["transfer-encoding"]).find("chunked") != std::string::npos) {
      while (buffer_.find("0\r\n\r\n") == std::string::npos) {
        if (buffer_.size() > kMaxBody) {
          error = "chunked response body larger than 1 MiB";
          return false;
        }
        if (!ReadSome(error)) return false;
      }
      buffer_.erase(0, buffer_.find("0\r\n\r\n") + 5);
      return true;
    }
    size_t length = 0;
    if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
      length = static_cast<size_t>(std::strtoull(it->second.c_str(), nullptr, 10));
    }
    if (length > kMaxBody) {
      error = "response body larger than 1 MiB";
      return false;
    }
    while (buffer_.size() < length) {
      if (!ReadSome(error)) return false;
    }
    buffer_.erase(0, length);
    return true;
  }

 private:
  bool ReadSome(std::string& error) {
    char chunk[4096];
    size_t got = 0;
    asio::error_code result = asio::error::would_block;
    socket_.async_read_some(asio::buffer(chunk), [&](const asio::error_code& e, size_t n) {
      result = e;
      got = n;
    });
    if (!Run(result, "reading the response", error)) return false;
    buffer_.append(chunk, got);
    return true;
  }

  // Runs the pending operation to completion or until the timeout.
  bool Run(asio::error_code& result, const std::string& what, std::string& error) {
    io_.restart();
    io_.run_for(timeout_);
    if (result == asio::error::would_block) {
      asio::error_code ignored;
      socket_.close(ignored);
      io_.restart();
      io_.run_for(std::chrono::milliseconds(100));
      error = "timed out " + what;
      return false;
    }
    if (result) {
      error = what + ": " + result.message();
      return false;
    }
    return true;
  }

  std::chrono::milliseconds timeout_;
  asio::io_context io_;
  tcp::socket socket_{io_};
  std::string buffer_;
};

std::string Request(const HttpTarget& t, const Bytes& token) {
  return "GET " + t.path + " HTTP/1.1\r\nHost: " + t.host + ":" + std::to_string(t.port) +
         "\r\nAuthorization: NTLM " + EncodeBase64(token) +
         "\r\nConnection: keep-alive\r\nContent-Length: 0\r\nUser-Agent: "
         "ntlmssp-harness-probe\r\n\r\n";
}

std::optional<Bytes> NtlmChallenge(const Response& r) {
  for (const auto& value : r.www_authenticate) {
    if (value.size() > 5 && ToLowerAscii(value.substr(0, 5)) == "ntlm ") {
      std::string error;
      auto bytes = DecodeBase64(Trim(value.substr(5)), error);
      if (bytes) return bytes;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<HttpTarget> ParseHttpTarget(const std::string& url, std::string& error) {
  const std::string lower = ToLowerAscii(url);
  if (lower.rfind("https://", 0) == 0) {
    error = "'" + url + "': https is not supported (probe speaks plain HTTP)";
    return std::nullopt;
  }
  if (lower.rfind("http://", 0) != 0) {
    error = "'" + url + "' must start with http://";
    return std::nullopt;
  }
  HttpTarget t;
  std::string rest = url.substr(7);
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) t.path = rest.substr(slash);
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) {
      error = "'" + url + "': unterminated IPv6 address";
      return std::nullopt;
    }
    t.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      port = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    t.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (t.host.empty()) {
    error = "'" + url + "': no host";
    return std::nullopt;
  }
  if (!port.empty()) {
    if (port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
        std::stoul(port) == 0 || std::stoul(port) > 65535) {
      error = "'" + url + "': port '" + port + "' must be 1..65535";
      return std::nullopt;
    }
    t.port = static_cast<uint16_t>(std::stoul(port));
  }
  return t;
}

HttpNtlmExchange RunHttpNtlmExchange(
    const HttpTarget& target, const Bytes& negotiate,
    const std::function<std::optional<Bytes>(const Bytes&, std::string&)>& answer,
    std::chrono::milliseconds timeout, bool repeat_authenticate) {
  HttpNtlmExchange x;
  Connection c(timeout);
  if (!c.Connect(target, x.error)) return x;
  x.connected = true;
  Response first;
  if (!c.Write(Request(target, negotiate), x.error) || !c.ReadResponse(first, x.error)) return x;
  x.negotiate_status = first.status;
  x.headers = first.headers;
  x.challenge = NtlmChallenge(first);
  if (!x.challenge) {
    if (first.status == 401 && first.www_authenticate.empty()) {
      x.error = "401 without WWW-Authenticate";
    }
    return x;  // refused at the NEGOTIATE (or not an NTLM server)
  }
  auto authenticate = answer(*x.challenge, x.client_error);
  if (!authenticate) return x;
  Response second;
  if (!c.Write(Request(target, *authenticate), x.error) || !c.ReadResponse(second, x.error)) {
    return x;
  }
  x.authenticate_status = second.status;
  x.headers = second.headers;
  x.authenticate = std::move(*authenticate);
  if (!repeat_authenticate || second.status < 200 || second.status >= 300) return x;
  if (ToLowerAscii(second.headers["connection"]) == "close") {
    x.error =
        "the server closed the connection after accepting the AUTHENTICATE (it cannot be "
        "sent again on it)";
    return x;
  }
  Response third;
  std::string error;
  if (!c.Write(Request(target, x.authenticate), error) || !c.ReadResponse(third, error)) {
    x.error = "sending the AUTHENTICATE again: " + error;
    return x;
  }
  x.repeat_status = third.status;
  x.headers = third.headers;
  return x;
}

std::string RunHttpNtlmLogon(const HttpTarget& target, const ssp::ClientCredentials& credentials,
                             const ssp::Clock& clock, std::chrono::milliseconds timeout) {
  ssp::SecureRandom random;
  ssp::ClientContext client(credentials, ssp::ClientPolicy{}, clock, random);
  auto negotiate = client.CreateNegotiate();
  if (!negotiate.ok()) return negotiate.error().reason;
  auto exchange = RunHttpNtlmExchange(
      target, *negotiate,
      [&client](const Bytes& challenge, std::string& client_error) -> std::optional<Bytes> {
        auto authenticate = client.ProcessChallenge(challenge);
        if (!authenticate.ok()) {
          client_error = authenticate.error().reason;
          return std::nullopt;
        }
        return *authenticate;
      },
      timeout);
  if (!exchange.error.empty()) return exchange.error;
  if (!exchange.client_error.empty()) return exchange.client_error;
  if (exchange.authenticate_status < 200 || exchange.authenticate_status >= 300) {
    return "status " + std::to_string(exchange.authenticate_status != 0
                                          ? exchange.authenticate_status
                                          : exchange.negotiate_status);
  }
  return "";
}

}  // namespace ntlm::harness::net
