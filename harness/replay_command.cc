#include "harness/replay_command.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "harness/cli.h"
#include "harness/replay.h"
#include "harness/transcript.h"

namespace ntlm::harness {
namespace fs = std::filesystem;

bool CollectTranscriptFiles(const std::vector<std::string>& paths, std::vector<fs::path>& files,
                            std::ostream& err, const char* command) {
  bool ok = true;
  for (const auto& p : paths) {
    std::error_code ec;
    fs::path path(p);
    if (fs::is_directory(path, ec)) {
      std::vector<fs::path> found;
      for (auto it = fs::recursive_directory_iterator(path, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && it->path().extension() == ".json") found.push_back(it->path());
      }
      if (ec) {
        err << command << ": " << p << ": " << ec.message() << "\n";
        ok = false;
        continue;
      }
      if (found.empty()) {
        err << command << ": " << p << ": no *.json transcripts in this folder\n";
        ok = false;
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
    } else {
      err << command << ": " << p << ": no such file or folder\n";
      ok = false;
    }
  }
  return ok;
}

int RunReplayCommand(const ReplayCommandOptions& options, std::ostream& out, std::ostream& err) {
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
        return kExitUsage;
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
  if (!inputs_ok || invalid > 0) return kExitUsage;
  return failed > 0 ? kExitDifference : kExitOk;
}

}  // namespace ntlm::harness
