#include "harness/transcript_files.h"

#include <algorithm>

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

}  // namespace ntlm::harness
