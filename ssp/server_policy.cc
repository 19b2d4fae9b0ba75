#include "ssp/server_policy.h"

#include "ssp/flags.h"
#include "ssp/hex.h"

namespace ntlm::ssp {

uint32_t MissingMinSecBits(uint32_t min_server_sec, uint32_t flags) {
  return (min_server_sec & kMinSecKnownBits) & ~flags;
}

std::string DescribeMinSecFailure(uint32_t min_server_sec, uint32_t flags) {
  return "negotiated " + Hex32(flags) + " minimum " + Hex32(min_server_sec) +
         " missing: " + MinSecNames(MissingMinSecBits(min_server_sec, flags));
}

const char* ResponseKindName(ResponseKind kind) {
  switch (kind) {
    case ResponseKind::kAnonymous:
      return "anonymous";
    case ResponseKind::kLm:
      return "LM";
    case ResponseKind::kNtlmV1:
      return "NTLMv1";
    case ResponseKind::kNtlmV1Ess:
      return "NTLMv1 with ESS";
    case ResponseKind::kNtlmV2:
      return "NTLMv2";
  }
  return "unknown";
}

bool LmCompatAllows(int lm_compat_level, ResponseKind kind) {
  switch (kind) {
    case ResponseKind::kAnonymous:
    case ResponseKind::kNtlmV2:
      return true;
    case ResponseKind::kLm:
      return lm_compat_level <= 3;
    case ResponseKind::kNtlmV1:
    case ResponseKind::kNtlmV1Ess:
      return lm_compat_level <= 4;
  }
  return false;
}

}  // namespace ntlm::ssp
