#!/usr/bin/env bash
# Sets up, builds and runs the main job (the README's first quick-start command).
# Until the enforcement matrix lands, the main job is: the MS-NLMP 4.2
# self-check, a replay of every recorded transcript through the reference
# server, and a decode of a real gss-ntlmssp exchange with its checks.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=build/harness/ntlmssp-harness
"$bin" selfcheck
echo
"$bin" replay vectors/transcripts | tail -n 1
echo
"$bin" decode vectors/transcripts/gss-seal128-kx-mic.json
