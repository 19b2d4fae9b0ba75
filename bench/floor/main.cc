// ntlmssp-serve-floor: the pass-through floor of scripts/bench-servers.sh
// (issue 16). The same `serve` command, options and fronts as
// ntlmssp-harness, linked with ssp/server_context.cc compiled with
// NTLM_BENCH_PASSTHROUGH_FLOOR: NEGOTIATE gets the usual CHALLENGE, any
// well-formed AUTHENTICATE is accepted with no response verification, no key
// derivation, no MIC (see bench/RESULTS.md, "The pass-through floor"). A
// benchmark build only: it is never installed, and ntlmssp-harness cannot
// switch to it (there is no flag; the definition exists only in this target).
#include "harness/cli/cli.h"

int main(int argc, char** argv) {
  return ntlm::harness::RunServeOnlyCli(
      argc, argv, "ntlmssp-serve-floor",
      "PASS-THROUGH FLOOR: any password is accepted; a benchmark build, not a server");
}
