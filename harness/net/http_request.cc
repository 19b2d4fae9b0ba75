#include "harness/net/http_request.h"

#include <algorithm>
#include <cstring>

#include "harness/ascii.h"

namespace ntlm::harness::net {
namespace {

// RFC 9110 5.6.2 tchar.
bool IsTokenChar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool IsToken(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return IsTokenChar(c); });
}

// field-value characters: VCHAR, SP, HTAB, obs-text.
bool IsFieldValueChar(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Does the comma-separated list `value` contain `token` (case-insensitive)?
bool ListContains(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = Trim(value.substr(0, comma));
    if (EqualsIgnoreAsciiCase(item, token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

std::string Printable(std::string_view text, size_t max = 40) {
  std::string out;
  for (char c : text.substr(0, max)) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      static const char* kHex = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    }
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreAsciiCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> HttpRequest::Headers(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreAsciiCase(key, name)) out.emplace_back(value);
  }
  return out;
}

bool HttpRequest::KeepAlive() const {
  bool close = false, keep_alive = false;
  for (auto value : Headers("Connection")) {
    close = close || ListContains(value, "close");
    keep_alive = keep_alive || ListContains(value, "keep-alive");
  }
  if (close) return false;
  return version_minor >= 1 || keep_alive;
}

bool HttpRequest::ExpectsContinue() const {
  auto expect = Header("Expect");
  return expect && EqualsIgnoreAsciiCase(*expect, "100-continue");
}

HttpRequestParser::State HttpRequestParser::Fail(int status, std::string reason) {
  state_ = State::kError;
  error_status_ = status;
  error_reason_ = std::move(reason);
  return state_;
}

HttpRequestParser::State HttpRequestParser::Feed(ByteSpan bytes) {
  if (state_ == State::kError) return state_;
  buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
  return Parse();
}

HttpRequestParser::State HttpRequestParser::Parse() {
  if (state_ != State::kNeedMore) return state_;
  if (!headers_done_) {
    // RFC 9112 2.2: empty lines before the request line are ignored.
    size_t skip = 0;
    while (skip < buffer_.size() && (buffer_[skip] == '\r' || buffer_[skip] == '\n')) ++skip;
    if (skip > 0) {
      buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(skip));
      scan_from_ = 0;
    }
    // The head ends at the first empty line (CRLF CRLF, or bare LFs).
    size_t head_end = 0;
    for (size_t i = scan_from_; i < buffer_.size(); ++i) {
      if (buffer_[i] != '\n') continue;
      if (i + 1 < buffer_.size() && buffer_[i + 1] == '\n') {
        head_end = i + 2;
        break;
      }
      if (i + 2 < buffer_.size() && buffer_[i + 1] == '\r' && buffer_[i + 2] == '\n') {
        head_end = i + 3;
        break;
      }
    }
    if (head_end == 0) {
      if (buffer_.size() > limits_.max_header_bytes) {
        return Fail(431, "request line and headers exceed " +
                             std::to_string(limits_.max_header_bytes) + " bytes");
      }
      scan_from_ = buffer_.size() >= 2 ? buffer_.size() - 2 : 0;
      return state_;
    }
    if (head_end > limits_.max_header_bytes) {
      return Fail(431, "request line and headers of " + std::to_string(head_end) +
                           " bytes exceed " + std::to_string(limits_.max_header_bytes) + " bytes");
    }
    if (ParseHead(head_end) == State::kError) return state_;
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(head_end));
    scan_from_ = 0;
    headers_done_ = true;
  }
  if (buffer_.size() < body_length_) return state_;
  request_.body.assign(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(body_length_));
  buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<ptrdiff_t>(body_length_));
  state_ = State::kComplete;
  return state_;
}

HttpRequestParser::State HttpRequestParser::ParseHead(size_t head_end) {
  std::string_view head(reinterpret_cast<const char*>(buffer_.data()), head_end);
  std::vector<std::string_view> lines;
  while (!head.empty()) {
    size_t lf = head.find('\n');
    if (lf == std::string_view::npos) break;
    std::string_view line = head.substr(0, lf);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find('\r') != std::string_view::npos) {
      return Fail(400, "bare CR in the request head");
    }
    if (line.empty()) break;
    lines.push_back(line);
    head.remove_prefix(lf + 1);
  }
  if (lines.empty()) return Fail(400, "no request line");

  // request-line = method SP request-target SP HTTP-version
  std::string_view request_line = lines[0];
  size_t sp1 = request_line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "malformed request line '" + Printable(request_line) + "'");
  }
  std::string_view method = request_line.substr(0, sp1);
  std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = request_line.substr(sp2 + 1);
  if (!IsToken(method)) return Fail(400, "malformed method '" + Printable(method) + "'");
  if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
        unsigned char u = static_cast<unsigned char>(c);
        return u > 0x20 && u < 0x7f;
      })) {
    return Fail(400, "malformed request target '" + Printable(target) + "'");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return Fail(400, "malformed HTTP version '" + Printable(version) + "'");
  }
  if (version[5] != '1') return Fail(505, "HTTP version " + std::string(version) + " unsupported");
  request_.method = std::string(method);
  request_.target = std::string(target);
  request_.version_minor = version[7] - '0';

  for (size_t i = 1; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (line.front() == ' ' || line.front() == '\t') {
      return Fail(400, "obsolete line folding in header line " + std::to_string(i));
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      return Fail(400,
                  "header line " + std::to_string(i) + " has no ':' ('" + Printable(line) + "')");
    }
    std::string_view name = line.substr(0, colon);
    if (!IsToken(name)) {
      return Fail(400, "malformed header name '" + Printable(name) + "'");
    }
    std::string_view value = Trim(line.substr(colon + 1));
    if (!std::all_of(value.begin(), value.end(),
                     [](char c) { return IsFieldValueChar(static_cast<unsigned char>(c)); })) {
      return Fail(400, "control character in header '" + std::string(name) + "'");
    }
    if (request_.headers.size() >= limits_.max_headers) {
      return Fail(431, "more than " + std::to_string(limits_.max_headers) + " header fields");
    }
    request_.headers.emplace_back(std::string(name), std::string(value));
  }

  if (request_.version_minor >= 1 && !request_.Header("Host")) {
    return Fail(400, "HTTP/1.1 request without Host");
  }
  if (auto te = request_.Header("Transfer-Encoding")) {
    return Fail(501, "Transfer-Encoding '" + Printable(*te) + "' is not supported");
  }
  std::optional<size_t> length;
  for (auto value : request_.Headers("Content-Length")) {
    if (value.empty() || value.size() > 18 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Fail(400, "malformed Content-Length '" + Printable(value) + "'");
    }
    size_t parsed = 0;
    for (char c : value) parsed = parsed * 10 + static_cast<size_t>(c - '0');
    if (length && *length != parsed) return Fail(400, "conflicting Content-Length headers");
    length = parsed;
  }
  body_length_ = length.value_or(0);
  if (body_length_ > limits_.max_body_bytes) {
    return Fail(413, "body of " + std::to_string(body_length_) + " bytes exceeds " +
                         std::to_string(limits_.max_body_bytes));
  }
  return state_;
}

HttpRequest HttpRequestParser::TakeRequest() {
  HttpRequest out = std::move(request_);
  request_ = HttpRequest{};
  headers_done_ = false;
  body_length_ = 0;
  scan_from_ = 0;
  state_ = State::kNeedMore;
  return out;
}

}  // namespace ntlm::harness::net
