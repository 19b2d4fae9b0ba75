// profile_command.h: `ntlmssp-harness profile`: which of my clients break if
// I set this policy? (harness/profile.h does the work.)
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness/matrix_output.h"

namespace CLI {
class App;
}

namespace ntlm::harness {

struct ProfileOptions {
  ProfileOptions() { output.lm_compat = "0..5"; }
  std::vector<std::string> paths;  // transcript files or folders
  MatrixOutputOptions output;      // output.lm_compat defaults to "0..5" for profile
};

CLI::App* AddProfileCommand(CLI::App& app, ProfileOptions& options);

int RunProfileCommand(const ProfileOptions& options, std::ostream& out, std::ostream& err);

}  // namespace ntlm::harness
