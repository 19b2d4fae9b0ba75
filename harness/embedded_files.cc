#include "harness/embedded_files.h"

namespace ntlm::harness {

std::optional<std::string_view> FindEmbeddedFile(std::string_view path) {
  for (const auto& file : EmbeddedFiles()) {
    if (file.path == path) return file.bytes;
  }
  return std::nullopt;
}

}  // namespace ntlm::harness
