#include "harness/matrix_report.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "harness/decode.h"
#include "harness/min_server_sec.h"
#include "harness/xml_escape.h"
#include "ssp/flags.h"
#include "ssp/hex.h"

namespace ntlm::harness {
namespace {

using nlohmann::ordered_json;

ordered_json OutcomeJson(const Outcome& o) {
  ordered_json j;
  j["result"] = o.accept ? "accept" : "reject";
  j["status"] = ssp::StatusName(o.accept ? ssp::SecStatus::kOk : o.status);
  if (!o.accept) j["at"] = StageName(o.at);
  return j;
}

ordered_json ColumnJson(const PolicyColumn& c) {
  return ordered_json{{"label", ColumnLabel(c)},
                      {"min_server_sec", ssp::Hex32(c.min_server_sec)},
                      {"min_server_sec_names", ssp::MinSecNames(c.min_server_sec)},
                      {"preset", FindMinServerSecPreset(c.min_server_sec)
                                     ? ordered_json(FindMinServerSecPreset(c.min_server_sec)->name)
                                     : ordered_json(nullptr)},
                      {"lm_compat_level", c.lm_compat_level},
                      {"epa", EpaSettingName(c.epa)}};
}

}  // namespace

std::string CellSummary(const CellResult& cell, bool judged) {
  std::string s;
  if (cell.harness_error) return "harness error: " + *cell.harness_error;
  if (judged) s += "expected " + OutcomeText(cell.expected) + ", ";
  s += "observed " + OutcomeText(cell.observed);
  if (!cell.reason.empty()) s += " (" + cell.reason + ")";
  return s;
}

ordered_json MatrixJson(const MatrixRun& run, const ReportInfo& info) {
  ordered_json j;
  j["format"] = "ntlmssp-harness-matrix/1";
  j["command"] = info.command;
  j["catalogue"] = run.catalogue_dir;
  j["clock"] = FormatRfc3339(run.environment.now);
  j["seed"] = run.environment.seed ? ordered_json(*run.environment.seed) : ordered_json(nullptr);
  if (!run.transport.empty()) j["transport"] = run.transport;
  j["columns"] = ordered_json::array();
  for (const auto& c : run.columns) j["columns"].push_back(ColumnJson(c));
  j["rows"] = ordered_json::array();
  for (const auto& row : run.rows) {
    ordered_json r;
    r["name"] = row.name;
    r["description"] = row.description;
    r["source"] = row.source;
    r["group"] = row.group;
    if (!row.deviation.empty()) r["deviation"] = row.deviation;
    if (!row.why.empty()) r["why"] = row.why;
    r["cells"] = ordered_json::array();
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const CellResult& cell = row.cells[i];
      ordered_json c;
      c["column"] = ColumnLabel(run.columns[i]);
      if (run.judged) c["expected"] = OutcomeJson(cell.expected);
      c["observed"] = OutcomeJson(cell.observed);
      if (cell.at_index) c["observed"]["at_index"] = *cell.at_index;
      if (!cell.reason.empty()) c["observed"]["reason"] = cell.reason;
      if (run.judged) c["match"] = cell.matches;
      if (cell.harness_error) c["harness_error"] = *cell.harness_error;
      if (cell.negotiated_flags) c["negotiated_flags"] = ssp::Hex32(cell.negotiated_flags);
      if (!cell.user.empty()) c["user"] = cell.user;
      r["cells"].push_back(std::move(c));
    }
    j["rows"].push_back(std::move(r));
  }
  size_t accepted = 0, cells = 0;
  for (const auto& row : run.rows) {
    for (const auto& cell : row.cells) {
      ++cells;
      if (cell.observed.accept && !cell.harness_error) ++accepted;
    }
  }
  j["summary"] = {{"cells", cells}, {"accepted", accepted}};
  if (run.judged) {
    j["summary"]["passed"] = run.passed;
    j["summary"]["failed"] = run.failed;
  }
  return j;
}

void WriteJUnit(const MatrixRun& run, const ReportInfo& info, std::ostream& out) {
  size_t tests = 0, failures = 0, errors = 0;
  for (const auto& row : run.rows) {
    for (const auto& cell : row.cells) {
      ++tests;
      if (cell.harness_error) {
        ++errors;
      } else if (run.judged && !cell.matches) {
        ++failures;
      }
    }
  }
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out << "<testsuites name=\"" << XmlEscape(info.title) << "\" tests=\"" << tests
      << "\" failures=\"" << failures << "\" errors=\"" << errors << "\">\n";
  for (const auto& row : run.rows) {
    size_t f = 0, e = 0;
    for (const auto& cell : row.cells) {
      if (cell.harness_error) {
        ++e;
      } else if (run.judged && !cell.matches) {
        ++f;
      }
    }
    out << "  <testsuite name=\"" << XmlEscape(info.command + "." + row.name) << "\" tests=\""
        << row.cells.size() << "\" failures=\"" << f << "\" errors=\"" << e << "\">\n";
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const CellResult& cell = row.cells[i];
      const PolicyColumn& col = run.columns[i];
      out << "    <testcase classname=\"" << XmlEscape(info.command + "." + row.name)
          << "\" name=\""
          << XmlEscape(ColumnLabel(col) + " " + ssp::Hex32(col.min_server_sec) + " lm" +
                       std::to_string(col.lm_compat_level) + " epa-" + EpaSettingName(col.epa))
          << "\" time=\"0\">";
      if (cell.harness_error) {
        out << "\n      <error message=\"" << XmlEscape(*cell.harness_error) << "\"/>\n    ";
      } else if (run.judged && !cell.matches) {
        out << "\n      <failure message=\""
            << XmlEscape("expected " + OutcomeText(cell.expected) + ", got " +
                         OutcomeText(cell.observed))
            << "\">" << XmlEscape(CellSummary(cell, true) + "\n" + row.why) << "</failure>\n    ";
      } else {
        out << "\n      <system-out>" << XmlEscape(CellSummary(cell, run.judged))
            << "</system-out>\n    ";
      }
      out << "</testcase>\n";
    }
    out << "  </testsuite>\n";
  }
  out << "</testsuites>\n";
}

std::string DecodedExchange(const CellResult& cell) { return DecodedExchangeText(cell.transcript); }

std::string CellFileName(const CellResult& cell) {
  return TranscriptFileName(cell.transcript.name);
}

std::string TranscriptFileName(std::string name) {
  for (char& c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_')) {
      c = '_';
    }
  }
  return name + ".json";
}

bool RecordCells(const MatrixRun& run, const std::filesystem::path& dir, std::string& error) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    error = dir.string() + ": cannot create the folder: " + ec.message();
    return false;
  }
  // profile's cells share their transcript's name: a repeated name gets the
  // column's label, so every cell is its own file.
  std::set<std::string> used;
  for (const auto& row : run.rows) {
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const CellResult& cell = row.cells[i];
      std::string name = CellFileName(cell);
      if (!used.insert(name).second && i < run.columns.size()) {
        name = TranscriptFileName(cell.transcript.name + "." + ColumnLabel(run.columns[i]));
        used.insert(name);
      }
      const auto path = dir / name;
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << TranscriptToJson(cell.transcript).dump(2) << "\n";
      if (!out) {
        error = path.string() + ": cannot be written";
        return false;
      }
    }
  }
  return true;
}

}  // namespace ntlm::harness
