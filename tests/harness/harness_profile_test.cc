// harness_profile_test.cc: `profile` on the transcripts recorded from real
// clients (vectors/transcripts/recorded). The expected rows are written here
// by hand from each client's recorded flags and response kind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "harness/profile.h"
#include "harness_run_util.h"

namespace ntlm::harness {
namespace {

using ::testing::HasSubstr;

const fs::path kRecorded = fs::path(NTLM_SOURCE_DIR) / "vectors/transcripts/recorded";

std::vector<PolicyColumn> Grid() {
  std::vector<PolicyColumn> columns;
  for (int level = 0; level <= 5; ++level) {
    for (uint32_t v : AllMinServerSecValues()) columns.push_back(PolicyColumn{v, level});
  }
  return columns;
}

// "A" accepted / "U" unsupported / "D" denied per column of Grid() at one level.
std::string Pattern(const MatrixRow& row, const std::vector<PolicyColumn>& columns, int level) {
  std::string s;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].lm_compat_level != level) continue;
    const Outcome& o = row.cells[i].observed;
    s += o.accept                                           ? 'A'
         : o.status == ssp::SecStatus::kUnsupportedFunction ? 'U'
         : o.status == ssp::SecStatus::kLogonDenied         ? 'D'
                                                            : '?';
  }
  return s;
}

MatrixRow Profile(const std::string& file) {
  std::string error;
  auto t = LoadTranscript(kRecorded / file, error);
  EXPECT_TRUE(t) << error;
  return ProfileTranscript(ProfiledTranscript{file, t ? *t : Transcript{}}, Grid());
}

// Column order of AllMinServerSecValues: ----, S---, -C--, SC--, --E-, S-E-,
// -CE-, SCE-, ---8, S--8, -C-8, SC-8, --E8, S-E8, -CE8, SCE8.
TEST(Profile, GssNtlmsspSealingClientPassesEverything) {
  auto row = Profile("gss-seal128-kx-mic.json");
  for (int level = 0; level <= 5; ++level) {
    EXPECT_EQ(Pattern(row, Grid(), level), "AAAAAAAAAAAAAAAA") << level;
  }
}

TEST(Profile, CurlHasNeitherSignSealNor128) {
  // curl 7.88.1 NEGOTIATE 0x00088206: ESS only of the four bits.
  auto row = Profile("curl-ntlmv2.json");
  EXPECT_EQ(Pattern(row, Grid(), 3), "AUUUAUUUUUUUUUUU");
  EXPECT_EQ(Pattern(row, Grid(), 5), "AUUUAUUUUUUUUUUU");
  size_t i = 1;  // S--- at level 0
  EXPECT_EQ(row.cells[i].at_index, 0u);
  EXPECT_THAT(row.cells[i].reason, HasSubstr("SIGN"));
}

TEST(Profile, ImpacketSignOnlyFailsWhereSealIsRequired) {
  // impacket NEGOTIATE 0xe0888215: SIGN, ESS, 128, no SEAL.
  auto row = Profile("impacket-sign128-kx.json");
  EXPECT_EQ(Pattern(row, Grid(), 3), "AAUUAAUUAAUUAAUU");
}

TEST(Profile, NtlmV1ClientsAreRefusedAtLevelFive) {
  for (const char* file : {"samba-ntlmauth-ntlmv1-seal128.json",
                           "impacket-ntlmv1-ess-seal128-kx.json", "gss-ntlmv1-seal128-kx.json"}) {
    auto row = Profile(file);
    EXPECT_EQ(Pattern(row, Grid(), 5).find('A'), std::string::npos) << file;
    EXPECT_NE(Pattern(row, Grid(), 4).find('A'), std::string::npos) << file;
    for (size_t i = 0; i < row.cells.size(); ++i) {
      if (Grid()[i].lm_compat_level == 5 && Grid()[i].min_server_sec == 0) {
        EXPECT_EQ(row.cells[i].observed.status, ssp::SecStatus::kLogonDenied) << file;
        EXPECT_THAT(row.cells[i].reason, HasSubstr("lm_compat_level")) << file;
      }
    }
  }
}

// profile --record writes every cell (transcript x column), not one file per
// transcript overwritten column after column.
TEST(ProfileCli, RecordWritesEveryCell) {
  const fs::path dir = fs::temp_directory_path() / ("profile_record_" + std::to_string(getpid()));
  fs::remove_all(dir);
  auto r = Harness(
      "profile vectors/transcripts/recorded/curl-ntlmv2.json --policy none,cis "
      "--lm-compat 3,5 --color never --record " +
      Quote(dir.string()));
  EXPECT_EQ(r.rc, 0) << r.err;
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.insert(entry.path().filename());
  EXPECT_EQ(names.size(), 4u);
  for (const auto& name : names) {
    auto replayed = Harness("replay " + Quote((dir / name).string()));
    EXPECT_EQ(replayed.rc, 0) << name << replayed.out << replayed.err;
  }
  fs::remove_all(dir);
}

// profile has no catalogue: its page says "refused", never "differs from the
// catalogue"; the matrix page keeps both.
TEST(ProfileCli, HtmlSaysNothingOfACatalogue) {
  const fs::path page =
      fs::temp_directory_path() / ("profile_" + std::to_string(getpid()) + ".html");
  auto r = Harness("profile vectors/transcripts/recorded/curl-ntlmv2.json --color never --html " +
                   Quote(page.string()));
  EXPECT_EQ(r.rc, 0) << r.err;
  const std::string html = ReadAll(page);
  EXPECT_THAT(html, ::testing::Not(HasSubstr("catalogue")));
  EXPECT_THAT(html, HasSubstr(">refused</span>"));
  fs::remove(page);
}

TEST(ProfileCli, EveryRecordedTranscriptWithTheSummary) {
  auto r = Harness("profile vectors/transcripts/recorded --color never");
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("x 16 NtlmMinServerSec values x LmCompatibilityLevel 0-5"));
  EXPECT_THAT(r.out, HasSubstr("What breaks each client:"));
  EXPECT_THAT(r.out, HasSubstr("curl-ntlmv2"));
  EXPECT_THAT(r.out, HasSubstr("missing NTLMSSP_NEGOTIATE_SIGN (the server could not grant it"));
  EXPECT_THAT(r.out, HasSubstr("accepted under every policy"));
  auto one = Harness(
      "profile vectors/transcripts/recorded/curl-ntlmv2.json --policy 0x20 "
      "--lm-compat 3 --color never");
  EXPECT_EQ(one.rc, 0) << one.err;
  EXPECT_THAT(one.out, HasSubstr("accepted under 0 of 1 policies"));
  EXPECT_EQ(Harness("profile /nonexistent.json").rc, 2);
  EXPECT_THAT(Harness("profile /nonexistent.json").err, HasSubstr("no such file"));
}

}  // namespace
}  // namespace ntlm::harness
