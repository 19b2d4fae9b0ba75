#include "harness/selfcheck.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "harness/embedded_files.h"
#include "harness/token_input.h"
#include "ssp/authenticate_message.h"
#include "ssp/challenge_message.h"
#include "ssp/keys.h"
#include "ssp/session_security.h"

namespace ntlm::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kBuiltInVectors = "vectors/ms-nlmp-4.2.json (built in)";

// The vector file's text: `given` when set, else the built-in copy.
std::optional<std::string> ReadVectors(const std::string& given, std::string& name,
                                       std::ostream& err) {
  if (given.empty()) {
    name = kBuiltInVectors;
    if (auto bytes = FindEmbeddedFile("ms-nlmp-4.2.json")) return std::string(*bytes);
    err << "selfcheck: no built-in ms-nlmp-4.2.json (give --vectors FILE)\n";
    return std::nullopt;
  }
  name = given;
  std::ifstream in(given, std::ios::binary);
  if (!in) {
    std::error_code ec;
    err << "selfcheck: cannot open " << given << (fs::exists(given, ec) ? "" : ": no such file")
        << "\n";
    return std::nullopt;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

struct Runner {
  const json& root;
  std::ostream& out;
  bool verbose;
  int passed = 0;
  int failed = 0;
  std::string error;  // malformed vector file

  std::string Hex(const std::string& section, const std::string& group, const std::string& name) {
    const json* node = &root;
    for (const auto& key : {section, group, name}) {
      if (key.empty()) continue;
      if (!node->contains(key)) {
        if (error.empty()) error = "missing " + section + "/" + group + "/" + name;
        return {};
      }
      node = &(*node)[key];
    }
    if (node->contains("hex")) return (*node)["hex"].get<std::string>();
    if (node->contains("utf16le_hex")) return (*node)["utf16le_hex"].get<std::string>();
    if (error.empty()) error = "no hex value at " + section + "/" + group + "/" + name;
    return {};
  }
  Bytes Bin(const std::string& section, const std::string& group, const std::string& name) {
    std::string why;
    auto b = DecodeHex(Hex(section, group, name), why);
    return b ? *b : Bytes{};
  }
  std::string Spec(const std::string& section, const std::string& group, const std::string& name) {
    const json& n = root[section][group][name];
    return n.contains("spec_section") ? n["spec_section"].get<std::string>() : section;
  }

  void Check(const std::string& section, const std::string& group, const std::string& name,
             ByteSpan computed) {
    const std::string expected = Hex(section, group, name);
    const std::string got = EncodeHex(computed);
    const bool ok = !expected.empty() && got == expected;
    ok ? ++passed : ++failed;
    if (!ok || verbose) {
      out << (ok ? "ok    " : "FAIL  ") << Spec(section, group, name) << "  " << name;
      if (!ok) out << "\n        expected " << expected << "\n        computed " << got;
      out << "\n";
    }
  }
};

crypto::Key16 ToKey(const Bytes& b) {
  crypto::Key16 k;
  for (size_t i = 0; i < 16 && i < b.size(); ++i) k[i] = b[i];
  return k;
}

ssp::Challenge8 ToChallenge(const Bytes& b) {
  ssp::Challenge8 c{};
  for (size_t i = 0; i < 8 && i < b.size(); ++i) c[i] = b[i];
  return c;
}

// Re-encode check and the session-security example of one section.
void CheckMessagesAndSeal(Runner& r, const std::string& s, const crypto::Key16& exported,
                          bool emit_random_pad) {
  Bytes challenge = r.Bin(s, "messages", "CHALLENGE_MESSAGE");
  Bytes authenticate = r.Bin(s, "messages", "AUTHENTICATE_MESSAGE");
  auto c = ssp::DecodeChallengeMessage(challenge);
  auto a = ssp::DecodeAuthenticateMessage(authenticate);
  if (!c.ok() || !a.ok()) {
    ++r.failed;
    r.out << "FAIL  " << s
          << " messages do not decode: " << (!c.ok() ? c.error().reason : a.error().reason) << "\n";
    return;
  }
  r.Check(s, "messages", "CHALLENGE_MESSAGE", ssp::EncodeChallengeMessage(*c));
  r.Check(s, "messages", "AUTHENTICATE_MESSAGE", ssp::EncodeAuthenticateMessage(*a));

  ssp::SessionSecurity::Options options;
  options.emit_encrypted_random_pad = emit_random_pad;
  ssp::SessionSecurity client(a->flags, exported, /*is_server=*/false, options);
  Bytes plaintext = r.Bin("4.2.1_common_values", "GSS_WrapEx_Plaintext", "");
  Bytes cipher(plaintext.size());
  std::array<uint8_t, 16> signature{};
  auto st = client.Seal(plaintext, cipher, signature);
  if (!st.ok()) {
    ++r.failed;
    r.out << "FAIL  " << s << " seal: " << st.error().reason << "\n";
    return;
  }
  r.Check(s, "gss_wrapex", "Ciphertext", cipher);
  r.Check(s, "gss_wrapex", s == "4.2.2_ntlmv1" ? "Signature_as_printed_in_spec" : "Signature",
          signature);
}

}  // namespace

Verdict RunSelfcheck(const SelfcheckOptions& options, std::ostream& out, std::ostream& err) {
  std::string path;
  const auto text = ReadVectors(options.vectors_path, path, err);
  if (!text) return Verdict::kInvalidInput;
  json root;
  try {
    root = json::parse(*text);
  } catch (const json::exception& e) {
    err << "selfcheck: " << path << ": " << e.what() << "\n";
    return Verdict::kInvalidInput;
  }
  Runner r{root, out, options.verbose, 0, 0, {}};
  const std::string common = "4.2.1_common_values";
  const crypto::Key16 random_key = ToKey(r.Bin(common, "RandomSessionKey", ""));
  const ssp::Challenge8 sc = ToChallenge(r.Bin(common, "ServerChallenge", ""));
  const ssp::Challenge8 cc = ToChallenge(r.Bin(common, "ClientChallenge", ""));
  const std::string password = "Password", user = "User", domain = "Domain";

  // 4.2.2 NTLMv1.
  {
    const std::string s = "4.2.2_ntlmv1";
    auto lm = ssp::LmOwfV1(password);
    auto nt = ssp::NtOwfV1(password);
    if (!lm.ok() || !nt.ok()) {
      err << "selfcheck: one-way functions failed\n";
      return Verdict::kDifference;
    }
    r.Check(s, "values", "LMOWFv1", *lm);
    r.Check(s, "values", "NTOWFv1_ResponseKeyNT", *nt);
    auto sbk = ssp::NtlmV1SessionBaseKey(*nt);
    r.Check(s, "values", "SessionBaseKey", sbk);
    auto lm_resp = ssp::LmV1Response(*lm, sc);
    r.Check(s, "values", "NTLMv1Response", ssp::NtlmV1Response(*nt, sc));
    r.Check(s, "values", "LMv1Response", lm_resp);
    struct Variant {
      uint32_t flags;
      const char* kx;
      const char* esk;
    };
    const Variant variants[] = {{0, "KeyExchangeKey_default", "EncryptedRandomSessionKey_default"},
                                {0x80, "KeyExchangeKey_LM_KEY", "EncryptedRandomSessionKey_LM_KEY"},
                                {0x400000, "KeyExchangeKey_NON_NT_SESSION_KEY",
                                 "EncryptedRandomSessionKey_NON_NT_SESSION_KEY"}};
    for (const auto& v : variants) {
      auto kx = ssp::KeyExchangeKey(v.flags, false, sbk, lm_resp, *lm, sc);
      if (!kx.ok()) {
        ++r.failed;
        out << "FAIL  " << v.kx << ": " << kx.error().reason << "\n";
        continue;
      }
      r.Check(s, "values", v.kx, *kx);
      r.Check(s, "values", v.esk, ssp::EncryptRandomSessionKey(*kx, random_key));
    }
    CheckMessagesAndSeal(r, s, random_key, /*emit_random_pad=*/true);
  }
  // 4.2.3 NTLMv1 with client challenge (ESS).
  {
    const std::string s = "4.2.3_ntlmv1_with_client_challenge";
    auto nt = ssp::NtOwfV1(password);
    auto sbk = ssp::NtlmV1SessionBaseKey(*nt);
    r.Check(s, "values", "NTOWFv1_ResponseKeyNT", *nt);
    r.Check(s, "values", "SessionBaseKey", sbk);
    auto lm_resp = ssp::LmV1EssResponse(cc);
    r.Check(s, "values", "LMv1Response", lm_resp);
    r.Check(s, "values", "NTLMv1Response", ssp::NtlmV1EssResponse(*nt, sc, cc));
    auto kx = ssp::KeyExchangeKey(0x00080000, false, sbk, lm_resp, crypto::Key16{}, sc);
    if (kx.ok()) {
      r.Check(s, "values", "KeyExchangeKey", *kx);
      r.Check(s, "values", "ExportedSessionKey", *kx);
      CheckMessagesAndSeal(r, s, *kx, false);
    } else {
      ++r.failed;
      out << "FAIL  4.2.3 KeyExchangeKey: " << kx.error().reason << "\n";
    }
  }
  // 4.2.4 NTLMv2.
  {
    const std::string s = "4.2.4_ntlmv2";
    auto nt = ssp::NtOwfV1(password);
    auto key = ssp::NtOwfV2(*nt, user, domain);
    r.Check(s, "values", "NTOWFv2_ResponseKeyNT", *key);
    Bytes server_name = r.Bin(s, "values", "TargetInfo_ServerName");
    Bytes temp = ssp::NtlmV2Temp(0, cc, server_name);
    r.Check(s, "values", "temp", temp);
    auto proof = ssp::NtProofStr(*key, sc, temp);
    r.Check(s, "values", "NTProofStr", proof);
    r.Check(s, "values", "NTLMv2Response", ssp::ComputeNtlmV2Response(*key, sc, temp));
    r.Check(s, "values", "LMv2Response", ssp::LmV2Response(*key, sc, cc));
    auto sbk = ssp::NtlmV2SessionBaseKey(*key, proof);
    r.Check(s, "values", "SessionBaseKey", sbk);
    auto kx = ssp::KeyExchangeKey(0xe2888235, true, sbk, {}, crypto::Key16{}, sc);
    if (kx.ok()) {
      r.Check(s, "values", "KeyExchangeKey", *kx);
      r.Check(s, "values", "EncryptedRandomSessionKey",
              ssp::EncryptRandomSessionKey(*kx, random_key));
    }
    CheckMessagesAndSeal(r, s, random_key, false);
  }
  if (!r.error.empty()) {
    err << "selfcheck: " << path << ": " << r.error << "\n";
    return Verdict::kInvalidInput;
  }
  out << "MS-NLMP 4.2 self-check (" << path << "): " << r.passed << " passed, " << r.failed
      << " failed\n";
  return r.failed > 0 ? Verdict::kDifference : Verdict::kOk;
}

}  // namespace ntlm::harness
