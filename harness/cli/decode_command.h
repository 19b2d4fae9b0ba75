// decode_command.h: `ntlmssp-harness decode`: the token dissector (harness/decode.h).
#pragma once

#include <istream>
#include <ostream>

#include "harness/decode.h"

namespace CLI {
class App;
}

namespace ntlm::harness {

CLI::App* AddDecodeCommand(CLI::App& app, DecodeOptions& options);

// Exit code: 0 decoded, 1 a check failed, 2 malformed input.
int RunDecodeCommand(const DecodeOptions& options, std::istream& in, std::ostream& out,
                     std::ostream& err);

}  // namespace ntlm::harness
