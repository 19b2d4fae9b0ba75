// probe_html.h: `probe --html FILE`, one self-contained page: what the
// server did with each variation and what follows from it. When a policy of
// the catalogue explains every answer, the consistent policies; otherwise the
// verdict of probe_verdict.h: the closest policy (div#closest), the checks
// Windows makes that the server does not (div#checks-not-made) and the
// refusals no policy explains, one group per shared property
// (div#refusal-groups), each variation with its answer as evidence and a
// link to its row of the table (table#observations, row id "v-NAME").
// Pure rendering (no I/O but the stream).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness/probe_observation.h"
#include "harness/probe_verdict.h"

namespace ntlm::harness {

struct ProbeHtmlReport {
  std::string target;
  std::string account;  // DOMAIN\user
  const std::vector<ProbeObservation>* observations = nullptr;
  std::vector<std::string> answers;       // per observation, the table's answer text
  std::vector<std::string> consistent;    // the consistent policies, as text
  const ProbeVerdict* verdict = nullptr;  // when `consistent` is empty
};

void WriteProbeHtml(const ProbeHtmlReport& report, std::ostream& out);

}  // namespace ntlm::harness
