// replay_files.h: what `ntlmssp-harness replay PATH...` does: every transcript
// in the given files and folders replayed (harness/replay.h) and compared with
// its `expect`, one PASS/FAIL line each and a summary, or JSON Lines.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness/verdict.h"

namespace ntlm::harness {

struct ReplayFilesOptions {
  std::vector<std::string> paths;  // files, or folders searched for *.json recursively
  std::string json_path;           // --json FILE ("-" = stdout), JSON Lines
  bool verbose = false;            // print the server's log events per transcript
};

// kOk all match, kDifference any differs, kInvalidInput a path or transcript
// is invalid (invalid wins over a difference).
Verdict ReplayFiles(const ReplayFilesOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
