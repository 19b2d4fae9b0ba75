// interop_fixture.h: the fixture every interop test derives from.
//
// SetUp prepares the gss-ntlmssp environment and checks that the mechanism
// is registered: when it is not, the test is skipped, or fails when CI=true
// (a CI image without gss-ntlmssp must not pass silently).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "tests/interop/gss_util.h"

namespace ntlm::interop {

class GssInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SetUpGssEnvironment();
    std::string why;
    if (!NtlmsspAvailable(&why)) {
      if (RunningUnderCi()) FAIL() << "CI=true and gss-ntlmssp is unavailable: " << why;
      GTEST_SKIP() << why;
    }
  }
};

}  // namespace ntlm::interop
