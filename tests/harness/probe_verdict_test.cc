// probe_verdict_test.cc: the closest policy when none explains every answer.
#include "harness/probe_verdict.h"

#include <gtest/gtest.h>

#include "harness/catalogue.h"
#include "harness/probe_observation.h"

namespace ntlm::harness {
namespace {

TEST(ProbeVerdict, ClosestPolicyNamesChecksNotMadeAndGroupsRefusals) {
  std::string error;
  auto catalogue = LoadBuiltInCatalogue(error);
  ASSERT_TRUE(catalogue) << error;
  const PolicyColumn windows{0x20000000, 3, EpaSetting::kOff};
  std::vector<ProbeObservation> observations;
  for (const auto& v : catalogue->variations) {
    ProbeObservation o;
    o.variation = &v;
    const Outcome e = ExpectedOutcome(v, windows);
    o.accepted = e.accept;
    o.challenged = e.accept || e.at != Stage::kNegotiate;
    o.negotiate_has_version = true;
    if (v.name == "modern.stale-timestamp") {
      ASSERT_FALSE(e.accept);
      o.accepted = true;  // a server without a clock check
      o.challenged = true;
    }
    if (v.name == "no-version" || v.name == "ntlmv2-legacy") {
      o.accepted = false;  // a server that refuses a NEGOTIATE without VERSION
      o.challenged = false;
      o.negotiate_has_version = false;
    }
    observations.push_back(o);
  }
  ASSERT_TRUE(ConsistentColumns(observations).empty());
  const ProbeVerdict v = ClosestPolicy(observations);
  EXPECT_EQ(v.compared, observations.size());
  EXPECT_EQ(v.explained + 3, v.compared);
  ASSERT_EQ(v.checks_not_made.size(), 1u);
  EXPECT_EQ(v.checks_not_made[0]->variation->name, "modern.stale-timestamp");
  ASSERT_EQ(v.unexplained_refusals.size(), 1u);
  EXPECT_EQ(v.unexplained_refusals[0].shared, "NEGOTIATE without VERSION (shorter than 40 bytes)");
  EXPECT_EQ(v.unexplained_refusals[0].members.size(), 2u);
  EXPECT_TRUE(ColumnExplains(v.closest, observations.front()));
}

}  // namespace
}  // namespace ntlm::harness
