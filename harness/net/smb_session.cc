// smb_session.cc: the SMB2/3 connection state machine (see smb_session.h).
#include "harness/net/smb_session.h"

#include <algorithm>

#include "harness/net/auth_log.h"
#include "harness/net/smb_encryption.h"
#include "harness/net/smb_pipes.h"
#include "harness/net/smb_status.h"
#include "harness/net/spnego.h"
#include "harness/transcript.h"
#include "ssp/unicode.h"

namespace ntlm::harness::net::smb {
namespace {

constexpr uint64_t kAllOnes64 = ~uint64_t{0};
constexpr uint32_t kAllOnes32 = ~uint32_t{0};
constexpr size_t kMaxCompound = 32;
constexpr uint16_t kSessionFlagIsNull = 0x0002;
constexpr uint8_t kSessionFlagBinding = 0x01;
constexpr uint32_t kShareFlagNoCaching = 0x00000030;
constexpr uint32_t kIpcMaximalAccess = 0x001F01FF;
constexpr uint32_t kStatusNoPreauthHashOverlap = 0xC05D0000;
constexpr uint16_t kDialectPreference[] = {kDialect311, kDialect302, kDialect300, kDialect210,
                                           kDialect202};

std::string Compact(std::string time) {
  time.erase(std::remove_if(time.begin(), time.end(), [](char c) { return c == '-' || c == ':'; }),
             time.end());
  return time;
}

bool Contains(const std::vector<uint16_t>& ids, uint16_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The share name of "\\server\share" (after the last backslash).
std::string ShareName(const std::string& path) {
  size_t slash = path.find_last_of('\\');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

struct SmbSession::Logon {
  Logon(const FrontContext& ctx, uint64_t session_id, std::string name, std::string description)
      : id(session_id),
        transcript(ctx, std::move(name), std::move(description)),
        acceptor(ctx, transcript),
        pipes(ctx) {}
  uint64_t id;
  bool valid = false;
  ExchangeTranscriptBuilder transcript;
  SpnegoNtlmAcceptor acceptor;
  PreauthHash preauth;
  std::optional<SigningKey> signing;
  std::optional<EncryptionKeys> encryption;  // SMB2_SESSION_FLAG_ENCRYPT_DATA sessions
  bool signing_required = false;
  std::set<uint32_t> trees;
  SmbPipeTable pipes;  // named pipes open on IPC$
};

SmbSession::SmbSession(const FrontContext& ctx, SmbSessionOptions options,
                       std::string client_address, uint64_t connection_id)
    : ctx_(ctx),
      options_(options),
      client_address_(std::move(client_address)),
      connection_id_(connection_id) {
  if (options_.signing_required) server_security_mode_ |= kSigningRequired;
}

SmbSession::~SmbSession() = default;

std::vector<AuthLogRecord> SmbSession::TakeAuthLog() { return std::exchange(log_, {}); }
std::vector<Transcript> SmbSession::TakeTranscripts() { return std::exchange(transcripts_, {}); }

bool SmbSession::ConsumeCredits(const Header& header, std::string& reason) {
  const uint64_t charge = std::max<uint16_t>(header.credit_charge, 1);
  if (header.command == static_cast<uint16_t>(Command::kCancel)) return true;  // uses no credit
  if (header.message_id < low_ || header.message_id + charge > granted_ ||
      header.message_id == kAllOnes64) {
    reason = "MessageId " + std::to_string(header.message_id) + " outside the granted credits [" +
             std::to_string(low_) + ", " + std::to_string(granted_) + ")";
    return false;
  }
  for (uint64_t id = header.message_id; id < header.message_id + charge; ++id) {
    if (!used_.insert(id).second) {
      reason = "MessageId " + std::to_string(id) + " used twice";
      return false;
    }
  }
  while (!used_.empty() && *used_.begin() == low_) {
    used_.erase(used_.begin());
    ++low_;
  }
  // A MessageId left unused below many used ones would let the set grow.
  if (used_.size() > options_.max_credits) {
    reason = "MessageId " + std::to_string(low_) + " never used while " +
             std::to_string(used_.size()) + " later ones were";
    return false;
  }
  return true;
}

uint16_t SmbSession::GrantCredits(const Header& header) {
  // Keep granted-but-unused credits within max_credits; always at least one
  // outstanding so the client can go on.
  const uint64_t outstanding = granted_ - low_ - used_.size();
  const uint64_t room = options_.max_credits > outstanding ? options_.max_credits - outstanding : 0;
  uint64_t grant = std::min<uint64_t>(std::max<uint16_t>(header.credits, 1), room);
  if (grant == 0 && outstanding == 0) grant = 1;
  granted_ += grant;
  return static_cast<uint16_t>(grant);
}

SmbSession::Reply SmbSession::Respond(const Request& request, uint32_t status, const Bytes& body,
                                      const Logon* logon, std::optional<uint64_t> session_id,
                                      std::optional<uint32_t> tree_id) {
  Header h;
  h.credit_charge = request.header.credit_charge;
  h.status = status;
  h.command = request.header.command;
  h.credits = GrantCredits(request.header);
  h.flags = kFlagServerToRedir | (request.header.flags & kFlagRelatedOperations);
  h.message_id = request.header.message_id;
  h.tree_id = tree_id.value_or(request.header.tree_id);
  h.session_id = session_id.value_or(request.header.session_id);
  Reply reply;
  reply.bytes.reserve(kHeaderSize + body.size());  // one allocation for the message
  AppendHeader(reply.bytes, h);
  reply.bytes.insert(reply.bytes.end(), body.begin(), body.end());
  const bool request_signed = (request.header.flags & kFlagSigned) != 0;
  if (logon && logon->signing && (request_signed || logon->signing_required)) {
    reply.sign_with = logon->signing;
  }
  return reply;
}

SmbSession::Reply SmbSession::Error(const Request& request, uint32_t status, const Logon* logon) {
  Bytes body;
  AppendErrorBody(body);
  return Respond(request, status, body, logon);
}

SmbSession::Output SmbSession::OnMessage(ByteSpan message) {
  if (!message.empty() && message[0] == kTransformProtocolByte) return OnEncrypted(message);
  return OnPlain(message);
}

SmbSession::Output SmbSession::OnEncrypted(ByteSpan message) {
  Output out;
  out.close = true;
  auto session_id = TransformSessionId(message);
  if (!session_id.ok()) {
    out.reason = session_id.error().reason;
    return out;
  }
  auto found = logons_.find(*session_id);
  if (found == logons_.end() || !found->second->encryption) {
    out.reason = "an encrypted message for session " + std::to_string(*session_id) +
                 ", which does not encrypt";
    return out;
  }
  const EncryptionKeys keys = *found->second->encryption;
  auto plain = DecryptMessage(keys.cipher, keys.decrypt(), message);
  if (!plain.ok()) {
    out.reason = plain.error().reason;
    return out;
  }
  auto inner = ParseHeader(*plain);
  if (!inner.ok() || inner->session_id != *session_id) {
    out.reason = "the encrypted message's SMB2 header does not name the TRANSFORM_HEADER's session";
    return out;
  }
  encrypted_request_ = true;
  out = OnPlain(*plain);
  encrypted_request_ = false;
  if (!out.reply.empty()) {
    out.reply = EncryptMessage(keys.cipher, keys.encrypt(), *session_id, out.reply, *ctx_.random);
  }
  return out;
}

Bytes SmbSession::Encrypt(const Logon& logon, ByteSpan plain) {
  return EncryptMessage(logon.encryption->cipher, logon.encryption->encrypt(), logon.id, plain,
                        *ctx_.random);
}

SmbSession::Output SmbSession::OnPlain(ByteSpan message) {
  Output out;
  if (!message.empty() && message[0] == 0xFF) return HandleSmb1Negotiate(message);
  std::vector<Reply> replies;
  size_t offset = 0;
  uint64_t previous_session = 0;
  uint32_t previous_tree = 0;
  for (size_t n = 0; n < kMaxCompound && offset < message.size() && !out.close; ++n) {
    ByteSpan rest = message.subspan(offset);
    auto header = ParseHeader(rest);
    if (!header.ok()) {
      out.close = true;
      out.reason = header.error().reason;
      break;
    }
    const uint32_t next = header->next_command;
    if (next != 0 && (next < kHeaderSize || next > rest.size() || next % 8 != 0)) {
      out.close = true;
      out.reason = "NextCommand " + std::to_string(next) + " is not a valid chain offset";
      break;
    }
    Request request{*header, next ? rest.first(next) : rest};
    if (n > 0 && (header->flags & kFlagRelatedOperations)) {
      if (request.header.session_id == kAllOnes64) request.header.session_id = previous_session;
      if (request.header.tree_id == kAllOnes32) request.header.tree_id = previous_tree;
    }
    if (!ConsumeCredits(request.header, out.reason)) {
      out.close = true;
      break;
    }
    Reply reply = Dispatch(request, out);
    if (!reply.skip) {
      previous_session = reply.bytes.size() >= kHeaderSize ? ParseHeader(reply.bytes)->session_id
                                                           : request.header.session_id;
      previous_tree = request.header.tree_id;
      replies.push_back(std::move(reply));
    }
    if (next == 0) break;
    offset += next;
  }
  // The chain: each response padded to 8 bytes with NextCommand set, then
  // signed on its own (3.3.4.1.3).
  for (size_t i = 0; i < replies.size(); ++i) {
    Bytes& bytes = replies[i].bytes;
    if (i + 1 < replies.size()) {
      while (bytes.size() % 8 != 0) bytes.push_back(0);
      const uint32_t next = static_cast<uint32_t>(bytes.size());
      for (int b = 0; b < 4; ++b) bytes[20 + b] = static_cast<uint8_t>(next >> (8 * b));
    }
    // An encrypted response is not signed (3.3.4.1.1).
    if (replies[i].sign_with && !encrypted_request_) SignMessage(*replies[i].sign_with, bytes);
    out.reply.insert(out.reply.end(), bytes.begin(), bytes.end());
  }
  return out;
}

SmbSession::Output SmbSession::HandleSmb1Negotiate(ByteSpan message) {
  Output out;
  auto dialects = ParseSmb1NegotiateDialects(message);
  if (!dialects.ok() || negotiated_) {
    out.close = true;
    out.reason = negotiated_ ? "SMB1 message after NEGOTIATE" : dialects.error().reason;
    return out;
  }
  const bool wildcard =
      std::find(dialects->begin(), dialects->end(), "SMB 2.???") != dialects->end();
  const bool smb202 = std::find(dialects->begin(), dialects->end(), "SMB 2.002") != dialects->end();
  if (!(wildcard && options_.max_dialect >= kDialect210) && !smb202) {
    out.close = true;
    out.reason = "SMB1 NEGOTIATE without an SMB2 dialect (SMB1 is not served)";
    return out;
  }
  // Answered with an SMB2 NEGOTIATE response, MessageId 0 (3.3.5.3.1).
  const uint16_t dialect =
      wildcard && options_.max_dialect >= kDialect210 ? kDialectWildcard : kDialect202;
  NegotiateRequest as_smb2;
  as_smb2.dialects = {dialect};
  Request request{Header{}, message};
  request.header.command = static_cast<uint16_t>(Command::kNegotiate);
  Reply reply = Respond(request, kStatusSuccess, NegotiateBody(dialect, as_smb2), nullptr);
  negotiated_ = true;
  smb1_wildcard_ = dialect == kDialectWildcard;
  dialect_ = dialect;
  low_ = 1;  // the SMB1 NEGOTIATE used MessageId 0 (3.3.5.3.1)
  if (dialect == kDialect202) negotiate_request_ = as_smb2;
  out.reply = std::move(reply.bytes);
  return out;
}

Bytes SmbSession::NegotiateBody(uint16_t dialect, const NegotiateRequest& request) {
  NegotiateResponse response;
  response.security_mode = server_security_mode_;
  response.capabilities = server_capabilities_;
  response.dialect = dialect;
  response.server_guid = options_.server_guid;
  response.system_time = ctx_.clock ? ctx_.clock->Now() : 0;
  NegTokenInit init;
  init.mech_types = {Bytes(kNtlmMechOid.begin(), kNtlmMechOid.end())};
  response.security_buffer = EncodeNegTokenInit(init);
  if (dialect == kDialect311) {
    std::array<uint8_t, 32> salt{};
    ctx_.random->Fill(salt);
    response.contexts.push_back(MakePreauthContext(salt));
    // The chosen cipher, or "no common cipher" (0) when the client offered some.
    if (request.ciphers)
      response.contexts.push_back(MakeSingleIdContext(kEncryptionCapabilities, cipher_id_));
    if (request.signing_algorithms) {
      response.contexts.push_back(MakeSingleIdContext(kSigningCapabilities, signing_algorithm_));
    }
  }
  Bytes body;
  AppendNegotiateResponse(body, response);
  return body;
}

SmbSession::Reply SmbSession::HandleNegotiate(const Request& request, Output& out) {
  if (negotiated_ && !smb1_wildcard_) {
    out.close = true;
    out.reason = "a second NEGOTIATE on the connection";
    return Reply{{}, {}, true};
  }
  if (request.header.flags & kFlagSigned) return Error(request, kStatusInvalidParameter);
  auto parsed = ParseNegotiateRequest(request.bytes);
  auto refuse = [&](uint32_t status, std::string reason) {
    out.close = true;
    out.reason = std::move(reason);
    return Error(request, status);
  };
  if (!parsed.ok()) return refuse(kStatusInvalidParameter, parsed.error().reason);
  uint16_t dialect = 0;
  for (uint16_t candidate : kDialectPreference) {
    if (candidate <= options_.max_dialect && Contains(parsed->dialects, candidate)) {
      dialect = candidate;
      break;
    }
  }
  if (dialect == 0) return refuse(kStatusNotSupported, "NEGOTIATE: no common dialect");
  if (dialect == kDialect311) {
    if (!parsed->preauth_hash_algorithms) {
      return refuse(kStatusInvalidParameter,
                    "NEGOTIATE: 3.1.1 without a preauth integrity context");
    }
    if (!Contains(*parsed->preauth_hash_algorithms, kHashSha512)) {
      return refuse(kStatusNoPreauthHashOverlap, "NEGOTIATE: the client does not offer SHA-512");
    }
    if (parsed->signing_algorithms) {
      signing_algorithm_ = Contains(*parsed->signing_algorithms, kSigningAesCmac) ? kSigningAesCmac
                           : Contains(*parsed->signing_algorithms, kSigningHmacSha256)
                               ? kSigningHmacSha256
                               : kSigningAesCmac;
    }
    connection_preauth_.Update(request.bytes);
  }
  negotiated_ = true;
  smb1_wildcard_ = false;
  dialect_ = dialect;
  negotiate_request_ = *parsed;
  cipher_id_ = ChooseCipher(dialect, *parsed);
  if (cipher_id_ != 0 && dialect != kDialect311) server_capabilities_ |= kGlobalCapEncryption;
  Reply reply = Respond(request, kStatusSuccess, NegotiateBody(dialect, *parsed), nullptr, 0);
  if (dialect == kDialect311) connection_preauth_.Update(reply.bytes);
  return reply;
}

SmbSession::Reply SmbSession::Dispatch(const Request& request, Output& out) {
  const auto command = static_cast<Command>(request.header.command);
  if (command == Command::kNegotiate) return HandleNegotiate(request, out);
  if (!negotiated_ || smb1_wildcard_) {
    out.close = true;
    out.reason = std::string(CommandName(request.header.command)) + " before NEGOTIATE";
    return Reply{{}, {}, true};
  }
  if (command == Command::kSessionSetup) return HandleSessionSetup(request);
  if (command == Command::kCancel) return HandleCancel(request, out);
  auto found = logons_.find(request.header.session_id);
  Logon* logon = found != logons_.end() && found->second->valid ? found->second.get() : nullptr;
  if (command == Command::kEcho && !logon) {
    Bytes body;
    AppendEmptyBody(body);
    return Respond(request, kStatusSuccess, body, nullptr);
  }
  if (!logon) return Error(request, kStatusUserSessionDeleted);
  if (encrypted_request_) {
    // The AEAD tag authenticated it; no signature (3.3.5.2.4).
  } else if (logon->encryption && options_.encryption == SmbEncryption::kRequired) {
    return Error(request, kStatusAccessDenied);  // RejectUnencryptedAccess (3.3.5.2.9)
  } else if (request.header.flags & kFlagSigned) {
    if (!logon->signing || !VerifyMessage(*logon->signing, request.bytes)) {
      return Error(request, kStatusAccessDenied);  // not signed: the signature is unknown
    }
  } else if (logon->signing_required) {
    return Error(request, kStatusAccessDenied);
  }
  Bytes body;
  switch (command) {
    case Command::kEcho:
      AppendEmptyBody(body);
      return Respond(request, kStatusSuccess, body, logon);
    case Command::kLogoff:
      return HandleLogoff(request, *logon, out);
    case Command::kTreeConnect:
      return HandleTreeConnect(request, *logon);
    default:
      break;
  }
  if (!logon->trees.count(request.header.tree_id)) {
    return Error(request, kStatusNetworkNameDeleted, logon);
  }
  if (command == Command::kTreeDisconnect) {
    logon->trees.erase(request.header.tree_id);
    AppendEmptyBody(body);
    return Respond(request, kStatusSuccess, body, logon);
  }
  bool handled = false;
  Reply piped = HandlePipe(request, *logon, out, handled);
  if (handled) return piped;
  if (command == Command::kIoctl) return HandleIoctl(request, *logon, out);
  return Error(request, kStatusNotSupported, logon);
}

SmbSession::Reply SmbSession::HandleSessionSetup(const Request& request) {
  auto parsed = ParseSessionSetupRequest(request.bytes);
  if (!parsed.ok()) return Error(request, kStatusInvalidParameter);
  if (parsed->flags & kSessionFlagBinding) return Error(request, kStatusRequestNotAccepted);
  uint64_t session_id = request.header.session_id;
  Logon* logon = nullptr;
  if (session_id == 0) {
    if (logons_.size() >= options_.max_sessions) return Error(request, kStatusRequestNotAccepted);
    session_id = (uint64_t{connection_id_ & 0xFFFF} << 32) | ++next_session_;
    ++exchanges_;
    std::string time = ctx_.clock ? Compact(FormatRfc3339(ctx_.clock->Now())) : "0";
    auto created = std::make_unique<Logon>(
        ctx_, session_id,
        "smb-" + time + "-c" + std::to_string(connection_id_) + "-" + std::to_string(exchanges_),
        "SMB " + DialectName(dialect_) + " SESSION_SETUP recorded by ntlmssp-harness serve from " +
            client_address_);
    created->transcript.SetClient("SMB client (dialect " + DialectName(dialect_) + ")");
    created->preauth = connection_preauth_;
    logon = created.get();
    logons_[session_id] = std::move(created);
  } else {
    auto found = logons_.find(session_id);
    if (found == logons_.end()) return Error(request, kStatusUserSessionDeleted);
    logon = found->second.get();
    // Re-authentication of a valid session is not served.
    if (logon->valid) return Error(request, kStatusRequestNotAccepted, logon);
  }
  if (dialect_ == kDialect311) logon->preauth.Update(request.bytes);
  if (parsed->security_mode & kSigningRequired) logon->signing_required = true;
  if (options_.signing_required) logon->signing_required = true;
  auto step = logon->acceptor.Accept(parsed->security_buffer);
  if (step.state == SpnegoNtlmAcceptor::State::kRefused) {
    return RefuseLogon(request, session_id, *logon, step);
  }
  if (step.state == SpnegoNtlmAcceptor::State::kComplete) {
    return FinishLogon(request, *logon, std::move(step));
  }
  Bytes body;
  AppendSessionSetupResponse(body, 0, step.token);
  Reply reply = Respond(request, kStatusMoreProcessingRequired, body, nullptr, session_id);
  if (dialect_ == kDialect311) logon->preauth.Update(reply.bytes);
  return reply;
}

SmbSession::Reply SmbSession::FinishLogon(const Request& request, Logon& logon,
                                          SpnegoNtlmAcceptor::Step step) {
  const ssp::ServerResult& result = *logon.acceptor.result();
  uint16_t session_flags = 0;
  if (result.anonymous) {
    session_flags |= kSessionFlagIsNull;
    logon.signing_required = false;  // no key to sign with (3.3.5.5.3)
  } else {
    logon.signing = DeriveSigningKey(dialect_, result.exported_session_key, signing_algorithm_,
                                     logon.preauth.value());
    if (cipher_id_ != 0 && options_.encryption != SmbEncryption::kOff) {
      logon.encryption = DeriveEncryptionKeys(dialect_, result.exported_session_key, cipher_id_,
                                              logon.preauth.value());
      session_flags |= kSessionFlagEncryptData;
    }
  }
  if (options_.encryption == SmbEncryption::kRequired && !logon.encryption) {
    // 3.3.5.5: a client that cannot encrypt while the server rejects
    // unencrypted access.
    const uint64_t id = logon.id;
    Reply refused = Error(request, kStatusAccessDenied);
    AuthLogRecord record = NewAuthLogRecord(ctx_, "smb", client_address_);
    record.user = result.user;
    record.domain = result.domain;
    record.accepted = false;
    record.status = ssp::SecStatus::kLogonDenied;
    record.reason = "the server requires SMB encryption and the client cannot encrypt";
    log_.push_back(record);
    logons_.erase(id);
    return refused;
  }
  logon.valid = true;
  logged_on_ = true;
  AuthLogRecord record = NewAuthLogRecord(ctx_, "smb", client_address_);
  record.user = result.user;
  record.domain = result.domain;
  record.workstation = result.workstation;
  record.negotiated_flags = result.negotiated_flags;
  record.accepted = true;
  log_.push_back(record);
  if (ctx_.record && !logon.transcript.empty()) {
    transcripts_.push_back(logon.transcript.Build(true, ssp::SecStatus::kOk, std::nullopt,
                                                  result.user, result.domain,
                                                  result.negotiated_flags));
  }
  Bytes body;
  AppendSessionSetupResponse(body, session_flags, step.token);
  Reply reply = Respond(request, kStatusSuccess, body, &logon, logon.id);
  // The final response is signed for 3.x and whenever signing is required.
  if (logon.signing && (IsSmb3(dialect_) || logon.signing_required))
    reply.sign_with = logon.signing;
  return reply;
}

SmbSession::Reply SmbSession::RefuseLogon(const Request& request, uint64_t session_id,
                                          const Logon& logon,
                                          const SpnegoNtlmAcceptor::Step& step) {
  const SpnegoNtlmAcceptor& acceptor = logon.acceptor;
  AuthLogRecord record = NewAuthLogRecord(ctx_, "smb", client_address_);
  record.user = acceptor.user();
  record.domain = acceptor.domain();
  record.workstation = acceptor.workstation();
  record.negotiated_flags = acceptor.flags();
  record.accepted = false;
  record.status = step.error.status;
  record.reason = step.error.reason;
  log_.push_back(record);
  if (ctx_.record && !logon.transcript.empty()) {
    transcripts_.push_back(logon.transcript.Build(
        false, step.error.status, step.at, acceptor.user(), acceptor.domain(), std::nullopt));
  }
  Reply reply = Error(request, SessionSetupStatusFor(step.error.status));
  logons_.erase(session_id);
  return reply;
}

SmbSession::Reply SmbSession::HandleLogoff(const Request& request, Logon& logon, Output& out) {
  if (auto s = CheckStructureSize(request.bytes, 4, "LOGOFF"); !s.ok()) {
    return Error(request, kStatusInvalidParameter, &logon);
  }
  logon.pipes.CloseAll();  // their waiting reads end now, signed with this session's key
  CollectPipeResults(logon, out);
  Bytes body;
  AppendEmptyBody(body);
  Reply reply = Respond(request, kStatusSuccess, body, &logon);
  logons_.erase(logon.id);
  return reply;
}

SmbSession::Reply SmbSession::HandleTreeConnect(const Request& request, Logon& logon) {
  auto path = ParseTreeConnectPath(request.bytes);
  if (!path.ok()) return Error(request, kStatusInvalidParameter, &logon);
  if (!ssp::EqualsIgnoreCase(ShareName(*path), "IPC$")) {
    return Error(request, kStatusBadNetworkName, &logon);
  }
  if (logon.trees.size() >= options_.max_trees) {
    return Error(request, kStatusRequestNotAccepted, &logon);
  }
  const uint32_t tree_id = ++next_tree_;
  logon.trees.insert(tree_id);
  Bytes body;
  AppendTreeConnectResponse(body, kShareTypePipe, kShareFlagNoCaching, 0, kIpcMaximalAccess);
  return Respond(request, kStatusSuccess, body, &logon, std::nullopt, tree_id);
}

SmbSession::Reply SmbSession::HandleIoctl(const Request& request, Logon& logon, Output& out) {
  auto ioctl = ParseIoctlRequest(request.bytes);
  if (!ioctl.ok()) return Error(request, kStatusInvalidParameter, &logon);
  if (ioctl->ctl_code != kFsctlValidateNegotiateInfo) {
    return Error(request, kStatusNotSupported, &logon);
  }
  // 3.3.5.15.12: any difference from the NEGOTIATE is an attack: disconnect.
  auto info = ParseValidateNegotiateInfo(ioctl->input);
  const NegotiateRequest& sent = negotiate_request_;
  if (dialect_ == kDialect311 || !info.ok() || info->capabilities != sent.capabilities ||
      info->guid != sent.client_guid || info->security_mode != sent.security_mode ||
      info->dialects != sent.dialects) {
    out.close = true;
    out.reason = "FSCTL_VALIDATE_NEGOTIATE_INFO does not match the NEGOTIATE";
    return Reply{{}, {}, true};
  }
  Bytes body;
  AppendIoctlResponse(body, ioctl->ctl_code,
                      EncodeValidateNegotiateResponse(server_capabilities_, options_.server_guid,
                                                      server_security_mode_, dialect_));
  return Respond(request, kStatusSuccess, body, &logon);
}

}  // namespace ntlm::harness::net::smb

namespace ntlm::harness::net::smb {

SmbSession::Reply SmbSession::HandlePipe(const Request& request, Logon& logon, Output& out,
                                         bool& handled) {
  const uint64_t async_id = next_async_ + 1;
  auto answer = logon.pipes.Handle(request.header.command, request.bytes, async_id,
                                   pending_.size() < kMaxPendingOperations);
  handled = answer.has_value();
  if (!answer) return Reply{{}, {}, true};
  Reply reply;
  if (answer->pending) {
    next_async_ = async_id;
    pending_[async_id] = {request.header.message_id,
                          request.header.command,
                          request.header.credit_charge,
                          logon.id,
                          (request.header.flags & kFlagSigned) != 0,
                          encrypted_request_};
    reply = Interim(request, async_id);
  } else if (answer->error) {
    reply = Error(request, answer->status, &logon);
  } else {
    reply = Respond(request, answer->status, answer->body, &logon);
  }
  CollectPipeResults(logon, out);
  return reply;
}

SmbSession::Reply SmbSession::Interim(const Request& request, uint64_t async_id) {
  Header h;
  h.credit_charge = request.header.credit_charge;
  h.status = kStatusPending;
  h.command = request.header.command;
  h.credits = GrantCredits(request.header);
  h.flags =
      kFlagServerToRedir | kFlagAsyncCommand | (request.header.flags & kFlagRelatedOperations);
  h.message_id = request.header.message_id;
  h.async_id = async_id;
  h.session_id = request.header.session_id;
  Reply reply;  // not signed (3.3.4.2: SHOULD NOT)
  AppendHeader(reply.bytes, h);
  AppendErrorBody(reply.bytes);
  return reply;
}

void SmbSession::CollectPipeResults(Logon& logon, Output& out) {
  for (SmbPipeTable::Completion& done : logon.pipes.TakeCompletions()) {
    auto found = pending_.find(done.token);
    if (found == pending_.end()) continue;
    const Pending& op = found->second;
    Header h;
    h.credit_charge = op.credit_charge;
    h.status = done.answer.status;
    h.command = op.command;
    h.credits = 0;  // granted with the interim response (3.3.4.3)
    h.flags = kFlagServerToRedir | kFlagAsyncCommand;
    h.message_id = op.message_id;
    h.async_id = done.token;
    h.session_id = op.session_id;
    Bytes bytes;
    AppendHeader(bytes, h);
    if (done.answer.error) {
      AppendErrorBody(bytes);
    } else {
      bytes.insert(bytes.end(), done.answer.body.begin(), done.answer.body.end());
    }
    if (logon.encryption && op.request_encrypted) {
      bytes = Encrypt(logon, bytes);
    } else if (logon.signing && (op.request_signed || logon.signing_required)) {
      SignMessage(*logon.signing, bytes);
    }
    out.completions.push_back(std::move(bytes));
    pending_.erase(found);
  }
  for (SmbPipeTable::Deferred& deferred : logon.pipes.TakeDeferred()) {
    const uint64_t id = ++next_deferred_;
    out.deferred.push_back({id, deferred.call.delay_seconds});
    deferred_[id] = {logon.id, std::move(deferred)};
  }
}

SmbSession::Reply SmbSession::HandleCancel(const Request& request, Output& out) {
  // 3.3.5.16: the pending request with this AsyncId (async form) or
  // MessageId (sync form) on the same session; CANCEL itself is never
  // answered. Unknown targets are ignored.
  const Reply none{{}, {}, true};
  auto target = pending_.end();
  if (request.header.flags & kFlagAsyncCommand) {
    target = pending_.find(request.header.async_id);
  } else {
    target = std::find_if(pending_.begin(), pending_.end(), [&](const auto& entry) {
      return entry.second.message_id == request.header.message_id;
    });
  }
  if (target == pending_.end() || target->second.session_id != request.header.session_id) {
    return none;
  }
  auto logon = logons_.find(target->second.session_id);
  if (logon == logons_.end()) return none;
  if (logon->second->pipes.Cancel(target->first)) CollectPipeResults(*logon->second, out);
  return none;
}

SmbSession::Output SmbSession::OnDeferredDue(uint64_t id) {
  Output out;
  auto found = deferred_.find(id);
  if (found == deferred_.end()) return out;
  auto [session_id, deferred] = std::move(found->second);
  deferred_.erase(found);
  auto logon = logons_.find(session_id);
  if (logon == logons_.end()) return out;
  logon->second->pipes.Deliver(deferred);
  CollectPipeResults(*logon->second, out);
  return out;
}

}  // namespace ntlm::harness::net::smb

namespace ntlm::harness::net::smb {

uint16_t SmbSession::ChooseCipher(uint16_t dialect, const NegotiateRequest& request) const {
  if (options_.encryption == SmbEncryption::kOff || !IsSmb3(dialect)) return 0;
  if (dialect == kDialect311) {
    if (!request.ciphers) return 0;
    // This server's preference, Samba's and Windows' default order.
    for (uint16_t cipher :
         {kCipherAes128Gcm, kCipherAes128Ccm, kCipherAes256Gcm, kCipherAes256Ccm}) {
      if (Contains(*request.ciphers, cipher)) return cipher;
    }
    return 0;
  }
  return (request.capabilities & kGlobalCapEncryption) ? kCipherAes128Ccm : 0;
}

}  // namespace ntlm::harness::net::smb
