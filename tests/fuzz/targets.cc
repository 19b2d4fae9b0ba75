// targets.cc: the registry of fuzz targets and their shared set-up.
#include "tests/fuzz/targets.h"

#include "crypto/init.h"
#include "tests/fuzz/fuzz_support.h"

namespace ntlm::fuzz {

void EnsureCryptoInitialized() {
  static const bool ok = crypto::Initialize().ok;
  FuzzCheck(ok, "crypto::Initialize failed (OpenSSL legacy provider missing?)");
}

const std::vector<FuzzTarget>& AllFuzzTargets() {
  // Adding a target: its function here and its name in tests/fuzz/CMakeLists.txt.
  static const std::vector<FuzzTarget> targets = {
      {"negotiate", FuzzNegotiate},
      {"challenge", FuzzChallenge},
      {"authenticate", FuzzAuthenticate},
      {"av_pairs", FuzzAvPairs},
      {"ntlmv2_response", FuzzNtlmV2Response},
      {"server", FuzzServer},
      {"session", FuzzSession},
      {"transcript", FuzzTranscript},
      {"token_input", FuzzTokenInput},
      {"decode", FuzzDecode},
      {"http_request", FuzzHttpRequest},
      {"spnego", FuzzSpnego},
      {"rpc_pdu", FuzzRpcPdu},
      {"rpc_session", FuzzRpcSession},
      {"smb_session", FuzzSmbSession},
      {"smb_pipes", FuzzSmbPipes},
  };
  return targets;
}

}  // namespace ntlm::fuzz
