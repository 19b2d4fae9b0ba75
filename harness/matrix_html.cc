#include "harness/matrix_html.h"

#include <set>
#include <string>
#include <vector>

#include "harness/min_server_sec.h"
#include "harness/xml_escape.h"
#include "ssp/hex.h"

namespace ntlm::harness {
namespace {

const char* kHtmlStyle = R"(h1{font-size:1.3em;margin:0 0 .3em}
.meta{color:#555;margin-bottom:1em}
table.matrix{border-collapse:collapse;font-size:12px}
table.matrix th,table.matrix td{border:1px solid #d0d7de;padding:3px 6px;text-align:center;white-space:nowrap}
table.matrix th.row{text-align:left;font-weight:normal;font-family:ui-monospace,monospace}
table.matrix thead th{position:sticky;top:0;background:#f6f8fa;font-family:ui-monospace,monospace}
table.matrix thead th span{display:block}
table.matrix thead th .hex{font-weight:normal;color:#555;font-size:11px}
table.matrix thead th .preset{font-weight:normal;color:#0969da;font-size:11px}
tr.group-head th,tr.group-head td{background:#eaeef2;text-align:left}
tr.group-head td.count,tr.totals td.count{text-align:center;font-family:ui-monospace,monospace}
tr.totals th,tr.totals td{background:#f6f8fa;font-weight:bold;text-align:left}
td.count.zero{color:#8c959f}
td.cell{cursor:pointer;font-family:ui-monospace,monospace}
td.cell:focus{outline:3px solid #8250df}
td.ok{background:#dafbe1}td.refused{background:#fff8c5}td.diff{background:#ffcecb;font-weight:bold}
td.selected{outline:3px solid #0969da}
.filter{margin:.6em 0}.filter input{font-size:1em;padding:3px 6px;width:24em}
#detail{margin-top:1.5em;border-top:2px solid #d0d7de;padding:1em 0 0;position:sticky;bottom:0;
  max-height:45vh;overflow:auto;background:#fff;box-shadow:0 -4px 8px rgba(0,0,0,.08)}
#detail pre{background:#f6f8fa;padding:1em;overflow:auto;font-size:12px}
.legend span{display:inline-block;padding:1px 6px;margin-right:6px;border:1px solid #d0d7de}
.summary{font-weight:bold;margin:1em 0}
)";

// The filter recounts with the same rule the page was written with: a cell
// counts as a refusal when it carries data-refused.
const char* kHtmlScript = R"(<script>
(function(){
  var data = JSON.parse(document.getElementById('cells').textContent);
  var detail = document.getElementById('detail');
  var filter = document.getElementById('filter');
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
    // The panel sticks to the bottom of the window: the opened exchange is in
    // sight wherever the clicked cell is (data-in-view records that it is).
    detail.scrollTop = 0;
    var r = detail.getBoundingClientRect();
    detail.setAttribute('data-in-view', r.top < window.innerHeight && r.bottom > 0 ? '1' : '0');
    // The cell stays in sight above the panel (data-cell-in-view records it).
    var c = td.getBoundingClientRect(), top = Math.min(r.top, window.innerHeight);
    if (c.top < 0 || c.bottom > top) window.scrollBy(0, (c.top + c.bottom - top) / 2);
    c = td.getBoundingClientRect();
    var visible = c.top >= 0 && c.bottom <= detail.getBoundingClientRect().top;
    detail.setAttribute('data-cell-in-view', visible ? '1' : '0');
  }
  function setCounts(tds, counts){
    tds.forEach(function(td,i){td.textContent=counts[i];td.classList.toggle('zero',counts[i]===0);});
  }
  function applyFilter(){
    var q = filter.value.trim().toLowerCase(), shown = 0, total = null;
    document.querySelectorAll('tbody.group').forEach(function(g){
      var counts = null, n = 0;
      g.querySelectorAll('tr.item').forEach(function(tr){
        var cells = tr.querySelectorAll('td.cell');
        if (!counts){ counts = []; cells.forEach(function(){ counts.push(0); }); }
        var show = !q || tr.getAttribute('data-text').toLowerCase().indexOf(q) >= 0;
        tr.hidden = !show;
        if (!show) return;
        ++n;
        cells.forEach(function(td,i){ if (td.hasAttribute('data-refused')) ++counts[i]; });
      });
      g.querySelector('tr.group-head').hidden = n === 0;
      g.querySelector('tr.group-head .n').textContent = n;
      setCounts(g.querySelectorAll('tr.group-head td.count'), counts);
      if (!total) total = counts.map(function(){ return 0; });
      counts.forEach(function(c,i){ total[i] += c; });
      shown += n;
    });
    setCounts(document.querySelectorAll('tr.totals td.count'), total || []);
    document.querySelector('tr.totals .n').textContent = shown;
    document.getElementById('shown').textContent = shown;
  }
  filter.addEventListener('input', applyFilter);
  document.querySelectorAll('td.cell').forEach(function(td){
    td.addEventListener('click', function(){ open(td); });
    td.addEventListener('keydown', function(e){
      if (e.key === 'Enter' || e.key === ' '){ e.preventDefault(); open(td); }
    });
  });
  var params = {};
  location.hash.replace(/^#/, '').split('&').forEach(function(p){
    var i = p.indexOf('='); if (i > 0) params[p.slice(0, i)] = decodeURIComponent(p.slice(i + 1));
  });
  if (params.filter !== undefined){ filter.value = params.filter; filter.dispatchEvent(new Event('input')); }
  if (params.click){ var td = document.getElementById(params.click); if (td) td.click(); }
})();
</script>
)";

struct Words {
  const char* row;    // "variation" / "transcript"
  const char* rows;   // "variations" / "transcripts"
  const char* group;  // "baseline" / "client"
};

Words WordsFor(const MatrixRun& run) {
  if (run.judged) return {"variation", "variations", "baseline"};
  return {"transcript", "transcripts", "client"};
}

bool Refused(const CellResult& cell) { return !cell.observed.accept || cell.harness_error; }

// Row indices by group, the groups in the order they first appear.
std::vector<std::vector<size_t>> GroupRows(const MatrixRun& run) {
  std::vector<std::string> names;
  std::vector<std::vector<size_t>> groups;
  for (size_t r = 0; r < run.rows.size(); ++r) {
    size_t g = 0;
    while (g < names.size() && names[g] != run.rows[r].group) ++g;
    if (g == names.size()) {
      names.push_back(run.rows[r].group);
      groups.emplace_back();
    }
    groups[g].push_back(r);
  }
  return groups;
}

// "<td class="count">N</td>" per column: the refusals among `rows`.
std::string CountCells(const MatrixRun& run, const std::vector<size_t>& rows) {
  std::string out;
  for (size_t i = 0; i < run.columns.size(); ++i) {
    size_t n = 0;
    for (size_t r : rows) n += Refused(run.rows[r].cells[i]) ? 1 : 0;
    out += std::string("<td class=\"count") + (n == 0 ? " zero" : "") + "\">" + std::to_string(n) +
           "</td>";
  }
  return out;
}

std::string ColumnHead(const PolicyColumn& c) {
  const auto* preset = FindMinServerSecPreset(c.min_server_sec);
  return "<th scope=\"col\" title=\"" + XmlEscape(MinServerSecText(c.min_server_sec)) +
         "\"><span class=\"label\">" + XmlEscape(ColumnLabel(c)) + "</span><span class=\"hex\">" +
         ssp::Hex32(c.min_server_sec) + "</span><span class=\"preset\">" +
         (preset ? XmlEscape(preset->name) : "&nbsp;") + "</span></th>";
}

std::string CellLabel(const MatrixRun& run, const CellResult& cell) {
  std::string label = cell.harness_error ? "ERROR" : ShortOutcome(cell.observed);
  if (run.judged && !cell.matches) label += "!";
  return label;
}

// What the filter box matches: name, deviation, description, every status.
std::string RowFilterText(const MatrixRun& run, const MatrixRow& row) {
  std::string text = row.name + " " + row.deviation + " " + row.description;
  std::set<std::string> statuses;
  for (const auto& cell : row.cells) {
    statuses.insert(CellLabel(run, cell));
    statuses.insert(
        ssp::StatusName(cell.observed.accept ? ssp::SecStatus::kOk : cell.observed.status));
  }
  for (const auto& s : statuses) text += " " + s;
  return text;
}

nlohmann::json CellDetail(const MatrixRun& run, const MatrixRow& row, size_t i) {
  const CellResult& cell = row.cells[i];
  const PolicyColumn& col = run.columns[i];
  nlohmann::json events = nlohmann::json::array();
  for (const auto& e : cell.events) events.push_back(e.kind + ": " + e.text);
  return {{"row", row.name},
          {"column", ColumnLabel(col)},
          {"policy", "NtlmMinServerSec " + MinServerSecText(col.min_server_sec) +
                         ", LmCompatibilityLevel " + std::to_string(col.lm_compat_level) +
                         ", EPA " + EpaSettingName(col.epa)},
          {"summary", CellSummary(cell, run.judged)},
          {"why", row.why},
          {"events", events},
          {"notes", cell.client_notes},
          {"decoded", DecodedExchange(cell)}};
}

void WriteRow(const MatrixRun& run, size_t r, std::ostream& out, nlohmann::json& cells) {
  const MatrixRow& row = run.rows[r];
  out << "<tr class=\"item\" data-text=\"" << XmlEscape(RowFilterText(run, row))
      << "\"><th class=\"row\" scope=\"row\" title=\"" << XmlEscape(row.description) << "\">"
      << XmlEscape(row.name) << "</th>";
  for (size_t i = 0; i < row.cells.size(); ++i) {
    const CellResult& cell = row.cells[i];
    const std::string id = "c-" + std::to_string(r) + "-" + std::to_string(i);
    const char* cls = run.judged && !cell.matches ? "diff"
                      : cell.observed.accept      ? "ok"
                                                  : "refused";
    out << "<td class=\"cell " << cls << "\" id=\"" << id << "\" tabindex=\"0\""
        << (Refused(cell) ? " data-refused" : "") << " title=\""
        << XmlEscape(CellSummary(cell, run.judged)) << "\">" << XmlEscape(CellLabel(run, cell))
        << "</td>";
    cells[id] = CellDetail(run, row, i);
  }
  out << "</tr>\n";
}

void WriteIntro(const MatrixRun& run, const ReportInfo& info, size_t groups, std::ostream& out) {
  const Words w = WordsFor(run);
  out << "<h1>" << XmlEscape(info.title) << "</h1>\n<div class=\"meta\">" << run.rows.size() << " "
      << w.rows << " in " << groups << " " << (groups == 1 ? w.group : std::string(w.group) + "s")
      << " &times; " << run.columns.size() << " policies; server clock "
      << XmlEscape(FormatRfc3339(run.environment.now))
      << (run.environment.seed ? "; seed " + std::to_string(*run.environment.seed) : "")
      << ". Click a cell (or focus it and press Enter) to open its exchange.</div>\n";
  out << "<div class=\"legend\"><span class=\"ok\" style=\"background:#dafbe1\">ok</span>"
         "<span style=\"background:#fff8c5\">"
      << (run.judged ? "refused as expected" : "refused") << "</span>"
      << (run.judged ? "<span style=\"background:#ffcecb\">differs from the catalogue</span>" : "")
      << " Columns: S = 0x10 "
         "SIGN, C = 0x20 SEAL, E = 0x80000 ESS, 8 = 0x20000000 128-bit; /Ln "
         "LmCompatibilityLevel; /mic /spn /cbt /all EPA.<br>"
      << XmlEscape(PresetLegend(run.columns)) << "</div>\n";
  if (run.judged) {
    out << "<p class=\"summary\" id=\"summary\">" << run.passed << " passed, " << run.failed
        << " failed</p>\n";
  }
  out << "<p class=\"filter\"><label for=\"filter\">Filter " << w.rows
      << "</label> <input type=\"search\" id=\"filter\" autocomplete=\"off\" placeholder=\"name, "
      << (run.judged ? "deviation" : "client") << " or status, e.g. DENIED\"> <span id=\"shown\">"
      << run.rows.size() << "</span> of " << run.rows.size() << " " << w.rows
      << " shown; the counts are refusals among the rows shown.</p>\n";
}

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) {
    s.replace(pos, from.size(), to);
  }
  return s;
}

}  // namespace

void WriteHtml(const MatrixRun& run, const ReportInfo& info, std::ostream& out) {
  const Words w = WordsFor(run);
  const auto groups = GroupRows(run);
  out << HtmlPageHead(info.title, kHtmlStyle);
  WriteIntro(run, info, groups.size(), out);
  out << "<table class=\"matrix\" id=\"matrix\"><thead><tr><th scope=\"col\">" << w.row << "</th>";
  for (const auto& c : run.columns) out << ColumnHead(c);
  out << "</tr></thead>\n";
  std::vector<size_t> all(run.rows.size());
  for (size_t r = 0; r < all.size(); ++r) all[r] = r;
  out << "<tbody class=\"totals\"><tr class=\"totals\"><th scope=\"row\">refusals, all " << w.rows
      << " shown: <span class=\"n\">" << all.size() << "</span></th>" << CountCells(run, all)
      << "</tr></tbody>\n";
  nlohmann::json cells = nlohmann::json::object();
  for (size_t g = 0; g < groups.size(); ++g) {
    const std::string& name = run.rows[groups[g].front()].group;
    out << "<tbody class=\"group\" id=\"g-" << g << "\" data-group=\"" << XmlEscape(name)
        << "\"><tr class=\"group-head\"><th scope=\"rowgroup\">" << w.group << " <b>"
        << XmlEscape(name) << "</b>, " << w.rows << ": <span class=\"n\">" << groups[g].size()
        << "</span></th>" << CountCells(run, groups[g]) << "</tr>\n";
    for (size_t r : groups[g]) WriteRow(run, r, out, cells);
    out << "</tbody>\n";
  }
  out << "</table>\n<section id=\"detail\"><p>Click a cell to see its exchange.</p>"
         "</section>\n";
  // JSON inside <script>: "</" must not appear literally.
  out << "<script type=\"application/json\" id=\"cells\">"
      << ReplaceAll(cells.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "</",
                    "<\\/")
      << "</script>\n";
  out << kHtmlScript << "</body></html>\n";
}

}  // namespace ntlm::harness
