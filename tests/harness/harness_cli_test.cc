// harness_cli_test.cc: the real ntlmssp-harness executable (NTLM_HARNESS_BIN),
// run through popen: --help lists the subcommands and the exit codes,
// selfcheck reproduces MS-NLMP 4.2, usage errors and malformed input exit 2,
// decode and replay work end to end, and without the OpenSSL legacy provider
// (OPENSSL_MODULES=/nonexistent) the binary exits 3 and names the provider.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "harness/cli/cli.h"
#include "harness_run_util.h"

namespace ntlm::harness {
namespace {

namespace fs = std::filesystem;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::StartsWith;

size_t CountTranscripts() {
  size_t n = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(fs::path(NTLM_SOURCE_DIR) / "vectors/transcripts")) {
    if (e.is_regular_file() && e.path().extension() == ".json") ++n;
  }
  return n;
}

const std::string kNegotiateB64 = "TlRMTVNTUAABAAAAN4II4gAAAAAAAAAAAAAAAAAAAAAGAgAAAAAADw==";

TEST(HarnessCli, BinaryExists) {
  ASSERT_TRUE(fs::is_regular_file(NTLM_HARNESS_BIN)) << NTLM_HARNESS_BIN;
}

TEST(HarnessCli, HelpListsSubcommandsAndExitCodes) {
  for (const char* flag : {"--help", "-h"}) {
    const auto r = Harness(flag);
    EXPECT_EQ(r.rc, 0) << flag << r.err;
    EXPECT_THAT(r.out, HasSubstr("Subcommands:"));
    for (const char* sub : {"selfcheck", "decode", "replay"}) {
      EXPECT_THAT(r.out, HasSubstr(std::string("\n  ") + sub + " ")) << sub;
    }
    EXPECT_THAT(r.out, HasSubstr("Exit codes: 0 all as expected"));
    EXPECT_THAT(r.out, HasSubstr("1 a difference or failed check"));
    EXPECT_THAT(r.out, HasSubstr("2 usage or malformed input"));
    EXPECT_THAT(r.out, HasSubstr("3 environment error"));
    EXPECT_THAT(r.out, HasSubstr("legacy provider"));
  }
}

TEST(HarnessCli, SubcommandHelp) {
  auto r = Harness("decode --help");
  EXPECT_EQ(r.rc, 0);
  for (const char* opt :
       {"--negotiate", "--challenge", "--password", "--nt-hash", "--user", "--domain", "--json"}) {
    EXPECT_THAT(r.out, HasSubstr(opt)) << opt;
  }
  r = Harness("replay --help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_THAT(r.out, HasSubstr("--json"));
  EXPECT_THAT(r.out, HasSubstr("--verbose"));
  r = Harness("selfcheck --help");
  EXPECT_EQ(r.rc, 0);
  EXPECT_THAT(r.out, HasSubstr("--vectors"));
}

TEST(HarnessCli, Version) {
  const auto r = Harness("--version");
  EXPECT_EQ(r.rc, 0);
  EXPECT_THAT(r.out, StartsWith("ntlmssp-harness "));
}

TEST(HarnessCli, SelfcheckPasses) {
  const auto r = Harness("selfcheck");
  EXPECT_EQ(r.rc, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("OpenSSL providers: default + legacy loaded"));
  EXPECT_THAT(r.out, HasSubstr(" 0 failed"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("FAIL")));
}

TEST(HarnessCli, SelfcheckFindsVectorsFromAnotherDirectory) {
  const auto r = Harness("selfcheck", "", fs::temp_directory_path().string());
  EXPECT_EQ(r.rc, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr(" 0 failed"));
}

// The catalogue is built in: matrix runs the same 59+ variations from any
// directory, and names the built-in source; --catalogue still reads a folder.
TEST(HarnessCli, MatrixFromAnotherDirectoryUsesBuiltInCatalogue) {
  const auto r = Harness("matrix --color never --deterministic --filter windows-modern --json -",
                         "-u NTLM_VARIATIONS", fs::temp_directory_path().string());
  EXPECT_EQ(r.rc, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("vectors/variations (built in)"));
  const auto folder = Harness(
      "matrix --color never --deterministic --filter windows-modern "
      "--json - --catalogue " +
          Quote(std::string(NTLM_SOURCE_DIR) + "/vectors/variations"),
      "", fs::temp_directory_path().string());
  EXPECT_EQ(folder.rc, kExitOk) << folder.out << folder.err;
  EXPECT_THAT(folder.out, HasSubstr(std::string(NTLM_SOURCE_DIR) + "/vectors/variations"));
}

TEST(HarnessCli, SelfcheckVerbose) {
  const auto r = Harness("selfcheck -v");
  EXPECT_EQ(r.rc, kExitOk);
  EXPECT_THAT(r.out, HasSubstr("ok    "));
}

TEST(HarnessCli, SelfcheckMissingVectorsExits2) {
  const auto r = Harness("selfcheck --vectors /nonexistent/ms-nlmp-4.2.json");
  EXPECT_EQ(r.rc, kExitUsage) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("/nonexistent/ms-nlmp-4.2.json: no such file"));
}

TEST(HarnessCli, UsageErrorsExit2) {
  for (const char* args : {"", "bogus", "frobnicate --now", "--bogus", "decode --bogus x", "replay",
                           "decode a b", "selfcheck --vectors"}) {
    const auto r = Harness(args);
    EXPECT_EQ(r.rc, kExitUsage) << "'" << args << "': " << r.out << r.err;
    EXPECT_FALSE(r.err.empty()) << args;
  }
}

TEST(HarnessCli, UnknownCommandIsNamed) {
  const auto r = Harness("bogus");
  EXPECT_EQ(r.rc, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'bogus'"));
}

TEST(HarnessCli, DecodeGarbageExits2) {
  for (const std::string& token :
       {std::string("garbage!"), std::string("TlRMTVNTUAAB!"),
        std::string("Authorization: Basic YWxhZGRpbjpvcGVu"), std::string("Zm9vYmFy")}) {
    const auto r = Harness("decode " + Quote(token));
    EXPECT_EQ(r.rc, kExitUsage) << token;
    EXPECT_THAT(r.err, StartsWith("decode: ")) << token;
    EXPECT_EQ(r.out, "") << token;
  }
}

// A path that names no file is "no such file", not a token that fails to parse.
TEST(HarnessCli, DecodeMissingFileSaysSo) {
  for (const std::string path : {"/nonexistent/file", "./missing-token.bin", "../nope.b64"}) {
    const auto r = Harness("decode " + Quote(path));
    EXPECT_EQ(r.rc, kExitUsage) << path;
    EXPECT_EQ(r.err, "decode: " + path + ": no such file\n") << path;
  }
  const auto context = Harness(
      "decode TlRMTVNTUAABAAAAl4II4gAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw== "
      "--challenge /nonexistent/challenge");
  EXPECT_EQ(context.rc, kExitUsage);
  EXPECT_THAT(context.err, HasSubstr("/nonexistent/challenge: no such file"));
}

// --seed takes 0..2^64-1; a negative number is a usage error, not a wrap.
TEST(HarnessCli, MatrixSeedMustBeUnsigned) {
  const auto r = Harness("matrix --seed -1");
  EXPECT_EQ(r.rc, kExitUsage) << r.out;
  EXPECT_THAT(r.err, HasSubstr("--seed"));
  EXPECT_EQ(Harness("matrix --seed 18446744073709551615 --filter windows-modern --color never").rc,
            kExitOk);
}

TEST(HarnessCli, DecodeEmptyStdinExits2) {
  const auto r = Harness("decode");
  EXPECT_EQ(r.rc, kExitUsage);
  EXPECT_EQ(r.err, "decode: token: no token given (empty input)\n");
}

TEST(HarnessCli, DecodeArgumentAndStdin) {
  auto r = Harness("decode " + kNegotiateB64);
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("NTLMSSP NEGOTIATE_MESSAGE: 40 bytes, base64\n"));
  const fs::path in =
      fs::temp_directory_path() / ("harness_cli_test_" + std::to_string(::getpid()) + ".in");
  std::ofstream(in) << "WWW-Authenticate: NTLM " << kNegotiateB64 << "\r\n";
  r = Harness("decode -", "", NTLM_SOURCE_DIR, in.string());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, StartsWith("NTLMSSP NEGOTIATE_MESSAGE: 40 bytes, header\n"));
  r = Harness("decode --json", "", NTLM_SOURCE_DIR, in.string());
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["ntlmssp.messagetype"], 1);
  fs::remove(in);
}

TEST(HarnessCli, DecodeTranscriptWithChecks) {
  auto r = Harness("decode vectors/transcripts/gss-seal128-kx-mic.json");
  EXPECT_EQ(r.rc, kExitOk) << r.err;
  EXPECT_THAT(r.out, HasSubstr("NTProofStr: ok"));
  EXPECT_THAT(r.out, HasSubstr("MIC: ok"));
  r = Harness("decode vectors/transcripts/gss-seal128-kx-mic-x-micflip.json");
  EXPECT_EQ(r.rc, kExitDifference) << r.err;
  EXPECT_THAT(r.out, HasSubstr("MIC: FAIL"));
}

TEST(HarnessCli, DecodeWithPasswordOptions) {
  const nlohmann::json doc = nlohmann::json::parse(
      ReadAll(fs::path(NTLM_SOURCE_DIR) / "vectors/transcripts/samba-gensec-seal128-mic.json"));
  const std::string n = doc["exchange"][0]["token"], c = doc["exchange"][1]["token"],
                    a = doc["exchange"][2]["token"];
  auto r =
      Harness("decode " + a + " --password 'Passw0rd!' --challenge " + c + " --negotiate " + n);
  EXPECT_EQ(r.rc, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out,
              HasSubstr("ExportedSessionKey: " + doc["expect"]["session_key"].get<std::string>()));
  r = Harness("decode " + a + " --password wrong --challenge " + c);
  EXPECT_EQ(r.rc, kExitDifference);
  EXPECT_THAT(r.out, HasSubstr("NTProofStr: FAIL"));
}

TEST(HarnessCli, ReplayVectors) {
  const auto r = Harness("replay vectors/transcripts");
  EXPECT_EQ(r.rc, kExitOk) << r.out << r.err;
  EXPECT_THAT(r.out, EndsWith("\n" + std::to_string(CountTranscripts()) + " passed, 0 failed\n"));
  EXPECT_EQ(r.err, "");
}

TEST(HarnessCli, ReplayJsonToStdout) {
  const auto r = Harness("replay --json - vectors/transcripts/curl-ntlmv2.json");
  EXPECT_EQ(r.rc, kExitOk);
  const auto o = nlohmann::json::parse(r.out);
  EXPECT_EQ(o["name"], "curl-ntlmv2");
  EXPECT_EQ(o["passed"], true);
}

TEST(HarnessCli, ReplayMissingPathExits2) {
  const auto r = Harness("replay vectors/no-such-folder");
  EXPECT_EQ(r.rc, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("vectors/no-such-folder: no such file or folder"));
}

// Without the legacy provider every command that needs crypto exits 3 and
// names the provider (crypto/init.cc: "OpenSSL 'legacy' provider could not
// be loaded from <dir> ..."); help still works.
TEST(HarnessCli, MissingLegacyProviderExits3) {
  const std::string env = "OPENSSL_MODULES=/nonexistent";
  for (const std::string& args : {std::string("selfcheck"), "decode " + kNegotiateB64,
                                  std::string("replay vectors/transcripts")}) {
    const auto r = Harness(args, env);
    EXPECT_EQ(r.rc, kExitEnvironment) << args << ": " << r.out << r.err;
    EXPECT_THAT(r.err, StartsWith("ntlmssp-harness: OpenSSL 'legacy' provider could not be loaded "
                                  "from /nonexistent"))
        << args;
    EXPECT_THAT(r.err, HasSubstr("MD4")) << args;
    EXPECT_THAT(r.err, HasSubstr("OPENSSL_MODULES")) << args;
    EXPECT_EQ(r.out, "") << args;
  }
  const auto help = Harness("--help", env);
  EXPECT_EQ(help.rc, kExitOk);
  const auto usage = Harness("bogus", env);
  EXPECT_EQ(usage.rc, kExitUsage) << "usage errors are reported before crypto is loaded";
}

}  // namespace
}  // namespace ntlm::harness
