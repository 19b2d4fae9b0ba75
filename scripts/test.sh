#!/usr/bin/env bash
# Sets up, builds and runs every test (the README's test command; CI calls it):
# installs every build, test and peer package (browsers, sanitizers, Samba, ...)
# and builds every target.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j"$(nproc)" "$@"
