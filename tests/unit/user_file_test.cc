#include "harness/user_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace ntlm::harness {
namespace {

std::filesystem::path TempFile(const std::string& name, const std::string& contents) {
  auto path = std::filesystem::temp_directory_path() / ("ntlm-user-file-" + name);
  std::ofstream(path, std::ios::binary) << contents;
  return path;
}

TEST(UserFileTest, LoadsAccounts) {
  auto path = TempFile("ok", "CONTOSO:alice:Passw0rd!\nCONTOSO:bob:x\n");
  std::string error;
  auto store = LoadUserFile(path.string(), error);
  ASSERT_TRUE(store.has_value()) << error;
  EXPECT_EQ(store->size(), 2u);
  std::filesystem::remove(path);
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
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ntlm::harness
