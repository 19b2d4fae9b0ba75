// selfcheck.h: `ntlmssp-harness selfcheck` — recomputes every MS-NLMP 4.2
// example from its 4.2.1 inputs with this build's crypto and SSP code and
// compares with vectors/ms-nlmp-4.2.json: a quick proof, on the machine at
// hand, that the OpenSSL providers, the key math, the codecs and session
// security agree with the specification.
#pragma once

#include <ostream>
#include <string>

#include "harness/verdict.h"

namespace ntlm::harness {

struct SelfcheckOptions {
  std::string vectors_path;  // empty: the built-in vectors/ms-nlmp-4.2.json
  bool verbose = false;      // print every value, not only failures
};

// kOk all values reproduced, kDifference a value differs, kInvalidInput the
// vector file is missing or malformed.
Verdict RunSelfcheck(const SelfcheckOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
