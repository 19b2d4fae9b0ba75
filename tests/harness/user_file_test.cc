#include "harness/user_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace ntlm::harness {
namespace {

namespace fs = std::filesystem;

// A user file with `mode` (owner-only by default, as the loader requires).
fs::path TempFile(const std::string& name, const std::string& contents,
                  fs::perms mode = fs::perms::owner_read | fs::perms::owner_write) {
  auto path = fs::temp_directory_path() / ("ntlm-user-file-" + name);
  std::ofstream(path, std::ios::binary) << contents;
  fs::permissions(path, mode, fs::perm_options::replace);
  return path;
}

TEST(UserFileTest, LoadsAccounts) {
  auto path = TempFile("ok", "CONTOSO:alice:Passw0rd!\nCONTOSO:bob:x\n");
  std::string error;
  auto store = LoadUserFile(path.string(), error);
  ASSERT_TRUE(store.has_value()) << error;
  EXPECT_EQ(store->size(), 2u);
  fs::remove(path);
}

TEST(UserFileTest, LoadsAFileLargerThanOneReadBuffer) {
  std::string text;
  for (int i = 0; i < 400; ++i) text += "CONTOSO:user" + std::to_string(i) + ":Passw0rd!\n";
  auto path = TempFile("large", text);
  std::string error;
  auto store = LoadUserFile(path.string(), error);
  ASSERT_TRUE(store.has_value()) << error;
  EXPECT_EQ(store->size(), 400u);
  fs::remove(path);
}

TEST(UserFileTest, MissingFileNamesThePath) {
  std::string error;
  auto store = LoadUserFile("/nonexistent/ntlm-users", error);
  EXPECT_FALSE(store.has_value());
  EXPECT_NE(error.find("/nonexistent/ntlm-users"), std::string::npos) << error;
  EXPECT_NE(error.find("cannot open"), std::string::npos) << error;
}

TEST(UserFileTest, MalformedLineNamesFileAndLineNotPassword) {
  auto path = TempFile("bad", "CONTOSO:alice:Passw0rd!\nnot-a-valid-line\n");
  std::string error;
  auto store = LoadUserFile(path.string(), error);
  EXPECT_FALSE(store.has_value());
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find("line 2"), std::string::npos) << error;
  EXPECT_EQ(error.find("Passw0rd"), std::string::npos) << error;
  fs::remove(path);
}

struct InsecureMode {
  const char* name;
  fs::perms mode;
  const char* octal;
};

class UserFilePermissionTest : public ::testing::TestWithParam<InsecureMode> {
 protected:
  void SetUp() override { unsetenv(kAllowInsecureUserFileEnv); }
};

TEST_P(UserFilePermissionTest, RefusedWithFileModeAndFix) {
  const InsecureMode& m = GetParam();
  auto path = TempFile(std::string("insecure-") + m.name, "CONTOSO:alice:Passw0rd!\n",
                       fs::perms::owner_read | fs::perms::owner_write | m.mode);
  std::string error;
  auto store = LoadUserFile(path.string(), error);
  EXPECT_FALSE(store.has_value());
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find(std::string("mode ") + m.octal), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600 " + path.string()), std::string::npos) << error;
  EXPECT_NE(error.find(kAllowInsecureUserFileEnv), std::string::npos) << error;
  EXPECT_EQ(error.find("Passw0rd"), std::string::npos) << error;
  fs::remove(path);
}

TEST_P(UserFilePermissionTest, ExplicitOverrideAccepts) {
  const InsecureMode& m = GetParam();
  auto path = TempFile(std::string("override-") + m.name, "CONTOSO:alice:Passw0rd!\n",
                       fs::perms::owner_read | fs::perms::owner_write | m.mode);
  std::string error;
  auto store = LoadUserFile(path.string(), error, UserFileOptions{true});
  ASSERT_TRUE(store.has_value()) << error;
  EXPECT_EQ(store->size(), 1u);
  fs::remove(path);
}

TEST_P(UserFilePermissionTest, EnvironmentOverrideAcceptsOnlyTheValueOne) {
  const InsecureMode& m = GetParam();
  auto path = TempFile(std::string("env-") + m.name, "CONTOSO:alice:Passw0rd!\n",
                       fs::perms::owner_read | fs::perms::owner_write | m.mode);
  std::string error;
  setenv(kAllowInsecureUserFileEnv, "0", 1);
  EXPECT_FALSE(LoadUserFile(path.string(), error).has_value());
  setenv(kAllowInsecureUserFileEnv, "1", 1);
  auto store = LoadUserFile(path.string(), error);
  unsetenv(kAllowInsecureUserFileEnv);
  ASSERT_TRUE(store.has_value()) << error;
  fs::remove(path);
}

INSTANTIATE_TEST_SUITE_P(
    Modes, UserFilePermissionTest,
    ::testing::Values(InsecureMode{"group_read", fs::perms::group_read, "0640"},
                      InsecureMode{"others_read", fs::perms::others_read, "0604"},
                      InsecureMode{"world_readable", fs::perms::group_read | fs::perms::others_read,
                                   "0644"},
                      InsecureMode{"group_write_only", fs::perms::group_write, "0620"},
                      InsecureMode{"others_exec", fs::perms::others_exec, "0601"}),
    [](const auto& p) { return std::string(p.param.name); });

TEST(UserFileTest, OwnerOnlyModesAreAccepted) {
  unsetenv(kAllowInsecureUserFileEnv);
  for (fs::perms mode : {fs::perms::owner_read, fs::perms::owner_read | fs::perms::owner_write}) {
    auto path = TempFile("owner-only", "CONTOSO:alice:Passw0rd!\n", mode);
    std::string error;
    EXPECT_TRUE(LoadUserFile(path.string(), error).has_value()) << error;
    fs::remove(path);
  }
}

}  // namespace
}  // namespace ntlm::harness
