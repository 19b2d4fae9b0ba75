// probe_verdict.h: what `probe` says when no policy of the catalogue explains
// every answer: the closest policy, the checks Windows makes that the server
// does not, and the refusals no policy explains, grouped by what the refused
// tokens share. Pure computation over the observations (no I/O).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "harness/catalogue.h"
#include "harness/probe_observation.h"

namespace ntlm::harness {

// Whether `column` predicts what `o` got (accepted, or refused at that
// message). Skipped and failed observations are explained by every column.
bool ColumnExplains(const PolicyColumn& column, const ProbeObservation& o);

struct ProbeVerdict {
  PolicyColumn closest;  // explains the most answers (EPA off preferred on ties)
  size_t explained = 0;
  size_t compared = 0;  // observations neither skipped nor failed
  // Accepted although the closest policy (Windows) refuses them: checks
  // the server does not make.
  std::vector<const ProbeObservation*> checks_not_made;
  // Refused although the closest policy accepts them (or refused at another
  // message), grouped.
  struct Group {
    std::string shared;  // "NEGOTIATE without VERSION (shorter than 40 bytes)", ...
    std::vector<const ProbeObservation*> members;
  };
  std::vector<Group> unexplained_refusals;
};

ProbeVerdict ClosestPolicy(const std::vector<ProbeObservation>& observations);

}  // namespace ntlm::harness
