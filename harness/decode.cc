#include "harness/decode.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "harness/spnego_extract.h"
#include "harness/token_input.h"
#include "harness/transcript.h"
#include "ssp/authenticate_message.h"
#include "ssp/av_pairs.h"
#include "ssp/challenge_message.h"
#include "ssp/credentials.h"
#include "ssp/flags.h"
#include "ssp/hex.h"
#include "ssp/keys.h"
#include "ssp/negotiate_message.h"
#include "ssp/ntlmv2_response.h"
#include "ssp/response_verifier.h"
#include "ssp/server_context.h"
#include "ssp/unicode.h"

namespace ntlm::harness {
namespace {

using nlohmann::ordered_json;

// One node of the decoded tree: rendered as "label: value" lines (text) or
// as `key: value` / nested objects (JSON).
struct Node {
  std::string label;
  std::string key;
  ordered_json value;  // null when the node only groups children
  std::vector<Node> children;

  Node& Add(std::string child_label, std::string child_key, ordered_json child_value = nullptr) {
    children.push_back(
        Node{std::move(child_label), std::move(child_key), std::move(child_value), {}});
    return children.back();
  }
};

std::string ValueText(const ordered_json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

void RenderText(const Node& node, int depth, std::ostream& out) {
  out << std::string(static_cast<size_t>(depth) * 2, ' ') << node.label;
  if (!node.value.is_null()) out << ": " << ValueText(node.value);
  out << "\n";
  for (const auto& child : node.children) RenderText(child, depth + 1, out);
}

ordered_json RenderJson(const Node& node) {
  if (node.children.empty()) return node.value;
  ordered_json obj = ordered_json::object();
  if (!node.value.is_null()) obj["value"] = node.value;
  for (const auto& child : node.children) obj[child.key] = RenderJson(child);
  return obj;
}

void AddFlags(Node& parent, uint32_t flags) {
  Node& node = parent.Add("Negotiate Flags", "ntlmssp.negotiateflags", ssp::Hex32(flags));
  for (const auto& f : ssp::NegotiateFlagTable()) {
    if (flags & f.bit) node.Add(std::string(f.name), std::string(f.name), ssp::Hex32(f.bit));
  }
  uint32_t known = 0;
  for (const auto& f : ssp::NegotiateFlagTable()) known |= f.bit;
  if (flags & ~known) node.Add("reserved bits", "reserved", ssp::Hex32(flags & ~known));
}

void AddVersion(Node& parent, bool present, const ssp::Version& v) {
  if (!present) {
    parent.Add("Version", "ntlmssp.version", "absent");
    return;
  }
  Node& node = parent.Add("Version", "ntlmssp.version", v.ToString());
  node.Add("Major Version", "ntlmssp.version.major", v.major);
  node.Add("Minor Version", "ntlmssp.version.minor", v.minor);
  node.Add("Build Number", "ntlmssp.version.build_number", v.build);
  node.Add("NTLM Current Revision", "ntlmssp.version.ntlm_current_revision", v.revision);
}

// Wireshark's per-id field suffixes.
const char* AvKeySuffix(uint16_t id) {
  switch (id) {
    case 0:
      return "end";
    case 1:
      return "nb_computer_name";
    case 2:
      return "nb_domain_name";
    case 3:
      return "dns_computer_name";
    case 4:
      return "dns_domain_name";
    case 5:
      return "dns_tree_name";
    case 6:
      return "flags";
    case 7:
      return "timestamp";
    case 8:
      return "restrictions";
    case 9:
      return "target_name";
    case 10:
      return "channel_bindings";
    default:
      return "item";
  }
}

void AddAvPairs(Node& parent, const ssp::AvPairList& list, const std::string& prefix) {
  size_t index = 0;
  for (const auto& pair : list.pairs) {
    std::string key = prefix + "." + AvKeySuffix(pair.id);
    if (pair.id > 10) key += "_" + std::to_string(pair.id);
    // Duplicate ids keep distinct JSON keys.
    for (const auto& existing : parent.children) {
      if (existing.key == key) key += "#" + std::to_string(index);
    }
    std::string value;
    if (pair.id == static_cast<uint16_t>(ssp::AvId::kTimestamp) && pair.value.size() == 8) {
      uint64_t ft = 0;
      for (int i = 7; i >= 0; --i) ft = ft << 8 | pair.value[static_cast<size_t>(i)];
      value = FormatRfc3339(ft) + " (" + std::to_string(ft) + ")";
    } else if (pair.id == static_cast<uint16_t>(ssp::AvId::kFlags) && pair.value.size() == 4) {
      uint32_t f = uint32_t{pair.value[0]} | uint32_t{pair.value[1]} << 8 |
                   uint32_t{pair.value[2]} << 16 | uint32_t{pair.value[3]} << 24;
      value = ssp::Hex32(f);
      if (f & ssp::kAvFlagConstrained) value += " constrained";
      if (f & ssp::kAvFlagMicPresent) value += " MIC-present";
      if (f & ssp::kAvFlagUntrustedSpn) value += " SPN-from-untrusted-source";
    } else if (auto text = list.GetString(static_cast<ssp::AvId>(pair.id));
               text.ok() && pair.id >= 1 && pair.id <= 5) {
      value = *text;
    } else if (text.ok() && pair.id == static_cast<uint16_t>(ssp::AvId::kTargetName)) {
      value = *text;
    } else {
      value = ssp::AvPairValueToString(pair);
    }
    parent.Add(ssp::AvIdName(pair.id), key, value);
    ++index;
  }
  if (!list.trailing.empty()) {
    parent.Add("Trailing bytes after MsvAvEOL", prefix + ".pad", ssp::HexBytes(list.trailing));
  }
}

struct Checks {
  Node node{"Checks", "checks", nullptr, {}};
  int failed = 0;
  void Ok(const std::string& what, const std::string& detail) {
    node.Add(what, what, "ok" + (detail.empty() ? "" : " (" + detail + ")"));
  }
  void Fail(const std::string& what, const std::string& detail) {
    node.Add(what, what, "FAIL: " + detail);
    ++failed;
  }
  void Info(const std::string& what, const std::string& detail) { node.Add(what, what, detail); }
};

struct Context {
  std::optional<Bytes> negotiate;
  std::optional<Bytes> challenge;
  std::optional<crypto::Key16> nt_hash;
  std::optional<crypto::Key16> lm_hash;
  std::optional<std::string> user, domain;
};

Node DecodeNegotiate(const ssp::NegotiateMessage& m) {
  Node root{"NTLMSSP NEGOTIATE_MESSAGE", "message", nullptr, {}};
  root.Add("NTLM Message Type", "ntlmssp.messagetype", 1);
  AddFlags(root, m.flags);
  if (m.short_form) root.Add("Form", "form", "16-byte short form (no domain/workstation fields)");
  // A malformed DomainName/Workstation field is shown as not read, with why:
  // servers ignore it (docs/windows-fidelity.md).
  auto field_text = [&](std::string_view field, const std::string& text) -> std::string {
    for (const auto& reason : m.ignored_fields) {
      if (reason.find(field) != std::string::npos)
        return "not read (a server ignores it): " + reason;
    }
    return text;
  };
  root.Add("Calling workstation domain", "ntlmssp.negotiate.domain",
           field_text("DomainNameFields", m.domain));
  root.Add("Calling workstation name", "ntlmssp.negotiate.callingworkstation",
           field_text("WorkstationFields", m.workstation));
  AddVersion(root, m.has_version, m.version);
  return root;
}

// Flags what a server ignores in a NEGOTIATE (never a failure: Windows
// answers such a NEGOTIATE with a CHALLENGE).
void FlagIgnoredNegotiateFields(const ssp::NegotiateMessage& m, Checks& checks) {
  for (size_t i = 0; i < m.ignored_fields.size(); ++i) {
    checks.Info("Malformed field " + std::to_string(i + 1),
                m.ignored_fields[i] + "; ignored, as Windows and Samba servers do");
  }
}

Node DecodeChallenge(const ssp::ChallengeMessage& m) {
  Node root{"NTLMSSP CHALLENGE_MESSAGE", "message", nullptr, {}};
  root.Add("NTLM Message Type", "ntlmssp.messagetype", 2);
  root.Add("Target Name", "ntlmssp.challenge.target_name", m.target_name);
  AddFlags(root, m.flags);
  root.Add("NTLM Server Challenge", "ntlmssp.ntlmserverchallenge",
           ssp::HexBytes(m.server_challenge));
  root.Add("Reserved", "ntlmssp.reserved", ssp::HexBytes(m.reserved));
  if (m.target_info) {
    Node& info = root.Add("Target Info", "ntlmssp.challenge.target_info");
    AddAvPairs(info, *m.target_info, "ntlmssp.challenge.target_info");
  } else {
    root.Add("Target Info", "ntlmssp.challenge.target_info", "absent");
  }
  AddVersion(root, m.has_version, m.version);
  return root;
}

// The MIC (3.2.5.1.2), the echo of the CHALLENGE's target info and the
// blob's timestamp, once the ExportedSessionKey is known.
void CheckMicAndTargetInfo(const ssp::AuthenticateMessage& m, ByteSpan token, const Context& ctx,
                           const std::optional<ssp::ParsedNtlmV2Response>& v2,
                           const ssp::ChallengeMessage& challenge, const crypto::Key16& exported,
                           Checks& checks) {
  const bool mic_announced = v2 && v2->client.av_pairs && v2->client.av_pairs->Flags() &&
                             (*v2->client.av_pairs->Flags() & ssp::kAvFlagMicPresent);
  const bool mic_nonzero =
      m.has_mic_field && std::any_of(m.mic.begin(), m.mic.end(), [](uint8_t b) { return b != 0; });
  if (!mic_announced && mic_nonzero) {
    // A MIC field that MsvAvFlags does not announce is not checked by
    // servers (3.2.5.1.2): report what it would be, never fail on it.
    if (!ctx.negotiate) {
      checks.Info("MIC", "present but not announced in MsvAvFlags (servers ignore it)");
    } else if (auto mic =
                   ssp::ComputeMic(exported, *ctx.negotiate, *ctx.challenge, token, m.mic_offset);
               mic.ok()) {
      checks.Info("MIC",
                  std::string("present but not announced in MsvAvFlags (servers ignore "
                              "it); it ") +
                      (crypto::ConstantTimeEqual(*mic, m.mic) ? "matches" : "does not match") +
                      " the computed MIC");
    }
  } else if (mic_announced) {
    if (!m.has_mic_field) {
      checks.Fail("MIC", "MsvAvFlags announces a MIC but the message has no MIC field");
    } else if (!ctx.negotiate) {
      checks.Info("MIC", "not checked: give --negotiate with the NEGOTIATE of this exchange");
    } else {
      auto mic = ssp::ComputeMic(exported, *ctx.negotiate, *ctx.challenge, token, m.mic_offset);
      if (!mic.ok()) {
        checks.Fail("MIC", mic.error().reason);
      } else if (crypto::ConstantTimeEqual(*mic, m.mic)) {
        checks.Ok("MIC", "announced in MsvAvFlags");
      } else {
        checks.Fail("MIC",
                    "computed " + ssp::HexBytes(*mic) + ", message has " + ssp::HexBytes(m.mic));
      }
    }
  } else {
    checks.Info("MIC", "none announced");
  }
  if (v2 && challenge.target_info) {
    if (!v2->client.av_pairs) {
      checks.Fail("Target info echo", "the NTLMv2 blob carries no AV pairs");
    } else {
      auto problem = ssp::TargetInfoEchoMismatch(*challenge.target_info, *v2->client.av_pairs);
      if (!problem) {
        checks.Ok("Target info echo", "every server AV pair came back");
      } else {
        checks.Fail("Target info echo", *problem);
      }
    }
    if (auto ts = challenge.target_info->Timestamp()) {
      uint64_t blob = v2->client.timestamp;
      uint64_t diff = blob > *ts ? blob - *ts : *ts - blob;
      checks.Info("Timestamp", diff == 0 ? "blob TimeStamp equals the CHALLENGE MsvAvTimestamp"
                                         : "blob TimeStamp is " + std::to_string(diff / 10000000) +
                                               " s from the CHALLENGE MsvAvTimestamp");
    }
  }
}

// The check's label: what the server verified ("NTProofStr" for NTLMv2).
std::string ResponseCheckName(ssp::ResponseKind kind, std::string_view verified) {
  switch (kind) {
    case ssp::ResponseKind::kNtlmV2:
      return "NTProofStr";
    case ssp::ResponseKind::kNtlmV1:
      return "NTLMv1 response";
    case ssp::ResponseKind::kNtlmV1Ess:
      return "NTLMv1 response (with ESS)";
    case ssp::ResponseKind::kLm:
      return verified.empty() ? std::string("LM response (LMv2 or LM)")
                              : std::string(verified) + " response";
    case ssp::ResponseKind::kAnonymous:
      break;
  }
  return "responses";
}

// An LMv2 response sent next to an NTLMv2 one: the server does not need it;
// decode says whether it is right (24 zero bytes, as Windows sends, are not
// checked).
void CheckLmV2Alongside(const ssp::AuthenticateMessage& m, const crypto::Key16& nt_hash,
                        const std::string& user, const std::string& domain,
                        const ssp::Challenge8& sc, Checks& checks) {
  const Bytes& lm = m.lm_challenge_response;
  if (lm.size() != 24 || std::all_of(lm.begin(), lm.end(), [](uint8_t b) { return b == 0; })) {
    return;
  }
  auto key = ssp::NtOwfV2(nt_hash, user, domain);
  ssp::Challenge8 cc;
  std::copy_n(lm.begin() + 16, 8, cc.begin());
  if (key.ok() && crypto::ConstantTimeEqual(ssp::LmV2Response(*key, sc, cc), lm)) {
    checks.Ok("LMv2 response", "");
  } else {
    checks.Fail("LMv2 response", "does not verify");
  }
}

void VerifyAuthenticate(const ssp::AuthenticateMessage& m, ByteSpan token, const Context& ctx,
                        Checks& checks) {
  if (!ctx.nt_hash) return;
  if (!ctx.challenge) {
    checks.Info("responses", "not checked: give --challenge with the CHALLENGE this answers");
    return;
  }
  auto challenge = ssp::DecodeChallengeMessage(*ctx.challenge);
  if (!challenge.ok()) {
    checks.Fail("challenge", challenge.error().reason);
    return;
  }
  ssp::Challenge8 sc;
  std::copy(challenge->server_challenge.begin(), challenge->server_challenge.end(), sc.begin());
  const std::string user = ctx.user.value_or(m.user);
  const std::string domain = ctx.domain.value_or(m.domain);
  // The server's own verifier (ssp/response_verifier.h): the same
  // classification, domain variants and response kinds.
  auto classified = ssp::ClassifyResponses(m);
  if (!classified.ok()) {
    checks.Fail("responses", classified.error().reason);
    return;
  }
  if (classified->anonymous) {
    checks.Info("responses", "anonymous (empty user and NT response): nothing to verify");
    return;
  }
  const std::optional<ssp::ParsedNtlmV2Response>& v2 = classified->v2;
  auto verified = ssp::VerifyResponse(m, *classified, user, domain, *ctx.nt_hash, ctx.lm_hash, sc);
  const std::string what = ResponseCheckName(classified->kind, verified ? verified->response : "");
  if (!verified) {
    checks.Fail(what, "does not verify with the given password/hash for '" + domain + "\\" + user +
                          "' (wrong password, user or domain; domains tried: as sent, " +
                          "upper-cased, empty)");
    return;
  }
  checks.Ok(what, "user '" + user + "', domain '" + verified->domain + "'");
  if (v2) CheckLmV2Alongside(m, *ctx.nt_hash, user, verified->domain, sc, checks);

  auto kxkey = ssp::KeyExchangeKey(m.flags, verified->ntlmv2_family, verified->session_base_key,
                                   m.lm_challenge_response, verified->lm_owf, sc);
  if (!kxkey.ok()) {
    checks.Fail("KeyExchangeKey", kxkey.error().reason);
    return;
  }
  auto exported = ssp::ExportedSessionKey(m.flags, *kxkey, m.encrypted_random_session_key);
  if (!exported.ok()) {
    checks.Fail("ExportedSessionKey", exported.error().reason);
    return;
  }
  checks.Info("ExportedSessionKey", ssp::HexBytes(*exported));

  CheckMicAndTargetInfo(m, token, ctx, v2, *challenge, *exported, checks);
}

// EncryptedRandomSessionKey, and whether a Windows server uses it: only with
// KEY_EXCH and SIGN or SEAL (MS-NLMP 3.2.5.1.2); without SIGN/SEAL Windows
// exports KeyExchangeKey, while gss-ntlmssp and Samba decrypt the key anyway.
std::string SessionKeyText(const ssp::AuthenticateMessage& m) {
  const Bytes& key = m.encrypted_random_session_key;
  for (const auto& reason : m.ignored_fields) {
    if (reason.find("EncryptedRandomSessionKeyFields") != std::string::npos) {
      return "not read (a server ignores it): " + reason;
    }
  }
  if (key.empty()) return "empty";
  std::string text = ssp::HexBytes(key);
  if ((m.flags & ssp::kNegotiateKeyExch) == 0) {
    return text + " (ignored: KEY_EXCH not set)";
  }
  if ((m.flags & (ssp::kNegotiateSign | ssp::kNegotiateSeal)) == 0) {
    return text +
           " (ignored by Windows: KEY_EXCH without SIGN or SEAL, the session key is "
           "KeyExchangeKey, MS-NLMP 3.2.5.1.2; gss-ntlmssp and Samba decrypt it anyway)";
  }
  return text;
}

Node DecodeAuthenticate(const ssp::AuthenticateMessage& m) {
  Node root{"NTLMSSP AUTHENTICATE_MESSAGE", "message", nullptr, {}};
  root.Add("NTLM Message Type", "ntlmssp.messagetype", 3);
  const auto& lm = m.lm_challenge_response;
  root.Add("Lan Manager Response", "ntlmssp.auth.lmresponse",
           lm.empty() ? std::string("empty") : ssp::HexBytes(lm));
  const auto& nt = m.nt_challenge_response;
  if (ssp::IsNtlmV2Response(nt)) {
    Node& ntn = root.Add("NTLM Response", "ntlmssp.auth.ntresponse",
                         std::to_string(nt.size()) + " bytes (NTLMv2)");
    auto parsed = ssp::DecodeNtlmV2Response(nt);
    if (parsed.ok()) {
      Node& v2 = ntn.Add("NTLMv2 Response", "ntlmssp.ntlmv2_response");
      v2.Add("NTProofStr", "ntlmssp.ntlmv2_response.ntproofstr",
             ssp::HexBytes(parsed->nt_proof_str));
      v2.Add("Response Version", "ntlmssp.ntlmv2_response.rversion", parsed->client.resp_type);
      v2.Add("Hi Response Version", "ntlmssp.ntlmv2_response.hirversion",
             parsed->client.hi_resp_type);
      v2.Add("Time", "ntlmssp.ntlmv2_response.time",
             FormatRfc3339(parsed->client.timestamp) + " (" +
                 std::to_string(parsed->client.timestamp) + ")");
      v2.Add("NTLMv2 Client Challenge", "ntlmssp.ntlmv2_response.chal",
             ssp::HexBytes(parsed->client.client_challenge));
      if (parsed->client.av_pairs) {
        Node& pairs = v2.Add("AV pairs", "ntlmssp.ntlmv2_response.av_pairs");
        AddAvPairs(pairs, *parsed->client.av_pairs, "ntlmssp.ntlmv2_response");
      }
    } else {
      ntn.Add("NTLMv2 Response", "ntlmssp.ntlmv2_response", "malformed: " + parsed.error().reason);
    }
  } else {
    root.Add("NTLM Response", "ntlmssp.auth.ntresponse",
             nt.empty() ? std::string("empty")
                        : ssp::HexBytes(nt) + (nt.size() == 24 ? " (NTLMv1)" : ""));
  }
  root.Add("Domain name", "ntlmssp.auth.domain", m.domain);
  root.Add("User name", "ntlmssp.auth.username", m.user);
  root.Add("Host name", "ntlmssp.auth.hostname", m.workstation);
  root.Add("Session Key", "ntlmssp.auth.sesskey", SessionKeyText(m));
  AddFlags(root, m.flags);
  AddVersion(root, m.has_version, m.version);
  if (m.has_mic_field) {
    root.Add("MIC", "ntlmssp.authenticate.mic",
             ssp::HexBytes(m.mic) + " (offset " + std::to_string(m.mic_offset) + ")");
  } else {
    root.Add("MIC", "ntlmssp.authenticate.mic", "absent (64/72-byte header)");
  }
  return root;
}

// Resolves an argument: a readable file's contents, or the text itself. An
// argument written as a path (starting with '/', './', '../' or '~/') that
// names no file is an error ("no such file"), not a token to parse.
std::optional<std::string> ReadArgument(const std::string& arg, std::istream& in,
                                        std::ostream& err) {
  if (arg.empty() || arg == "-") {
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::error_code ec;
  if (arg.size() < 4096 && std::filesystem::is_regular_file(arg, ec)) {
    std::ifstream file(arg, std::ios::binary);
    if (!file) {
      err << "decode: " << arg << ": cannot be read\n";
      return std::nullopt;
    }
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
  }
  for (const char* prefix : {"/", "./", "../", "~/"}) {
    if (arg.starts_with(prefix)) {
      err << "decode: " << arg
          << (std::filesystem::exists(arg, ec) ? ": not a regular file" : ": no such file") << "\n";
      return std::nullopt;
    }
  }
  return arg;
}

// Text or bytes -> NTLMSSP message bytes (unwrapping SPNEGO).
std::optional<Bytes> ToToken(const std::string& text, const std::string& what, std::string& form,
                             std::ostream& err) {
  TokenInputError error;
  auto input = ParseTokenInput(text, error);
  if (!input) {
    err << "decode: " << what << ": " << error.message << "\n";
    return std::nullopt;
  }
  form = input->form;
  ByteSpan bytes(input->bytes);
  if (bytes.size() < 8 || bytes[0] != 'N') {
    if (auto inner = ExtractNtlmFromSpnego(bytes)) {
      form += "+spnego";
      return Bytes(inner->begin(), inner->end());
    }
    if (!bytes.empty() && (bytes[0] == 0x60 || bytes[0] == 0xa1 || bytes[0] == 0xa0)) {
      err << "decode: " << what << ": a SPNEGO token without an NTLMSSP message inside "
          << "(only NTLM is decoded)\n";
      return std::nullopt;
    }
  }
  return input->bytes;
}

Verdict DecodeOne(ByteSpan token, const std::string& form, const Context& ctx, bool json,
                  std::ostream& out, std::ostream& err, ordered_json* json_out) {
  auto type = ssp::ReadMessageType(token);
  if (!type.ok()) {
    err << "decode: " << type.error().reason << "\n";
    return Verdict::kInvalidInput;
  }
  Node root;
  Checks checks;
  switch (*type) {
    case ssp::MessageType::kNegotiate: {
      auto m = ssp::DecodeNegotiateMessage(token);
      if (!m.ok()) {
        err << "decode: " << m.error().reason << "\n";
        return Verdict::kInvalidInput;
      }
      root = DecodeNegotiate(*m);
      FlagIgnoredNegotiateFields(*m, checks);
      break;
    }
    case ssp::MessageType::kChallenge: {
      auto m = ssp::DecodeChallengeMessage(token);
      if (!m.ok()) {
        err << "decode: " << m.error().reason << "\n";
        return Verdict::kInvalidInput;
      }
      root = DecodeChallenge(*m);
      break;
    }
    case ssp::MessageType::kAuthenticate: {
      auto m = ssp::DecodeAuthenticateMessage(token);
      if (!m.ok()) {
        err << "decode: " << m.error().reason << "\n";
        return Verdict::kInvalidInput;
      }
      root = DecodeAuthenticate(*m);
      VerifyAuthenticate(*m, token, ctx, checks);
      break;
    }
  }
  root.value = std::to_string(token.size()) + " bytes, " + form;
  if (!checks.node.children.empty()) root.children.push_back(checks.node);
  if (json) {
    ordered_json obj = RenderJson(root);
    if (json_out != nullptr) {
      json_out->push_back(obj);
    } else {
      out << obj.dump(2) << "\n";
    }
  } else {
    RenderText(root, 0, out);
  }
  return checks.failed > 0 ? Verdict::kDifference : Verdict::kOk;
}

Verdict DecodeParsedTranscript(const Transcript& t, bool json, std::ostream& out,
                               std::ostream& err) {
  Context ctx;
  if (!t.accounts.empty()) {
    // The account the AUTHENTICATE names (user, then domain, ignoring case);
    // the first account when none matches.
    const TranscriptAccount* chosen = &t.accounts.front();
    for (const auto& e : t.exchange) {
      if (e.type != EntryType::kAuthenticate) continue;
      auto auth = ssp::DecodeAuthenticateMessage(e.token);
      if (!auth.ok()) break;
      for (const auto& a : t.accounts) {
        if (ssp::EqualsIgnoreCase(a.user, auth->user) &&
            (ssp::EqualsIgnoreCase(a.domain, auth->domain) || chosen == &t.accounts.front())) {
          chosen = &a;
          if (ssp::EqualsIgnoreCase(a.domain, auth->domain)) break;
        }
      }
      break;
    }
    const auto& a = *chosen;
    auto account = a.nt_hash ? ssp::AccountFromNtHash(a.domain, a.user, *a.nt_hash)
                             : ssp::AccountFromPassword(a.domain, a.user, *a.password);
    if (account.ok()) {
      ctx.nt_hash = account->nt_hash;
      ctx.lm_hash = account->lm_hash;
    }
  }
  Verdict worst = Verdict::kOk;
  ordered_json all = ordered_json::array();
  if (!json) out << "transcript " << t.name << "\n";
  for (size_t i = 0; i < t.exchange.size(); ++i) {
    const auto& e = t.exchange[i];
    if (e.type == EntryType::kNegotiate) ctx.negotiate = e.token;
    if (e.type == EntryType::kChallenge) ctx.challenge = e.token;
    if (e.token.empty()) continue;
    if (!json) out << "\n[" << i << "] " << EntryTypeName(e.type) << "\n";
    Verdict rc = DecodeOne(e.token, "transcript entry " + std::to_string(i), ctx, json, out, err,
                           json ? &all : nullptr);
    worst = std::max(worst, rc);
  }
  if (json) out << all.dump(2) << "\n";
  return worst;
}

Verdict DecodeTranscriptText(const std::string& text, bool json, std::ostream& out,
                             std::ostream& err) {
  std::string error;
  auto t = ParseTranscript(text, error);
  if (!t) {
    err << "decode: transcript: " << error << "\n";
    return Verdict::kInvalidInput;
  }
  return DecodeParsedTranscript(*t, json, out, err);
}

}  // namespace

std::string DecodedExchangeText(const Transcript& transcript) {
  std::ostringstream out, err;
  DecodeParsedTranscript(transcript, /*json=*/false, out, err);
  std::string text = out.str();
  if (!err.str().empty()) text += "\n" + err.str();
  return text;
}

Verdict DecodeInput(const DecodeOptions& options, std::istream& in, std::ostream& out,
                    std::ostream& err) {
  const auto argument = ReadArgument(options.token, in, err);
  if (!argument) return Verdict::kInvalidInput;
  const std::string& text = *argument;
  {
    // A transcript file: decode every token with its accounts.
    size_t first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && text[first] == '{') {
      return DecodeTranscriptText(text, options.json, out, err);
    }
  }
  std::string form;
  auto token = ToToken(text, "token", form, err);
  if (!token) return Verdict::kInvalidInput;

  Context ctx;
  ctx.user = options.user;
  ctx.domain = options.domain;
  std::string ignored;
  // The context tokens must be the messages they claim to be.
  auto context_token = [&](const std::string& arg, const char* option,
                           ssp::MessageType want) -> std::optional<Bytes> {
    const auto argument_text = ReadArgument(arg, in, err);
    if (!argument_text) return std::nullopt;
    auto bytes = ToToken(*argument_text, option, ignored, err);
    if (!bytes) return std::nullopt;
    auto type = ssp::ReadMessageType(*bytes);
    if (!type.ok() || *type != want) {
      err << "decode: " << option << ": expected a "
          << ssp::MessageTypeName(static_cast<uint32_t>(want)) << " message, got "
          << (type.ok() ? ssp::MessageTypeName(static_cast<uint32_t>(*type)) : type.error().reason)
          << "\n";
      return std::nullopt;
    }
    return bytes;
  };
  if (options.negotiate) {
    ctx.negotiate = context_token(*options.negotiate, "--negotiate", ssp::MessageType::kNegotiate);
    if (!ctx.negotiate) return Verdict::kInvalidInput;
  }
  if (options.challenge) {
    ctx.challenge = context_token(*options.challenge, "--challenge", ssp::MessageType::kChallenge);
    if (!ctx.challenge) return Verdict::kInvalidInput;
  }
  if (options.password && options.nt_hash) {
    err << "decode: give --password or --nt-hash, not both\n";
    return Verdict::kInvalidInput;
  }
  if (options.password) {
    auto account = ssp::AccountFromPassword("", "", *options.password);
    if (!account.ok()) {
      err << "decode: --password: " << account.error().reason << "\n";
      return Verdict::kInvalidInput;
    }
    ctx.nt_hash = account->nt_hash;
    ctx.lm_hash = account->lm_hash;
  } else if (options.nt_hash) {
    auto account = ssp::AccountFromNtHash("", "", *options.nt_hash);
    if (!account.ok()) {
      err << "decode: --nt-hash: " << account.error().reason << "\n";
      return Verdict::kInvalidInput;
    }
    ctx.nt_hash = account->nt_hash;
  }
  return DecodeOne(*token, form, ctx, options.json, out, err, nullptr);
}

}  // namespace ntlm::harness
