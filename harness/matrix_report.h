// matrix_report.h: the machine-readable and shareable forms of a matrix run
// (also used by `profile`, whose result is a MatrixRun too).
//   JSON  "ntlmssp-harness-matrix/1", schema docs/schemas/matrix.schema.json
//   JUnit one <testcase> per cell, schema docs/schemas/junit.xsd
//   HTML  harness/matrix_html.h (one page for matrix and profile)
//   --record DIR: every cell as a transcript (docs/transcript-format.md)
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>

#include "harness/matrix.h"

namespace ntlm::harness {

// Which command produced the run ("matrix" or "profile"): names the report.
struct ReportInfo {
  std::string command = "matrix";
  std::string title = "ntlmssp-harness matrix";
};

nlohmann::ordered_json MatrixJson(const MatrixRun& run, const ReportInfo& info);
void WriteJUnit(const MatrixRun& run, const ReportInfo& info, std::ostream& out);

// "expected accept, observed reject SEC_E_... at AUTHENTICATE (reason)", or
// the harness error: a cell in one line (JUnit and HTML reports).
std::string CellSummary(const CellResult& cell, bool judged);

// "windows-modern.S-C-8" style file names: the transcript name made safe.
std::string CellFileName(const CellResult& cell);
// `name` with every character but [A-Za-z0-9._-] replaced by '_', plus ".json".
std::string TranscriptFileName(std::string name);

// Writes every cell's transcript into `dir` (created if needed). Returns
// false with `error` naming the path on failure.
bool RecordCells(const MatrixRun& run, const std::filesystem::path& dir, std::string& error);

// The `decode` rendering of a cell's transcript (every token dissected).
std::string DecodedExchange(const CellResult& cell);

}  // namespace ntlm::harness
