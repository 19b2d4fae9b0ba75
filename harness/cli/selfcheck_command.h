// selfcheck_command.h: `ntlmssp-harness selfcheck`: MS-NLMP 4.2 recomputed (harness/selfcheck.h).
#pragma once

#include <ostream>
#include <string>

#include "harness/selfcheck.h"

namespace CLI {
class App;
}

namespace ntlm::harness {

CLI::App* AddSelfcheckCommand(CLI::App& app, SelfcheckOptions& options);

// Exit code: 0 all values reproduced, 1 a value differs, 2 the vector file
// is missing or malformed.
int RunSelfcheckCommand(const SelfcheckOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
