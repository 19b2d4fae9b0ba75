// harness_replay_test.cc: `ntlmssp-harness replay` (harness/replay and
// harness/replay_command). Every transcript in vectors/transcripts passes;
// a transcript whose expect (or a recorded server message) is altered FAILs
// with a first difference that names the field, and the session key never
// appears in any output; an invalid transcript or a missing path exits 2
// with a message naming the file and the key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "harness/cli.h"
#include "harness/replay.h"
#include "harness/replay_command.h"
#include "harness/token_input.h"
#include "harness/transcript.h"

namespace ntlm::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

const fs::path kVectors = fs::path(NTLM_SOURCE_DIR) / "vectors/transcripts";
const fs::path kGss = kVectors / "gss-seal128-kx-mic.json";
const fs::path kMicFlip = kVectors / "gss-seal128-kx-mic-x-micflip.json";
const fs::path kReplaySample = kVectors / "ntlmauth-seal128-kx-mic-x-replay.json";
constexpr char kGssKey[] = "55bc4107370a60482fa8c8251c603d62";

std::vector<fs::path> AllJsonFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

json ReadJson(const fs::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A scratch folder under the system temp directory, removed at scope end.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("harness_replay_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path Write(const std::string& name, const std::string& content) const {
    const fs::path p = path_ / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

 private:
  fs::path path_;
};

struct RunResult {
  int rc;
  std::string out, err;
};

RunResult Replay(std::vector<std::string> paths, const std::string& json_path = "",
                 bool verbose = false) {
  ReplayCommandOptions options;
  options.paths = std::move(paths);
  options.json_path = json_path;
  options.verbose = verbose;
  std::ostringstream out, err;
  const int rc = RunReplayCommand(options, out, err);
  return {rc, out.str(), err.str()};
}

// ----------------------------------------------- the vectors all pass

TEST(HarnessReplay, VectorsFolderPasses) {
  const auto files = AllJsonFiles(kVectors);
  ASSERT_GE(files.size(), 9u);
  const auto r = Replay({kVectors.string()});
  EXPECT_EQ(r.rc, kExitOk) << r.out << r.err;
  EXPECT_EQ(r.err, "");
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), files.size() + 1);
  EXPECT_EQ(lines.back(), std::to_string(files.size()) + " passed, 0 failed");
  std::set<std::string> names;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_THAT(lines[i], StartsWith("PASS ")) << lines[i];
    names.insert(lines[i].substr(5, lines[i].find(':') - 5));
  }
  for (const auto& f : files) EXPECT_TRUE(names.count(ReadJson(f)["name"])) << f;
  EXPECT_THAT(r.out, HasSubstr("\nPASS gss-seal128-kx-mic: accept SEC_E_OK as CONTOSO\\alice\n"));
  EXPECT_THAT(r.out,
              HasSubstr("\nPASS gss-seal128-kx-mic-x-micflip: reject SEC_E_INVALID_TOKEN at 2\n"));
  EXPECT_THAT(r.out, HasSubstr("\nPASS ntlmauth-seal128-kx-mic-x-replay: reject "
                               "SEC_E_OUT_OF_SEQUENCE at 6\n"));
  EXPECT_THAT(r.out, HasSubstr("\nPASS impacket-sign128-kx-x-minsec-20: reject "
                               "SEC_E_UNSUPPORTED_FUNCTION at 0\n"));
}

TEST(HarnessReplay, NineSamplesAsFiles) {
  std::vector<std::string> paths;
  for (const auto& e : fs::directory_iterator(kVectors)) {
    if (e.path().extension() == ".json") paths.push_back(e.path().string());
  }
  ASSERT_EQ(paths.size(), 9u);
  const auto r = Replay(paths);
  EXPECT_EQ(r.rc, kExitOk) << r.out;
  EXPECT_THAT(r.out, EndsWith("\n9 passed, 0 failed\n"));
}

TEST(HarnessReplay, JsonLinesToStdout) {
  const auto files = AllJsonFiles(kVectors);
  const auto r = Replay({kVectors.string()}, "-");
  EXPECT_EQ(r.rc, kExitOk);
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), files.size()) << "one object per line, no summary";
  for (size_t i = 0; i < lines.size(); ++i) {
    const json o = json::parse(lines[i]);
    ASSERT_TRUE(o.is_object());
    const json doc = ReadJson(files[i]);
    EXPECT_EQ(o["name"], doc["name"]);
    EXPECT_EQ(o["path"], files[i].string());
    EXPECT_EQ(o["passed"], true);
    EXPECT_TRUE(o["first_difference"].is_null());
    EXPECT_EQ(o["expected"]["result"], doc["expect"]["result"]);
    EXPECT_EQ(o["expected"]["status"], doc["expect"]["status"]);
    EXPECT_EQ(o["actual"]["result"], doc["expect"]["result"]);
    EXPECT_EQ(o["actual"]["status"], doc["expect"]["status"]);
    if (doc["expect"].contains("at")) {
      EXPECT_EQ(o["expected"]["at"], doc["expect"]["at"]);
      EXPECT_EQ(o["actual"]["at"], doc["expect"]["at"]);
      EXPECT_TRUE(o["actual"]["reason"].is_string());
    }
    if (doc["expect"]["result"] == "accept") {
      EXPECT_EQ(o["actual"]["user"], doc["expect"].value("user", o["actual"]["user"]));
      if (doc["expect"].contains("negotiated_flags")) {
        EXPECT_EQ(std::stoul(o["actual"]["negotiated_flags"].get<std::string>(), nullptr, 16),
                  std::stoul(doc["expect"]["negotiated_flags"].get<std::string>(), nullptr, 16));
      }
    }
    EXPECT_TRUE(o["actual"]["events"].is_array());
    EXPECT_FALSE(o["actual"].contains("session_key"));
    EXPECT_FALSE(o["expected"].contains("session_key"));
  }
}

TEST(HarnessReplay, JsonLinesToFile) {
  TempDir dir;
  const fs::path report = dir.path() / "report.jsonl";
  const auto r = Replay({kGss.string(), kMicFlip.string()}, report.string());
  EXPECT_EQ(r.rc, kExitOk);
  EXPECT_EQ(r.out,
            "PASS gss-seal128-kx-mic: accept SEC_E_OK as CONTOSO\\alice\n"
            "PASS gss-seal128-kx-mic-x-micflip: reject SEC_E_INVALID_TOKEN at 2\n"
            "2 passed, 0 failed\n");
  std::ifstream in(report);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto lines = Lines(ss.str());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(json::parse(lines[0])["name"], "gss-seal128-kx-mic");
  EXPECT_EQ(json::parse(lines[1])["actual"]["reason"], "MIC does not verify");
}

TEST(HarnessReplay, VerbosePrintsEvents) {
  const auto r = Replay({kGss.string()}, "", /*verbose=*/true);
  EXPECT_EQ(r.rc, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("\n    logon: user CONTOSO\\alice workstation 'GSSWKS' response "
                               "NTLMv2 flags 0xe28a8235 mic verified\n"));
}

// ------------------------------------------------ the session key stays secret

TEST(HarnessReplay, SessionKeysNeverPrinted) {
  TempDir dir;
  const fs::path report = dir.path() / "report.jsonl";
  const auto text = Replay({kVectors.string()}, report.string(), /*verbose=*/true);
  const auto jsonl = Replay({kVectors.string()}, "-", /*verbose=*/true);
  std::ifstream in(report);
  std::stringstream file;
  file << in.rdbuf();
  int keys = 0;
  for (const auto& f : AllJsonFiles(kVectors)) {
    const json doc = ReadJson(f);
    if (!doc["expect"].contains("session_key")) continue;
    ++keys;
    const std::string key = doc["expect"]["session_key"].get<std::string>();
    for (const std::string& k : {key, Upper(key)}) {
      EXPECT_THAT(text.out + text.err, Not(HasSubstr(k))) << f;
      EXPECT_THAT(jsonl.out + jsonl.err, Not(HasSubstr(k))) << f;
      EXPECT_THAT(file.str(), Not(HasSubstr(k))) << f;
    }
  }
  EXPECT_GT(keys, 50);
}

// ----------------------------------------------------- altered expect

struct Alteration {
  std::string what;
  fs::path base;
  std::function<void(json&)> change;
  std::string difference;  // first_difference starts with this
};

std::vector<Alteration> Alterations() {
  return {
      {"result/status", kGss,
       [](json& d) {
         d["expect"] = {{"result", "reject"}, {"status", "SEC_E_LOGON_DENIED"}, {"at", 2}};
       },
       "expected reject SEC_E_LOGON_DENIED at 2, got accept SEC_E_OK"},
      {"reject status", kMicFlip, [](json& d) { d["expect"]["status"] = "SEC_E_LOGON_DENIED"; },
       "expected reject SEC_E_LOGON_DENIED at 2, got reject SEC_E_INVALID_TOKEN at 2 (MIC does "
       "not verify)"},
      {"at", kMicFlip, [](json& d) { d["expect"]["at"] = 1; },
       "expected reject SEC_E_INVALID_TOKEN at 1, got reject SEC_E_INVALID_TOKEN at 2 (MIC does "
       "not "
       "verify)"},
      {"reject to accept", kReplaySample,
       [](json& d) {
         d["expect"] = {{"result", "accept"}, {"status", "SEC_E_OK"}};
       },
       "expected accept SEC_E_OK, got reject SEC_E_OUT_OF_SEQUENCE at 6"},
      {"session_key", kGss,
       [](json& d) { d["expect"]["session_key"] = "55bc4107370a60482fa8c8251c603d63"; },
       "session_key: the exported session key differs from the expected one"},
      {"negotiated_flags", kGss, [](json& d) { d["expect"]["negotiated_flags"] = "0xe28a8234"; },
       "negotiated_flags: expected 0xe28a8234, got 0xe28a8235"},
      {"negotiated_flags by name", kGss,
       [](json& d) { d["expect"]["negotiated_flags"] = "UNICODE|NTLM"; },
       "negotiated_flags: expected 0x00000201, got 0xe28a8235"},
      {"user", kGss, [](json& d) { d["expect"]["user"] = "CONTOSO\\bob"; },
       "user: expected CONTOSO\\bob, got CONTOSO\\alice"},
      {"s2c seal signature byte", kGss,
       [](json& d) { d["exchange"][4]["signature"] = "0100000013cf619cd2031f7100000000"; },
       "entry 4: server signature 0100000013cf619cd2031f7000000000 differs from the recorded "
       "0100000013cf619cd2031f7100000000"},
      {"s2c seal ciphertext", kGss, [](json& d) { d["exchange"][4]["data"] = "rw=="; },
       "entry 4: server ciphertext ae differs from the recorded af"},
      {"s2c sign signature", kGss,
       [](json& d) { d["exchange"][10]["signature"] = "010000005596f7673104444c03000000"; },
       "entry 10: server signature 010000005596f7673104444b03000000 differs from the recorded "
       "010000005596f7673104444c03000000"},
      {"c2s seal checksum", kGss,
       [](json& d) { d["exchange"][3]["signature"] = "010000000533de7c7aa844c300000000"; },
       "expected accept SEC_E_OK, got reject SEC_E_MESSAGE_ALTERED at 3"},
      {"c2s seal plaintext", kGss, [](json& d) { d["exchange"][3]["plaintext"] = "sg=="; },
       "entry 3: unsealed plaintext b3 differs from the recorded b2"},
      {"account password", kGss, [](json& d) { d["accounts"][0]["password"] = "Passw0rd?"; },
       "expected accept SEC_E_OK, got reject SEC_E_LOGON_DENIED at 2"},
  };
}

TEST(HarnessReplay, AlteredExpectFailsNamingTheField) {
  for (const auto& a : Alterations()) {
    SCOPED_TRACE(a.what);
    TempDir dir;
    json doc = ReadJson(a.base);
    a.change(doc);
    const fs::path file = dir.Write("altered.json", doc.dump(1));
    const std::string name = doc["name"].get<std::string>();

    const auto text = Replay({file.string()});
    EXPECT_EQ(text.rc, kExitDifference) << text.out << text.err;
    EXPECT_EQ(text.err, "");
    const auto lines = Lines(text.out);
    ASSERT_EQ(lines.size(), 2u) << text.out;
    EXPECT_THAT(lines[0], StartsWith("FAIL " + name + ": " + a.difference));
    EXPECT_EQ(lines[1], "0 passed, 1 failed");

    const auto jsonl = Replay({file.string()}, "-");
    EXPECT_EQ(jsonl.rc, kExitDifference);
    const json o = json::parse(jsonl.out);
    EXPECT_EQ(o["name"], name);
    EXPECT_EQ(o["passed"], false);
    ASSERT_TRUE(o["first_difference"].is_string());
    EXPECT_THAT(o["first_difference"].get<std::string>(), StartsWith(a.difference));
    EXPECT_EQ("FAIL " + name + ": " + o["first_difference"].get<std::string>(), lines[0]);

    // Neither the real nor the expected key is printed, in any case.
    for (const std::string& key :
         {std::string(kGssKey), std::string("55bc4107370a60482fa8c8251c603d63")}) {
      for (const std::string& k : {key, Upper(key)}) {
        EXPECT_THAT(text.out + text.err + jsonl.out + jsonl.err, Not(HasSubstr(k)));
      }
    }
  }
}

TEST(HarnessReplay, OneFailureAmongPasses) {
  TempDir dir;
  json doc = ReadJson(kGss);
  doc["expect"]["negotiated_flags"] = "0x00000001";
  doc["name"] = "altered";
  dir.Write("b-altered.json", doc.dump());
  fs::copy_file(kGss, dir.path() / "a-good.json");
  fs::copy_file(kMicFlip, dir.path() / "c-good.json");
  dir.Write("notes.txt", "not a transcript");
  const auto r = Replay({dir.path().string()});
  EXPECT_EQ(r.rc, kExitDifference);
  const auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_THAT(lines[0], StartsWith("PASS gss-seal128-kx-mic: "));
  EXPECT_EQ(lines[1], "FAIL altered: negotiated_flags: expected 0x00000001, got 0xe28a8235");
  EXPECT_THAT(lines[2], StartsWith("PASS gss-seal128-kx-mic-x-micflip: "));
  EXPECT_EQ(lines[3], "2 passed, 1 failed");
}

// ------------------------------------------------------- invalid input

struct Invalid {
  std::string what;
  std::function<std::string()> content;
  std::string message;  // what follows "<path>: "
};

std::string Altered(const fs::path& base, const std::function<void(json&)>& change) {
  json doc = ReadJson(base);
  change(doc);
  return doc.dump(1);
}

TEST(HarnessReplay, InvalidTranscriptExits2NamingFileAndKey) {
  const std::vector<Invalid> cases = {
      {"bad JSON", [] { return std::string("{\"format\": \"ntlmssp-transcript/1\",,}"); },
       "not valid JSON: "},
      {"format",
       [] { return Altered(kGss, [](json& d) { d["format"] = "ntlmssp-transcript/0"; }); },
       "format: is 'ntlmssp-transcript/0', expected 'ntlmssp-transcript/1'"},
      {"missing exchange", [] { return Altered(kGss, [](json& d) { d.erase("exchange"); }); },
       "exchange: missing or empty (must be an array of messages)"},
      {"bad base64 token",
       [] { return Altered(kGss, [](json& d) { d["exchange"][2]["token"] = "TlRM#VNTUAAD"; }); },
       "exchange[2].token: base64: invalid character '#' at offset 4"},
      {"unknown status",
       [] { return Altered(kMicFlip, [](json& d) { d["expect"]["status"] = "SEC_E_WHATEVER"; }); },
       "expect.status: unknown SSPI status 'SEC_E_WHATEVER'"},
      {"reject without at",
       [] { return Altered(kMicFlip, [](json& d) { d["expect"].erase("at"); }); },
       "expect.at: required for a reject"},
      {"at out of range", [] { return Altered(kMicFlip, [](json& d) { d["expect"]["at"] = 3; }); },
       "expect.at: must be an index into exchange (0..2)"},
      {"seal length mismatch",
       [] { return Altered(kGss, [](json& d) { d["exchange"][5]["data"] = "/xjvvA=="; }); },
       "exchange[5]: data is 4 bytes but plaintext is 16"},
      {"signature not hex",
       [] {
         return Altered(kGss,
                        [](json& d) { d["exchange"][4]["signature"] = std::string(32, 'q'); });
       },
       "exchange[4].signature: hex: invalid character at offset 0"},
      {"expect missing", [] { return Altered(kGss, [](json& d) { d.erase("expect"); }); },
       "expect: missing (must be an object)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    TempDir dir;
    const fs::path file = dir.Write("invalid.json", c.content());
    const auto r = Replay({file.string()});
    EXPECT_EQ(r.rc, kExitUsage);
    EXPECT_THAT(r.err,
                StartsWith("replay: invalid transcript " + file.string() + ": " + c.message));
    EXPECT_THAT(r.err, EndsWith("\n"));
    EXPECT_EQ(r.out, "0 passed, 0 failed, 1 invalid\n");
    const auto j = Replay({file.string()}, "-");
    EXPECT_EQ(j.rc, kExitUsage);
    EXPECT_EQ(j.out, "");
  }
}

TEST(HarnessReplay, InvalidAmongValidStillExits2) {
  TempDir dir;
  fs::copy_file(kGss, dir.path() / "good.json");
  const fs::path bad = dir.Write("bad.json", "[]");
  json altered = ReadJson(kGss);
  altered["expect"]["user"] = "X\\y";
  dir.Write("fail.json", altered.dump());
  const auto r = Replay({dir.path().string()});
  EXPECT_EQ(r.rc, kExitUsage) << "invalid wins over a difference";
  EXPECT_EQ(r.err, "replay: invalid transcript " + bad.string() +
                       ": (top level): must be a JSON object\n");
  EXPECT_THAT(r.out, HasSubstr("PASS gss-seal128-kx-mic: "));
  EXPECT_THAT(r.out, HasSubstr("FAIL gss-seal128-kx-mic: user: expected X\\y, got CONTOSO\\alice"));
  EXPECT_THAT(r.out, EndsWith("1 passed, 1 failed, 1 invalid\n"));
}

TEST(HarnessReplay, MissingPathExits2) {
  const std::string missing =
      (fs::temp_directory_path() / "harness_replay_test_no_such_path.json").string();
  auto r = Replay({missing});
  EXPECT_EQ(r.rc, kExitUsage);
  EXPECT_EQ(r.err, "replay: " + missing + ": no such file or folder\n");
  EXPECT_EQ(r.out, "0 passed, 0 failed\n");
  // Together with a good file: the good one still runs, the exit code is 2.
  r = Replay({kGss.string(), missing});
  EXPECT_EQ(r.rc, kExitUsage);
  EXPECT_THAT(r.out, HasSubstr("PASS gss-seal128-kx-mic: "));
  EXPECT_THAT(r.err, HasSubstr(missing));
}

TEST(HarnessReplay, FolderWithoutTranscriptsExits2) {
  TempDir dir;
  dir.Write("readme.txt", "x");
  const auto r = Replay({dir.path().string()});
  EXPECT_EQ(r.rc, kExitUsage);
  EXPECT_EQ(r.err, "replay: " + dir.path().string() + ": no *.json transcripts in this folder\n");
}

TEST(HarnessReplay, UnwritableJsonReportExits2) {
  TempDir dir;
  const auto r = Replay({kGss.string()}, (dir.path() / "no/such/dir/report.jsonl").string());
  EXPECT_EQ(r.rc, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("cannot write --json file"));
}

// --------------------------------------------------- library level

TEST(HarnessReplayServerSide, EveryVectorMatchesItsExpect) {
  for (const auto& f : AllJsonFiles(kVectors)) {
    SCOPED_TRACE(f.string());
    std::string error;
    auto t = LoadTranscript(f, error);
    ASSERT_TRUE(t.has_value()) << error;
    const ReplayOutcome o = ReplayServerSide(*t);
    EXPECT_EQ(FirstDifference(*t, o), std::nullopt);
    EXPECT_EQ(o.accept, t->expect.accept);
    EXPECT_EQ(o.status, t->expect.status);
    if (!t->expect.accept) {
      EXPECT_EQ(o.at, t->expect.at);
      EXPECT_FALSE(o.reason.empty());
    }
    if (t->expect.session_key) {
      EXPECT_EQ(o.session_key, t->expect.session_key);
    }
    if (t->expect.user) {
      EXPECT_EQ(o.user, t->expect.user);
    }
    EXPECT_FALSE(o.content_difference_at.has_value()) << o.content_difference;
    EXPECT_FALSE(o.events.empty());
  }
}

Transcript LoadGss() {
  std::string error;
  auto t = LoadTranscript(kGss, error);
  EXPECT_TRUE(t.has_value()) << error;
  return *t;
}

TEST(HarnessReplayServerSide, ExchangeEndingBeforeAuthenticate) {
  Transcript t = LoadGss();
  t.exchange.resize(2);
  const ReplayOutcome o = ReplayServerSide(t);
  EXPECT_FALSE(o.accept);
  EXPECT_EQ(o.status, ssp::SecStatus::kContinueNeeded);
  EXPECT_EQ(o.reason, "the exchange ends before the context is established");
  const auto diff = FirstDifference(t, o);
  ASSERT_TRUE(diff.has_value());
  EXPECT_THAT(*diff, StartsWith("expected accept SEC_E_OK, got reject SEC_I_CONTINUE_NEEDED"));
}

TEST(HarnessReplayServerSide, SealBeforeAuthenticateIsInvalidToken) {
  Transcript t = LoadGss();
  t.exchange.erase(t.exchange.begin() + 2);  // drop the AUTHENTICATE
  const ReplayOutcome o = ReplayServerSide(t);
  EXPECT_FALSE(o.accept);
  EXPECT_EQ(o.status, ssp::SecStatus::kInvalidToken);
  EXPECT_EQ(o.at, 2u);
  EXPECT_EQ(o.reason, "seal message before the context is established");
}

TEST(HarnessReplayServerSide, MalformedTokenIsAServerReject) {
  Transcript t = LoadGss();
  t.exchange[2].token.resize(100);
  const ReplayOutcome o = ReplayServerSide(t);
  EXPECT_FALSE(o.accept);
  EXPECT_EQ(o.status, ssp::SecStatus::kInvalidToken);
  EXPECT_EQ(o.at, 2u);
  t.exchange[1].token.resize(30);
  const ReplayOutcome c = ReplayServerSide(t);
  EXPECT_EQ(c.status, ssp::SecStatus::kInvalidToken);
  EXPECT_EQ(c.at, 1u);
}

TEST(HarnessReplayServerSide, NtHashAccountReplaysLikePassword) {
  Transcript t = LoadGss();
  t.accounts[0].password.reset();
  t.accounts[0].nt_hash = "fc525c9683e8fe067095ba2ddc971889";
  const ReplayOutcome o = ReplayServerSide(t);
  EXPECT_TRUE(o.accept) << o.reason;
  EXPECT_EQ(FirstDifference(t, o), std::nullopt);
}

TEST(HarnessReplayServerSide, ReportJson) {
  Transcript t = LoadGss();
  t.expect.user = "CONTOSO\\bob";
  const ReplayOutcome o = ReplayServerSide(t);
  const auto diff = FirstDifference(t, o);
  const json j = ReplayReportJson("some/path.json", t, o, diff);
  EXPECT_EQ(j["name"], "gss-seal128-kx-mic");
  EXPECT_EQ(j["path"], "some/path.json");
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["first_difference"], "user: expected CONTOSO\\bob, got CONTOSO\\alice");
  EXPECT_EQ(j["expected"], json({{"result", "accept"}, {"status", "SEC_E_OK"}}));
  EXPECT_EQ(j["actual"]["result"], "accept");
  EXPECT_EQ(j["actual"]["user"], "CONTOSO\\alice");
  EXPECT_EQ(j["actual"]["negotiated_flags"], "0xe28a8235");
  EXPECT_FALSE(j["actual"].contains("at"));
  EXPECT_THAT(j.dump(), Not(HasSubstr(kGssKey)));
}

TEST(HarnessReplayPolicy, AbsentKeysMeanNoRequirement) {
  const ssp::ServerPolicy p = PolicyFromTranscript(TranscriptServer{});
  EXPECT_EQ(p.min_server_sec, 0u);
  EXPECT_EQ(p.lm_compat_level, 3);
  EXPECT_FALSE(p.require_mic);
  EXPECT_FALSE(p.target_name.has_value());
  EXPECT_FALSE(p.channel_bindings_md5.has_value());
  EXPECT_FALSE(p.max_clock_skew_seconds.has_value()) << "no clock: no timestamp check";
}

TEST(HarnessReplayPolicy, EveryKeyIsApplied) {
  TranscriptServer s;
  s.min_server_sec = 0x20080030;
  s.lm_compat_level = 5;
  s.clock = 134400816000000000ull;
  s.require_mic = true;
  s.target_name = "HTTP/server.contoso.test";
  s.channel_bindings_md5 = std::array<uint8_t, 16>{1, 2, 3};
  ssp::ServerPolicy p = PolicyFromTranscript(s);
  EXPECT_EQ(p.min_server_sec, 0x20080030u);
  EXPECT_EQ(p.lm_compat_level, 5);
  EXPECT_TRUE(p.require_mic);
  EXPECT_EQ(p.target_name, "HTTP/server.contoso.test");
  EXPECT_EQ(p.channel_bindings_md5, s.channel_bindings_md5);
  EXPECT_EQ(p.channel_binding_mode, ssp::ChannelBindingMode::kRequired);
  EXPECT_EQ(p.max_clock_skew_seconds, 129600u) << "clock without max_clock_skew_s: 36 h";
  s.max_clock_skew_s = 60;
  p = PolicyFromTranscript(s);
  EXPECT_EQ(p.max_clock_skew_seconds, 60u);
}

}  // namespace
}  // namespace ntlm::harness
