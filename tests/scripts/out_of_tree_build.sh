#!/usr/bin/env bash
# ctest out-of-tree-build (label out-of-tree): configures and builds the
# ntlmssp-harness target (and the harness tests) in a temporary folder outside
# the source tree, then runs `selfcheck`, `matrix` and the tests that run the
# binary from another working directory, from / . Proves that nothing needs
# the source tree at run time (the vectors and the catalogue are built in).
# Reuses ccache when it is installed: the folder is fresh every run but its
# path is fixed per source tree (ccache keys on the paths relative to it).
# Prints the seconds it took.
#   out_of_tree_build.sh SOURCE_DIR
set -euo pipefail
src=$(cd "$1" && pwd)
start=$SECONDS
work="${TMPDIR:-/tmp}/ntlm-out-of-tree-$(printf '%s' "$src" | md5sum | cut -c1-12)"
case $work/ in "$src"/*) echo "FAIL: $work is inside the source tree" >&2; exit 1 ;; esac
rm -rf "$work"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S "$src" -B "$work/build" "${generator[@]}" "${launcher[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DNTLM_BUILD_BENCH=OFF -DNTLM_WERROR="${NTLM_WERROR:-OFF}" >"$work/configure.log" ||
  { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j"$(nproc)" --target ntlmssp-harness ntlm_harness_tests \
  >"$work/build.log" || { tail -50 "$work/build.log"; exit 1; }
bin="$work/build/harness/ntlmssp-harness"
cd /
"$bin" selfcheck | tee "$work/selfcheck.out"
grep -q ' 0 failed' "$work/selfcheck.out"
"$bin" matrix --color never --deterministic >"$work/matrix.out"
tail -1 "$work/matrix.out"
grep -q ', 0 failed$' "$work/matrix.out"
grep -q '^windows-modern ' "$work/matrix.out"
"$work/build/tests/ntlm_harness_tests" --gtest_brief=1 \
  --gtest_filter='HarnessCli.Selfcheck*:HarnessCli.Matrix*'
echo "out-of-tree: configure, build and run in $((SECONDS - start)) s"
