#!/usr/bin/env bash
# Writes the man pages of the three programs into OUT_DIR with help2man, from
# each built binary's --help (ntlmssp-harness.1 also gets a section per
# subcommand with that subcommand's --help). Called at build time by CMake.
#   scripts/gen-manpages.sh VERSION OUT_DIR HARNESS_BIN [BENCH_BIN NET_BENCH_BIN]
set -euo pipefail
version=$1 out=$2 harness=$3
mkdir -p "$out"
include=$(mktemp)
trap 'rm -f "$include"' EXIT
{
  echo "[SUBCOMMANDS]"
  for c in $("$harness" --help | sed -n '/^Subcommands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
    echo ".SS $c"
    echo ".nf"
    "$harness" "$c" --help | sed -e 's/\\/\\e/g' -e 's/^\./\\\&./' -e "s|^Usage: [^ ]*|Usage: ntlmssp-harness|"
    echo ".fi"
  done
  cat <<'SEE'
[SEE ALSO]
.BR ntlmssp-bench (1),
.BR ntlmssp-net-bench (1).
The documentation in /usr/share/doc/ntlmssp-harness (README.md, docs/).
SEE
} >"$include"
page() {  # NAME BIN DESCRIPTION [INCLUDE]
  local args=(--no-info --version-string="$version" --name="$3" --output="$out/$1.1")
  [ -n "${4:-}" ] && args+=(--include="$4")
  # help2man names the program after the file; the page names it as installed.
  help2man "${args[@]}" "$2"
  sed -i "s|$(basename "$2")|$1|g" "$out/$1.1"
}
page ntlmssp-harness "$harness" "reference NTLMv2 SSP server and its test harness" "$include"
if [ $# -ge 5 ]; then
  page ntlmssp-bench "$4" "NTLM session-security and key-math benchmarks (Google Benchmark)"
  page ntlmssp-net-bench "$5" "NTLM network-front benchmarks over loopback (Google Benchmark)"
fi
