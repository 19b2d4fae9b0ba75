// profile.h: what `ntlmssp-harness profile TRANSCRIPT...` computes: "which of
// my clients break if I set this policy?"
//
// Each transcript recorded from a real client is replayed (harness/replay.h)
// under every selected NtlmMinServerSec value and LmCompatibilityLevel (by
// default all 16 values and levels 0..5), with the transcript's other server
// settings kept. The result is a MatrixRun without expectations: rows are
// transcripts, columns policies, cells what our server decided and why.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "harness/matrix.h"
#include "harness/transcript.h"

namespace ntlm::harness {

struct ProfiledTranscript {
  std::string path;
  Transcript transcript;
};

// Runs one transcript under every column.
MatrixRow ProfileTranscript(const ProfiledTranscript& t, const std::vector<PolicyColumn>& columns);

// The table: rows are transcripts, columns the NtlmMinServerSec values, each
// cell the LmCompatibilityLevels that accept the exchange ("0-5", "0-4",
// "3", ...) or, when none does, the short status of the refusal; then per
// transcript the policies it fails and the first missing capability.
void PrintProfileTable(const MatrixRun& run, std::ostream& out, bool color);

// Profiles every transcript under every column: one row per transcript, the
// server clock of the first transcript that records one.
MatrixRun ProfileTranscripts(const std::vector<ProfiledTranscript>& transcripts,
                             const std::vector<PolicyColumn>& columns);
}  // namespace ntlm::harness
