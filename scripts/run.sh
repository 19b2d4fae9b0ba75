#!/usr/bin/env bash
# Sets up, builds and runs the main job (the README's first quick-start command).
# While the harness is young the main job is the MS-NLMP 4.2 self-check plus a
# decode of a real client's AUTHENTICATE; the enforcement matrix replaces it later.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bin=build/harness/ntlmssp-harness
"$bin" selfcheck
echo
"$bin" decode --challenge "$(/usr/bin/python3 -c 'import json;print(json.load(open("vectors/transcripts/gss-seal128-kx-mic.json"))["exchange"][1]["token"])')" \
  --password 'Passw0rd!' \
  "$(/usr/bin/python3 -c 'import json;print(json.load(open("vectors/transcripts/gss-seal128-kx-mic.json"))["exchange"][2]["token"])')"
