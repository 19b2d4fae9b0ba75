// peer_template.h: the configuration templates of third-party peers under
// scripts/peers/, shared by the tests that start those peers and by
// scripts/bench-servers.sh (one place for each peer's configuration).
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

namespace ntlm::harness::net::testing {

// scripts/peers/<name> with every `@KEY@` of `values` replaced; empty when
// the file cannot be read.
inline std::string ReadPeerTemplate(const std::string& name,
                                    const std::map<std::string, std::string>& values) {
  std::ifstream in(std::filesystem::path(NTLM_SOURCE_DIR) / "scripts" / "peers" / name);
  std::string text(std::istreambuf_iterator<char>(in), {});
  for (const auto& [key, value] : values) {
    const std::string marker = "@" + key + "@";
    for (auto at = text.find(marker); at != std::string::npos;
         at = text.find(marker, at + value.size()))
      text.replace(at, marker.size(), value);
  }
  return text;
}

}  // namespace ntlm::harness::net::testing
