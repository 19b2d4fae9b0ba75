#include "harness/cli/replay_command.h"

#include <CLI/CLI.hpp>

#include "harness/cli/cli.h"

namespace ntlm::harness {
CLI::App* AddReplayCommand(CLI::App& app, ReplayCommandOptions& options) {
  auto* replay = app.add_subcommand(
      "replay",
      "Play the server side of transcripts (files or folders) and compare with their expect; "
      "exit 0 all match, 1 a difference, 2 an invalid transcript");
  replay->add_option("paths", options.paths, "Transcript files or folders")->required();
  replay->add_option("--json", options.json_path,
                     "Write one JSON object per transcript (JSON Lines) to FILE, '-' for stdout");
  replay->add_flag("-v,--verbose", options.verbose, "Print the server's log events");
  return replay;
}

int RunReplayCommand(const ReplayCommandOptions& options, std::ostream& out, std::ostream& err) {
  return ExitCode(ReplayFiles(options, out, err));
}

}  // namespace ntlm::harness
