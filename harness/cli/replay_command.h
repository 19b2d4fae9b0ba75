// replay_command.h: `ntlmssp-harness replay PATH...`.
#pragma once

#include <ostream>

#include "harness/replay_files.h"

namespace CLI {
class App;
}

namespace ntlm::harness {

using ReplayCommandOptions = ReplayFilesOptions;

CLI::App* AddReplayCommand(CLI::App& app, ReplayCommandOptions& options);

// Exit code: 0 all match, 1 any differs, 2 a path or transcript is invalid.
int RunReplayCommand(const ReplayCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
