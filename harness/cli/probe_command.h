// probe_command.h: `ntlmssp-harness probe`: the catalogue against a real server
// (harness/net/probe.h).
#pragma once

#include <ostream>

#include "harness/net/io/probe.h"

namespace CLI {
class App;
}

namespace ntlm::harness {

CLI::App* AddProbeCommand(CLI::App& app, ProbeOptions& options);

// Exit code: 0 probed (at least one policy explains the answers), 1 no
// policy explains them, 2 usage, 3 the target could not be reached.
int RunProbeCommand(const ProbeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
