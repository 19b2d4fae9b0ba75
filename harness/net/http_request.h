// http_request.h: an incremental HTTP/1.1 request parser (RFC 9112), free of
// sockets so it is unit-tested alone.
//
// Feed it the bytes as they arrive; it reports "need more", one complete
// request (the bytes after it stay buffered for the next one: pipelining), or
// an error with the HTTP status to answer (400 malformed, 413 body too large,
// 431 request line + headers too large, 501 an unsupported transfer coding,
// 505 an HTTP version other than 1.x).
// Every index is checked against the buffer; limits bound what is buffered.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/bytes.h"

namespace ntlm::harness::net {

struct HttpRequest {
  std::string method;
  std::string target;
  int version_minor = 1;                                     // HTTP/1.<minor>
  std::vector<std::pair<std::string, std::string>> headers;  // in order, values trimmed
  Bytes body;

  // The first header named `name` (case-insensitive), or nullopt.
  std::optional<std::string_view> Header(std::string_view name) const;
  // Every header named `name`, in order.
  std::vector<std::string_view> Headers(std::string_view name) const;
  // RFC 9112 9.3: HTTP/1.1 persists unless "Connection: close"; HTTP/1.0
  // only with "Connection: keep-alive".
  bool KeepAlive() const;
  // "Expect: 100-continue".
  bool ExpectsContinue() const;
};

struct HttpParseLimits {
  size_t max_header_bytes = 16 * 1024;  // request line + headers + blank line
  size_t max_body_bytes = 1024 * 1024;
  size_t max_headers = 100;
};

class HttpRequestParser {
 public:
  enum class State {
    kNeedMore,  // feed more bytes
    kComplete,  // TakeRequest()
    kError,     // error_status()/error_reason(); the connection must close
  };

  explicit HttpRequestParser(HttpParseLimits limits = {}) : limits_(limits) {}

  // Appends received bytes and parses as far as possible.
  State Feed(ByteSpan bytes);
  // Parses what is buffered (after TakeRequest, for a pipelined request).
  State Parse();

  State state() const { return state_; }
  // The request line and headers are complete (the body may not be yet).
  bool headers_complete() const { return headers_done_; }
  // The request being parsed (valid once headers_complete()).
  const HttpRequest& pending() const { return request_; }
  // Moves out the complete request and resets for the next one.
  HttpRequest TakeRequest();
  // Some bytes of a request were received and the request is not complete.
  bool in_progress() const { return !buffer_.empty() || headers_done_; }

  int error_status() const { return error_status_; }
  const std::string& error_reason() const { return error_reason_; }

 private:
  State Fail(int status, std::string reason);
  State ParseHead(size_t head_end);

  HttpParseLimits limits_;
  State state_ = State::kNeedMore;
  Bytes buffer_;
  size_t scan_from_ = 0;  // where to resume looking for the end of the head
  bool headers_done_ = false;
  size_t body_length_ = 0;
  HttpRequest request_;
  int error_status_ = 0;
  std::string error_reason_;
};

}  // namespace ntlm::harness::net
