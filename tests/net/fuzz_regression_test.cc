// Replays every input kept under tests/fuzz/regressions/<target>/ (findings
// that were fixed) and every seed under tests/fuzz/corpus/<target>/ through
// the same function the libFuzzer target runs (tests/fuzz/targets.h), in the
// ordinary and the sanitizer builds. A target aborts on a broken invariant,
// so a regression fails this test by crashing it.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "crypto/bytes.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().filename() != "README.md") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

Bytes ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

size_t ReplayAll(const FuzzTarget& target, const std::vector<fs::path>& files) {
  size_t count = 0;
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    Bytes input = ReadFile(path);
    EXPECT_EQ(target.function(input.data(), input.size()), 0);
    ++count;
  }
  return count;
}

fs::path FuzzDir() { return fs::path(NTLM_SOURCE_DIR) / "tests" / "fuzz"; }

class FuzzReplayTest : public ::testing::TestWithParam<FuzzTarget> {};

TEST_P(FuzzReplayTest, RegressionInputsStayFixed) {
  const FuzzTarget& target = GetParam();
  const auto files = FilesUnder(FuzzDir() / "regressions" / std::string(target.name));
  EXPECT_FALSE(files.empty()) << "no regression inputs for " << target.name
                              << " (keep fixed findings and edge inputs in tests/fuzz/regressions)";
  ReplayAll(target, files);
}

TEST_P(FuzzReplayTest, SeedCorpusRunsClean) {
  const FuzzTarget& target = GetParam();
  const auto files = FilesUnder(FuzzDir() / "corpus" / std::string(target.name));
  EXPECT_FALSE(files.empty()) << "no seeds for " << target.name << " (run scripts/fuzz-seeds.py)";
  ReplayAll(target, files);
}

TEST_P(FuzzReplayTest, EmptyAndTinyInputs) {
  const FuzzTarget& target = GetParam();
  EXPECT_EQ(target.function(nullptr, 0), 0);
  for (int b = 0; b < 256; ++b) {
    const uint8_t one = static_cast<uint8_t>(b);
    EXPECT_EQ(target.function(&one, 1), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzReplayTest, ::testing::ValuesIn(AllFuzzTargets()),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace ntlm::fuzz
