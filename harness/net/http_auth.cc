#include "harness/net/http_auth.h"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "harness/ascii.h"
#include "harness/json_text_writer.h"
#include "harness/net/auth_log.h"
#include "harness/net/spnego.h"
#include "harness/net/spnego_mic.h"
#include "harness/net/spnego_ntlm_acceptor.h"
#include "harness/ntlm_sniff.h"
#include "harness/token_input.h"
#include "ssp/authenticate_message.h"
#include "ssp/byte_reader.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/session_security.h"

namespace ntlm::harness::net {
namespace {

using ssp::SecStatus;

constexpr uint32_t kNtlmNegotiateType = 1;
constexpr uint32_t kNtlmAuthenticateType = 3;

bool IsNtlmssp(ByteSpan token) { return StartsWithNtlmSignature(token); }

// MessageType (offset 8) of an NTLMSSP message, 0 when too short.
uint32_t NtlmMessageType(ByteSpan token) {
  ssp::ByteReader reader(token);
  if (!reader.Skip(8).ok()) return 0;
  auto type = reader.ReadU32();
  return type.ok() ? *type : 0;
}

// NegotiateFlags (offset 12) of a NEGOTIATE, 0 when too short.
uint32_t NegotiateFlagsOf(ByteSpan token) {
  ssp::ByteReader reader(token);
  if (!reader.Skip(12).ok()) return 0;
  auto flags = reader.ReadU32();
  return flags.ok() ? *flags : 0;
}

// 403 for a policy refusal, 400 for a token that does not decode, else 401.
int HttpStatusFor(SecStatus status) {
  if (status == SecStatus::kUnsupportedFunction) return 403;
  if (status == SecStatus::kInvalidToken) return 400;
  return 401;
}

std::string DumpJson(const nlohmann::ordered_json& json) {
  return json.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace

HttpAuthSession::HttpAuthSession(const FrontContext& ctx, std::string client_address,
                                 uint64_t connection_id)
    : ctx_(ctx),
      client_address_(std::move(client_address)),
      connection_id_(connection_id),
      transcript_(ctx, "",
                  "HTTP authentication recorded by ntlmssp-harness serve from " + client_address_) {
}

HttpAuthSession::~HttpAuthSession() = default;

std::string HttpAuthSession::SchemeName(Scheme scheme) const {
  return scheme == Scheme::kNtlm ? "NTLM" : "Negotiate";
}

void HttpAuthSession::NewExchange() {
  ++exchanges_;
  transcript_.Restart(RecordedExchangeName(ctx_, "http", connection_id_, exchanges_));
  server_.reset();
  authenticated_.reset();
  mech_types_der_.clear();
  ntlm_preferred_ = true;
  have_negotiate_ = false;
  supported_mech_sent_ = false;
}

HttpAuthOutcome HttpAuthSession::Offer(std::string_view reason) const {
  HttpAuthOutcome out;
  out.response.status = 401;
  out.response.Add("WWW-Authenticate", "Negotiate").Add("WWW-Authenticate", "NTLM");
  out.response.body = "401 Unauthorized: " + std::string(reason) + "\n";
  return out;
}

HttpAuthOutcome HttpAuthSession::Handle(const HttpRequest& request) {
  auto headers = request.Headers("Authorization");
  if (headers.size() > 1) {
    return {ErrorResponse(400, "more than one Authorization header", false), {}, {}};
  }
  if (headers.empty()) {
    if (authenticated_) return {SuccessResponse(*authenticated_), {}, {}};
    return Offer("authentication required (NTLM or Negotiate)");
  }
  std::string_view value = headers[0];
  size_t space = value.find(' ');
  std::string_view scheme = value.substr(0, space);
  std::string_view credentials =
      space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  bool negotiate = EqualsIgnoreAsciiCase(scheme, "Negotiate");
  if (!negotiate && !EqualsIgnoreAsciiCase(scheme, "NTLM")) {
    return Offer("authentication scheme '" + std::string(scheme.substr(0, 32)) +
                 "' not supported (NTLM or Negotiate)");
  }
  std::string scheme_name = negotiate ? "Negotiate" : "NTLM";
  if (credentials.empty()) {
    return {
        ErrorResponse(400, "Authorization: " + scheme_name + " without a token", false), {}, {}};
  }
  if (credentials.size() > ctx_.limits.max_token_bytes / 3 * 4 + 4) {
    return {ErrorResponse(400,
                          "Authorization: " + scheme_name + " token longer than " +
                              std::to_string(ctx_.limits.max_token_bytes) + " bytes",
                          false),
            {},
            {}};
  }
  std::string error;
  auto token = DecodeBase64(credentials, error);
  if (!token) {
    HttpAuthOutcome out{
        ErrorResponse(400, "Authorization: " + scheme_name + " token is not base64: " + error,
                      false),
        {},
        {}};
    out.response.Add("X-NTLM-Status", ssp::StatusName(SecStatus::kInvalidToken));
    return out;
  }
  if (negotiate && !IsNtlmssp(*token)) return HandleSpnego(*token, request);
  return HandleNtlmToken(negotiate ? Scheme::kNegotiateRaw : Scheme::kNtlm, *token, request);
}

HttpAuthOutcome HttpAuthSession::HandleNtlmToken(Scheme scheme, ByteSpan token,
                                                 const HttpRequest& request) {
  if (!IsNtlmssp(token)) {
    HttpAuthOutcome out{
        ErrorResponse(400, SchemeName(scheme) + " token is not an NTLMSSP message", false), {}, {}};
    out.response.Add("X-NTLM-Status", ssp::StatusName(SecStatus::kInvalidToken));
    return out;
  }
  uint32_t type = NtlmMessageType(token);
  if (type == kNtlmNegotiateType) {
    NewExchange();
    return StartExchange(scheme, token, request);
  }
  if (type == kNtlmAuthenticateType) {
    if (!server_ || server_->state() != ssp::ServerState::kAwaitAuthenticate || scheme_ != scheme) {
      auto decoded = ssp::DecodeAuthenticateMessage(token);
      return Refuse(ssp::MakeError(SecStatus::kInvalidToken,
                                   "AUTHENTICATE without a NEGOTIATE on this connection (the "
                                   "NTLM context is bound to the TCP connection)"),
                    std::nullopt, decoded.ok() ? decoded->user : "",
                    decoded.ok() ? decoded->domain : "", decoded.ok() ? decoded->workstation : "",
                    decoded.ok() ? decoded->flags : 0, 401);
    }
    return FinishExchange(token, std::nullopt);
  }
  HttpAuthOutcome out{ErrorResponse(400,
                                    "NTLMSSP message type " + std::to_string(type) +
                                        " is not a NEGOTIATE (1) or AUTHENTICATE (3)",
                                    false),
                      {},
                      {}};
  out.response.Add("X-NTLM-Status", ssp::StatusName(SecStatus::kInvalidToken));
  return out;
}

HttpAuthOutcome HttpAuthSession::StartExchange(Scheme scheme, ByteSpan negotiate,
                                               const HttpRequest& request) {
  scheme_ = scheme;
  have_negotiate_ = true;
  if (auto agent = request.Header("User-Agent")) {
    transcript_.SetClient(std::string(*agent));
  } else {
    transcript_.SetClient("unknown HTTP client");
  }
  server_ = std::make_unique<ssp::ServerContext>(ctx_.identity, ctx_.policy, *ctx_.accounts,
                                                 *ctx_.clock, *ctx_.random);
  size_t at = transcript_.AddToken(EntryDir::kClientToServer, EntryType::kNegotiate, negotiate);
  auto challenge = server_->AcceptNegotiate(negotiate);
  if (!challenge.ok()) {
    uint32_t flags =
        ssp::ServerContext::NegotiateResponseFlags(NegotiateFlagsOf(negotiate), ctx_.policy);
    return Refuse(challenge.error(), at, "", "", "", flags, std::nullopt);
  }
  transcript_.AddToken(EntryDir::kServerToClient, EntryType::kChallenge, *challenge);
  HttpAuthOutcome out;
  out.response.status = 401;
  out.response.Add("WWW-Authenticate",
                   SchemeName(scheme) + " " + WrapServerToken(*challenge, false, std::nullopt));
  out.response.body = "401 Unauthorized: NTLM CHALLENGE sent, AUTHENTICATE expected\n";
  return out;
}

std::string HttpAuthSession::WrapServerToken(ByteSpan ntlm_token, bool complete,
                                             const std::optional<Bytes>& mech_list_mic) {
  if (scheme_ != Scheme::kNegotiateSpnego) return EncodeBase64(ntlm_token);
  return EncodeBase64(
      EncodeServerNegTokenResp(ntlm_token, complete, mech_list_mic, supported_mech_sent_));
}

HttpAuthOutcome HttpAuthSession::HandleSpnego(ByteSpan token, const HttpRequest& request) {
  auto decoded = DecodeNegotiationToken(token);
  if (!decoded.ok()) {
    HttpAuthOutcome out{ErrorResponse(400, decoded.error().reason, false), {}, {}};
    out.response.Add("X-NTLM-Status", ssp::StatusName(SecStatus::kInvalidToken));
    return out;
  }
  if (auto* init = std::get_if<NegTokenInit>(&*decoded)) {
    NewExchange();
    scheme_ = Scheme::kNegotiateSpnego;
    auto ntlm = std::find_if(init->mech_types.begin(), init->mech_types.end(),
                             [](const Bytes& oid) { return IsNtlmMech(oid); });
    if (ntlm == init->mech_types.end()) {
      std::string offered;
      for (const auto& oid : init->mech_types) {
        offered += (offered.empty() ? "" : ", ") + OidToString(oid);
      }
      NegTokenResp reject;
      reject.neg_state = NegState::kReject;
      HttpAuthOutcome out =
          Refuse(ssp::MakeError(SecStatus::kInvalidToken,
                                "SPNEGO: NTLM (1.3.6.1.4.1.311.2.2.10) not among the mechTypes (" +
                                    offered + ")"),
                 std::nullopt, "", "", "", 0, 401);
      out.response.headers.insert(
          out.response.headers.begin(),
          {"WWW-Authenticate", "Negotiate " + EncodeBase64(EncodeNegTokenResp(reject))});
      return out;
    }
    mech_types_der_ = init->mech_types_der;
    ntlm_preferred_ = ntlm == init->mech_types.begin();
    if (ntlm_preferred_ && init->mech_token) {
      if (!IsNtlmssp(*init->mech_token) || NtlmMessageType(*init->mech_token) != 1) {
        HttpAuthOutcome out{
            ErrorResponse(400, "SPNEGO mechToken is not an NTLMSSP NEGOTIATE", false), {}, {}};
        out.response.Add("X-NTLM-Status", ssp::StatusName(SecStatus::kInvalidToken));
        return out;
      }
      return StartExchange(Scheme::kNegotiateSpnego, *init->mech_token, request);
    }
    // NTLM is not the initiator's first choice (or no optimistic token):
    // select it, ask for the NEGOTIATE and for a mechListMIC (RFC 4178 5).
    NegTokenResp select;
    select.neg_state = NegState::kRequestMic;
    select.supported_mech = Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end());
    supported_mech_sent_ = true;
    HttpAuthOutcome out;
    out.response.status = 401;
    out.response.Add("WWW-Authenticate", "Negotiate " + EncodeBase64(EncodeNegTokenResp(select)));
    out.response.body = "401 Unauthorized: SPNEGO selected NTLM, NEGOTIATE expected\n";
    return out;
  }
  const auto& resp = std::get<NegTokenResp>(*decoded);
  auto out_of_order = [&](const std::string& reason) {
    return Refuse(ssp::MakeError(SecStatus::kInvalidToken, "SPNEGO: " + reason), std::nullopt, "",
                  "", "", 0, 401);
  };
  if (scheme_ != Scheme::kNegotiateSpnego || mech_types_der_.empty()) {
    return out_of_order("NegTokenResp without a NegTokenInit on this connection");
  }
  if (!resp.response_token) return out_of_order("NegTokenResp without a responseToken");
  const Bytes& inner = *resp.response_token;
  if (!IsNtlmssp(inner)) {
    HttpAuthOutcome out{
        ErrorResponse(400, "SPNEGO responseToken is not an NTLMSSP message", false), {}, {}};
    out.response.Add("X-NTLM-Status", ssp::StatusName(SecStatus::kInvalidToken));
    return out;
  }
  uint32_t type = NtlmMessageType(inner);
  if (type == kNtlmNegotiateType && !have_negotiate_) {
    return StartExchange(Scheme::kNegotiateSpnego, inner, request);
  }
  if (type == kNtlmAuthenticateType && server_ &&
      server_->state() == ssp::ServerState::kAwaitAuthenticate) {
    return FinishExchange(inner, resp.mech_list_mic);
  }
  return out_of_order("NTLMSSP message type " + std::to_string(type) + " out of order");
}

HttpAuthOutcome HttpAuthSession::FinishExchange(ByteSpan authenticate,
                                                const std::optional<Bytes>& client_mech_list_mic) {
  size_t at =
      transcript_.AddToken(EntryDir::kClientToServer, EntryType::kAuthenticate, authenticate);
  auto decoded = ssp::DecodeAuthenticateMessage(authenticate);
  std::string user = decoded.ok() ? decoded->user : "";
  std::string domain = decoded.ok() ? decoded->domain : "";
  std::string workstation = decoded.ok() ? decoded->workstation : "";
  uint32_t flags = decoded.ok() ? decoded->flags : 0;
  auto result = server_->AcceptAuthenticate(authenticate);
  if (!result.ok()) return Refuse(result.error(), at, user, domain, workstation, flags, {});

  Authenticated auth{*result, scheme_, scheme_ == Scheme::kNegotiateSpnego ? "absent" : "n/a"};
  std::optional<Bytes> server_mic;
  if (scheme_ == Scheme::kNegotiateSpnego) {
    std::optional<ssp::Error> spnego_error;
    ssp::SessionSecurity security(result->negotiated_flags, result->exported_session_key, true);
    auto answered =
        AnswerMechListMic(security, mech_types_der_, client_mech_list_mic, ntlm_preferred_);
    if (!answered.ok()) {
      spnego_error = answered.error();
    } else if (*answered) {
      server_mic = std::move(**answered);
      auth.mech_list_mic = "verified";
    }
    if (spnego_error) {
      // NTLM itself accepted: the transcript (NTLM only) expects acceptance.
      std::optional<Transcript> transcript;
      if (ctx_.record) {
        transcript = transcript_.Build(true, SecStatus::kOk, std::nullopt, user, domain,
                                       result->negotiated_flags);
      }
      HttpAuthOutcome out = Refuse(*spnego_error, std::nullopt, user, domain, workstation,
                                   result->negotiated_flags, 401);
      out.transcript = std::move(transcript);
      return out;
    }
  }
  return Success(auth, server_mic);
}

HttpAuthOutcome HttpAuthSession::Refuse(const ssp::Error& error, std::optional<size_t> at,
                                        const std::string& user, const std::string& domain,
                                        const std::string& workstation, uint32_t flags,
                                        std::optional<int> http_status) {
  HttpAuthOutcome out;
  AuthLogRecord record = NewAuthLogRecord(ctx_, "http", client_address_);
  record.user = user;
  record.domain = domain;
  record.workstation = workstation;
  record.negotiated_flags = flags;
  record.accepted = false;
  record.status = error.status;
  record.reason = error.reason;
  out.log = record;
  if (ctx_.record && !transcript_.empty()) {
    out.transcript = transcript_.Build(false, error.status, at, user, domain, std::nullopt);
  }
  transcript_.Restart("");
  server_.reset();
  authenticated_.reset();

  int status = http_status.value_or(HttpStatusFor(error.status));
  out.response.status = status;
  if (status == 401) {
    out.response.Add("WWW-Authenticate", "Negotiate").Add("WWW-Authenticate", "NTLM");
  }
  out.response.Add("X-NTLM-Status", ssp::StatusName(error.status));
  out.response.Add("X-NTLM-Reason", error.reason);
  nlohmann::ordered_json body;
  body["verdict"] = "reject";
  body["status"] = ssp::StatusName(error.status);
  body["reason"] = error.reason;
  body["user"] = user;
  body["domain"] = domain;
  body["negotiated_flags"] = ssp::Hex32(flags);
  body["policy"] = {{"min_server_sec", ssp::Hex32(ctx_.policy.min_server_sec)},
                    {"lm_compat_level", ctx_.policy.lm_compat_level}};
  out.response.body = DumpJson(body);
  out.response.content_type = "application/json";
  return out;
}

HttpAuthOutcome HttpAuthSession::Success(const Authenticated& auth,
                                         const std::optional<Bytes>& server_mic) {
  HttpAuthOutcome out;
  const ssp::ServerResult& result = auth.result;
  AuthLogRecord record = NewAuthLogRecord(ctx_, "http", client_address_);
  record.user = result.user;
  record.domain = result.domain;
  record.workstation = result.workstation;
  record.negotiated_flags = result.negotiated_flags;
  record.accepted = true;
  record.status = SecStatus::kOk;
  out.log = record;
  if (ctx_.record && !transcript_.empty()) {
    out.transcript = transcript_.Build(true, SecStatus::kOk, std::nullopt, result.user,
                                       result.domain, result.negotiated_flags);
  }
  out.response = SuccessResponse(auth);
  if (auth.scheme == Scheme::kNegotiateSpnego) {
    out.response.headers.insert(
        out.response.headers.begin(),
        {"WWW-Authenticate", "Negotiate " + WrapServerToken({}, true, server_mic)});
  }
  transcript_.Restart("");
  server_.reset();
  authenticated_ = auth;
  return out;
}

HttpResponse HttpAuthSession::SuccessResponse(const Authenticated& auth) const {
  const ssp::ServerResult& result = auth.result;
  // Written directly (JsonTextWriter: byte for byte nlohmann's dump(2) of the
  // same keys): building an ordered_json cost a quarter of a logon's work.
  JsonTextWriter body(2);
  body.BeginObject().Field("verdict", "accept").Field("status", ssp::StatusName(SecStatus::kOk));
  body.Field("scheme", auth.scheme == Scheme::kNtlm ? "NTLM" : "Negotiate");
  body.Field("spnego", auth.scheme == Scheme::kNegotiateSpnego);
  body.Field("user", result.user).Field("domain", result.domain);
  body.Field("workstation", result.workstation).Field("anonymous", result.anonymous);
  body.Field("response", ssp::ResponseKindName(result.kind));
  body.Field("negotiated_flags", ssp::Hex32(result.negotiated_flags));
  body.Key("flag_names").BeginArray();
  for (const auto& entry : ssp::NegotiateFlagTable()) {
    if (result.negotiated_flags & entry.bit) body.String(entry.name);
  }
  body.End().Field("mic", result.mic_verified ? "verified" : "absent");
  body.Field("mech_list_mic", auth.mech_list_mic);
  body.Key("policy").BeginObject();
  body.Field("min_server_sec", ssp::Hex32(ctx_.policy.min_server_sec));
  body.Field("min_server_sec_names", ssp::MinSecNames(ctx_.policy.min_server_sec));
  body.Field("lm_compat_level", ctx_.policy.lm_compat_level).End();
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/json";
  response.body = body.End().Take() + "\n";
  return response;
}

}  // namespace ntlm::harness::net
