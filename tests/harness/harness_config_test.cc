// harness_config_test.cc: the configuration file, the gss-ntlmssp environment
// names and command-line overrides, and their errors (which name the key).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "harness/config.h"
#include "harness_run_util.h"

namespace ntlm::harness {
namespace {

using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("config_test_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), 0600);
    return p.string();
  }
  EnvLookup Env(std::map<std::string, std::string> vars = {}) {
    return [vars](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
  std::optional<ServerConfig> Load(const std::optional<std::string>& path,
                                   const ConfigOverrides& o = {},
                                   std::map<std::string, std::string> env = {}) {
    error_.clear();
    return LoadServerConfig(path, o, Env(std::move(env)), error_);
  }

  fs::path dir_;
  std::string error_;
};

TEST_F(ConfigTest, DefaultsWithoutAFile) {
  auto c = Load(std::nullopt);
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->policy.min_server_sec, 0x20000000u);
  EXPECT_EQ(c->policy.lm_compat_level, 3);
  EXPECT_EQ(c->identity.nb_computer_name, "SRV01");
  EXPECT_EQ(c->accounts.size(), 0u);
}

TEST_F(ConfigTest, AFullFile) {
  const std::string path = Write("server.json", R"({
    "identity": {"nb_computer_name": "WEB01", "nb_domain_name": "FABRIKAM",
                 "dns_computer_name": "web01.fabrikam.test", "domain_member": false},
    "policy": {"min_server_sec": "SEAL|128|ESS", "lm_compat_level": 5, "require_mic": true,
               "target_name": "HTTP/web01.fabrikam.test",
               "channel_bindings_md5": "00112233445566778899aabbccddeeff",
               "max_clock_skew_s": 300, "allow_anonymous": true},
    "accounts": [{"domain": "FABRIKAM", "user": "carol", "password": "Secret1!"},
                 {"domain": "", "user": "dave", "nt_hash": "8846f7eaee8fb117ad06bdd830b7586c"}]
  })");
  auto c = Load(path);
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->identity.nb_computer_name, "WEB01");
  EXPECT_FALSE(c->identity.domain_member);
  EXPECT_EQ(c->policy.min_server_sec, 0x20080020u);
  EXPECT_EQ(c->policy.lm_compat_level, 5);
  EXPECT_TRUE(c->policy.require_mic);
  EXPECT_EQ(c->policy.target_name, "HTTP/web01.fabrikam.test");
  EXPECT_EQ(c->policy.channel_binding_mode, ssp::ChannelBindingMode::kRequired);
  EXPECT_EQ(c->policy.max_clock_skew_seconds, 300u);
  EXPECT_TRUE(c->policy.allow_anonymous);
  EXPECT_EQ(c->accounts.size(), 2u);
  EXPECT_EQ(c->accounts.Candidates("carol", "FABRIKAM").size(), 1u);
}

// Found by running the README's claims (issue 17): user_file is relative to
// the configuration file's folder, not the working directory.
TEST_F(ConfigTest, UserFileIsRelativeToTheConfigFolder) {
  Write("users.txt", "CONTOSO:frank:Pa55word\n");
  const std::string path = Write("server.json", R"({"user_file": "users.txt"})");
  ASSERT_NE(fs::current_path(), dir_);
  auto c = Load(path);
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->accounts.Candidates("frank", "CONTOSO").size(), 1u);
  const std::string absolute =
      Write("abs.json", R"({"user_file": ")" + (dir_ / "users.txt").string() + R"("})");
  c = Load(absolute);
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->accounts.Candidates("frank", "CONTOSO").size(), 1u);
}

// A configuration file holding passwords is refused when group or others may
// read it, as a user file is; one without accounts may be world-readable.
TEST_F(ConfigTest, AConfigWithPasswordsMustBeOwnerOnly) {
  const std::string path =
      Write("server.json", R"({"accounts": [{"domain": "C", "user": "u", "password": "p"}]})");
  ::chmod(path.c_str(), 0644);
  EXPECT_FALSE(Load(path));
  EXPECT_THAT(error_, HasSubstr("configuration file " + path + ": mode 0644"));
  EXPECT_THAT(error_, HasSubstr("chmod 600"));
  ::chmod(path.c_str(), 0600);
  EXPECT_TRUE(Load(path)) << error_;
  const std::string policy_only = Write("policy.json", R"({"policy": {"lm_compat_level": 5}})");
  ::chmod(policy_only.c_str(), 0644);
  EXPECT_TRUE(Load(policy_only)) << error_;
}

TEST_F(ConfigTest, MinServerSecPresets) {
  auto c = Load(Write("server.json", R"({"policy": {"min_server_sec": "cis"}})"));
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->policy.min_server_sec, 0x20080000u);
  ConfigOverrides o;
  o.min_server_sec = "windows-default";
  c = Load(std::nullopt, o);
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->policy.min_server_sec, 0x20000000u);
  o.min_server_sec = "all";
  c = Load(std::nullopt, o);
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->policy.min_server_sec, 0x20080030u);
  EXPECT_FALSE(Load(Write("bad.json", R"({"policy": {"min_server_sec": "strict"}})")));
  EXPECT_THAT(error_, HasSubstr("policy.min_server_sec"));
  EXPECT_THAT(error_, HasSubstr("windows-default"));
}

TEST_F(ConfigTest, EnvironmentThenCommandLineOverride) {
  const std::string path =
      Write("server.json", R"({"policy": {"min_server_sec": "0x20", "lm_compat_level": 1}})");
  const std::string users = Write("users.txt", "CONTOSO:erin:Pa55word\n");
  auto c = Load(path, {},
                {{"LM_COMPAT_LEVEL", "4"},
                 {"NETBIOS_COMPUTER_NAME", "ENVHOST"},
                 {"NETBIOS_DOMAIN_NAME", "ENVDOM"},
                 {"NTLM_USER_FILE", users}});
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->policy.lm_compat_level, 4);
  EXPECT_EQ(c->identity.nb_computer_name, "ENVHOST");
  EXPECT_EQ(c->identity.nb_domain_name, "ENVDOM");
  EXPECT_EQ(c->accounts.Candidates("erin", "CONTOSO").size(), 1u);
  ConfigOverrides o;
  o.min_server_sec = "0x20080030";
  o.lm_compat_level = 2;
  o.nb_computer_name = "CLIHOST";
  c = Load(path, o, {{"LM_COMPAT_LEVEL", "4"}, {"NETBIOS_COMPUTER_NAME", "ENVHOST"}});
  ASSERT_TRUE(c) << error_;
  EXPECT_EQ(c->policy.min_server_sec, 0x20080030u);
  EXPECT_EQ(c->policy.lm_compat_level, 2);
  EXPECT_EQ(c->identity.nb_computer_name, "CLIHOST");
}

TEST_F(ConfigTest, ErrorsNameTheKeyAndWhatItMustBe) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {R"({"polcy": {}})", "polcy: unknown key"},
      {R"({"policy": {"min_server_sec": "0x40"}})",
       "policy.min_server_sec: '0x40' has 0x00000040, which is not an NtlmMinServerSec bit"},
      {R"({"policy": {"min_server_sec": "SEAL|NOPE"}})", "policy.min_server_sec: 'SEAL|NOPE'"},
      {R"({"policy": {"min_server_sec": true}})", "policy.min_server_sec: must be a number"},
      {R"({"policy": {"lm_compat_level": 9}})", "policy.lm_compat_level: must be an integer 0..5"},
      {R"({"policy": {"require_mic": "yes"}})", "policy.require_mic: must be true or false"},
      {R"({"policy": {"channel_bindings_md5": "abc"}})",
       "policy.channel_bindings_md5: hex: odd number of digits"},
      {R"({"policy": {"channel_bindings_md5": "0011"}})",
       "policy.channel_bindings_md5: must be 32 hex digits (16 bytes), got 2 bytes"},
      {R"({"policy": {"channel_binding_mode": "sometimes"}})",
       "policy.channel_binding_mode: 'sometimes' must be never, when-supported or required"},
      {R"({"identity": {"nb_computer_name": ""}})", "identity.nb_computer_name: must not be empty"},
      {R"({"accounts": [{"user": "x"}]})", "accounts[0].password: give exactly one"},
      {R"({"accounts": [{"user": "x", "nt_hash": "zz"}]})", "accounts[0].nt_hash"},
      {R"({"accounts": {}})", "accounts: must be an array"},
      {R"([1])", "must be a JSON object"},
      {R"({"policy": )", "not valid JSON"},
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(Load(Write("bad.json", c.text))) << c.text;
    EXPECT_THAT(error_, HasSubstr(c.message)) << c.text;
    EXPECT_THAT(error_, HasSubstr("bad.json")) << c.text;
  }
  EXPECT_FALSE(Load((dir_ / "missing.json").string()));
  EXPECT_THAT(error_, HasSubstr("missing.json: cannot be read"));
  EXPECT_FALSE(Load(std::nullopt, {}, {{"LM_COMPAT_LEVEL", "six"}}));
  EXPECT_THAT(error_, HasSubstr("LM_COMPAT_LEVEL: 'six' must be 0..5"));
  ConfigOverrides o;
  o.min_server_sec = "0x7";
  EXPECT_FALSE(Load(std::nullopt, o));
  EXPECT_THAT(error_, HasSubstr("--min-server-sec"));
}

TEST_F(ConfigTest, TheCliExitsTwoNamingTheKey) {
  const std::string path = Write("bad.json", R"({"policy": {"lm_compat_level": "high"}})");
  auto r = Harness("matrix --config " + Quote(path));
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err, HasSubstr("policy.lm_compat_level: must be an integer 0..5"));
  // A good file is used (the server identity appears in the decoded cells).
  const std::string good =
      Write("good.json", R"({"identity": {"nb_computer_name": "CFGHOST"}, "policy": {}})");
  const fs::path record = dir_ / "cells";
  auto ok = Harness("matrix --deterministic --color never --config " + Quote(good) +
                    " --filter windows-modern --policy 0 --record " + Quote(record.string()));
  EXPECT_EQ(ok.rc, 0) << ok.err;
  auto d = Harness("decode " + Quote((record / "windows-modern.----.json").string()));
  EXPECT_THAT(d.out, HasSubstr("CFGHOST"));
}

}  // namespace
}  // namespace ntlm::harness
