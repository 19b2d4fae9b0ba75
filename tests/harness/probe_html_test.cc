// probe_html_test.cc: probe's HTML report (harness/probe_html.h): the verdict
// sections with each variation as evidence linked to its row, text escaped.
#include "harness/probe_html.h"

#include <gtest/gtest.h>

#include <sstream>

namespace ntlm::harness {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class ProbeHtmlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"windows-modern", "modern.stale-timestamp", "no-version"}) {
      Variation v;
      v.name = name;
      variations_.push_back(v);
    }
    observations_.resize(3);
    for (size_t i = 0; i < 3; ++i) observations_[i].variation = &variations_[i];
    observations_[0].accepted = observations_[1].accepted = true;
    report_.target = "http://127.0.0.1:8080/<x>";
    report_.account = "CONTOSO\\alice";
    report_.observations = &observations_;
    report_.answers = {"accepted (200)", "accepted (200)", "refused at the NEGOTIATE (401 <&>)"};
  }

  std::string Render() {
    std::ostringstream out;
    WriteProbeHtml(report_, out);
    return out.str();
  }

  std::vector<Variation> variations_;
  std::vector<ProbeObservation> observations_;
  ProbeHtmlReport report_;
};

TEST_F(ProbeHtmlTest, VerdictSectionsCarryTheVariationsAsEvidence) {
  ProbeVerdict verdict;
  verdict.closest.min_server_sec = 0x20000000;
  verdict.closest.lm_compat_level = 5;
  verdict.explained = 1;
  verdict.compared = 3;
  verdict.checks_not_made = {&observations_[1]};
  verdict.unexplained_refusals.push_back(
      ProbeVerdict::Group{"NEGOTIATE without VERSION", {&observations_[2]}});
  report_.verdict = &verdict;
  const std::string html = Render();
  EXPECT_NE(html.find("<div class=\"verdict\" id=\"closest\">"), std::string::npos) << html;
  EXPECT_NE(html.find("NtlmMinServerSec 0x20000000"), std::string::npos) << html;
  EXPECT_NE(html.find("LmCompatibilityLevel 5, EPA off"), std::string::npos) << html;
  EXPECT_NE(html.find("<span class=\"explained\">1</span> of <span class=\"compared\">3</span>"),
            std::string::npos);
  // Evidence: name linked to the row, and the answer.
  const size_t checks = html.find("id=\"checks-not-made\"");
  const size_t groups = html.find("id=\"refusal-groups\"");
  ASSERT_NE(checks, std::string::npos);
  ASSERT_NE(groups, std::string::npos);
  EXPECT_LT(checks, html.find("href=\"#v-modern.stale-timestamp\""));
  EXPECT_LT(groups, html.find("<h3>NEGOTIATE without VERSION</h3>"));
  EXPECT_LT(groups, html.find("href=\"#v-no-version\""));
  EXPECT_NE(html.find("<tr id=\"v-no-version\" class=\"reject\">"), std::string::npos);
  EXPECT_NE(html.find("<tr id=\"v-windows-modern\" class=\"accept\">"), std::string::npos);
  // Escaped everywhere: the target in title and heading, the answer in the
  // group and in the table.
  EXPECT_EQ(Count(html, "&lt;x&gt;"), 2u) << html;
  EXPECT_EQ(Count(html, "(401 &lt;&amp;&gt;)"), 2u) << html;
  EXPECT_EQ(html.find("<x>"), std::string::npos);
  EXPECT_EQ(html.find("id=\"consistent\""), std::string::npos);
}

TEST_F(ProbeHtmlTest, ConsistentPoliciesReplaceTheVerdict) {
  ProbeVerdict verdict;
  report_.verdict = &verdict;
  report_.consistent = {"NtlmMinServerSec 0x00000000 (none) with LmCompatibilityLevel 3, EPA off"};
  const std::string html = Render();
  EXPECT_NE(html.find("id=\"consistent\""), std::string::npos);
  EXPECT_NE(html.find("LmCompatibilityLevel 3, EPA off</li>"), std::string::npos);
  EXPECT_EQ(html.find("id=\"closest\""), std::string::npos);
  EXPECT_EQ(Count(html, "<tr id=\"v-"), 3u);
}

}  // namespace
}  // namespace ntlm::harness
