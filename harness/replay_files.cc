#include "harness/replay_files.h"

#include <filesystem>
#include <fstream>

#include "harness/replay.h"
#include "harness/transcript.h"
#include "harness/transcript_files.h"

namespace ntlm::harness {
namespace fs = std::filesystem;

Verdict ReplayFiles(const ReplayFilesOptions& options, std::ostream& out, std::ostream& err) {
  std::vector<fs::path> files;
  bool inputs_ok = CollectTranscriptFiles(options.paths, files, err, "replay");

  std::ofstream json_file;
  std::ostream* json = nullptr;
  if (!options.json_path.empty()) {
    if (options.json_path == "-") {
      json = &out;
    } else {
      json_file.open(options.json_path);
      if (!json_file) {
        err << "replay: cannot write --json file " << options.json_path << "\n";
        return Verdict::kInvalidInput;
      }
      json = &json_file;
    }
  }

  size_t passed = 0, failed = 0, invalid = 0;
  for (const auto& file : files) {
    std::string error;
    auto transcript = LoadTranscript(file, error);
    if (!transcript) {
      err << "replay: invalid transcript " << error << "\n";
      ++invalid;
      continue;
    }
    ReplayOutcome outcome = ReplayServerSide(*transcript);
    auto difference = FirstDifference(*transcript, outcome);
    if (json != nullptr) {
      *json << ReplayReportJson(file.string(), *transcript, outcome, difference).dump() << "\n";
    }
    if (json != &out) {
      if (difference) {
        out << "FAIL " << transcript->name << ": " << *difference << "\n";
      } else {
        out << "PASS " << transcript->name << ": " << (outcome.accept ? "accept" : "reject") << " "
            << ssp::StatusName(outcome.status);
        if (!outcome.accept && outcome.at) out << " at " << *outcome.at;
        if (outcome.accept && outcome.user) out << " as " << *outcome.user;
        out << "\n";
      }
      if (options.verbose) {
        for (const auto& ev : outcome.events) out << "    " << ev.kind << ": " << ev.text << "\n";
      }
    }
    difference ? ++failed : ++passed;
  }
  if (json != &out) {
    out << passed << " passed, " << failed << " failed";
    if (invalid > 0) out << ", " << invalid << " invalid";
    out << "\n";
  }
  if (!inputs_ok || invalid > 0) return Verdict::kInvalidInput;
  return failed > 0 ? Verdict::kDifference : Verdict::kOk;
}

}  // namespace ntlm::harness
