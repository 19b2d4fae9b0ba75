#!/usr/bin/env bash
# Smoke run of scripts/bench-servers.sh (ctest bench-servers-smoke): a few
# logons per server, then checks that the JSON names the CPU and has a row for
# every server and mechanism, each measured with positive logons and positive
# server CPU per logon. A peer that is not installed (or, for the Samba DC, not
# runnable: not root, 127.0.0.1:135 taken) may be skipped outside CI; under
# CI=true every row must be measured. Timings are never compared.
# Usage: scripts/bench-servers-smoke.sh path/to/ntlmssp-harness
set -euo pipefail
harness=${1:?usage: bench-servers-smoke.sh path/to/ntlmssp-harness}
out=$(mktemp /tmp/bench-servers-smoke.XXXXXX.json)
trap 'rm -f "$out"' EXIT
bash "$(dirname "$0")/bench-servers.sh" --harness "$harness" --logons 5 --max-seconds 60 --out "$out"
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
report = json.load(open(sys.argv[1]))
expected = [("serve", "http-ntlm"), ("serve", "http-negotiate"), ("serve", "rpc-echo"),
            ("serve", "smb"), ("apache-gss-ntlmssp", "http-ntlm"),
            ("apache-gss-ntlmssp", "http-negotiate"), ("samba-ad-dc", "rpc-samr"), ("smbd", "smb")]
rows = {(r["server"], r["kind"]): r for r in report["servers"]}
ci = os.environ.get("CI") == "true"
problems, skipped = [], []
if not report.get("cpu") or report["cpu"] == "unknown":
    problems.append("the CPU is not named")
for key in expected:
    r = rows.get(key)
    if r is None:
        problems.append(f"{key}: no row")
    elif r["status"] == "skipped" and not ci:
        skipped.append(f'{key}: {r["reason"]}')
    elif r["status"] != "measured":
        problems.append(f'{key}: {r["status"]}: {r.get("reason")}')
    elif not (r["logons"] > 0 and r["server_cpu_us_per_logon"] > 0 and r["wall_s"] > 0):
        problems.append(f"{key}: logons, CPU per logon and wall time must be positive: {r}")
for s in skipped:
    print("bench-servers-smoke: skipped", s)
if problems:
    print("bench-servers-smoke: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
if len(skipped) == len(expected):
    sys.exit(77)
print(f"bench-servers-smoke: {len(expected) - len(skipped)} rows measured, {len(skipped)} skipped")
PY
