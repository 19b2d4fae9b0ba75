#!/usr/bin/env bash
# Checks the dependency direction crypto <- ssp <- harness and the "no I/O in
# crypto/ or ssp/" rule by looking at #include lines. Exit 1 on a violation.
set -u
root=${1:-$(dirname "$0")/..}
cd "$root" || exit 2
fail=0
report() { echo "layering: $1"; fail=1; }

# Only crypto/ includes OpenSSL.
while IFS= read -r hit; do report "OpenSSL header outside crypto/: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include <openssl/' ssp harness 2>/dev/null)
# crypto/ knows nothing above it.
while IFS= read -r hit; do report "crypto/ includes a higher layer: $hit"; done \
  < <(grep -rn --include='*.h' --include='*.cc' -E '#include "(ssp|harness)/' crypto 2>/dev/null)
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
if [ "$fail" = 0 ]; then echo "layering: ok"; fi
exit $fail
