#include "harness/matrix.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <iomanip>

#include "harness/min_server_sec.h"
#include "ssp/flags.h"
#include "ssp/hex.h"

namespace ntlm::harness {
namespace {

const char* kGreen = "\x1b[32m";
const char* kYellow = "\x1b[33m";
const char* kRed = "\x1b[1;31m";
const char* kReset = "\x1b[0m";

}  // namespace

MatrixRun RunMatrix(const Catalogue& catalogue, const std::vector<const Variation*>& variations,
                    const std::vector<PolicyColumn>& columns, const CellEnvironment& environment) {
  return RunMatrix(catalogue, variations, columns, environment, RunCell);
}

MatrixRun RunMatrix(const Catalogue& catalogue, const std::vector<const Variation*>& variations,
                    const std::vector<PolicyColumn>& columns, const CellEnvironment& environment,
                    const CellFunction& cell) {
  MatrixRun run;
  run.columns = columns;
  run.environment = environment;
  for (const Variation* v : variations) {
    MatrixRow row;
    row.name = v->name;
    row.description = v->description;
    row.why = v->why;
    row.source = v->file.string();
    row.group = v->baseline;
    row.deviation = v->client_deviation_text;
    for (const auto& column : columns) {
      row.cells.push_back(cell(catalogue, *v, column, environment));
      if (row.cells.back().matches) {
        ++run.passed;
      } else {
        ++run.failed;
      }
    }
    run.rows.push_back(std::move(row));
  }
  return run;
}

std::string ShortOutcome(const Outcome& o) {
  if (o.accept) return "ok";
  switch (o.status) {
    case ssp::SecStatus::kUnsupportedFunction:
      return "UNSUP";
    case ssp::SecStatus::kLogonDenied:
      return "DENIED";
    case ssp::SecStatus::kTimeSkew:
      return "SKEW";
    case ssp::SecStatus::kBadBindings:
      return "BIND";
    case ssp::SecStatus::kOutOfSequence:
      return "SEQ";
    case ssp::SecStatus::kMessageAltered:
      return "ALTER";
    case ssp::SecStatus::kInvalidToken:
      return "TOKEN";
    case ssp::SecStatus::kInvalidParameter:
      return "PARAM";
    default:
      return "ERR";
  }
}

std::string PresetLegend(const std::vector<PolicyColumn>& columns) {
  std::string legend;
  std::vector<uint32_t> seen;
  for (const auto& c : columns) {
    const auto* preset = FindMinServerSecPreset(c.min_server_sec);
    if (!preset || std::find(seen.begin(), seen.end(), c.min_server_sec) != seen.end()) continue;
    seen.push_back(c.min_server_sec);
    legend += (legend.empty() ? "Presets: " : ", ") +
              ColumnLabel(PolicyColumn{c.min_server_sec, 3, EpaSetting::kOff}).substr(0, 4) +
              " = " + preset->name;
  }
  return legend.empty() ? legend : legend + ".\n";
}

void PrintMatrixTable(const MatrixRun& run, std::ostream& out, bool color) {
  size_t name_width = 9;
  for (const auto& row : run.rows) name_width = std::max(name_width, row.name.size());
  std::vector<size_t> widths;
  for (const auto& c : run.columns) widths.push_back(std::max<size_t>(ColumnLabel(c).size(), 6));

  out << "ntlmssp-harness " << (run.judged ? "matrix: " : "profile: ") << run.rows.size()
      << (run.judged ? " variations x " : " transcripts x ") << run.columns.size()
      << " policies, server clock " << FormatRfc3339(run.environment.now)
      << (run.environment.seed ? ", seed " + std::to_string(*run.environment.seed) : "")
      << (run.transport.empty() ? "" : ", transport " + run.transport) << "\n\n";
  const char* row_title = run.judged ? "variation" : "transcript";
  out << std::left << std::setw(static_cast<int>(name_width + 2)) << row_title;
  for (size_t i = 0; i < run.columns.size(); ++i) {
    out << std::setw(static_cast<int>(widths[i] + 1)) << ColumnLabel(run.columns[i]);
  }
  out << "\n";
  for (const auto& row : run.rows) {
    out << std::left << std::setw(static_cast<int>(name_width + 2)) << row.name;
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const CellResult& cell = row.cells[i];
      std::string text = cell.harness_error ? "ERROR" : ShortOutcome(cell.observed);
      const bool differs = run.judged && !cell.matches;
      if (differs) text += "!";
      std::string padded = text;
      padded.resize(widths[i] + 1, ' ');
      if (color) {
        const char* c = differs ? kRed : cell.observed.accept ? kGreen : kYellow;
        out << c << text << kReset << padded.substr(text.size());
      } else {
        out << padded;
      }
    }
    out << "\n";
  }
  out << "\nColumns: NtlmMinServerSec bits required, S = 0x10 integrity (SIGN), C = 0x20 "
         "confidentiality (SEAL),\n  E = 0x80000 NTLMv2 session security (ESS), 8 = 0x20000000 "
         "128-bit; /Ln = LmCompatibilityLevel n; /mic /spn /cbt /all = EPA checks.\n"
      << "Cells: ok = authenticated (and the session messages verified); UNSUP = "
         "SEC_E_UNSUPPORTED_FUNCTION, DENIED = SEC_E_LOGON_DENIED,\n  SKEW = SEC_E_TIME_SKEW, "
         "BIND = SEC_E_BAD_BINDINGS, SEQ = SEC_E_OUT_OF_SEQUENCE, ALTER = SEC_E_MESSAGE_ALTERED,\n"
         "  TOKEN = SEC_E_INVALID_TOKEN; '!' = differs from the catalogue's expectation.\n"
      << PresetLegend(run.columns);

  if (!run.judged) return;
  size_t n = 0;
  for (const auto& row : run.rows) {
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const CellResult& cell = row.cells[i];
      if (cell.matches) continue;
      if (n == 0) out << "\nDifferences:\n";
      ++n;
      const PolicyColumn& col = run.columns[i];
      out << "  " << n << ". " << row.name << " under " << ColumnLabel(col) << " ("
          << MinServerSecText(col.min_server_sec) << ", LmCompatibilityLevel "
          << col.lm_compat_level << ", EPA " << EpaSettingName(col.epa) << ")\n";
      if (cell.harness_error) {
        out << "     harness error: " << *cell.harness_error << "\n";
        continue;
      }
      out << "     expected " << OutcomeText(cell.expected) << ", got "
          << OutcomeText(cell.observed) << "\n";
      if (!cell.reason.empty()) out << "     server: " << cell.reason << "\n";
      out << "     catalogue: " << row.why << " ("
          << std::filesystem::path(row.source).filename().string() << ")\n";
    }
  }
  out << "\n" << run.passed << " passed, " << run.failed << " failed\n";
}

}  // namespace ntlm::harness
