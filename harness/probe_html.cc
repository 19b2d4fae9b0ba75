// probe_html.cc: probe's HTML report (see probe_html.h).
#include "harness/probe_html.h"

#include "harness/xml_escape.h"
#include "ssp/flags.h"
#include "ssp/hex.h"

namespace ntlm::harness {

namespace {

const char* kStyle = R"(h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}h3{font-size:1em}
table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #d0d7de;padding:3px 6px;text-align:left}
td.name,li code{font-family:ui-monospace,monospace}
tr.accept td.answer{background:#dafbe1}tr.reject td.answer{background:#fff8c5}
tr.skipped td.answer,tr.error td.answer{color:#57606a}
tr:target{outline:3px solid #0969da}
)";

std::string RowClass(const ProbeObservation& o) {
  if (o.skipped) return "skipped";
  if (!o.error.empty()) return "error";
  return o.accepted ? "accept" : "reject";
}

// One variation as evidence: its name linked to its row, and its answer.
void Evidence(const ProbeHtmlReport& r, const ProbeObservation* o, std::ostream& out) {
  const auto& all = *r.observations;
  const size_t i = static_cast<size_t>(o - all.data());
  const std::string name = XmlEscape(o->variation->name);
  out << "<li><a href=\"#v-" << name << "\"><code>" << name
      << "</code></a>: " << XmlEscape(i < r.answers.size() ? r.answers[i] : RowClass(*o))
      << "</li>\n";
}

void WriteVerdict(const ProbeHtmlReport& r, std::ostream& out) {
  const ProbeVerdict& v = *r.verdict;
  out << "<p class=\"summary\">No NtlmMinServerSec / LmCompatibilityLevel / EPA combination of "
         "the catalogue explains every answer.</p>\n";
  out << "<div class=\"verdict\" id=\"closest\"><h2>Closest policy</h2>\n<p>NtlmMinServerSec "
      << ssp::Hex32(v.closest.min_server_sec) << " ("
      << XmlEscape(ssp::MinSecNames(v.closest.min_server_sec)) << ") with LmCompatibilityLevel "
      << v.closest.lm_compat_level << ", EPA " << EpaSettingName(v.closest.epa)
      << ": explains <span class=\"explained\">" << v.explained << "</span> of <span "
      << "class=\"compared\">" << v.compared << "</span> answers.</p></div>\n";
  out << "<div class=\"verdict\" id=\"checks-not-made\"><h2>Checks Windows makes that the server "
         "does not</h2>\n"
      << "<p>Accepted, although the closest policy (Windows) refuses them.</p>\n<ul>\n";
  for (const auto* o : v.checks_not_made) Evidence(r, o, out);
  out << "</ul></div>\n";
  out << "<div class=\"verdict\" id=\"refusal-groups\"><h2>Refusals no policy explains</h2>\n";
  for (const auto& g : v.unexplained_refusals) {
    out << "<div class=\"group\"><h3>" << XmlEscape(g.shared) << "</h3>\n<ul>\n";
    for (const auto* o : g.members) Evidence(r, o, out);
    out << "</ul></div>\n";
  }
  out << "</div>\n";
}

}  // namespace

void WriteProbeHtml(const ProbeHtmlReport& r, std::ostream& out) {
  const std::string title = "ntlmssp-harness probe " + r.target;
  out << HtmlPageHead(title, kStyle) << "<h1>" << XmlEscape(title) << "</h1>\n<p>as "
      << XmlEscape(r.account) << "</p>\n";
  if (!r.consistent.empty()) {
    out << "<div class=\"verdict\" id=\"consistent\"><h2>Consistent policies</h2>\n<ul>\n";
    for (const auto& c : r.consistent) out << "<li>" << XmlEscape(c) << "</li>\n";
    out << "</ul></div>\n";
  } else if (r.verdict) {
    WriteVerdict(r, out);
  }
  out << "<h2>Answers</h2>\n<table id=\"observations\"><thead><tr><th>variation</th>"
      << "<th>answer</th></tr></thead><tbody>\n";
  for (size_t i = 0; i < r.observations->size(); ++i) {
    const ProbeObservation& o = (*r.observations)[i];
    const std::string name = XmlEscape(o.variation->name);
    out << "<tr id=\"v-" << name << "\" class=\"" << RowClass(o) << "\"><td class=\"name\">" << name
        << "</td><td class=\"answer\">"
        << XmlEscape(i < r.answers.size() ? r.answers[i] : RowClass(o)) << "</td></tr>\n";
  }
  out << "</tbody></table>\n</body></html>\n";
}

}  // namespace ntlm::harness
