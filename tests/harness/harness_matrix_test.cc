// harness_matrix_test.cc: the client-variation catalogue and the matrix.
//
// The whole catalogue runs against the in-process server under the 16
// NtlmMinServerSec combinations (and crossed with LmCompatibilityLevel and
// EPA) and every cell must match the catalogue's hand-written expectation.
// Spot checks below restate a few cells independently of the catalogue, a
// corrupted expectation must show up as a difference, seeded runs are
// reproducible byte for byte, and every recorded cell replays to its expect.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "harness/catalogue.h"
#include "harness/cell_runner.h"
#include "harness/matrix.h"
#include "harness/matrix_report.h"
#include "harness/replay.h"
#include "harness_run_util.h"
#include "ssp/flags.h"

namespace ntlm::harness {
namespace {

using ::testing::HasSubstr;

const fs::path kCatalogueDir = fs::path(NTLM_SOURCE_DIR) / "vectors/variations";

const Catalogue& TheCatalogue() {
  static const Catalogue* catalogue = [] {
    std::string error;
    auto c = LoadCatalogue(kCatalogueDir, error);
    EXPECT_TRUE(c) << error;
    return new Catalogue(c ? std::move(*c) : Catalogue{});
  }();
  return *catalogue;
}

CellEnvironment Deterministic(uint64_t seed = 0) {
  CellEnvironment env;
  env.seed = seed;
  env.now = *ParseRfc3339("2026-01-01T00:00:00Z");
  return env;
}

const Variation& Find(const std::string& name) {
  for (const auto& v : TheCatalogue().variations) {
    if (v.name == name) return v;
  }
  ADD_FAILURE() << "no variation " << name;
  return TheCatalogue().variations.front();
}

std::vector<const Variation*> All() {
  std::vector<const Variation*> all;
  for (const auto& v : TheCatalogue().variations) all.push_back(&v);
  return all;
}

std::vector<PolicyColumn> Columns(int level = 3, EpaSetting epa = EpaSetting::kOff) {
  std::vector<PolicyColumn> columns;
  for (uint32_t v : AllMinServerSecValues()) columns.push_back(PolicyColumn{v, level, epa});
  return columns;
}

TEST(Catalogue, HasAtLeastFortyVariationsCoveringEveryBaseline) {
  const Catalogue& c = TheCatalogue();
  EXPECT_GE(c.variations.size(), 40u);
  std::set<std::string> used, names;
  for (const auto& v : c.variations) {
    used.insert(v.baseline);
    EXPECT_TRUE(names.insert(v.name).second) << v.name;
    EXPECT_FALSE(v.why.empty()) << v.name;
  }
  for (const auto& b : c.baselines) EXPECT_TRUE(used.count(b.name)) << b.name << " unused";
  // The baselines the issue names.
  for (const char* b : {"windows-modern", "sign-only", "seal-56", "seal-40", "no-key-exchange",
                        "no-version", "ntlmv2-legacy", "ntlmv1-ess", "ntlmv1", "lm", "anonymous"}) {
    EXPECT_NE(c.FindBaseline(b), nullptr) << b;
  }
}

TEST(Catalogue, AtMostOneDeviationAndEveryKindUsed) {
  std::set<std::string> kinds;
  for (const auto& v : TheCatalogue().variations) {
    EXPECT_FALSE(v.client_deviation && v.scenario != ScenarioDeviation::kNone) << v.name;
    if (v.client_deviation) kinds.insert(std::string(ssp::DeviationName(v.client_deviation->kind)));
    if (v.scenario != ScenarioDeviation::kNone) kinds.insert(ScenarioDeviationName(v.scenario));
  }
  for (const char* k :
       {"relay-remove-mic", "relay-remove-sign-seal", "strip-negotiate-flags",
        "strip-authenticate-flags", "omit-mic", "corrupt-mic", "wrong-password", "unknown-user",
        "shift-timestamp", "wrong-spn", "wrong-channel-bindings", "replay-authenticate",
        "replay-sealed-message", "reorder-sealed-messages", "alter-ciphertext"}) {
    EXPECT_TRUE(kinds.count(k)) << k;
  }
}

TEST(Catalogue, BadFilesAreNamedWithTheKey) {
  const fs::path dir = fs::temp_directory_path() / ("catalogue_bad_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::copy_file(kCatalogueDir / "baselines.json", dir / "baselines.json",
                fs::copy_options::overwrite_existing);
  auto write = [&](const std::string& text) {
    std::ofstream(dir / "bad.json") << text;
    std::string error;
    EXPECT_FALSE(LoadCatalogue(dir, error));
    return error;
  };
  const std::string expect_ok =
      R"("expect": {"negotiate_meets": "SIGN", "authenticate_meets": "SIGN", "when_met": {"result": "accept"}, "why": "x"})";
  EXPECT_THAT(
      write(R"({"name": "bad", "description": "d", "baseline": "nope", )" + expect_ok + "}"),
      HasSubstr("baseline: 'nope' is not in baselines.json"));
  EXPECT_THAT(
      write(
          R"({"name": "bad", "description": "d", "baseline": "sign-only", "deviation": "frobnicate", )" +
          expect_ok + "}"),
      HasSubstr("deviation: 'frobnicate'"));
  EXPECT_THAT(
      write(
          R"({"name": "bad", "description": "d", "baseline": "sign-only", "expect": {"negotiate_meets": "SIGN|WHAT", "authenticate_meets": "", "when_met": {"result": "accept"}, "why": "x"}})"),
      HasSubstr("bad.json: expect: negotiate_meets: 'SIGN|WHAT'"));
  EXPECT_THAT(
      write(
          R"({"name": "bad", "description": "d", "baseline": "sign-only", "expect": {"negotiate_meets": "", "authenticate_meets": "", "when_met": {"result": "SEC_E_LOGON_DENIED"}, "why": "x"}})"),
      HasSubstr("when_met.at"));
  EXPECT_THAT(
      write(R"({"name": "other", "description": "d", "baseline": "sign-only", )" + expect_ok + "}"),
      HasSubstr("must equal the file name"));
  EXPECT_THAT(write("[1, 2"), HasSubstr("not a JSON object"));
  std::string error;
  EXPECT_FALSE(LoadCatalogue(dir / "missing", error));
  EXPECT_THAT(error, HasSubstr("not a folder"));
  fs::remove_all(dir);
}

// The main property: every cell of the default matrix is as the catalogue says.
TEST(Matrix, EveryCellMatchesTheCatalogue) {
  MatrixRun run = RunMatrix(TheCatalogue(), All(), Columns(), Deterministic());
  EXPECT_EQ(run.rows.size() * 16, run.passed + run.failed);
  for (const auto& row : run.rows) {
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const CellResult& c = row.cells[i];
      EXPECT_TRUE(c.matches) << row.name << " under " << ColumnLabel(run.columns[i])
                             << ": expected " << OutcomeText(c.expected) << ", got "
                             << OutcomeText(c.observed) << " " << c.reason
                             << c.harness_error.value_or("");
    }
  }
  EXPECT_EQ(run.failed, 0u);
}

TEST(Matrix, CrossedWithLmCompatAndEpaMatches) {
  std::vector<PolicyColumn> columns;
  for (int level : {0, 4, 5}) {
    for (uint32_t v : {0u, 0x20080030u})
      columns.push_back(PolicyColumn{v, level, EpaSetting::kOff});
  }
  for (EpaSetting e : {EpaSetting::kMic, EpaSetting::kSpn, EpaSetting::kCbt, EpaSetting::kAll}) {
    for (uint32_t v : {0u, 0x20000000u}) columns.push_back(PolicyColumn{v, 3, e});
  }
  MatrixRun run = RunMatrix(TheCatalogue(), All(), columns, Deterministic(7));
  for (const auto& row : run.rows) {
    for (size_t i = 0; i < row.cells.size(); ++i) {
      EXPECT_TRUE(row.cells[i].matches)
          << row.name << " under " << ColumnLabel(run.columns[i]) << ": expected "
          << OutcomeText(row.cells[i].expected) << ", got " << OutcomeText(row.cells[i].observed)
          << " " << row.cells[i].reason << row.cells[i].harness_error.value_or("");
    }
  }
}

// Cells restated here by hand, independently of the catalogue files.
TEST(Matrix, SpotChecks) {
  const auto env = Deterministic();
  auto cell = [&](const char* name, uint32_t min, int level = 3,
                  EpaSetting epa = EpaSetting::kOff) {
    return RunCell(TheCatalogue(), Find(name), PolicyColumn{min, level, epa}, env);
  };
  auto modern = cell("windows-modern", 0x20080030);
  EXPECT_TRUE(modern.observed.accept) << modern.reason;
  EXPECT_EQ(modern.user, "CONTOSO\\alice");
  EXPECT_EQ(modern.transcript.exchange.size(), 6u);  // 3 tokens + 3 sealed messages
  EXPECT_EQ(modern.transcript.exchange[3].type, EntryType::kSeal);

  auto sign_only = cell("sign-only", 0x20);
  EXPECT_FALSE(sign_only.observed.accept);
  EXPECT_EQ(sign_only.observed.status, ssp::SecStatus::kUnsupportedFunction);
  EXPECT_EQ(sign_only.at_index, 0u);
  EXPECT_THAT(sign_only.reason, HasSubstr("SEAL"));
  EXPECT_EQ(cell("sign-only", 0x10).transcript.exchange[3].type, EntryType::kSign);

  auto strip = cell("modern.strip-authenticate-seal", 0x20);
  EXPECT_EQ(strip.observed.status, ssp::SecStatus::kUnsupportedFunction);
  EXPECT_EQ(strip.at_index, 2u);

  auto v1 = cell("ntlmv1", 0, 5);
  EXPECT_EQ(v1.observed.status, ssp::SecStatus::kLogonDenied);
  EXPECT_TRUE(cell("ntlmv1", 0, 4).observed.accept);

  EXPECT_EQ(cell("modern.stale-timestamp", 0).observed.status, ssp::SecStatus::kTimeSkew);
  EXPECT_EQ(cell("modern.wrong-spn", 0, 3, EpaSetting::kSpn).observed.status,
            ssp::SecStatus::kBadBindings);
  EXPECT_TRUE(cell("modern.wrong-spn", 0, 3, EpaSetting::kCbt).observed.accept);

  auto replay = cell("modern.replay-sealed-message", 0);
  EXPECT_EQ(replay.observed.status, ssp::SecStatus::kOutOfSequence);
  EXPECT_EQ(replay.at_index, 5u);
  EXPECT_EQ(replay.observed.at, Stage::kSession2);
  auto altered = cell("modern.alter-ciphertext", 0);
  EXPECT_EQ(altered.observed.status, ssp::SecStatus::kMessageAltered);
  EXPECT_EQ(altered.at_index, 3u);
  // Windows' HTTP NEGOTIATE asks for 128 without SIGN/SEAL and meets the
  // shipped default 0x20000000.
  EXPECT_TRUE(cell("http-no-signseal", 0x20000000).observed.accept);
  EXPECT_FALSE(cell("http-no-signseal", 0x10).observed.accept);
  // An LM field alone, per LmCompatibilityLevel (Microsoft's documentation:
  // 0-3 accept LM, 4 refuses LM, 5 refuses LM and NTLM; LMv2 is NTLMv2).
  for (int level = 0; level <= 5; ++level) {
    auto lm_only = cell("lm.lm-only", 0x20, level);
    EXPECT_EQ(lm_only.observed.accept, level <= 3) << level << " " << lm_only.reason;
    if (level <= 3) {
      EXPECT_EQ(lm_only.transcript.exchange[3].type, EntryType::kSeal);
    }
    EXPECT_TRUE(cell("ntlmv2-legacy.lmv2-only", 0x20080030, level).observed.accept) << level;
    EXPECT_EQ(cell("modern.drop-nt-response", 0, level).observed.status,
              ssp::SecStatus::kLogonDenied);
  }
}

// With allow_anonymous the anonymous variation is accepted and sealed
// messages cross both ways (client message, server reply, client message):
// client and server agree on the anonymous session key.
TEST(Matrix, AnonymousAllowedSealsBothWays) {
  CellEnvironment env = Deterministic();
  env.base_policy.allow_anonymous = true;
  const Variation& anonymous = Find("anonymous");
  for (EpaSetting epa : {EpaSetting::kOff, EpaSetting::kMic, EpaSetting::kAll}) {
    auto c = RunCell(TheCatalogue(), anonymous, PolicyColumn{0x20080030, 3, epa}, env);
    EXPECT_TRUE(c.matches) << OutcomeText(c.observed) << " " << c.reason
                           << c.harness_error.value_or("");
    EXPECT_TRUE(c.observed.accept) << c.reason << c.harness_error.value_or("");
    ASSERT_EQ(c.transcript.exchange.size(), 6u);
    EXPECT_EQ(c.transcript.exchange[3].type, EntryType::kSeal);
    EXPECT_EQ(c.transcript.exchange[4].type, EntryType::kSeal);
    EXPECT_EQ(c.transcript.exchange[5].type, EntryType::kSeal);
  }
  // Not allowed (the default): refused at the AUTHENTICATE, as expected.
  auto refused =
      RunCell(TheCatalogue(), anonymous, PolicyColumn{0, 3, EpaSetting::kOff}, Deterministic());
  EXPECT_TRUE(refused.matches);
  EXPECT_EQ(refused.observed.status, ssp::SecStatus::kLogonDenied);
  // The NtlmMinServerSec checks still come first with allow_anonymous.
  auto min_sec = RunCell(TheCatalogue(), anonymous, PolicyColumn{0x20080030u | 0x80u, 3}, env);
  EXPECT_TRUE(min_sec.matches) << OutcomeText(min_sec.observed);
}

// A wrong expectation is reported, so the comparison can fail.
TEST(Matrix, AWrongExpectationIsADifference) {
  Catalogue c = TheCatalogue();
  for (auto& v : c.variations) {
    if (v.name == "windows-modern") {
      v.when_met = Outcome{false, ssp::SecStatus::kLogonDenied, Stage::kAuthenticate};
    }
  }
  std::vector<const Variation*> one;
  for (const auto& v : c.variations) {
    if (v.name == "windows-modern") one.push_back(&v);
  }
  MatrixRun run = RunMatrix(c, one, Columns(), Deterministic());
  EXPECT_EQ(run.failed, 16u);
  std::ostringstream table;
  PrintMatrixTable(run, table, false);
  EXPECT_THAT(table.str(), HasSubstr("ok!"));
  EXPECT_THAT(table.str(), HasSubstr("expected SEC_E_LOGON_DENIED@authenticate, got accept"));
  EXPECT_THAT(table.str(), HasSubstr("0 passed, 16 failed"));
}

TEST(Matrix, SeededRunsAreReproducibleByteForByte) {
  auto a = RunMatrix(TheCatalogue(), All(), Columns(), Deterministic(42));
  auto b = RunMatrix(TheCatalogue(), All(), Columns(), Deterministic(42));
  auto c = RunMatrix(TheCatalogue(), All(), Columns(), Deterministic(43));
  size_t differ = 0;
  for (size_t r = 0; r < a.rows.size(); ++r) {
    for (size_t i = 0; i < a.rows[r].cells.size(); ++i) {
      const auto ja = TranscriptToJson(a.rows[r].cells[i].transcript).dump();
      EXPECT_EQ(ja, TranscriptToJson(b.rows[r].cells[i].transcript).dump());
      if (ja != TranscriptToJson(c.rows[r].cells[i].transcript).dump()) ++differ;
    }
  }
  EXPECT_GT(differ, a.rows.size());  // another seed, other challenges and keys
}

TEST(Matrix, RecordedCellsReplayToTheirExpectation) {
  MatrixRun run = RunMatrix(TheCatalogue(), All(), Columns(), Deterministic(3));
  const fs::path dir = fs::temp_directory_path() / ("matrix_record_" + std::to_string(getpid()));
  std::string error;
  ASSERT_TRUE(RecordCells(run, dir, error)) << error;
  size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    ++files;
    auto t = LoadTranscript(entry.path(), error);
    ASSERT_TRUE(t) << error;
    ReplayOutcome outcome = ReplayServerSide(*t);
    auto difference = FirstDifference(*t, outcome);
    EXPECT_FALSE(difference) << entry.path() << ": " << difference.value_or("");
  }
  EXPECT_EQ(files, run.rows.size() * 16);
  fs::remove_all(dir);
}

TEST(Matrix, ParseMinServerSecAcceptsHexAndNames) {
  std::string error;
  EXPECT_EQ(ParseMinServerSec("0x20080030", error), 0x20080030u);
  EXPECT_EQ(ParseMinServerSec("SEAL|128|ESS", error), 0x20080020u);
  EXPECT_EQ(ParseMinServerSec("sign", error), 0x10u);
  EXPECT_EQ(ParseMinServerSec("536870912", error), 0x20000000u);
  EXPECT_EQ(ParseMinServerSec("none", error), 0u);
  EXPECT_FALSE(ParseMinServerSec("0x1", error));
  EXPECT_THAT(error, HasSubstr("0x00000001, which is not an NtlmMinServerSec bit"));
  EXPECT_FALSE(ParseMinServerSec("SEAL|BOGUS", error));
  EXPECT_THAT(error, HasSubstr("not an NtlmMinServerSec value"));
  EXPECT_EQ(AllMinServerSecValues().size(), 16u);
}

// The names administrators use, through the one parser every option and the
// config file call; reports name the preset next to the hex value.
TEST(Matrix, MinServerSecPresets) {
  std::string error;
  const std::pair<const char*, uint32_t> kWritten[] = {
      {"none", 0}, {"windows-default", 0x20000000}, {"CIS", 0x20080000}, {" all ", 0x20080030}};
  for (const auto& [text, value] : kWritten) {
    EXPECT_EQ(ParseMinServerSec(text, error), value) << text;
  }
  EXPECT_FALSE(ParseMinServerSec("cis-level-2", error));
  EXPECT_THAT(error, HasSubstr("a preset: none, windows-default, cis, all"));
  EXPECT_EQ(MinServerSecText(0x20080000),
            "0x20080000 (NTLMv2 session security (ESS) | 128-bit, preset cis)");
  EXPECT_EQ(MinServerSecText(0x20000000), "0x20000000 (128-bit, preset windows-default)");
  EXPECT_EQ(MinServerSecText(0x30).find("preset"), std::string::npos);
  ASSERT_EQ(MinServerSecPresets().size(), 4u);
  for (const auto& p : MinServerSecPresets()) {
    EXPECT_EQ(ParseMinServerSec(p.name, error), p.value) << p.name;
    EXPECT_EQ(FindMinServerSecPreset(p.value)->name, std::string(p.name));
  }
}

TEST(MatrixCli, PolicyPresetsNameTheirColumns) {
  const std::pair<const char*, const char*> kRuns[] = {
      {"none,windows-default,cis,all --json -", "\"preset\": \"cis\""},
      {"none,windows-default,cis,all --json -", "\"min_server_sec\": \"0x20080000\""},
      {"cis,all,SIGN", "1 variations x 3 policies"},
      {"cis,all,SIGN", "Presets: --E8 = cis, SCE8 = all.\n"},
      {"every", "1 variations x 16 policies"}};
  for (const auto& [policies, expected] : kRuns) {
    auto r = Harness(
        std::string("matrix --deterministic --color never --filter windows-modern --policy ") +
        policies);
    EXPECT_EQ(r.rc, 0) << policies << r.err;
    EXPECT_THAT(r.out, HasSubstr(expected)) << policies;
  }
}

TEST(MatrixCli, MainJobPrintsTheTableAndExitsZero) {
  auto r = Harness("matrix --deterministic --color never");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("windows-modern"));
  EXPECT_THAT(r.out, HasSubstr("----   S---   -C--"));
  EXPECT_THAT(r.out, HasSubstr(" passed, 0 failed\n"));
}

TEST(MatrixCli, FilterPolicyAndErrors) {
  auto r = Harness(
      "matrix --deterministic --color never --filter 'sign-only*' --policy "
      "'0x20,SIGN' --lm-compat 0,5 --epa off,mic");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("3 variations x 8 policies"));
  EXPECT_THAT(r.out, HasSubstr("-C--/L0"));
  EXPECT_THAT(r.out, HasSubstr("S---/L5/mic"));
  EXPECT_EQ(Harness("matrix --policy 0x40").rc, 2);
  EXPECT_THAT(Harness("matrix --policy 0x40").err, HasSubstr("0x00000040"));
  EXPECT_EQ(Harness("matrix --lm-compat 7").rc, 2);
  EXPECT_EQ(Harness("matrix --epa strict").rc, 2);
  auto none = Harness("matrix --filter no-such-variation");
  EXPECT_EQ(none.rc, 2);
  EXPECT_THAT(none.err, HasSubstr("matches none"));
  auto bad_dir = Harness("matrix --catalogue /nonexistent");
  EXPECT_EQ(bad_dir.rc, 2);
  EXPECT_THAT(bad_dir.err, HasSubstr("/nonexistent: not a folder"));
}

TEST(MatrixCli, ADifferenceExitsOne) {
  const fs::path dir = fs::temp_directory_path() / ("matrix_diff_" + std::to_string(getpid()));
  fs::create_directories(dir);
  fs::copy_file(kCatalogueDir / "baselines.json", dir / "baselines.json");
  std::ofstream(dir / "windows-modern.json") << R"({"name": "windows-modern",
    "description": "deliberately wrong", "baseline": "windows-modern",
    "expect": {"negotiate_meets": "SIGN|SEAL|ESS|128", "authenticate_meets": "SIGN|SEAL|ESS|128",
               "when_met": {"result": "SEC_E_LOGON_DENIED", "at": "authenticate"}, "why": "test"}})";
  auto r = Harness("matrix --deterministic --color never --catalogue " + Quote(dir.string()) +
                   " --policy 0,0x20");
  EXPECT_EQ(r.rc, 1);
  EXPECT_THAT(r.out, HasSubstr("Differences:"));
  EXPECT_THAT(r.out, HasSubstr("0 passed, 2 failed"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ntlm::harness
