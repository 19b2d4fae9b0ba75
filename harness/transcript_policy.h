// transcript_policy.h: the one mapping between the acceptor's policy
// (ssp::ServerPolicy) and a transcript's `server` object
// (docs/transcript-format.md), and its inverse. The matrix cells, the network
// fronts' recorders and replay all go through it.
#pragma once

#include <optional>

#include "harness/transcript.h"
#include "ssp/environment.h"
#include "ssp/server_policy.h"

namespace ntlm::harness {

// The `server` object recording `policy`. `clock` is the server time the
// exchange ran at, when it mattered (then max_clock_skew_s is recorded too).
TranscriptServer TranscriptServerFromPolicy(const ssp::ServerPolicy& policy,
                                            std::optional<ssp::FileTime> clock);

// The policy replay runs a transcript under: its `server` fields, channel
// bindings required when recorded, the clock checked only when recorded; the
// recorded CHALLENGE is adopted, so offers do not limit anything (LM_KEY is
// offered so level <= 2 recordings that negotiated it replay).
ssp::ServerPolicy PolicyFromTranscript(const TranscriptServer& server);

}  // namespace ntlm::harness
