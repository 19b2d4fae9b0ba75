#include "harness/user_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace ntlm::harness {

std::optional<ssp::InMemoryCredentialStore> LoadUserFile(const std::string& path,
                                                         std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "user file " + path + ": cannot open (" + std::strerror(errno) + ")";
    return std::nullopt;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = "user file " + path + ": read error";
    return std::nullopt;
  }
  auto store = ssp::ParseUserFile(text);
  if (!store.ok()) {
    error = "user file " + path + ": " + store.error().reason;
    return std::nullopt;
  }
  return std::move(*store);
}

}  // namespace ntlm::harness
