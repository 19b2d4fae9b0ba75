#include "harness/transcript_policy.h"

namespace ntlm::harness {

TranscriptServer TranscriptServerFromPolicy(const ssp::ServerPolicy& policy,
                                            std::optional<ssp::FileTime> clock) {
  TranscriptServer server;
  server.min_server_sec = policy.min_server_sec;
  server.lm_compat_level = policy.lm_compat_level;
  if (clock) {
    server.clock = *clock;
    server.max_clock_skew_s = policy.max_clock_skew_seconds;
  }
  server.require_mic = policy.require_mic;
  server.target_name = policy.target_name;
  server.channel_bindings_md5 = policy.channel_bindings_md5;
  return server;
}

ssp::ServerPolicy PolicyFromTranscript(const TranscriptServer& server) {
  ssp::ServerPolicy policy;
  policy.min_server_sec = server.min_server_sec.value_or(0);
  policy.lm_compat_level = server.lm_compat_level.value_or(3);
  policy.require_mic = server.require_mic.value_or(false);
  policy.target_name = server.target_name;
  policy.channel_bindings_md5 = server.channel_bindings_md5;
  policy.channel_binding_mode = ssp::ChannelBindingMode::kRequired;
  if (server.clock) {
    policy.max_clock_skew_seconds =
        server.max_clock_skew_s.value_or(ssp::kDefaultMaxClockSkewSeconds);
  } else {
    policy.max_clock_skew_seconds.reset();
  }
  policy.offer_lm_key = true;
  return policy;
}

}  // namespace ntlm::harness
