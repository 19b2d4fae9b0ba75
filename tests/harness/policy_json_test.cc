// policy_json_test.cc: harness/policy_json — the acceptor-policy keys shared by
// the configuration's `policy` object and a transcript's `server` object are
// read by one function with one set of rules. Each rule is asserted through
// both readers (LoadServerConfig and ParseTranscript), which must agree.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/config.h"
#include "harness/transcript.h"
#include "harness/transcript_policy.h"

namespace ntlm::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

json TranscriptWithServer(const json& server) {
  json doc = json::parse(R"({
    "format": "ntlmssp-transcript/1",
    "name": "policy-rules",
    "accounts": [{"user": "alice", "domain": "CONTOSO", "password": "Passw0rd!"}],
    "exchange": [
      {"dir": "c2s", "type": "negotiate", "token": "TlRMTVNTUAABAAAAN4II4gAAAAAAAAAAAAAAAAAAAAA="},
      {"dir": "s2c", "type": "challenge", "token": "TlRMTVNTUAACAAAA"},
      {"dir": "c2s", "type": "authenticate", "token": "TlRMTVNTUAADAAAA"}
    ],
    "expect": {"result": "accept", "status": "SEC_E_OK"}
  })");
  doc["server"] = server;
  return doc;
}

class PolicyJsonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() /
            ("policy_json_test_" + std::to_string(getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".json");
  }
  void TearDown() override { fs::remove(path_); }

  std::optional<ServerConfig> Config(const json& policy) {
    std::ofstream(path_) << json{{"policy", policy}}.dump();
    config_error_.clear();
    return LoadServerConfig(
        path_.string(), {}, [](const std::string&) { return std::nullopt; }, config_error_);
  }
  std::optional<Transcript> FromTranscript(const json& server) {
    transcript_error_.clear();
    return ParseTranscript(TranscriptWithServer(server).dump(), transcript_error_);
  }
  // Both readers refuse `policy` with "<object>.<message>".
  void ExpectBothRefuse(const json& policy, const std::string& message) {
    SCOPED_TRACE(policy.dump());
    EXPECT_FALSE(Config(policy));
    EXPECT_THAT(config_error_, HasSubstr(": policy." + message));
    EXPECT_FALSE(FromTranscript(policy));
    EXPECT_THAT(transcript_error_, HasSubstr("server." + message));
  }

  fs::path path_;
  std::string config_error_;
  std::string transcript_error_;
};

TEST_F(PolicyJsonTest, MinServerSecFormsReadAlikeInBoth) {
  for (const json& value :
       {json(0x20080030), json("0x20080030"), json("SEAL|SIGN|ESS|128"), json("537395248")}) {
    SCOPED_TRACE(value.dump());
    auto c = Config({{"min_server_sec", value}});
    ASSERT_TRUE(c) << config_error_;
    auto t = FromTranscript({{"min_server_sec", value}});
    ASSERT_TRUE(t) << transcript_error_;
    EXPECT_EQ(c->policy.min_server_sec, 0x20080030u);
    EXPECT_EQ(t->server.min_server_sec, 0x20080030u);
  }
}

TEST_F(PolicyJsonTest, MinServerSecOnlyThePolicyBits) {
  ExpectBothRefuse({{"min_server_sec", 0x40}},
                   "min_server_sec: '64' has 0x00000040, which is not an NtlmMinServerSec bit");
  ExpectBothRefuse({{"min_server_sec", "KEY_EXCH"}}, "min_server_sec: 'KEY_EXCH' has 0x40000000");
}

TEST_F(PolicyJsonTest, MinServerSecRangeAndType) {
  ExpectBothRefuse({{"min_server_sec", -1}}, "min_server_sec: out of range for a 32-bit value");
  ExpectBothRefuse({{"min_server_sec", 4294967296LL}},
                   "min_server_sec: out of range for a 32-bit value");
  ExpectBothRefuse({{"min_server_sec", true}}, "min_server_sec: must be a number or a hex string");
  ExpectBothRefuse({{"min_server_sec", ""}}, "min_server_sec: empty NtlmMinServerSec value");
}

TEST_F(PolicyJsonTest, LmCompatLevelIsAnInteger0To5) {
  ExpectBothRefuse({{"lm_compat_level", 6}}, "lm_compat_level: must be an integer 0..5");
  ExpectBothRefuse({{"lm_compat_level", -1}}, "lm_compat_level: must be an integer 0..5");
  ExpectBothRefuse({{"lm_compat_level", "3"}}, "lm_compat_level: must be an integer 0..5");
}

TEST_F(PolicyJsonTest, RequireMicIsABoolean) {
  ExpectBothRefuse({{"require_mic", "yes"}}, "require_mic: must be true or false");
  ExpectBothRefuse({{"require_mic", 1}}, "require_mic: must be true or false");
}

TEST_F(PolicyJsonTest, TargetNameIsAString) {
  ExpectBothRefuse({{"target_name", 1}}, "target_name: must be a string");
}

TEST_F(PolicyJsonTest, ChannelBindingsAre32HexDigits) {
  ExpectBothRefuse({{"channel_bindings_md5", "0011"}},
                   "channel_bindings_md5: must be 32 hex digits (16 bytes), got 2 bytes");
  ExpectBothRefuse({{"channel_bindings_md5", std::string(32, 'g')}},
                   "channel_bindings_md5: hex: invalid character at offset 0");
  ExpectBothRefuse({{"channel_bindings_md5", 7}},
                   "channel_bindings_md5: must be a string of 32 hex digits");
}

TEST_F(PolicyJsonTest, MaxClockSkewIsANonNegativeInteger) {
  for (const json& value : {json(-1), json(1.5), json("60")}) {
    ExpectBothRefuse({{"max_clock_skew_s", value}},
                     "max_clock_skew_s: must be a non-negative integer (seconds)");
  }
}

TEST_F(PolicyJsonTest, EveryValueReadsTheSameInBoth) {
  const json policy = {{"min_server_sec", "0x20000030"},
                       {"lm_compat_level", 5},
                       {"require_mic", true},
                       {"target_name", "HTTP/web01.contoso.test"},
                       {"channel_bindings_md5", "00112233445566778899aabbccddeeff"},
                       {"max_clock_skew_s", 300}};
  auto c = Config(policy);
  ASSERT_TRUE(c) << config_error_;
  json server = policy;
  server["clock"] = "2026-11-25T12:00:00Z";  // so that replay checks timestamps
  auto t = FromTranscript(server);
  ASSERT_TRUE(t) << transcript_error_;
  const ssp::ServerPolicy replayed = PolicyFromTranscript(t->server);
  EXPECT_EQ(c->policy.min_server_sec, replayed.min_server_sec);
  EXPECT_EQ(c->policy.lm_compat_level, replayed.lm_compat_level);
  EXPECT_EQ(c->policy.require_mic, replayed.require_mic);
  EXPECT_EQ(c->policy.target_name, replayed.target_name);
  EXPECT_EQ(c->policy.channel_bindings_md5, replayed.channel_bindings_md5);
  EXPECT_EQ(c->policy.channel_binding_mode, ssp::ChannelBindingMode::kRequired);
  EXPECT_EQ(c->policy.max_clock_skew_seconds, replayed.max_clock_skew_seconds);
  EXPECT_EQ(c->policy.max_clock_skew_seconds, 300u);
}

TEST_F(PolicyJsonTest, NullIsNotSet) {
  const json policy = {{"min_server_sec", nullptr},
                       {"lm_compat_level", nullptr},
                       {"require_mic", nullptr},
                       {"target_name", nullptr},
                       {"channel_bindings_md5", nullptr}};
  auto c = Config(policy);
  ASSERT_TRUE(c) << config_error_;
  const ssp::ServerPolicy defaults;
  EXPECT_EQ(c->policy.min_server_sec, defaults.min_server_sec);
  EXPECT_EQ(c->policy.lm_compat_level, defaults.lm_compat_level);
  EXPECT_EQ(c->policy.require_mic, defaults.require_mic);
  EXPECT_FALSE(c->policy.target_name.has_value());
  EXPECT_FALSE(c->policy.channel_bindings_md5.has_value());
  auto t = FromTranscript(policy);
  ASSERT_TRUE(t) << transcript_error_;
  EXPECT_FALSE(t->server.min_server_sec.has_value());
  EXPECT_FALSE(t->server.lm_compat_level.has_value());
  EXPECT_FALSE(t->server.require_mic.has_value());
  EXPECT_FALSE(t->server.target_name.has_value());
  EXPECT_FALSE(t->server.channel_bindings_md5.has_value());
}

TEST_F(PolicyJsonTest, NullClockSkewTurnsTheCheckOffInTheConfigurationOnly) {
  auto c = Config({{"max_clock_skew_s", nullptr}});
  ASSERT_TRUE(c) << config_error_;
  EXPECT_FALSE(c->policy.max_clock_skew_seconds.has_value());
  // A transcript says "no timestamp check" by leaving `clock` out.
  EXPECT_FALSE(FromTranscript({{"max_clock_skew_s", nullptr}}));
  EXPECT_THAT(transcript_error_, HasSubstr("server.max_clock_skew_s: null (no timestamp check)"));
}

TEST_F(PolicyJsonTest, UnknownKeysRefusedInTheConfigurationKeptOpenInTranscripts) {
  EXPECT_FALSE(Config({{"requre_mic", true}}));
  EXPECT_THAT(config_error_, HasSubstr("policy.requre_mic: unknown key"));
  EXPECT_TRUE(FromTranscript({{"recorded_by", "another tool"}})) << transcript_error_;
}

}  // namespace
}  // namespace ntlm::harness
