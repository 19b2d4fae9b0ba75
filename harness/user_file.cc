#include "harness/user_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "crypto/secret.h"

namespace ntlm::harness {
namespace {

bool InsecureAllowedByEnvironment() {
  const char* value = std::getenv(kAllowInsecureUserFileEnv);
  return value != nullptr && std::string_view(value) == "1";
}

std::string OctalMode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Closes the descriptor on every path out.
struct FileDescriptor {
  int fd = -1;
  ~FileDescriptor() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

std::optional<std::string> SecretFileModeProblem(unsigned mode, const std::string& what,
                                                 const std::string& path, UserFileOptions options) {
  if ((mode & 077) == 0 || options.allow_insecure_permissions || InsecureAllowedByEnvironment()) {
    return std::nullopt;
  }
  return what + " " + path + ": mode " + OctalMode(static_cast<mode_t>(mode)) +
         " lets group or others access it, and it holds passwords or NT hashes; refusing it. "
         "Fix: chmod 600 " +
         path + " (tests may set " + kAllowInsecureUserFileEnv + "=1)";
}

std::optional<ssp::InMemoryCredentialStore> LoadUserFile(const std::string& path,
                                                         std::string& error,
                                                         UserFileOptions options) {
  // The mode is checked on the descriptor that is read (no race with a rename).
  FileDescriptor file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.fd < 0) {
    error = "user file " + path + ": cannot open (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  struct stat info {};
  if (::fstat(file.fd, &info) != 0) {
    error = "user file " + path + ": cannot stat (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  if (auto problem = SecretFileModeProblem(info.st_mode, "user file", path, options)) {
    error = *problem;
    return std::nullopt;
  }
  // The text holds passwords: read into wiping buffers only (a full buffer is
  // copied into one twice its size; the old one wipes itself when replaced).
  crypto::SecretBuffer text(4096);
  size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      crypto::SecretBuffer bigger(text.size() * 2);
      std::memcpy(bigger.data(), text.data(), used);
      text = std::move(bigger);
    }
    const ssize_t n = ::read(file.fd, text.data() + used, text.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      error = "user file " + path + ": read error (" + std::strerror(errno) + ")";
      return std::nullopt;
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
  }
  auto store =
      ssp::ParseUserFile(std::string_view(reinterpret_cast<const char*>(text.data()), used));
  if (!store.ok()) {
    error = "user file " + path + ": " + store.error().reason;
    return std::nullopt;
  }
  return std::move(*store);
}

}  // namespace ntlm::harness
