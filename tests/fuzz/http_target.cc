// http_target.cc: the HTTP front's request parser (HttpRequestParser) and its
// authentication (HttpAuthSession: Authorization header, NTLM and Negotiate
// token extraction, SPNEGO, the NTLM exchange), socket-free.
//
// Input layout (every input is valid; missing bytes read as zero):
//   byte 0  bit 0: authenticate first with a real NTLM client (so requests
//           on an authenticated connection, a second AUTHENTICATE and a
//           restart are reached); bit 1: small parser limits (512-byte head,
//           256-byte body, 8 headers) so 413/431 are reached;
//   byte 1  feed size - 1: the rest is fed to the parser in pieces of this
//           size, as a socket would deliver it;
//   rest    the bytes of one connection (pipelined requests).
// Every complete request is answered by the session. Invariants: a parser
// error is 400, 413, 431, 501 or 505 (a version other than HTTP/1.x) with a
// reason; an answer is 200, 400, 401 or 403 (never a 5xx), and serialises to
// one status line with CR/LF-free header values.
#include <string>

#include "harness/net/http_auth.h"
#include "harness/net/http_request.h"
#include "harness/net/http_response.h"
#include "harness/token_input.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/net_fuzz_env.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

using harness::net::HttpAuthSession;
using harness::net::HttpParseLimits;
using harness::net::HttpRequest;
using harness::net::HttpRequestParser;
using harness::net::HttpResponse;

// At most this many requests are answered per input (bounds the run time).
constexpr int kMaxRequests = 32;

HttpRequest AuthorizationRequest(const std::string& value) {
  HttpRequest request;
  request.method = "GET";
  request.target = "/";
  request.headers.emplace_back("Host", "127.0.0.1");
  request.headers.emplace_back("Authorization", value);
  return request;
}

// The token of the first "NTLM <b64>" WWW-Authenticate header.
Bytes ChallengeOf(const HttpResponse& response) {
  for (const auto& [name, value] : response.headers) {
    if (name == "WWW-Authenticate" && value.rfind("NTLM ", 0) == 0) {
      std::string error;
      return harness::DecodeBase64(value.substr(5), error).value_or(Bytes{});
    }
  }
  return {};
}

// NEGOTIATE -> CHALLENGE -> AUTHENTICATE with the real client; must succeed.
void Authenticate(NetFuzzEnv& env, HttpAuthSession& session) {
  auto client = env.Client();
  auto negotiate = client->CreateNegotiate();
  FuzzCheck(negotiate.ok(), "http: client NEGOTIATE");
  auto first = session.Handle(AuthorizationRequest("NTLM " + harness::EncodeBase64(*negotiate)));
  FuzzCheck(first.response.status == 401, "http: NEGOTIATE not answered with 401");
  auto authenticate = client->ProcessChallenge(ChallengeOf(first.response));
  FuzzCheck(authenticate.ok(), "http: the server's CHALLENGE refused by the client");
  auto second =
      session.Handle(AuthorizationRequest("NTLM " + harness::EncodeBase64(*authenticate)));
  FuzzCheck(second.response.status == 200 && session.authenticated(),
            "http: a genuine AUTHENTICATE refused");
}

void CheckAnswer(const HttpResponse& response) {
  const int s = response.status;
  FuzzCheck(s == 200 || s == 400 || s == 401 || s == 403, "http: unexpected answer status");
  const std::string text = harness::net::SerializeResponse(response);
  const size_t head_end = text.find("\r\n\r\n");
  FuzzCheck(text.rfind("HTTP/1.1 ", 0) == 0 && head_end != std::string::npos,
            "http: serialised response has no status line or head end");
  // Status line, Server, Content-Type (with a body), Content-Length,
  // Connection (when closing), then one line per header: a CR or LF inside a
  // value would add a line.
  size_t lines = 1;
  for (size_t i = 0; i < head_end; ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      FuzzCheck(text[i] == '\r' && text[i + 1] == '\n', "http: bare CR or LF in the head");
      ++lines;
      ++i;
    }
  }
  const size_t expected =
      3 + (response.body.empty() ? 0 : 1) + (response.close ? 1 : 0) + response.headers.size();
  FuzzCheck(lines == expected, "http: a header value split the head");
}

}  // namespace

int FuzzHttpRequest(const uint8_t* data, size_t size) {
  FuzzInput in(data, size);
  const uint8_t mode = in.TakeU8();
  const size_t feed = size_t{in.TakeU8()} + 1;
  NetFuzzEnv env;
  HttpParseLimits limits;
  if (mode & 2) limits = HttpParseLimits{512, 256, 8};
  HttpRequestParser parser(limits);
  HttpAuthSession session(env.ctx(), "127.0.0.1:40000", 1);
  if (mode & 1) Authenticate(env, session);

  const ByteSpan stream = in.TakeRest();
  int answered = 0;
  for (size_t offset = 0; offset < stream.size() && answered < kMaxRequests;) {
    const size_t n = std::min(feed, stream.size() - offset);
    HttpRequestParser::State state = parser.Feed(stream.subspan(offset, n));
    offset += n;
    while (state == HttpRequestParser::State::kComplete && answered < kMaxRequests) {
      const HttpRequest request = parser.TakeRequest();
      FuzzCheck(request.body.size() <= limits.max_body_bytes, "http: body over the limit");
      FuzzCheck(request.headers.size() <= limits.max_headers, "http: headers over the limit");
      (void)request.KeepAlive();
      (void)request.ExpectsContinue();
      CheckAnswer(session.Handle(request).response);
      ++answered;
      state = parser.Parse();
    }
    if (state == HttpRequestParser::State::kError) {
      const int s = parser.error_status();
      FuzzCheck(s == 400 || s == 413 || s == 431 || s == 501 || s == 505,
                "http: unexpected parser status");
      FuzzCheck(!parser.error_reason().empty(), "http: parser error without a reason");
      break;
    }
  }
  return 0;
}

}  // namespace ntlm::fuzz
