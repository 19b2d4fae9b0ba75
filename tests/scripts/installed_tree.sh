#!/usr/bin/env bash
# ctests install-tree, install-example and package-deb (label out-of-tree):
# the installed programs, the library package and the .deb work from any
# directory. Every check runs from / against a temporary prefix.
#   installed_tree.sh install BUILD_DIR SOURCE_DIR   cmake --install, then run the programs
#   installed_tree.sh example BUILD_DIR SOURCE_DIR   build examples/ with find_package(ntlmssp)
#   installed_tree.sh deb     BUILD_DIR SOURCE_DIR   scripts/package.sh's .deb, dpkg-deb -x, run
set -euo pipefail
mode=$1 build=$(cd "$2" && pwd) src=$(cd "$3" && pwd)
work=$(mktemp -d /tmp/ntlm-installed.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
in_ci() { [[ ${CI:-} =~ ^([Tt][Rr][Uu][Ee]|1|[Yy][Ee][Ss])$ ]]; }

# A Windows 10 NEGOTIATE (NTLM, UNICODE, SIGN, SEAL, ESS, 128, KEY_EXCH, VERSION).
negotiate=TlRMTVNTUAABAAAAl4II4gAAAAAAAAAAAAAAAAAAAAAKAGFKAAAADw==

run_programs() {  # PREFIX: selfcheck, matrix and decode from /, man pages, completion
  local prefix=$1 bin=$1/bin/ntlmssp-harness
  (cd / && "$bin" selfcheck) >"$work/selfcheck.out" || fail "selfcheck: $(cat "$work/selfcheck.out")"
  grep -q 'built in.*: [0-9]* passed, 0 failed' "$work/selfcheck.out" || fail "selfcheck output"
  (cd / && env -u NTLM_VARIATIONS "$bin" matrix --color never --deterministic) >"$work/matrix.out" ||
    fail "matrix: $(tail -5 "$work/matrix.out")"
  tail -1 "$work/matrix.out"
  grep -q '^[0-9]* passed, 0 failed$' "$work/matrix.out" || fail "matrix summary"
  (cd / && "$bin" decode "$negotiate") >"$work/decode.out" || fail "decode: $(cat "$work/decode.out")"
  grep -q 'NEGOTIATE' "$work/decode.out" || fail "decode names no NEGOTIATE"
  for p in ntlmssp-bench ntlmssp-net-bench; do
    [ -x "$prefix/bin/$p" ] || fail "$p not installed"
    (cd / && "$prefix/bin/$p" --benchmark_list_tests) >"$work/$p.list" || fail "$p does not run"
    [ -s "$work/$p.list" ] || fail "$p lists no benchmark"
  done
  local man
  for man in ntlmssp-harness ntlmssp-bench ntlmssp-net-bench; do
    man=$(find "$prefix" -name "$man.1*" | head -1)
    if [ -z "$man" ]; then
      in_ci && fail "no man page for $man (help2man missing?)"
      echo "note: no man pages (help2man not installed)"
      break
    fi
    grep -aq '^\.TH' <(zcat -f "$man") || fail "$man is not a man page"
  done
  man=$(find "$prefix" -name 'ntlmssp-harness.1*' | head -1)
  if [ -n "$man" ]; then
    zcat -f "$man" | grep -q '^\.SS matrix' || fail "the man page has no matrix section"
  fi
  local completion
  completion=$(find "$prefix" -path '*bash-completion/completions/ntlmssp-harness')
  [ -n "$completion" ] || fail "no bash completion"
  # shellcheck disable=SC1090
  got=$(bash -c "source '$completion'; COMP_WORDS=(ntlmssp-harness matrix --pol); COMP_CWORD=2;
                 _ntlmssp_harness; echo \"\${COMPREPLY[*]}\"")
  [ "$got" = "--policy" ] || fail "completion of 'matrix --pol' gave '$got'"
  got=$(bash -c "source '$completion'; COMP_WORDS=(ntlmssp-harness pro); COMP_CWORD=1;
                 _ntlmssp_harness; echo \"\${COMPREPLY[*]}\"")
  [ "$got" = "profile probe" ] || fail "completion of 'pro' gave '$got'"
  find "$prefix" -path '*doc/ntlmssp-harness/README.md' | grep -q . || fail "no README in the docs"
  # The README's `profile` example on the installed recordings.
  local recorded
  recorded=$(find "$prefix" -type d -path '*doc/ntlmssp-harness/transcripts/recorded')
  [ -n "$recorded" ] || fail "no recorded transcripts in the docs"
  (cd / && "$bin" profile "$recorded" --policy windows-default,cis --color never) >"$work/profile.out" ||
    fail "profile: $(tail -5 "$work/profile.out")"
  grep -q 'gss-ntlmv1-ess-seal128-kx (.*accepted under 10 of 12 policies' "$work/profile.out" ||
    fail "profile of the installed recordings: $(tail -5 "$work/profile.out")"
  echo "installed programs work from / (prefix $prefix)"
}

case $mode in
  install)
    cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" ||
      fail "cmake --install: $(tail -5 "$work/install.log")"
    run_programs "$work/prefix"
    ;;
  example)
    cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" ||
      fail "cmake --install: $(tail -5 "$work/install.log")"
    generator=()
    if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
    cmake -S "$src/examples" -B "$work/example" "${generator[@]}" \
      -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/example.log" || fail "$(cat "$work/example.log")"
    cmake --build "$work/example" >>"$work/example.log" || fail "$(tail -30 "$work/example.log")"
    (cd / && "$work/example/handshake_and_seal") | tee "$work/example.out"
    grep -q '^logon: CONTOSO\\alice' "$work/example.out" || fail "no logon line"
    grep -q 'unsealed: Hello from the client' "$work/example.out" || fail "no unsealed message"
    ;;
  deb)
    bash "$src/scripts/package.sh" --no-build "$build" "$work/deb" >"$work/package.log" ||
      fail "package.sh: $(tail -20 "$work/package.log")"
    version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
    deb="$work/deb/ntlmssp-harness_${version}_amd64.deb"
    [ -f "$deb" ] || fail "no $deb ($(ls "$work/deb"))"
    depends=$(dpkg-deb -f "$deb" Depends)
    echo "Depends: $depends"
    [[ $depends == *libssl3* ]] || fail "Depends lacks libssl3"
    dpkg-deb -x "$deb" "$work/root"
    run_programs "$work/root/usr"
    ;;
  *) fail "unknown mode $mode" ;;
esac
