// secret_hygiene_test.cc: no secret leaves the process in text (issue 7,
// "Secret hygiene"; SECURITY.md).
//
// Full exchanges between our ClientContext and ServerContext, for several
// client profiles and deviations (accepted and refused), then session
// security with good, tampered and replayed messages. Everything either side
// can say is collected: server log events, client notes, every error reason,
// the verdict's printable fields, deviation texts. Then the real
// ntlmssp-harness `replay` with its most verbose outputs (-v, --json) over
// every recorded transcript, and `decode`. No password (UTF-8 or UTF-16LE),
// NT hash, NTOWFv2, session key, signing or sealing key, NTProofStr, NT
// response or MIC may appear in any of it, raw or as hex in either case.
//
// The one deliberate exception is `decode --password`: the operator hands it
// the password to have the ExportedSessionKey recomputed (to decrypt a
// capture), and an AUTHENTICATE's dissection shows its own wire fields
// (NTProofStr, MIC). For decode the password, hashes and signing/sealing keys
// are still checked.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "ssp/authenticate_message.h"
#include "ssp/client_context.h"
#include "ssp/client_deviation.h"
#include "ssp/credentials.h"
#include "ssp/flags.h"
#include "ssp/keys.h"
#include "ssp/server_context.h"
#include "ssp/session_security.h"
#include "ssp/text_encoding.h"
#include "ssp/unicode.h"

namespace ntlm {
namespace {

namespace fs = std::filesystem;

constexpr char kPassword[] = "Hyg1ene-Passw0rd!";
constexpr ssp::FileTime kNow =
    ssp::kFileTimeUnixEpoch + 1795608000ULL * ssp::kFileTimeTicksPerSecond;

std::string ToHex(ByteSpan bytes, bool upper) {
  static const char* lower_digits = "0123456789abcdef";
  static const char* upper_digits = "0123456789ABCDEF";
  const char* digits = upper ? upper_digits : lower_digits;
  std::string out;
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

// The secrets one scenario must not reveal, each as every needle it could
// appear as in text.
class Secrets {
 public:
  void AddBytes(const std::string& name, ByteSpan bytes) {
    if (bytes.size() < 5) return;  // too short to search for without noise
    bool all_zero = true;
    for (uint8_t b : bytes) all_zero = all_zero && b == 0;
    if (all_zero) return;  // a zeroed field is no secret
    needles_.push_back({name + " (raw)", std::string(bytes.begin(), bytes.end())});
    needles_.push_back({name + " (hex)", ToHex(bytes, false)});
    needles_.push_back({name + " (HEX)", ToHex(bytes, true)});
  }
  void AddPassword(const std::string& name, const std::string& password) {
    needles_.push_back({name + " (UTF-8)", password});
    auto utf16 = ssp::Utf8ToUtf16Le(password);
    if (utf16.ok()) {
      needles_.push_back({name + " (UTF-16LE)", std::string(utf16->begin(), utf16->end())});
    }
    if (auto nt = ssp::NtOwfV1(password); nt.ok()) AddBytes(name + " NT hash", *nt);
    if (auto lm = ssp::LmOwfV1(password); lm.ok()) AddBytes(name + " LM hash", *lm);
  }
  // Every key derived from an ExportedSessionKey under `flags`.
  void AddSessionKey(const std::string& name, const crypto::Key16& key, uint32_t flags,
                     bool include_exported_key = true) {
    if (include_exported_key) AddBytes(name + " ExportedSessionKey", key);
    for (bool server : {false, true}) {
      ssp::SessionKeys keys = ssp::DeriveSessionKeys(flags, key, server);
      if (keys.has_sign_keys) {
        AddBytes(name + " signing key", keys.sign_out);
        AddBytes(name + " signing key", keys.sign_in);
      }
      for (const auto* seal : {&keys.seal_out, &keys.seal_in}) {
        const size_t length = seal == &keys.seal_out ? keys.seal_out_len : keys.seal_in_len;
        // Without ESS a 128-bit sealing key is the ExportedSessionKey itself.
        if (!include_exported_key && length == 16 && *seal == key) continue;
        AddBytes(name + " sealing key", ByteSpan(seal->data(), length));
      }
    }
  }
  // NTProofStr / NT response, LM response and MIC of an AUTHENTICATE.
  void AddAuthenticate(const std::string& name, ByteSpan authenticate) {
    auto m = ssp::DecodeAuthenticateMessage(authenticate);
    if (!m.ok()) return;
    const Bytes& nt = m->nt_challenge_response;
    AddBytes(name + (nt.size() > 24 ? " NTProofStr" : " NT response"),
             ByteSpan(nt).first(std::min<size_t>(nt.size(), nt.size() > 24 ? 16 : 24)));
    AddBytes(name + " LM response", m->lm_challenge_response);
    if (m->has_mic_field) AddBytes(name + " MIC", m->mic);
  }

  // Fails naming the secret and where it appeared.
  void ExpectAbsentFrom(const std::string& where, const std::string& text) const {
    for (const auto& needle : needles_) {
      EXPECT_EQ(text.find(needle.text), std::string::npos)
          << needle.name << " appears in " << where << ":\n"
          << text.substr(0, 4000);
    }
  }
  size_t size() const { return needles_.size(); }

 private:
  struct Needle {
    std::string name;
    std::string text;
  };
  std::vector<Needle> needles_;
};

// ---------------------------------------------------------------------------
// In-process exchanges.

struct Scenario {
  const char* name;
  std::function<void(ssp::ClientPolicy&, ssp::ServerPolicy&)> configure;
  bool anonymous = false;
};

std::string EventsText(const ssp::ServerContext& server) {
  std::string text;
  for (const auto& e : server.events()) text += e.kind + ": " + e.text + "\n";
  return text;
}

class SecretHygieneExchange : public ::testing::TestWithParam<Scenario> {};

TEST_P(SecretHygieneExchange, NothingSecretInEventsNotesOrErrors) {
  const Scenario& scenario = GetParam();
  ssp::ClientPolicy client_policy;
  ssp::ServerPolicy server_policy;
  server_policy.min_server_sec = 0;
  scenario.configure(client_policy, server_policy);

  ssp::InMemoryCredentialStore store;
  store.Add(ssp::AccountFromPassword("CONTOSO", "alice", kPassword).value());
  ssp::FixedClock clock(kNow);
  ssp::FixedRandom server_random(Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef});
  ssp::FixedRandom client_random(Bytes{0x3c, 0x5a, 0x96, 0xe1, 0x0f, 0x77});
  ssp::ServerContext server({}, server_policy, store, clock, server_random);
  ssp::ClientCredentials credentials =
      scenario.anonymous
          ? ssp::ClientCredentials::Anonymous("WS01")
          : ssp::ClientCredentials::FromPassword("alice", "CONTOSO", kPassword, "WS01").value();
  ssp::ClientContext client(credentials, client_policy, clock, client_random);

  Secrets secrets;
  secrets.AddPassword("password", kPassword);
  secrets.AddPassword("deviation password", "definitely-not-the-password");
  if (auto v2 = ssp::NtOwfV2(credentials.nt_hash, "alice", "CONTOSO"); v2.ok()) {
    secrets.AddBytes("NTOWFv2", *v2);
  }
  std::string said;  // everything either side put into text
  auto note_error = [&](const char* who, const ssp::Error& e) { said += who + e.reason + "\n"; };

  auto negotiate = client.CreateNegotiate();
  ASSERT_TRUE(negotiate.ok()) << negotiate.error().reason;
  auto challenge = server.Step(*negotiate);
  if (!challenge.ok()) note_error("server: ", challenge.error());
  if (challenge.ok()) {
    auto authenticate = client.ProcessChallenge(challenge->token);
    if (!authenticate.ok()) note_error("client: ", authenticate.error());
    if (authenticate.ok()) {
      secrets.AddAuthenticate("AUTHENTICATE", *authenticate);
      secrets.AddSessionKey("client", client.exported_session_key(), client.negotiated_flags());
      auto verdict = server.Step(*authenticate);
      if (!verdict.ok()) note_error("server: ", verdict.error());
      // Tokens after the verdict: refused, with a reason.
      auto again = server.Step(*authenticate);
      if (!again.ok()) note_error("server: ", again.error());
    }
  }
  for (const auto& n : client.notes()) said += "note: " + n + "\n";
  for (const auto& d : client_policy.deviations) said += ssp::DeviationToString(d) + "\n";
  said += EventsText(server);

  if (server.result()) {
    const ssp::ServerResult& r = *server.result();
    secrets.AddSessionKey("server", r.exported_session_key, r.negotiated_flags);
    std::ostringstream printed;
    printed << r.QualifiedUser() << " " << r.workstation << " " << ssp::ResponseKindName(r.kind)
            << " " << r.exported_session_key << " " << r.client_target_name.value_or("") << "\n";
    said += printed.str();
    EXPECT_NE(printed.str().find("<redacted"), std::string::npos) << printed.str();

    // Session security: good, tampered and replayed messages, both ways.
    auto client_session = client.CreateSessionSecurity();
    ASSERT_TRUE(client_session.ok()) << client_session.error().reason;
    ssp::SessionSecurity server_session(r.negotiated_flags, r.exported_session_key, true);
    const Bytes message = {'h', 'y', 'g', 'i', 'e', 'n', 'e', ' ',
                           'm', 'e', 's', 's', 'a', 'g', 'e'};
    std::array<uint8_t, ssp::kMessageSignatureSize> signature{};
    if (client_session->Sign(message, signature).ok()) {
      secrets.AddBytes("message signature checksum", ByteSpan(signature).subspan(4, 8));
      auto ok = server_session.Verify(message, signature);
      if (!ok.ok()) said += "verify: " + ok.error().reason + "\n";
      auto replayed = server_session.Verify(message, signature);  // out of sequence
      if (!replayed.ok()) said += "verify again: " + replayed.error().reason + "\n";
    }
    Bytes sealed(message.size());
    if (client_session->Seal(message, sealed, signature).ok()) {
      sealed[0] ^= 1;  // tampered
      Bytes plain(sealed.size());
      auto bad = server_session.Unseal(sealed, signature, plain);
      if (!bad.ok()) said += "unseal: " + bad.error().reason + "\n";
      auto after = server_session.Unseal(sealed, signature, plain);
      if (!after.ok()) said += "unseal after failure: " + after.error().reason + "\n";
    }
  }
  ASSERT_FALSE(said.empty());
  ASSERT_GT(secrets.size(), 10u);
  secrets.ExpectAbsentFrom(std::string("scenario ") + scenario.name, said);
}

std::array<uint8_t, 16> Bindings(uint8_t seed) {
  return ssp::ChannelBindingsHash(Bytes{'t', 'l', 's', '-', seed});
}

INSTANTIATE_TEST_SUITE_P(Scenarios, SecretHygieneExchange,
                         ::testing::Values(
                             Scenario{"modern_accepted",
                                      [](ssp::ClientPolicy&, ssp::ServerPolicy&) {}},
                             Scenario{"ntlmv1_lm_accepted",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy&) {
                                        c.lm_compat_level = 0;
                                      }},
                             Scenario{"ntlmv1_ess_accepted",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy&) {
                                        c.lm_compat_level = 1;
                                      }},
                             Scenario{"ntlmv1_refused_at_level5",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy& s) {
                                        c.lm_compat_level = 1;
                                        s.lm_compat_level = 5;
                                      }},
                             Scenario{"wrong_password",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy&) {
                                        c.deviations.push_back(ssp::Deviation::WrongPassword());
                                      }},
                             Scenario{"corrupt_mic",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy&) {
                                        c.deviations.push_back(ssp::Deviation::CorruptMic());
                                      }},
                             Scenario{"mic_required_but_omitted",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy& s) {
                                        c.deviations.push_back(ssp::Deviation::OmitMic());
                                        s.require_mic = true;
                                      }},
                             Scenario{"min_server_sec_refused",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy& s) {
                                        c.deviations.push_back(
                                            ssp::Deviation::StripAuthenticateFlags(
                                                ssp::kNegotiateSeal));
                                        s.min_server_sec = ssp::kNegotiateSeal | ssp::kNegotiate128;
                                      }},
                             Scenario{"time_skew",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy&) {
                                        c.deviations.push_back(
                                            ssp::Deviation::ShiftTimestamp(-7 * 86400));
                                      }},
                             Scenario{"wrong_spn",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy& s) {
                                        c.target_name = "HTTP/srv01.contoso.test";
                                        c.deviations.push_back(ssp::Deviation::WrongSpn());
                                        s.target_name = "HTTP/srv01.contoso.test";
                                      }},
                             Scenario{
                                 "wrong_channel_bindings",
                                 [](ssp::ClientPolicy& c, ssp::ServerPolicy& s) {
                                   c.channel_bindings_md5 = Bindings(1);
                                   s.channel_bindings_md5 = Bindings(2);
                                   s.channel_binding_mode = ssp::ChannelBindingMode::kRequired;
                                 }},
                             Scenario{"altered_target_info",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy&) {
                                        c.deviations.push_back(ssp::Deviation::AlterTargetInfo());
                                      }},
                             Scenario{"truncated_authenticate",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy&) {
                                        c.deviations.push_back(
                                            ssp::Deviation::TruncateAuthenticate(100));
                                      }},
                             Scenario{"oem_without_key_exchange",
                                      [](ssp::ClientPolicy& c, ssp::ServerPolicy&) {
                                        c.requested_flags &=
                                            ~(ssp::kNegotiateUnicode | ssp::kNegotiateKeyExch);
                                        c.requested_flags |= ssp::kNegotiateOem;
                                        c.negotiate_names = true;
                                      }},
                             Scenario{"anonymous_allowed",
                                      [](ssp::ClientPolicy&, ssp::ServerPolicy& s) {
                                        s.allow_anonymous = true;
                                      },
                                      true}),
                         [](const auto& p) { return std::string(p.param.name); });

// ---------------------------------------------------------------------------
// The command-line tool over the recorded transcripts.

struct CommandOutput {
  int rc = -1;
  std::string text;  // stdout and stderr
};

CommandOutput RunHarness(const std::string& args) {
  const std::string cmd = "cd '" + std::string(NTLM_SOURCE_DIR) + "' && '" +
                          std::string(NTLM_HARNESS_BIN) + "' " + args + " 2>&1 </dev/null";
  CommandOutput r;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.text.append(buf.data(), n);
  const int status = ::pclose(pipe);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::vector<fs::path> Transcripts() {
  std::vector<fs::path> files;
  for (const auto& e :
       fs::recursive_directory_iterator(fs::path(NTLM_SOURCE_DIR) / "vectors" / "transcripts")) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Bytes B64(const nlohmann::json& value) {
  std::string error;
  return ssp::DecodeBase64(value.get<std::string>(), error).value_or(Bytes{});
}

// The secrets of one transcript: its accounts' passwords and hashes and the
// signing and sealing keys; with `session` also its ExportedSessionKey,
// NTProofStr and MIC.
void AddTranscriptSecrets(const nlohmann::json& t, bool session, Secrets& secrets) {
  for (const auto& account : t.value("accounts", nlohmann::json::array())) {
    if (account.contains("password")) {
      const std::string password = account["password"].get<std::string>();
      secrets.AddPassword("password", password);
      if (auto nt = ssp::NtOwfV1(password); nt.ok()) {
        if (auto v2 = ssp::NtOwfV2(*nt, account.value("user", ""), account.value("domain", ""));
            v2.ok()) {
          secrets.AddBytes("NTOWFv2", *v2);
        }
      }
    }
    if (account.contains("nt_hash")) {
      std::string error;
      auto nt = ssp::DecodeHex(account["nt_hash"].get<std::string>(), error);
      if (nt) secrets.AddBytes("NT hash", *nt);
    }
  }
  const auto& expect = t.value("expect", nlohmann::json::object());
  if (expect.contains("session_key")) {
    std::string error;
    auto key = ssp::DecodeHex(expect["session_key"].get<std::string>(), error);
    if (key && key->size() == 16) {
      crypto::Key16 k;
      std::copy(key->begin(), key->end(), k.data());
      uint32_t flags = 0;
      if (expect.contains("negotiated_flags")) {
        flags = static_cast<uint32_t>(
            std::stoul(expect["negotiated_flags"].get<std::string>(), nullptr, 16));
      }
      secrets.AddSessionKey("session", k, flags, session);
    }
  }
  if (!session) return;
  for (const auto& entry : t.value("exchange", nlohmann::json::array())) {
    if (entry.value("type", "") == "authenticate" && entry.contains("token")) {
      secrets.AddAuthenticate("AUTHENTICATE", B64(entry["token"]));
    }
  }
}

TEST(SecretHygieneCommand, ReplayVerboseAndJsonRevealNothing) {
  Secrets secrets;
  for (const auto& path : Transcripts()) {
    std::ifstream in(path);
    AddTranscriptSecrets(nlohmann::json::parse(in), /*session=*/true, secrets);
  }
  ASSERT_GT(secrets.size(), 1000u);
  for (const char* args :
       {"replay -v vectors/transcripts", "replay -v --json - vectors/transcripts"}) {
    CommandOutput r = RunHarness(args);
    EXPECT_EQ(r.rc, 0) << r.text.substr(0, 2000);
    EXPECT_NE(r.text.find("passed"), std::string::npos) << r.text.substr(0, 2000);
    secrets.ExpectAbsentFrom(args, r.text);
  }
}

TEST(SecretHygieneCommand, DecodeNeverPrintsPasswordHashesOrSigningSealingKeys) {
  size_t decoded = 0;
  for (const auto& path : Transcripts()) {
    std::ifstream in(path);
    const nlohmann::json t = nlohmann::json::parse(in);
    if (!t.contains("accounts") || t["accounts"].empty() ||
        !t["accounts"][0].contains("password")) {
      continue;
    }
    Secrets secrets;  // no ExportedSessionKey, NTProofStr or MIC: see the file comment
    AddTranscriptSecrets(t, /*session=*/false, secrets);
    const std::string rel = fs::relative(path, NTLM_SOURCE_DIR).string();
    for (const std::string& args : {"decode " + rel, "decode --json " + rel}) {
      CommandOutput r = RunHarness(args);
      // 2: a negative transcript whose token is malformed on purpose.
      EXPECT_LE(r.rc, 2) << args << "\n" << r.text.substr(0, 2000);
      secrets.ExpectAbsentFrom(args, r.text);
    }
    ++decoded;
  }
  EXPECT_GT(decoded, 10u);
}

}  // namespace
}  // namespace ntlm
