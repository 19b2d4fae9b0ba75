#include "harness/net/http_response.h"

namespace ntlm::harness::net {
namespace {

std::string HeaderSafe(std::string_view value) {
  std::string out(value);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = ' ';
  }
  return out;
}

}  // namespace

const char* HttpReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 408:
      return "Request Timeout";
    case 413:
      return "Content Too Large";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    case 505:
      return "HTTP Version Not Supported";
  }
  return "Unknown";
}

std::string SerializeResponse(const HttpResponse& response) {
  std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                    HttpReasonPhrase(response.status) + "\r\n";
  out += "Server: ntlmssp-harness\r\n";
  if (!response.body.empty()) out += "Content-Type: " + HeaderSafe(response.content_type) + "\r\n";
  out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
  if (response.close) out += "Connection: close\r\n";
  for (const auto& [name, value] : response.headers) {
    out += HeaderSafe(name) + ": " + HeaderSafe(value) + "\r\n";
  }
  out += "\r\n";
  if (!response.head_only) out += response.body;
  return out;
}

HttpResponse ErrorResponse(int status, std::string_view reason, bool close) {
  HttpResponse response;
  response.status = status;
  response.body =
      std::to_string(status) + " " + HttpReasonPhrase(status) + ": " + std::string(reason) + "\n";
  response.close = close;
  return response;
}

}  // namespace ntlm::harness::net
