// handshake_and_seal: the SSP as a library. One NTLMv2 handshake between
// ntlm::ssp::ClientContext and ntlm::ssp::ServerContext under
// NtlmMinServerSec 0x20080030 (SIGN | SEAL | ESS | 128), then one message
// sealed by the client and unsealed by the server. Prints what happened and
// exits 0, or names the failing step and exits 1.
#include <array>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>

#include "ssp/client_context.h"
#include "ssp/server_context.h"
#include "ssp/session_security.h"

namespace ssp = ntlm::ssp;

namespace {

int Fail(const std::string& step, const ssp::Error& error) {
  std::cerr << step << ": " << ssp::StatusName(error.status) << ": " << error.reason << "\n";
  return 1;
}

ssp::FileTime Now() {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return ssp::kFileTimeUnixEpoch +
         static_cast<ssp::FileTime>(seconds.count()) * ssp::kFileTimeTicksPerSecond;
}

}  // namespace

int main() {
  ssp::FixedClock clock(Now());
  ssp::SecureRandom random;

  ssp::InMemoryCredentialStore accounts;
  auto alice = ssp::AccountFromPassword("CONTOSO", "alice", "Passw0rd!");
  if (!alice.ok()) return Fail("account", alice.error());
  accounts.Add(*alice);
  ssp::ServerPolicy policy;
  policy.min_server_sec = 0x20080030;
  ssp::ServerContext server(ssp::ServerIdentity{}, policy, accounts, clock, random);

  auto credentials = ssp::ClientCredentials::FromPassword("alice", "CONTOSO", "Passw0rd!", "WS01");
  if (!credentials.ok()) return Fail("credentials", credentials.error());
  ssp::ClientContext client(*credentials, ssp::ClientPolicy{}, clock, random);

  auto negotiate = client.CreateNegotiate();
  if (!negotiate.ok()) return Fail("NEGOTIATE", negotiate.error());
  auto challenge = server.AcceptNegotiate(*negotiate);
  if (!challenge.ok()) return Fail("CHALLENGE", challenge.error());
  auto authenticate = client.ProcessChallenge(*challenge);
  if (!authenticate.ok()) return Fail("AUTHENTICATE", authenticate.error());
  auto logon = server.AcceptAuthenticate(*authenticate);
  if (!logon.ok()) return Fail("logon", logon.error());
  std::cout << "logon: " << logon->QualifiedUser() << ", flags 0x" << std::hex
            << logon->negotiated_flags << std::dec << "\n";

  ssp::SessionSecurity client_session(client.negotiated_flags(), client.exported_session_key(),
                                      /*is_server=*/false);
  ssp::SessionSecurity server_session(logon->negotiated_flags, logon->exported_session_key,
                                      /*is_server=*/true);
  const std::string text = "Hello from the client";
  const ntlm::Bytes plaintext(text.begin(), text.end());
  ntlm::Bytes ciphertext(plaintext.size());
  std::array<uint8_t, ssp::kMessageSignatureSize> signature{};
  if (auto st = client_session.Seal(plaintext, ciphertext, signature); !st.ok()) {
    return Fail("Seal", st.error());
  }
  ntlm::Bytes opened(ciphertext.size());
  if (auto st = server_session.Unseal(ciphertext, signature, opened); !st.ok()) {
    return Fail("Unseal", st.error());
  }
  if (opened != plaintext) {
    std::cerr << "Unseal: the plaintext differs\n";
    return 1;
  }
  std::cout << "sealed " << ciphertext.size()
            << " bytes, unsealed: " << std::string(opened.begin(), opened.end()) << "\n";
  return 0;
}
