// Tests for crypto/init.h and crypto/internal/openssl_ctx.h: the private
// library context loads on this stock install, and a missing `legacy`
// provider is reported by name.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "crypto/crc32.h"
#include "crypto/des.h"
#include "crypto/init.h"
#include "crypto/internal/openssl_ctx.h"
#include "crypto/md4.h"
#include "crypto/random.h"
#include "crypto/secret.h"
#include "reference/openssl_md5.h"
#include "reference/openssl_rc4.h"
#include "tests/crypto/crypto_test_util.h"

namespace ntlm::crypto {
namespace {

using reference::HmacMd5;
using reference::HmacMd5Hasher;
using reference::Md5;
using reference::Md5Hasher;
using reference::Rc4;
using reference::Rc4Once;

using test_util::Hex;
using test_util::Str;

std::string MakeTempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ntlm-no-modules-XXXXXX").string();
  return mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
}

TEST(CryptoInitTest, LoadsDefaultAndLegacyProviders) {
  const InitStatus& status = Initialize();
  ASSERT_TRUE(status.ok) << status.message;
  EXPECT_TRUE(status.message.empty());
  EXPECT_EQ(&Initialize(), &status);  // the same object every time
  const internal::OpenSslContext* ctx = internal::Context();
  ASSERT_NE(ctx, nullptr);
  EXPECT_NE(ctx->libctx, nullptr);
  EXPECT_NE(ctx->md4, nullptr);
  EXPECT_NE(ctx->md5, nullptr);
  EXPECT_NE(ctx->rc4, nullptr);
  EXPECT_NE(ctx->des_ecb, nullptr);
}

TEST(CryptoInitTest, Md4AndRc4WorkOnThisInstall) {
  // The legacy-provider algorithms through the public API (RFC 1320, RFC 6229).
  std::array<uint8_t, 16> md4{};
  Md4(Str("abc"), md4);
  EXPECT_EQ(Hex(md4), "a448017aaf21d8525fc10ae87aa6729d");
  EXPECT_EQ(Hex(Rc4Once(Bytes{1, 2, 3, 4, 5}, Bytes(16, 0))), "b2396305f03dc027ccc3524a0a1118a8");
  EXPECT_FALSE(HasFailed()) << FailureMessage();
}

TEST(CryptoInitTest, FreshContextFromDefaultPath) {
  internal::LoadedContext loaded = internal::LoadProviders(nullptr);
  ASSERT_TRUE(loaded.status.ok) << loaded.status.message;
  ASSERT_NE(loaded.ctx, nullptr);
  EXPECT_NE(loaded.ctx->libctx, internal::Context()->libctx);  // a new, private context
}

TEST(CryptoInitTest, MissingLegacyProviderIsNamed) {
  const std::string tmpl = MakeTempDir();
  ASSERT_FALSE(tmpl.empty());
  internal::LoadedContext loaded = internal::LoadProviders(tmpl.c_str());
  std::filesystem::remove(tmpl);
  EXPECT_FALSE(loaded.status.ok);
  EXPECT_EQ(loaded.ctx, nullptr);
  const std::string& msg = loaded.status.message;
  EXPECT_NE(msg.find("'legacy' provider could not be loaded"), std::string::npos) << msg;
  EXPECT_NE(msg.find(tmpl), std::string::npos) << msg;
  EXPECT_NE(msg.find("MD4, RC4, DES"), std::string::npos) << msg;
  EXPECT_NE(msg.find("OPENSSL_MODULES"), std::string::npos) << msg;
  // A failed private load does not touch the process-wide context.
  EXPECT_TRUE(Initialize().ok);
  EXPECT_FALSE(HasFailed()) << FailureMessage();
}

// Runs only in the child process started by FailedInitDegradesSafely, with
// OPENSSL_MODULES pointing at an empty directory: every function must report
// the failure as crypto/init.h documents instead of crashing.
TEST(CryptoInitFailureTest, DISABLED_EveryFunctionDegradesSafely) {
  const InitStatus& status = Initialize();
  ASSERT_FALSE(status.ok);
  EXPECT_NE(status.message.find("'legacy' provider"), std::string::npos) << status.message;
  EXPECT_TRUE(HasFailed());
  EXPECT_EQ(FailureMessage(), status.message);

  const std::string zeros16(32, '0');
  std::array<uint8_t, 16> out{};
  out.fill(0xff);
  Md4(Str("abc"), out);
  EXPECT_EQ(Hex(out), zeros16);
  out.fill(0xff);
  Md5(Str("abc"), out);
  EXPECT_EQ(Hex(out), zeros16);
  out.fill(0xff);
  HmacMd5(Str("key"), Str("abc"), out);
  EXPECT_EQ(Hex(out), zeros16);
  Md5Hasher md5;
  md5.Update(Str("abc"));
  out.fill(0xff);
  md5.Final(out);
  EXPECT_EQ(Hex(out), zeros16);
  HmacMd5Hasher hmac(Str("key"));
  hmac.Update(Str("abc"));
  out.fill(0xff);
  hmac.Final(out);
  EXPECT_EQ(Hex(out), zeros16);

  Rc4 rc4(Bytes{1, 2, 3, 4, 5});
  EXPECT_FALSE(rc4.keyed());
  Bytes data = {'s', 'e', 'c', 'r', 'e', 't'};
  EXPECT_FALSE(rc4.ApplyInPlace(data));
  EXPECT_EQ(data, Bytes(6, 0));  // plaintext never passes through
  EXPECT_EQ(Rc4Once(Bytes{1, 2, 3}, Str("secret")), Bytes(6, 0));

  const std::array<uint8_t, 7> key7{};
  std::array<uint8_t, 8> block{'K', 'G', 'S', '!', '@', '#', '$', '%'};
  DesEncrypt56(key7, block, block);
  EXPECT_EQ(Hex(block), "0000000000000000");

  std::array<uint8_t, 8> random{};
  random.fill(0xff);
  EXPECT_FALSE(RandomBytes(random));
  EXPECT_EQ(Hex(random), "0000000000000000");

  // The provider-free parts keep working.
  EXPECT_EQ(Crc32(Str("123456789")), 0xCBF43926u);
  EXPECT_TRUE(ConstantTimeEqual(Str("ab"), Str("ab")));
}

TEST(CryptoInitTest, FailedInitDegradesSafely) {
  const std::string empty_dir = MakeTempDir();
  ASSERT_FALSE(empty_dir.empty());
  const std::string log = empty_dir + ".log";
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  const std::string command =
      "OPENSSL_MODULES='" + empty_dir + "' '" + self +
      "' --gtest_also_run_disabled_tests"
      " --gtest_filter=CryptoInitFailureTest.DISABLED_EveryFunctionDegradesSafely"
      " >'" +
      log + "' 2>&1";
  const int rc = std::system(command.c_str());
  std::stringstream output;
  output << std::ifstream(log).rdbuf();
  std::filesystem::remove(empty_dir);
  std::filesystem::remove(log);
  EXPECT_EQ(rc, 0) << output.str();
  EXPECT_NE(output.str().find("[  PASSED  ] 1 test"), std::string::npos) << output.str();
}

}  // namespace
}  // namespace ntlm::crypto
