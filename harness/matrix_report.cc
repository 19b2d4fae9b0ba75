#include "harness/matrix_report.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "harness/decode.h"
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
                      {"lm_compat_level", c.lm_compat_level},
                      {"epa", EpaSettingName(c.epa)}};
}

std::string CellSummary(const CellResult& cell, bool judged) {
  std::string s;
  if (cell.harness_error) return "harness error: " + *cell.harness_error;
  if (judged) s += "expected " + OutcomeText(cell.expected) + ", ";
  s += "observed " + OutcomeText(cell.observed);
  if (!cell.reason.empty()) s += " (" + cell.reason + ")";
  return s;
}

const char* kHtmlStyle = R"(h1{font-size:1.3em;margin:0 0 .3em}
.meta{color:#555;margin-bottom:1em}
table.matrix{border-collapse:collapse;font-size:12px}
table.matrix th,table.matrix td{border:1px solid #d0d7de;padding:3px 6px;text-align:center;white-space:nowrap}
table.matrix th.row{text-align:left;font-weight:normal;font-family:ui-monospace,monospace}
table.matrix thead th{position:sticky;top:0;background:#f6f8fa;font-family:ui-monospace,monospace}
td.cell{cursor:pointer;font-family:ui-monospace,monospace}
td.ok{background:#dafbe1}td.refused{background:#fff8c5}td.diff{background:#ffcecb;font-weight:bold}
td.selected{outline:3px solid #0969da}
#detail{margin-top:1.5em;border-top:2px solid #d0d7de;padding-top:1em}
#detail pre{background:#f6f8fa;padding:1em;overflow:auto;font-size:12px;max-height:40em}
.legend span{display:inline-block;padding:1px 6px;margin-right:6px;border:1px solid #d0d7de}
.summary{font-weight:bold;margin:1em 0}
)";

const char* kHtmlScript = R"(<script>
(function(){
  var data = JSON.parse(document.getElementById('cells').textContent);
  var detail = document.getElementById('detail');
  function text(tag, s){var e=document.createElement(tag);e.textContent=s;return e;}
  function open(td){
    var c = data[td.id]; if(!c) return;
    var prev = document.querySelector('td.selected'); if(prev) prev.classList.remove('selected');
    td.classList.add('selected');
    detail.innerHTML='';
    detail.appendChild(text('h2', c.row + ' under ' + c.column));
    detail.appendChild(text('p', c.policy));
    detail.appendChild(text('p', c.summary));
    if (c.why) detail.appendChild(text('p', 'Catalogue: ' + c.why));
    if (c.events.length){detail.appendChild(text('h3','Server log events'));
      detail.appendChild(text('pre', c.events.join('\n')));}
    if (c.notes.length){detail.appendChild(text('h3','Client notes'));
      detail.appendChild(text('pre', c.notes.join('\n')));}
    detail.appendChild(text('h3','Exchange (as ntlmssp-harness decode shows it)'));
    var pre=text('pre', c.decoded); pre.className='decoded'; detail.appendChild(pre);
    detail.setAttribute('data-open', td.id);
  }
  document.querySelectorAll('td.cell').forEach(function(td){
    td.addEventListener('click', function(){ open(td); });
  });
  var m = /^#click=(.+)$/.exec(location.hash);
  if (m){ var td=document.getElementById(decodeURIComponent(m[1])); if(td) td.click(); }
})();
</script>
)";

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

}  // namespace

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

void WriteHtml(const MatrixRun& run, const ReportInfo& info, std::ostream& out) {
  out << HtmlPageHead(info.title, kHtmlStyle);
  out << "<h1>" << XmlEscape(info.title) << "</h1>\n<div class=\"meta\">" << run.rows.size()
      << (run.judged ? " variations" : " transcripts") << " &times; " << run.columns.size()
      << " policies; server clock " << XmlEscape(FormatRfc3339(run.environment.now))
      << (run.environment.seed ? "; seed " + std::to_string(*run.environment.seed) : "")
      << ". Click a cell to open its exchange.</div>\n";
  out << "<div class=\"legend\"><span class=\"ok\" style=\"background:#dafbe1\">ok</span>"
         "<span style=\"background:#fff8c5\">refused as expected</span>"
         "<span style=\"background:#ffcecb\">differs from the catalogue</span> Columns: S = 0x10 "
         "SIGN, C = 0x20 SEAL, E = 0x80000 ESS, 8 = 0x20000000 128-bit; /Ln "
         "LmCompatibilityLevel; /mic /spn /cbt /all EPA.</div>\n";
  if (run.judged) {
    out << "<p class=\"summary\" id=\"summary\">" << run.passed << " passed, " << run.failed
        << " failed</p>\n";
  }
  out << "<table class=\"matrix\" id=\"matrix\"><thead><tr><th>"
      << (run.judged ? "variation" : "transcript") << "</th>";
  for (const auto& c : run.columns) {
    out << "<th title=\""
        << XmlEscape(ssp::Hex32(c.min_server_sec) + " " + ssp::MinSecNames(c.min_server_sec))
        << "\">" << XmlEscape(ColumnLabel(c)) << "</th>";
  }
  out << "</tr></thead><tbody>\n";
  nlohmann::json cells = nlohmann::json::object();
  for (size_t r = 0; r < run.rows.size(); ++r) {
    const MatrixRow& row = run.rows[r];
    out << "<tr><th class=\"row\" title=\"" << XmlEscape(row.description) << "\">"
        << XmlEscape(row.name) << "</th>";
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const CellResult& cell = row.cells[i];
      const std::string id = "c-" + std::to_string(r) + "-" + std::to_string(i);
      const bool differs = run.judged && !cell.matches;
      const char* cls = differs ? "diff" : cell.observed.accept ? "ok" : "refused";
      std::string label = cell.harness_error ? "ERROR" : ShortOutcome(cell.observed);
      if (differs) label += "!";
      out << "<td class=\"cell " << cls << "\" id=\"" << id << "\" title=\""
          << XmlEscape(CellSummary(cell, run.judged)) << "\">" << XmlEscape(label) << "</td>";
      const PolicyColumn& col = run.columns[i];
      nlohmann::json events = nlohmann::json::array();
      for (const auto& e : cell.events) events.push_back(e.kind + ": " + e.text);
      cells[id] = {
          {"row", row.name},
          {"column", ColumnLabel(col)},
          {"policy", "NtlmMinServerSec " + ssp::Hex32(col.min_server_sec) + " (" +
                         ssp::MinSecNames(col.min_server_sec) + "), LmCompatibilityLevel " +
                         std::to_string(col.lm_compat_level) + ", EPA " + EpaSettingName(col.epa)},
          {"summary", CellSummary(cell, run.judged)},
          {"why", row.why},
          {"events", events},
          {"notes", cell.client_notes},
          {"decoded", DecodedExchange(cell)}};
    }
    out << "</tr>\n";
  }
  out << "</tbody></table>\n<section id=\"detail\"><p>Click a cell to see its exchange.</p>"
         "</section>\n";
  // JSON inside <script>: "</" must not appear literally.
  out << "<script type=\"application/json\" id=\"cells\">"
      << ReplaceAll(cells.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "</",
                    "<\\/")
      << "</script>\n";
  out << kHtmlScript << "</body></html>\n";
}

std::string CellFileName(const CellResult& cell) {
  std::string name = cell.transcript.name;
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
  for (const auto& row : run.rows) {
    for (const auto& cell : row.cells) {
      const auto path = dir / CellFileName(cell);
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
