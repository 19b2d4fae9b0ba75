// decode.h: `ntlmssp-harness decode` — an NTLMSSP token dissector.
//
// Input: a token as an argument, a file, or stdin, in raw bytes, base64, hex,
// a whole header line ("Authorization: NTLM ...", "WWW-Authenticate:
// Negotiate ..."), SPNEGO-wrapped or bare; or a transcript file (every token
// in it is decoded and checked with its accounts). Output: an indented tree
// (labels follow Wireshark's NTLMSSP dissector) or JSON (keys are Wireshark
// field names where it has one). With --password or --nt-hash and the
// CHALLENGE it recomputes NTProofStr, the session key and (with the
// NEGOTIATE) the MIC, and says which check fails.
#pragma once

#include <istream>
#include <optional>
#include <ostream>
#include <string>

#include "harness/transcript.h"
#include "harness/verdict.h"

namespace ntlm::harness {

struct DecodeOptions {
  std::string token;                     // text, a file path, or "-"/empty for stdin
  std::optional<std::string> negotiate;  // for the MIC
  std::optional<std::string> challenge;  // for NTProofStr, session key, MIC
  std::optional<std::string> password;
  std::optional<std::string> nt_hash;
  std::optional<std::string> user;  // override the AUTHENTICATE's names for the key
  std::optional<std::string> domain;
  bool json = false;
};

// Exit code: 0 decoded (and every check passed), 1 a check failed, 2 the
// input is malformed (the message names what and where).
// Decodes options.token (or stdin) with its context tokens and credentials:
// kOk, kDifference when a check failed, kInvalidInput for malformed input.
Verdict DecodeInput(const DecodeOptions& options, std::istream& in, std::ostream& out,
                    std::ostream& err);

// Every token of a transcript decoded as text, checked with its accounts
// (the HTML report's cell detail).
std::string DecodedExchangeText(const Transcript& transcript);

}  // namespace ntlm::harness
