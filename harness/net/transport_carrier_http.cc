// transport_carrier_http.cc: a cell's tokens on one in-process HTTP
// connection (HttpAuthSession): "Authorization: NTLM <base64>" requests, the
// CHALLENGE from "WWW-Authenticate: NTLM <base64>". HTTP carries no session
// security: after the logon only authenticate-twice has something to send.
#include <optional>
#include <string>
#include <string_view>

#include "harness/net/http_auth.h"
#include "harness/net/transport_carrier.h"
#include "ssp/text_encoding.h"

namespace ntlm::harness::net {
namespace {

std::optional<std::string> HeaderValue(const HttpResponse& response, std::string_view name) {
  for (const auto& [n, value] : response.headers) {
    if (n == name) return value;
  }
  return std::nullopt;
}

class HttpCarrier : public CellCarrier {
 public:
  explicit HttpCarrier(const FrontContext& ctx) : session_(ctx, "in-process", 1) {}

  LegAnswer Leg(ByteSpan ntlm_token) override {
    HttpRequest request;
    request.method = "GET";
    request.target = "/";
    request.headers.emplace_back("Host", "matrix.invalid");
    request.headers.emplace_back("Authorization", "NTLM " + ssp::EncodeBase64(ntlm_token));
    HttpAuthOutcome out = session_.Handle(request);
    LegAnswer answer;
    answer.answer = "HTTP " + std::to_string(out.response.status);
    if (out.log && !out.log->accepted) {
      answer.refused = true;
      answer.status = out.log->status;
      answer.reason = out.log->reason;
      return answer;
    }
    if (out.response.status == 200) {
      if (out.log) answer.user = out.log->domain + "\\" + out.log->user;
      return answer;
    }
    if (out.response.status != 401 || HeaderValue(out.response, "X-NTLM-Status")) {
      // A refusal the front did not log (e.g. a token out of order): the
      // status it names.
      answer.refused = true;
      auto name = HeaderValue(out.response, "X-NTLM-Status");
      auto status = name ? ssp::StatusFromName(*name) : std::nullopt;
      if (!status) {
        answer.error = answer.answer + " without an SSPI status: " + out.response.body;
        return answer;
      }
      answer.status = *status;
      if (auto reason = HeaderValue(out.response, "X-NTLM-Reason")) answer.reason = *reason;
      return answer;
    }
    for (const auto& [name, value] : out.response.headers) {
      constexpr std::string_view kPrefix = "NTLM ";
      if (name != "WWW-Authenticate" || value.rfind(kPrefix, 0) != 0) continue;
      std::string error;
      auto token = ssp::DecodeBase64(std::string_view(value).substr(kPrefix.size()), error);
      if (!token) {
        answer.error = "WWW-Authenticate: " + error;
        return answer;
      }
      answer.server_token = std::move(*token);
      return answer;
    }
    answer.error = "HTTP 401 without an NTLM challenge";
    return answer;
  }

  SessionAnswer Session(ScenarioDeviation scenario, ssp::ClientContext&,
                        ByteSpan authenticate) override {
    SessionAnswer out;
    if (scenario != ScenarioDeviation::kAuthenticateTwice) return out;
    // The same AUTHENTICATE again on the authenticated connection.
    LegAnswer again = Leg(authenticate);
    out.answer = again.answer;
    if (!again.error.empty()) {
      out.harness_error = again.error;
    } else if (again.refused) {
      out.observed = SessionRefusal(again.status, Stage::kSession1);
    }
    return out;
  }

 private:
  HttpAuthSession session_;
};

}  // namespace

std::unique_ptr<CellCarrier> MakeHttpCarrier(const FrontContext& ctx) {
  return std::make_unique<HttpCarrier>(ctx);
}

}  // namespace ntlm::harness::net
