#!/usr/bin/env bash
# Checks the dependency direction crypto <- ssp <- harness <- harness/net <-
# harness/net/io <- harness/cli, the "no I/O in crypto/ or ssp/" rule and the
# per-layer test binaries by looking at #include lines. Exit 1 on a violation.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
fail=0
report() { echo "layering: $1"; fail=1; }

# Only crypto/ (and reference/, the tests' and benches' OpenSSL MD5/HMAC/RC4) includes OpenSSL.
while IFS= read -r hit; do report "OpenSSL header outside crypto/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include <openssl/' ssp harness 2>/dev/null)
# crypto/ knows nothing above it.
while IFS= read -r hit; do report "crypto/ includes a higher layer: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include "(ssp|harness|reference)/' crypto 2>/dev/null)
# reference/ is for tests and benches: the product (crypto, ssp, harness) never includes it,
# and it sits on crypto/ only.
while IFS= read -r hit; do report "product includes reference/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include "reference/' crypto ssp harness 2>/dev/null)
while IFS= read -r hit; do report "reference/ includes a layer above crypto/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include "(ssp|harness)/' reference 2>/dev/null)
# ssp/ never includes harness/.
while IFS= read -r hit; do report "ssp/ includes harness/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include "harness/' ssp 2>/dev/null)
# No I/O, sockets, clocks or threads in crypto/ or ssp/.
while IFS= read -r hit; do report "I/O or clock in crypto/ or ssp/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E \
      '#include <(iostream|fstream|chrono|ctime|time\.h|thread|asio|asio\.hpp|sys/socket\.h|unistd\.h|filesystem)>' \
      crypto ssp 2>/dev/null)
# ... nor calls that read a clock or touch files.
while IFS= read -r hit; do report "clock or file call in crypto/ or ssp/: $hit"; done \
  < <(grep -rn --include='*.cc' -E '\b(fopen|fprintf|printf|puts|fwrite|std::cout|std::cerr|std::ifstream|std::ofstream|gettimeofday|clock_gettime|system_clock|steady_clock)\b|[^a-z_]time\(' \
      crypto ssp 2>/dev/null)
# No Asio, JSON or CLI11 below harness/ (angle-bracket or quoted includes).
while IFS= read -r hit; do report "Asio, JSON or CLI11 in crypto/ or ssp/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E \
      '#include [<"](asio([./][^">]*)?|nlohmann/[^">]*|CLI/[^">]*)[">]' crypto ssp 2>/dev/null)
# Only harness/cli/ includes CLI11, and nothing outside it includes harness/cli/ headers
# except the harness tests (which use the exit codes of harness/cli/cli.h).
while IFS= read -r hit; do report "CLI11 outside harness/cli/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include [<"]CLI/' harness tests bench 2>/dev/null |
      grep -v '^harness/cli/')
while IFS= read -r hit; do report "harness/cli/ included below the command line: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include "harness/cli/' crypto ssp harness 2>/dev/null |
      grep -v '^harness/cli/')
# Asio only in harness/net/io/ (the socket-free protocol code and the harness library stay
# fuzzable and unit-testable without sockets); nor do they include harness/net/io/ headers.
while IFS= read -r hit; do report "Asio or harness/net/io/ outside harness/net/io/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E \
      '#include ([<"]asio([./][^">]*)?[">]|"harness/net/io/)' harness 2>/dev/null |
      grep -v -E '^harness/(net/io|cli)/')
# The harness library knows nothing of the network fronts above it.
while IFS= read -r hit; do report "harness/ library includes harness/net/: $hit"; done \
  < <(grep -n -E '#include "harness/net/' harness/*.h harness/*.cc 2>/dev/null)
# Tests of a layer include nothing above it.
while IFS= read -r hit; do report "crypto test includes a higher layer: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include "(ssp|harness)/' tests/crypto 2>/dev/null)
while IFS= read -r hit; do report "ssp test includes harness/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include "harness/' tests/ssp 2>/dev/null)
if [ "$fail" = 0 ]; then echo "layering: ok"; fi
exit $fail
