// gss_environment_test.cc: the gss-ntlmssp mechanism is registered and usable.
// Fails under CI=true when it is not; skipped otherwise (as is every other
// interop test then).
#include <gtest/gtest.h>

#include <string>

#include "tests/interop/gss_util.h"

namespace ntlm::interop {
namespace {

TEST(GssNtlmsspEnvironment, MechanismAvailable) {
  std::string why;
  const bool available = NtlmsspAvailable(&why);
  if (!available && !RunningUnderCi()) GTEST_SKIP() << why;
  ASSERT_TRUE(available) << "CI=true and gss-ntlmssp is unavailable: " << why;
  // Acceptor credentials come from the environment (NTLM_USER_FILE and the
  // NETBIOS_* names set by SetUpGssEnvironment).
  GssCred acceptor;
  GssOutcome acquired = AcquireAcceptorCred(acceptor);
  EXPECT_TRUE(acquired.ok()) << "gss_acquire_cred(GSS_C_ACCEPT): " << acquired.Text();
  GssCred initiator;
  acquired = AcquireInitiatorCred(kQualifiedUser, kPassword, initiator);
  EXPECT_TRUE(acquired.ok()) << "gss_acquire_cred_with_password: " << acquired.Text();
}

}  // namespace
}  // namespace ntlm::interop
