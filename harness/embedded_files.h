// embedded_files.h: the data files built into the binary (cmake/EmbedFiles.cmake
// generates their bytes from vectors/ at build time): the MS-NLMP 4.2 vectors
// (`ms-nlmp-4.2.json`) and the variation catalogue (`variations/*.json`), so
// selfcheck, matrix and probe work from any directory and from an installed
// binary. Paths are relative to vectors/ and sorted.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ntlm::harness {

struct EmbeddedFile {
  std::string_view path;  // relative to vectors/, e.g. "variations/baselines.json"
  std::string_view bytes;
};

// Every embedded file, sorted by path.
std::span<const EmbeddedFile> EmbeddedFiles();

// The bytes of one embedded file, or nullopt.
std::optional<std::string_view> FindEmbeddedFile(std::string_view path);

}  // namespace ntlm::harness
