#!/usr/bin/env bash
# Sets up, builds and runs the main job (the README's first quick-start command):
# `ntlmssp-harness matrix` — every client variation of vectors/variations
# against the in-process server under the 16 NtlmMinServerSec combinations,
# printed as a table with the differences from the catalogue explained.
# Extra arguments go to matrix (e.g. scripts/run.sh --html matrix.html).
# Installs only what building and running the program needs and builds only
# the ntlmssp-harness target (scripts/test.sh installs and builds the rest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh cli
exec build/harness/ntlmssp-harness matrix "$@"
