#include "ssp/credentials.h"

#include <gtest/gtest.h>

#include "ssp/hex.h"
#include "ssp/keys.h"

namespace ntlm::ssp {
namespace {

TEST(CredentialsTest, ParsesGssNtlmsspUserFile) {
  auto store = ParseUserFile(
      "# test accounts\n"
      "CONTOSO:alice:Passw0rd!\n"
      "\n"
      ":bob:pa:ss:word\n"     // empty domain; the password keeps its colons
      "CONTOSO:carol:\r\n");  // empty password, CRLF
  ASSERT_TRUE(store.ok()) << store.error().reason;
  ASSERT_EQ(store->size(), 3u);
  const auto& accounts = store->accounts();
  EXPECT_EQ(accounts[0].domain, "CONTOSO");
  EXPECT_EQ(accounts[0].user, "alice");
  EXPECT_EQ(HexBytes(accounts[0].nt_hash), HexBytes(*NtOwfV1("Passw0rd!")));
  EXPECT_EQ(accounts[1].domain, "");
  EXPECT_EQ(HexBytes(accounts[1].nt_hash), HexBytes(*NtOwfV1("pa:ss:word")));
  EXPECT_EQ(HexBytes(accounts[2].nt_hash), HexBytes(*NtOwfV1("")));
  EXPECT_TRUE(accounts[0].lm_hash.has_value());
}

TEST(CredentialsTest, ParsesSmbpasswdLines) {
  const std::string nt = HexBytes(*NtOwfV1("Passw0rd!"));
  auto store = ParseUserFile("alice:1000:XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX:" + nt +
                             ":[U          ]:LCT-5F3A2B1C:\n");
  ASSERT_TRUE(store.ok()) << store.error().reason;
  ASSERT_EQ(store->size(), 1u);
  EXPECT_EQ(store->accounts()[0].user, "alice");
  EXPECT_EQ(store->accounts()[0].domain, "");
  EXPECT_EQ(HexBytes(store->accounts()[0].nt_hash), nt);
  EXPECT_FALSE(store->accounts()[0].lm_hash.has_value());
}

TEST(CredentialsTest, ErrorsNameTheLineAndNeverThePassword) {
  auto bad = ParseUserFile("CONTOSO:alice:Passw0rd!\nCONTOSO-only-two:fields\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().reason.find("line 2"), std::string::npos) << bad.error().reason;
  EXPECT_EQ(bad.error().reason.find("Passw0rd"), std::string::npos);
  auto empty_user = ParseUserFile("CONTOSO::secret\n");
  ASSERT_FALSE(empty_user.ok());
  EXPECT_NE(empty_user.error().reason.find("empty user"), std::string::npos);
  EXPECT_EQ(empty_user.error().reason.find("secret"), std::string::npos);
  auto nothing = ParseUserFile("# only a comment\n\n");
  ASSERT_FALSE(nothing.ok());
  EXPECT_NE(nothing.error().reason.find("no accounts"), std::string::npos);
  auto bad_utf8 = ParseUserFile("D:u:\xff\xfe\n");
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_NE(bad_utf8.error().reason.find("line 1"), std::string::npos);
}

TEST(CredentialsTest, NtHashAccounts) {
  auto a = AccountFromNtHash("CONTOSO", "bob", "a4f49c406510bdcab6824ee7c30fd852");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(HexBytes(a->nt_hash), "a4f49c406510bdcab6824ee7c30fd852");
  EXPECT_FALSE(AccountFromNtHash("CONTOSO", "bob", "a4f49c40").ok());
  EXPECT_FALSE(AccountFromNtHash("CONTOSO", "bob", "zz f49c406510bdcab6824ee7c30fd852").ok());
}

TEST(CredentialsTest, CandidatesMatchCaseInsensitivelyBestFirst) {
  auto store = ParseUserFile("CONTOSO:Alice:one\n:alice:two\nFABRIKAM:alice:three\n");
  ASSERT_TRUE(store.ok());
  auto c = store->Candidates("ALICE", "contoso");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0]->domain, "CONTOSO");  // exact domain first
  EXPECT_EQ(c[1]->domain, "");         // then the any-domain entry
  auto none_domain = store->Candidates("alice", "");
  EXPECT_EQ(none_domain.size(), 3u);  // a client naming no domain may mean any
  EXPECT_TRUE(store->Candidates("mallory", "CONTOSO").empty());
  // Non-ASCII names compare by Unicode case folding.
  auto uni = ParseUserFile("CONTOSO:J\xc3\x9cRGEN:x\n");
  ASSERT_TRUE(uni.ok());
  EXPECT_EQ(uni->Candidates("j\xc3\xbcrgen", "Contoso").size(), 1u);
}

}  // namespace
}  // namespace ntlm::ssp
