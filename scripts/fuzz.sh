#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-14 into ./build-fuzz
# (-fsanitize=fuzzer,address,undefined) and runs them.
#
#   scripts/fuzz.sh build                  configure + build every fuzz_<target>
#   scripts/fuzz.sh smoke [SECONDS]        every target for SECONDS (default 20) each,
#                                          two at a time; what CI runs
#   scripts/fuzz.sh long [SECONDS] [TARGET...]
#                                          every (or the named) target for SECONDS
#                                          (default 600) each, one after the other
#   scripts/fuzz.sh list                   the target names
#
# Each run starts from the committed seeds (tests/fuzz/corpus/<target>) and the
# kept findings (tests/fuzz/regressions/<target>); new inputs go to
# build-fuzz/corpus/<target>, crashes to build-fuzz/artifacts/<target>/. A
# crash, leak, sanitizer report, timeout (10 s per input) or broken invariant
# makes the script exit 1 naming the target and the reproducer. The summary
# gives total executions and executions per second per target.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-fuzz
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}

targets() {
  # The names listed in tests/fuzz/CMakeLists.txt (NTLM_FUZZ_TARGETS).
  sed -n '/set(NTLM_FUZZ_TARGETS/,/)/p' tests/fuzz/CMakeLists.txt |
    sed -e 's/set(NTLM_FUZZ_TARGETS//' -e 's/)//' | tr -s ' \n' '\n' | sed '/^$/d'
}

ensure_toolchain() {
  if ! command -v clang++-14 >/dev/null 2>&1 ||
    ! ls /usr/lib/llvm-14/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    echo "fuzz: clang-14 / libclang-rt-14-dev missing; running scripts/setup.sh"
    scripts/setup.sh
  fi
}

build() {
  ensure_toolchain
  local generator=()
  if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" "${generator[@]}" \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNTLM_FUZZ=ON -DNTLM_BUILD_TESTS=OFF \
      -DNTLM_BUILD_BENCH=OFF >/dev/null
  fi
  local start=$SECONDS
  cmake --build "$BUILD" --target fuzz_all -j"$(nproc)"
  echo "fuzz: built $(targets | wc -l) targets in $((SECONDS - start)) s"
}

# run_one TARGET SECONDS: one bounded libFuzzer run; its log in $BUILD/logs.
run_one() {
  local name=$1 seconds=$2
  local work="$BUILD/corpus/$name" artifacts="$BUILD/artifacts/$name/" log="$BUILD/logs/$name.log"
  mkdir -p "$work" "$artifacts" "$BUILD/logs"
  local inputs=("$work" "tests/fuzz/corpus/$name")
  if [ -d "tests/fuzz/regressions/$name" ]; then inputs+=("tests/fuzz/regressions/$name"); fi
  local rc=0
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "$BUILD/tests/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts" "${inputs[@]}" \
    >"$log" 2>&1 || rc=$?
  echo "$rc" >"$BUILD/logs/$name.rc"
}

report() {
  local failed=0 passed=0 name rc execs rate
  printf '%-16s %12s %10s  %s\n' target executions exec/s result
  for name in "$@"; do
    rc=$(cat "$BUILD/logs/$name.rc" 2>/dev/null || echo 99)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$BUILD/logs/$name.log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$BUILD/logs/$name.log" | tail -1)
    if [ "$rc" = 0 ]; then
      passed=$((passed + 1))
      printf '%-16s %12s %10s  %s\n' "$name" "${execs:-?}" "${rate:-?}" ok
    else
      failed=$((failed + 1))
      printf '%-16s %12s %10s  %s\n' "$name" "${execs:-?}" "${rate:-?}" "FAILED (exit $rc)"
      echo "---- $BUILD/logs/$name.log (last 40 lines) ----"
      tail -40 "$BUILD/logs/$name.log"
      ls "$BUILD/artifacts/$name/" 2>/dev/null | sed "s|^|reproducer: $BUILD/artifacts/$name/|"
      echo "----"
    fi
  done
  echo "fuzz: $passed passed, $failed failed"
  [ "$failed" = 0 ]
}

command=${1:-smoke}
case "$command" in
  list) targets ;;
  build) build ;;
  smoke)
    seconds=${2:-20}
    build
    mapfile -t names < <(targets)
    start=$SECONDS
    running=0
    for name in "${names[@]}"; do
      run_one "$name" "$seconds" &
      running=$((running + 1))
      if [ "$running" -ge "$FUZZ_JOBS" ]; then
        wait -n || true
        running=$((running - 1))
      fi
    done
    wait
    echo "fuzz: smoke run, ${seconds} s per target, $FUZZ_JOBS at a time, $((SECONDS - start)) s"
    report "${names[@]}"
    ;;
  long)
    seconds=${2:-600}
    build
    if [ $# -gt 2 ]; then names=("${@:3}"); else mapfile -t names < <(targets); fi
    for name in "${names[@]}"; do
      echo "fuzz: $name for ${seconds} s"
      run_one "$name" "$seconds"
    done
    report "${names[@]}"
    ;;
  *)
    echo "usage: scripts/fuzz.sh build | smoke [SECONDS] | long [SECONDS] [TARGET...] | list" >&2
    exit 2
    ;;
esac
