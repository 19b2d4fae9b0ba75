// smb_encryption_test.cc: SMB 3.x encryption in process (smb_encryption.h,
// SmbSession with --smb-encryption): an SMB 3.0 client that offers
// SMB2_GLOBAL_CAP_ENCRYPTION logs on, gets SMB2_SESSION_FLAG_ENCRYPT_DATA,
// and its encrypted requests are answered encrypted; unencrypted requests are
// denied under `required`; a changed byte of an encrypted request, a
// TRANSFORM_HEADER naming another session and a client that cannot encrypt
// get what Windows gives (disconnect, STATUS_ACCESS_DENIED). Real clients
// (smbclient, impacket) are in smb_clients_test.cc.
#include "harness/net/smb_encryption.h"

#include <gtest/gtest.h>

#include "harness/net/smb_logon_client.h"
#include "harness/net/smb_session.h"
#include "harness/net/smb_status.h"
#include "ssp/client_context.h"

namespace ntlm::harness::net::smb {
namespace {

constexpr ssp::FileTime kNow = 134400816000000000ULL;  // 2026-11-25T12:00:00Z

class SmbEncryptionTest : public ::testing::Test {
 protected:
  SmbEncryptionTest() : clock_(kNow) {
    store_.Add(*ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!"));
    ctx_.accounts = &store_;
    ctx_.clock = &clock_;
    ctx_.random = &random_;
  }

  // Logs on at 3.0 (capabilities as given); the final SESSION_SETUP status
  // and SessionFlags; the session key in `key`.
  uint32_t LogOn(SmbSession& session, SmbLogonClient& client, uint32_t capabilities,
                 uint16_t& session_flags) {
    client.builder().capabilities = capabilities;
    std::string error;
    EXPECT_TRUE(client.Negotiate(error)) << error;
    auto creds = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
    ssp::ClientContext ntlm(*creds, ssp::ClientPolicy{}, clock_, random_);
    Bytes challenge, last;
    EXPECT_EQ(client.SessionSetup(*ntlm.CreateNegotiate(), challenge).header.status,
              kStatusMoreProcessingRequired);
    SmbAnswer final_leg = client.SessionSetup(*ntlm.ProcessChallenge(challenge), last);
    session_flags = final_leg.reply.size() >= kHeaderSize + 4
                        ? static_cast<uint16_t>(final_leg.reply[kHeaderSize + 2] |
                                                final_leg.reply[kHeaderSize + 3] << 8)
                        : 0;
    if (final_leg.header.status == kStatusSuccess) {
      client.Establish(ntlm.exported_session_key());
      key_ = ntlm.exported_session_key();
    }
    (void)session;
    return final_leg.header.status;
  }

  // LogOn offering encryption, which must succeed; the client's keys (it
  // encrypts with the server's decryption key).
  EncryptionKeys LogOnEncrypting(SmbSession& session, SmbLogonClient& client) {
    uint16_t flags = 0;
    EXPECT_EQ(LogOn(session, client, kGlobalCapEncryption, flags), kStatusSuccess);
    EXPECT_EQ(flags & kSessionFlagEncryptData, kSessionFlagEncryptData);
    return DeriveEncryptionKeys(kDialect300, key_, kCipherAes128Ccm, {});
  }

  static SmbRoundTrip Through(SmbSession& session) {
    return [&session](const Bytes& request) {
      SmbAnswer answer;
      auto out = session.OnMessage(request);
      answer.reply = std::move(out.reply);
      answer.closed = answer.reply.empty() && out.close;
      return answer;
    };
  }

  ssp::InMemoryCredentialStore store_;
  ssp::FixedClock clock_;
  ssp::SecureRandom random_;
  FrontContext ctx_;
  crypto::Key16 key_;
};

TEST_F(SmbEncryptionTest, EncryptedRequestsAreAnsweredEncryptedAndPlainOnesDenied) {
  SmbSession session(ctx_, {.encryption = SmbEncryption::kRequired}, "127.0.0.1:1", 1);
  SmbLogonClient client(Through(session), kDialect300);
  const EncryptionKeys keys = LogOnEncrypting(session, client);
  EXPECT_NE(Bytes(keys.encrypt().begin(), keys.encrypt().end()),
            Bytes(keys.decrypt().begin(), keys.decrypt().end()));
  // A signed but unencrypted ECHO: STATUS_ACCESS_DENIED (RejectUnencryptedAccess).
  EXPECT_EQ(client.Send(client.SignedEcho()).header.status, kStatusAccessDenied);
  // An encrypted ECHO: an encrypted, unsigned success.
  const Bytes echo = client.builder().Simple(Command::kEcho, client.session_id(), 0);
  const Bytes sealed =
      EncryptMessage(keys.cipher, keys.decrypt(), client.session_id(), echo, random_);
  ASSERT_EQ(sealed.size(), kTransformHeaderSize + echo.size());
  auto out = session.OnMessage(sealed);
  ASSERT_FALSE(out.close) << out.reason;
  ASSERT_FALSE(out.reply.empty());
  EXPECT_EQ(out.reply[0], kTransformProtocolByte);
  EXPECT_EQ(*TransformSessionId(out.reply), client.session_id());
  auto plain = DecryptMessage(keys.cipher, keys.encrypt(), out.reply);
  ASSERT_TRUE(plain.ok()) << plain.error().reason;
  auto header = ParseHeader(*plain);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->status, kStatusSuccess);
  EXPECT_EQ(header->command, static_cast<uint16_t>(Command::kEcho));
  EXPECT_FALSE(header->flags & kFlagSigned);
  // The server's reply does not open with the client's own key.
  EXPECT_FALSE(DecryptMessage(keys.cipher, keys.decrypt(), out.reply).ok());
}

TEST_F(SmbEncryptionTest, TamperedOrMisaddressedEncryptedRequestsCloseTheConnection) {
  for (size_t at : {size_t{4}, size_t{25}, kTransformHeaderSize + 10}) {
    SmbSession session(ctx_, {.encryption = SmbEncryption::kDesired}, "127.0.0.1:1", 1);
    SmbLogonClient client(Through(session), kDialect300);
    const EncryptionKeys keys = LogOnEncrypting(session, client);
    const Bytes echo = client.builder().Simple(Command::kEcho, client.session_id(), 0);
    Bytes sealed = EncryptMessage(keys.cipher, keys.decrypt(), client.session_id(), echo, random_);
    sealed[at] ^= 0x01;  // the tag, the nonce (additional data) or the ciphertext
    auto out = session.OnMessage(sealed);
    EXPECT_TRUE(out.close);
    EXPECT_TRUE(out.reply.empty());
    EXPECT_NE(out.reason.find("does not verify"), std::string::npos) << out.reason;
  }
  SmbSession session(ctx_, {.encryption = SmbEncryption::kDesired}, "127.0.0.1:1", 1);
  SmbLogonClient client(Through(session), kDialect300);
  const EncryptionKeys keys = LogOnEncrypting(session, client);
  const Bytes echo = client.builder().Simple(Command::kEcho, client.session_id(), 0);
  auto other = session.OnMessage(
      EncryptMessage(keys.cipher, keys.decrypt(), client.session_id() + 1, echo, random_));
  EXPECT_TRUE(other.close);
  EXPECT_NE(other.reason.find("does not encrypt"), std::string::npos) << other.reason;
  Bytes truncated = EncryptMessage(keys.cipher, keys.decrypt(), client.session_id(), echo, random_);
  truncated.resize(kTransformHeaderSize - 1);
  EXPECT_TRUE(session.OnMessage(truncated).close);
}

// SMB 3.1.1 with AES-256-GCM or AES-256-CCM the only cipher offered: the
// session encrypts with 32-byte keys (the KDF with L = 256); an encrypted ECHO
// is answered encrypted, and the reply does not open with the first 16 bytes
// of the key (an AES-128 reading of it).
TEST_F(SmbEncryptionTest, Aes256CiphersAt311UseThirtyTwoByteKeys) {
  for (uint16_t cipher_id : {kCipherAes256Gcm, kCipherAes256Ccm}) {
    SCOPED_TRACE(cipher_id);
    SmbSession session(ctx_, {.encryption = SmbEncryption::kRequired}, "127.0.0.1:1", 1);
    SmbLogonClient client(Through(session), kDialect311);
    client.builder().ciphers = {cipher_id};
    uint16_t flags = 0;
    ASSERT_EQ(LogOn(session, client, 0, flags), kStatusSuccess);
    EXPECT_EQ(flags & kSessionFlagEncryptData, kSessionFlagEncryptData);
    const EncryptionKeys keys =
        DeriveEncryptionKeys(kDialect311, key_, cipher_id, client.preauth_hash());
    EXPECT_EQ(keys.cipher, *CipherOfId(cipher_id));
    EXPECT_EQ(keys.encrypt().size(), 32u);
    const Bytes echo = client.builder().Simple(Command::kEcho, client.session_id(), 0);
    auto out = session.OnMessage(
        EncryptMessage(keys.cipher, keys.decrypt(), client.session_id(), echo, random_));
    ASSERT_FALSE(out.close) << out.reason;
    auto plain = DecryptMessage(keys.cipher, keys.encrypt(), out.reply);
    ASSERT_TRUE(plain.ok()) << plain.error().reason;
    EXPECT_EQ(ParseHeader(*plain)->status, kStatusSuccess);
    const crypto::AeadCipher narrow = cipher_id == kCipherAes256Gcm
                                          ? crypto::AeadCipher::kAes128Gcm
                                          : crypto::AeadCipher::kAes128Ccm;
    EXPECT_FALSE(DecryptMessage(narrow, keys.encrypt().first(16), out.reply).ok());
  }
  EXPECT_FALSE(CipherOfId(0x0005).has_value());
}

TEST_F(SmbEncryptionTest, ClientsThatCannotEncryptAreRefusedOnlyWhenRequired) {
  uint16_t flags = 0;
  SmbSession desired(ctx_, {.encryption = SmbEncryption::kDesired}, "127.0.0.1:1", 1);
  SmbLogonClient plain_client(Through(desired), kDialect300);
  ASSERT_EQ(LogOn(desired, plain_client, 0, flags), kStatusSuccess);
  EXPECT_EQ(flags & kSessionFlagEncryptData, 0);
  EXPECT_EQ(plain_client.Send(plain_client.SignedEcho()).header.status, kStatusSuccess);
  SmbSession required(ctx_, {.encryption = SmbEncryption::kRequired}, "127.0.0.1:1", 2);
  SmbLogonClient refused_client(Through(required), kDialect300);
  EXPECT_EQ(LogOn(required, refused_client, 0, flags), kStatusAccessDenied);
  auto log = required.TakeAuthLog();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_FALSE(log[0].accepted);
  // Off: the capability is not answered and the session does not encrypt.
  SmbSession off(ctx_, {}, "127.0.0.1:1", 3);
  SmbLogonClient off_client(Through(off), kDialect300);
  ASSERT_EQ(LogOn(off, off_client, kGlobalCapEncryption, flags), kStatusSuccess);
  EXPECT_EQ(flags & kSessionFlagEncryptData, 0);
}

}  // namespace
}  // namespace ntlm::harness::net::smb
