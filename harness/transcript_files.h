// transcript_files.h: the transcript files named on a command line (files,
// or folders searched for *.json), for replay and profile.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

namespace ntlm::harness {

// Expands folders into their *.json files (recursively, sorted) and keeps
// files as given; errors are reported as "COMMAND: PATH: what". False when a
// path was missing, unreadable, or a folder without transcripts.
bool CollectTranscriptFiles(const std::vector<std::string>& paths,
                            std::vector<std::filesystem::path>& files, std::ostream& err,
                            const char* command);

}  // namespace ntlm::harness
