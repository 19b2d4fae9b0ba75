// fuzz_main.cc: the libFuzzer entry of one target. Built once per target
// with NTLM_FUZZ_TARGET_NAME set to its registry name (tests/fuzz/CMakeLists.txt).
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "tests/fuzz/targets.h"

namespace {

ntlm::fuzz::FuzzFunction Target() {
  static const ntlm::fuzz::FuzzFunction function = [] {
    for (const auto& target : ntlm::fuzz::AllFuzzTargets()) {
      if (target.name == std::string_view(NTLM_FUZZ_TARGET_NAME)) return target.function;
    }
    std::fprintf(stderr, "no fuzz target named %s in AllFuzzTargets()\n", NTLM_FUZZ_TARGET_NAME);
    std::abort();
  }();
  return function;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return Target()(data, size);
}
