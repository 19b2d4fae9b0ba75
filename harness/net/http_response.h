// http_response.h: the HTTP/1.1 responses the front sends, serialised.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ntlm::harness::net {

struct HttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  // Adds "Connection: close"; the session closes after sending.
  bool close = false;
  // HEAD: Content-Length of the body, no body bytes.
  bool head_only = false;

  HttpResponse& Add(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
};

// RFC 9110 reason phrase ("Unauthorized"); "Unknown" for other codes.
const char* HttpReasonPhrase(int status);

// Status line, headers (Content-Type, Content-Length, Connection: close when
// set, then `headers`), blank line and the body. Header values must not hold
// CR or LF: such characters are replaced with spaces.
std::string SerializeResponse(const HttpResponse& response);

// A plain-text response for a protocol error ("400 Bad Request: <reason>").
HttpResponse ErrorResponse(int status, std::string_view reason, bool close);

}  // namespace ntlm::harness::net
