// replay_command.h: `ntlmssp-harness replay PATH...`.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace ntlm::harness {

struct ReplayCommandOptions {
  std::vector<std::string> paths;  // files, or folders searched for *.json recursively
  std::string json_path;           // --json FILE ("-" = stdout), JSON Lines
  bool verbose = false;            // print the server's log events per transcript
};

// Exit code: 0 all match, 1 any differs, 2 a path or transcript is invalid.
// Expands folders into their *.json files (recursively, sorted) and keeps
// files as given; errors are reported as "COMMAND: PATH: what".
bool CollectTranscriptFiles(const std::vector<std::string>& paths,
                            std::vector<std::filesystem::path>& files, std::ostream& err,
                            const char* command);

int RunReplayCommand(const ReplayCommandOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
