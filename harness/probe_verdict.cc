// probe_verdict.cc: the closest policy and what it does not explain (see
// probe_verdict.h).
#include "harness/probe_verdict.h"

#include <algorithm>
#include <map>

#include "harness/min_server_sec.h"
#include "ssp/flags.h"

namespace ntlm::harness {

namespace {

std::vector<PolicyColumn> AllColumns() {
  std::vector<PolicyColumn> columns;
  for (EpaSetting epa :
       {EpaSetting::kOff, EpaSetting::kMic, EpaSetting::kSpn, EpaSetting::kCbt, EpaSetting::kAll}) {
    for (int level = 0; level <= 5; ++level) {
      for (uint32_t min : AllMinServerSecValues()) columns.push_back(PolicyColumn{min, level, epa});
    }
  }
  return columns;
}

// What the NEGOTIATEs refused at the NEGOTIATE share that none of those that
// got a CHALLENGE has: no VERSION, or a flag always absent (or present).
std::string SharedByRefusedNegotiates(const std::vector<const ProbeObservation*>& refused,
                                      const std::vector<ProbeObservation>& all) {
  bool refused_without_version = true, challenged_with_version = true;
  uint32_t refused_all = 0xFFFFFFFFu, refused_none = 0xFFFFFFFFu;
  uint32_t challenged_any = 0, challenged_all = 0xFFFFFFFFu;
  for (const auto* o : refused) {
    refused_without_version = refused_without_version && !o->negotiate_has_version;
    refused_all &= o->negotiate_flags;
    refused_none &= ~o->negotiate_flags;
  }
  for (const auto& o : all) {
    if (o.skipped || !o.error.empty() || !o.challenged) continue;
    challenged_with_version = challenged_with_version && o.negotiate_has_version;
    challenged_any |= o.negotiate_flags;
    challenged_all &= o.negotiate_flags;
  }
  if (refused_without_version && challenged_with_version) {
    return "NEGOTIATE without VERSION (shorter than 40 bytes)";
  }
  if (uint32_t absent = refused_none & challenged_all) {
    return "NEGOTIATE without " + ssp::FlagNames(absent & (~absent + 1));
  }
  if (uint32_t present = refused_all & ~challenged_any) {
    return "NEGOTIATE with " + ssp::FlagNames(present & (~present + 1));
  }
  return "refused at the NEGOTIATE";
}

}  // namespace

std::vector<PolicyColumn> ConsistentColumns(const std::vector<ProbeObservation>& observations) {
  std::vector<PolicyColumn> consistent;
  for (const PolicyColumn& column : AllColumns()) {
    if (std::all_of(observations.begin(), observations.end(),
                    [&](const ProbeObservation& o) { return ColumnExplains(column, o); })) {
      consistent.push_back(column);
    }
  }
  return consistent;
}

bool ColumnExplains(const PolicyColumn& column, const ProbeObservation& o) {
  if (o.skipped || !o.error.empty()) return true;
  const Outcome e = ExpectedOutcome(*o.variation, column);
  if (e.accept != o.accepted) return false;
  if (e.accept) return true;
  if (o.refused_at) return e.at == *o.refused_at;  // DCE/RPC tells every message apart
  return (e.at == Stage::kNegotiate) == !o.challenged;
}

ProbeVerdict ClosestPolicy(const std::vector<ProbeObservation>& observations) {
  ProbeVerdict v;
  for (const auto& o : observations) v.compared += !o.skipped && o.error.empty();
  bool first = true;
  for (const PolicyColumn& c : AllColumns()) {
    size_t n = 0;
    for (const auto& o : observations) n += !o.skipped && o.error.empty() && ColumnExplains(c, o);
    if (first || n > v.explained) {
      v.closest = c;
      v.explained = n;
      first = false;
    }
  }
  std::vector<const ProbeObservation*> at_negotiate, at_later;
  for (const auto& o : observations) {
    if (ColumnExplains(v.closest, o)) continue;
    if (o.accepted) {
      v.checks_not_made.push_back(&o);
    } else if (!o.challenged) {
      at_negotiate.push_back(&o);
    } else {
      at_later.push_back(&o);
    }
  }
  if (!at_negotiate.empty()) {
    v.unexplained_refusals.push_back(
        {SharedByRefusedNegotiates(at_negotiate, observations), at_negotiate});
  }
  if (!at_later.empty()) {
    v.unexplained_refusals.push_back({"refused after the CHALLENGE", at_later});
  }
  return v;
}

}  // namespace ntlm::harness
