// harness_targets.cc: fuzz bodies for the harness's own parsers: the
// transcript loader (harness/transcript.h, then replay), token input
// (harness/token_input.h, harness/spnego_extract.h) and the core of the
// `decode` command (harness/decode.h).
#include <sstream>
#include <string>
#include <string_view>

#include "harness/decode.h"
#include "harness/replay.h"
#include "harness/spnego_extract.h"
#include "harness/token_input.h"
#include "harness/transcript.h"
#include "tests/fuzz/fuzz_support.h"
#include "tests/fuzz/targets.h"

namespace ntlm::fuzz {

int FuzzTranscript(const uint8_t* data, size_t size) {
  EnsureCryptoInitialized();
  std::string text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto transcript = harness::ParseTranscript(text, error);
  if (!transcript) {
    FuzzCheck(!error.empty(), "transcript: refused without a reason");
    return 0;
  }
  // What replay does with a valid transcript: play it and report.
  harness::ReplayOutcome outcome = harness::ReplayServerSide(*transcript);
  auto difference = harness::FirstDifference(*transcript, outcome);
  (void)harness::ReplayReportJson("fuzz.json", *transcript, outcome, difference).dump();
  // A parsed transcript serialises into one that parses again.
  const std::string serialised = harness::TranscriptToJson(*transcript).dump();
  std::string error_again;
  FuzzCheck(harness::ParseTranscript(serialised, error_again).has_value(),
            "transcript: TranscriptToJson output does not parse");
  return 0;
}

int FuzzTokenInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  harness::TokenInputError error;
  auto input = harness::ParseTokenInput(text, error);
  if (!input) FuzzCheck(!error.message.empty(), "token input: refused without a reason");
  std::string message;
  if (auto bytes = harness::DecodeBase64(text, message)) {
    std::string again;
    auto round = harness::DecodeBase64(harness::EncodeBase64(*bytes), again);
    FuzzCheck(round && *round == *bytes, "token input: base64 does not round-trip");
  }
  if (auto bytes = harness::DecodeHex(text, message)) {
    std::string again;
    auto round = harness::DecodeHex(harness::EncodeHex(*bytes), again);
    FuzzCheck(round && *round == *bytes, "token input: hex does not round-trip");
  }
  ByteSpan raw(data, size);
  if (auto inner = harness::ExtractNtlmFromSpnego(raw)) {
    FuzzCheck(
        inner->data() >= raw.data() && inner->data() + inner->size() <= raw.data() + raw.size(),
        "SPNEGO extraction: result outside the input");
  }
  return 0;
}

int FuzzDecode(const uint8_t* data, size_t size) {
  EnsureCryptoInitialized();
  FuzzInput in(data, size);
  const uint8_t selector = in.TakeU8();
  harness::DecodeOptions options;
  options.token = "-";  // the input is stdin: never a path the fuzzer names
  options.json = (selector & 1) != 0;
  if (selector & 2) options.password = "Passw0rd!";
  if (selector & 4) options.nt_hash = "8846f7eaee8fb117ad06bdd830b7586c";
  if (selector & 8) options.user = "alice";
  if (selector & 16) options.domain = "CONTOSO";
  // Context tokens as hex text (never "-", never a file name).
  if (selector & 32) {
    ByteSpan challenge = in.TakeLengthPrefixed();
    if (!challenge.empty()) options.challenge = harness::EncodeHex(challenge);
  }
  if (selector & 64) {
    ByteSpan negotiate = in.TakeLengthPrefixed();
    if (!negotiate.empty()) options.negotiate = harness::EncodeHex(negotiate);
  }
  ByteSpan token = in.TakeRest();
  std::istringstream stdin_text(std::string(token.begin(), token.end()));
  std::ostringstream out;
  std::ostringstream err;
  using harness::Verdict;
  const Verdict rc = harness::DecodeInput(options, stdin_text, out, err);
  FuzzCheck(rc == Verdict::kOk || rc == Verdict::kDifference || rc == Verdict::kInvalidInput,
            "decode: an outcome outside ok, difference, invalid input (exit 0, 1, 2)");
  if (rc == Verdict::kInvalidInput) {
    FuzzCheck(!err.str().empty(), "decode: invalid input (exit 2) without a message");
  }
  return 0;
}

}  // namespace ntlm::fuzz
