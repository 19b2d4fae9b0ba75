#!/usr/bin/env bash
# Builds the project with AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included) into ./build-asan and runs every test there.
# Any report aborts the test that caused it (-fno-sanitize-recover=all).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh >/dev/null  # packages (and the normal build) first
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if [ ! -f build-asan/CMakeCache.txt ]; then
  cmake -S . -B build-asan "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug -DNTLM_SANITIZE=ON \
    -DNTLM_BUILD_BENCH=OFF -DNTLM_WERROR="${NTLM_WERROR:-OFF}"
fi
cmake --build build-asan -j"$(nproc)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The out-of-tree and install tests build and install their own normal tree.
ctest --test-dir build-asan --output-on-failure -j"$(nproc)" -LE out-of-tree "$@"
