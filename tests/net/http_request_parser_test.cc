// http_request_parser_test.cc: the socket-free HTTP/1.1 request parser —
// complete requests fed whole and byte by byte, pipelining, bodies, and every
// refusal with its status (400 malformed, 413, 431, 501, 505).
#include <gtest/gtest.h>

#include <string>

#include "harness/net/http_request.h"
#include "harness/net/http_response.h"

namespace ntlm::harness::net {
namespace {

using State = HttpRequestParser::State;

ByteSpan Span(const std::string& text) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

const std::string kGet =
    "GET /path?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nAuthorization: NTLM "
    "TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=\r\nUser-Agent:  curl/7.88.1 \r\n\r\n";

TEST(HttpRequestParser, ParsesACompleteRequest) {
  HttpRequestParser parser;
  ASSERT_EQ(parser.Feed(Span(kGet)), State::kComplete);
  HttpRequest request = parser.TakeRequest();
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target, "/path?q=1");
  EXPECT_EQ(request.version_minor, 1);
  ASSERT_EQ(request.headers.size(), 3u);
  EXPECT_EQ(request.Header("authorization").value_or(""),
            "NTLM TlRMTVNTUAABAAAABoIIAAAAAAAAAAAAAAAAAAAAAAA=");
  EXPECT_EQ(request.Header("User-Agent").value_or(""), "curl/7.88.1");  // OWS trimmed
  EXPECT_FALSE(request.Header("Cookie").has_value());
  EXPECT_TRUE(request.KeepAlive());
  EXPECT_TRUE(request.body.empty());
  EXPECT_EQ(parser.state(), State::kNeedMore);
  EXPECT_FALSE(parser.in_progress());
}

TEST(HttpRequestParser, SameResultWhenFedOneByteAtATime) {
  HttpRequestParser parser;
  for (size_t i = 0; i + 1 < kGet.size(); ++i) {
    ASSERT_EQ(parser.Feed(Span(kGet.substr(i, 1))), State::kNeedMore) << "byte " << i;
  }
  ASSERT_EQ(parser.Feed(Span(kGet.substr(kGet.size() - 1))), State::kComplete);
  EXPECT_EQ(parser.TakeRequest().target, "/path?q=1");
}

TEST(HttpRequestParser, PipelinedRequestsComeOutInOrder) {
  std::string two = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" + kGet;
  HttpRequestParser parser;
  ASSERT_EQ(parser.Feed(Span(two)), State::kComplete);
  HttpRequest first = parser.TakeRequest();
  EXPECT_EQ(first.method, "POST");
  EXPECT_EQ(std::string(first.body.begin(), first.body.end()), "hello");
  EXPECT_TRUE(parser.in_progress());
  ASSERT_EQ(parser.Parse(), State::kComplete);
  EXPECT_EQ(parser.TakeRequest().method, "GET");
  EXPECT_EQ(parser.Parse(), State::kNeedMore);
}

TEST(HttpRequestParser, BodyArrivesInPieces) {
  HttpRequestParser parser;
  ASSERT_EQ(parser.Feed(Span("PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n"
                             "Expect: 100-continue\r\n\r\n0123")),
            State::kNeedMore);
  EXPECT_TRUE(parser.headers_complete());
  EXPECT_TRUE(parser.pending().ExpectsContinue());
  ASSERT_EQ(parser.Feed(Span("456789")), State::kComplete);
  EXPECT_EQ(parser.TakeRequest().body.size(), 10u);
}

TEST(HttpRequestParser, AcceptsBareLineFeedsAndLeadingEmptyLines) {
  HttpRequestParser parser;
  ASSERT_EQ(parser.Feed(Span("\r\n\nGET / HTTP/1.1\nHost: h\n\n")), State::kComplete);
  EXPECT_EQ(parser.TakeRequest().Header("Host").value_or(""), "h");
}

TEST(HttpRequestParser, ConnectionPersistenceFollowsTheVersion) {
  auto parse = [](const std::string& text) {
    HttpRequestParser parser;
    EXPECT_EQ(parser.Feed(Span(text)), State::kComplete) << text;
    return parser.TakeRequest();
  };
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n").KeepAlive());
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: TE, Close\r\n\r\n").KeepAlive());
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").KeepAlive());
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").KeepAlive());
}

struct Refusal {
  std::string name;
  std::string request;
  int status;
  std::string reason_part;
};

class HttpRequestParserRefuses : public ::testing::TestWithParam<Refusal> {};

TEST_P(HttpRequestParserRefuses, WithTheRightStatus) {
  const Refusal& c = GetParam();
  HttpParseLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 100;
  limits.max_headers = 10;
  HttpRequestParser parser(limits);
  ASSERT_EQ(parser.Feed(Span(c.request)), State::kError);
  EXPECT_EQ(parser.error_status(), c.status);
  EXPECT_NE(parser.error_reason().find(c.reason_part), std::string::npos) << parser.error_reason();
  // Once failed, more bytes change nothing.
  EXPECT_EQ(parser.Feed(Span(kGet)), State::kError);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, HttpRequestParserRefuses,
    ::testing::Values(
        Refusal{"NoVersion", "GET /\r\nHost: h\r\n\r\n", 400, "request line"},
        Refusal{"ExtraSpace", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "request line"},
        Refusal{"BadMethod", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400, "method"},
        Refusal{"BadVersion", "GET / HTTX/1.1\r\nHost: h\r\n\r\n", 400, "HTTP version"},
        Refusal{"Http2", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, "unsupported"},
        Refusal{"ControlInTarget", std::string("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), 400,
                "target"},
        Refusal{"NoHost", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400, "Host"},
        Refusal{"NoColon", "GET / HTTP/1.1\r\nHost h\r\n\r\n", 400, "no ':'"},
        Refusal{"SpaceBeforeColon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400, "header name"},
        Refusal{"ObsFold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: 1\r\n  2\r\n\r\n", 400, "folding"},
        Refusal{"BareCr", "GET / HTTP/1.1\r\nHost: h\rX: 1\r\n\r\n", 400, "bare CR"},
        Refusal{"NulInValue", std::string("GET / HTTP/1.1\r\nHost: h\r\nX: a") + '\0' + "b\r\n\r\n",
                400, "control character"},
        Refusal{"BadLength", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1x\r\n\r\n", 400,
                "Content-Length"},
        Refusal{"NegativeLength", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400,
                "Content-Length"},
        Refusal{"HugeLength",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
                "Content-Length"},
        Refusal{"ConflictingLengths",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
                "conflicting"},
        Refusal{"BodyTooLarge", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n", 413,
                "101 bytes"},
        Refusal{"Chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 501,
                "Transfer-Encoding"},
        Refusal{"HeadTooLarge",
                "GET / HTTP/1.1\r\nHost: h\r\nAuthorization: NTLM " + std::string(1100, 'A') +
                    "\r\n\r\n",
                431, "exceed"},
        Refusal{"HeadTooLargeUnterminated", "GET / HTTP/1.1\r\nX: " + std::string(1100, 'A'), 431,
                "exceed"},
        Refusal{"TooManyHeaders",
                [] {
                  std::string r = "GET / HTTP/1.1\r\nHost: h\r\n";
                  for (int i = 0; i < 11; ++i) r += "X-" + std::to_string(i) + ": v\r\n";
                  return r + "\r\n";
                }(),
                431, "header fields"}),
    [](const ::testing::TestParamInfo<Refusal>& param) { return param.param.name; });

TEST(HttpRequestParser, AnyPrefixOfAValidRequestOnlyNeedsMore) {
  // Every truncation is "need more", never an error or a crash.
  std::string request = "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  for (size_t n = 0; n < request.size(); ++n) {
    HttpRequestParser parser;
    EXPECT_EQ(parser.Feed(Span(request.substr(0, n))), State::kNeedMore) << n;
  }
}

TEST(HttpResponse, SerialisesWithLengthAndNoHeaderInjection) {
  HttpResponse response;
  response.status = 401;
  response.Add("WWW-Authenticate", "NTLM").Add("X-NTLM-Reason", "bad\r\nSet-Cookie: x=1");
  response.body = "no";
  std::string text = SerializeResponse(response);
  EXPECT_EQ(text.rfind("HTTP/1.1 401 Unauthorized\r\n", 0), 0u);
  EXPECT_NE(text.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_NE(text.find("WWW-Authenticate: NTLM\r\n"), std::string::npos);
  EXPECT_EQ(text.find("\r\nSet-Cookie"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 6), "\r\n\r\nno");
  response.head_only = true;
  response.close = true;
  text = SerializeResponse(response);
  EXPECT_NE(text.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 4), "\r\n\r\n");
}

}  // namespace
}  // namespace ntlm::harness::net
