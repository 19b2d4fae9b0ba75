// replay_command.h: `ntlmssp-harness replay PATH...`.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace ntlm::harness {

struct ReplayCommandOptions {
  std::vector<std::string> paths;  // files, or folders searched for *.json recursively
  std::string json_path;           // --json FILE ("-" = stdout), JSON Lines
  bool verbose = false;            // print the server's log events per transcript
};

CLI::App* AddReplayCommand(CLI::App& app, ReplayCommandOptions& options);

// Exit code: 0 all match, 1 any differs, 2 a path or transcript is invalid.
int RunReplayCommand(const ReplayCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
