// http_ntlm_client.h: one NTLM handshake over HTTP/1.1 against a real server,
// for `probe`. Blocking, on standalone Asio, every step bounded by a timeout.
//
//   GET PATH  Authorization: NTLM <NEGOTIATE>        -> 401 WWW-Authenticate: NTLM <CHALLENGE>
//   GET PATH  Authorization: NTLM <AUTHENTICATE>     -> 2xx accepted, 401/403 refused
//
// on one keep-alive connection (the NTLM context is bound to it). With
// `repeat_authenticate`, an accepted AUTHENTICATE is sent once more in a third
// request on the same connection (the catalogue's authenticate-twice: the
// context is complete, so a server must refuse it).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "crypto/bytes.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net {

// "http://HOST:PORT/PATH" (port defaults to 80, path to "/"). https is not
// supported (named in the error).
struct HttpTarget {
  std::string host;
  uint16_t port = 80;
  std::string path = "/";
};
std::optional<HttpTarget> ParseHttpTarget(const std::string& url, std::string& error);

struct HttpNtlmExchange {
  bool connected = false;
  // The answer to the NEGOTIATE: status and, when it carried one, the CHALLENGE.
  int negotiate_status = 0;
  std::optional<Bytes> challenge;
  // The answer to the AUTHENTICATE (0 when none was sent).
  int authenticate_status = 0;
  // The AUTHENTICATE sent (empty when none was).
  Bytes authenticate;
  // The answer to the AUTHENTICATE sent again (0 when it was not sent).
  int repeat_status = 0;
  // Response headers of the last response (lower-case names).
  std::map<std::string, std::string> headers;
  // A transport or protocol problem ("connection refused", "timed out
  // reading the response", "no NTLM challenge in WWW-Authenticate").
  std::string error;
  // The client refused to answer the CHALLENGE (its reason).
  std::string client_error;
};

// Runs the handshake. `answer` turns the CHALLENGE into the AUTHENTICATE; when
// it returns nullopt (with `client_error` set by the caller through the
// exchange) no AUTHENTICATE is sent.
HttpNtlmExchange RunHttpNtlmExchange(
    const HttpTarget& target, const Bytes& negotiate,
    const std::function<std::optional<Bytes>(const Bytes& challenge, std::string& client_error)>&
        answer,
    std::chrono::milliseconds timeout, bool repeat_authenticate = false);

// One fresh logon with this project's NTLM client (default client policy,
// fresh randomness) on a new connection: "" when the AUTHENTICATE got 2xx,
// else why not ("status 401", a transport error, the client's refusal).
std::string RunHttpNtlmLogon(const HttpTarget& target, const ssp::ClientCredentials& credentials,
                             const ssp::Clock& clock, std::chrono::milliseconds timeout);

}  // namespace ntlm::harness::net
