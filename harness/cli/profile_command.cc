#include "harness/cli/profile_command.h"

#include <CLI/CLI.hpp>
#include <filesystem>

#include "harness/cli/cli.h"
#include "harness/cli/matrix_command.h"
#include "harness/profile.h"
#include "harness/transcript_files.h"

namespace ntlm::harness {

CLI::App* AddProfileCommand(CLI::App& app, ProfileOptions& options) {
  auto* profile = app.add_subcommand(
      "profile",
      "Which of my clients break if I set this policy? Replays transcripts recorded from real "
      "clients under every NtlmMinServerSec value and LmCompatibilityLevel 0..5 and shows which "
      "accept each one and, for the rest, what is missing; exit 0, or 2 for unreadable input");
  profile->add_option("paths", options.paths, "Transcript files or folders")->required();
  AddMatrixOutputOptions(*profile, options.output);
  return profile;
}

int RunProfileCommand(const ProfileOptions& options, std::ostream& out, std::ostream& err) {
  std::string error;
  auto columns = SelectColumns(options.output, error);
  if (!columns) {
    err << "ntlmssp-harness profile: " << error << "\n";
    return kExitUsage;
  }
  std::vector<std::filesystem::path> files;
  if (!CollectTranscriptFiles(options.paths, files, err, "profile")) return kExitUsage;
  std::vector<ProfiledTranscript> transcripts;
  bool ok = true;
  for (const auto& f : files) {
    auto t = LoadTranscript(f, error);
    if (!t) {
      err << "profile: " << error << "\n";
      ok = false;
      continue;
    }
    transcripts.push_back(ProfiledTranscript{f.string(), std::move(*t)});
  }
  if (!ok) return kExitUsage;

  const MatrixRun run = ProfileTranscripts(transcripts, *columns);
  if (TableToStdout(options.output)) PrintProfileTable(run, out, UseColor(options.output.color));
  ReportInfo info{"profile", "ntlmssp-harness profile"};
  if (!WriteReports(run, info, options.output, out, err)) return kExitUsage;
  return kExitOk;
}

}  // namespace ntlm::harness
