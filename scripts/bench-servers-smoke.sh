#!/usr/bin/env bash
# Smoke run of scripts/bench-servers.sh (ctest bench-servers-smoke): a few
# logons per server in 2 rounds, then checks that the JSON names the CPU and
# has a row for every server and mechanism, each measured with positive logons
# and positive server CPU per logon, the Python-client rows as the median of
# their 2 rounds. A peer that is not installed (or, for the Samba DC, not
# runnable: not root, 127.0.0.1:135 taken) may be skipped outside CI; under
# CI=true every row must be measured. Timings are never compared.
# With FLOOR NET_BENCH BENCH (the build's bench/ binaries) it also checks the
# pass-through floor's rows, the 1-/2-thread throughput rows (1 s each), the
# SMB load generator rows against serve and smbd (1 s each; no failed logon,
# 1000 signed ECHOs per logon), the crypto rows (one short repetition), and
# the Markdown goals table.
# Usage: scripts/bench-servers-smoke.sh path/to/ntlmssp-harness [FLOOR NET_BENCH BENCH]
set -euo pipefail
harness=${1:?usage: bench-servers-smoke.sh path/to/ntlmssp-harness [FLOOR NET_BENCH BENCH]}
out=$(mktemp /tmp/bench-servers-smoke.XXXXXX.json)
trap 'rm -f "$out" "${out%.json}.md"' EXIT
only=serve,apache,samba-dc,smbd
tools=()
if [ $# -ge 4 ]; then
  only=$only,floor,throughput,smb-load,crypto
  tools=(--floor "$2" --net-bench "$3" --bench "$4" --throughput-seconds 1 --crypto-repetitions 1
         --crypto-min-time 0.01)
fi
bash "$(dirname "$0")/bench-servers.sh" --harness "$harness" --logons 5 --rounds 2 --max-seconds 60 \
  --out "$out" --only "$only" "${tools[@]}"
/usr/bin/python3 - "$out" "$only" <<'PY'
import json, os, sys
report = json.load(open(sys.argv[1]))
parts = sys.argv[2].split(",")
expected = [("serve", "http-ntlm"), ("serve", "http-negotiate"), ("serve", "rpc-echo"),
            ("serve", "rpc-echo-integrity"), ("serve", "rpc-logon"),
            ("serve", "smb"), ("apache-gss-ntlmssp", "http-ntlm"),
            ("apache-gss-ntlmssp", "http-negotiate"), ("samba-ad-dc", "rpc-samr"),
            ("samba-ad-dc", "rpc-samr-integrity"), ("smbd", "smb")]
if "floor" in parts:
    expected += [("floor", k) for k in ("http-ntlm", "http-negotiate", "rpc-logon", "smb")]
    expected += [("serve", f"throughput-http-threads-{t}") for t in (1, 2)]
    expected += [(s, k) for s in ("serve", "smbd") for k in ("smb-load-logons", "smb-load-echo")]
rows = {(r["server"], r["kind"]): r for r in report["servers"]}
# the Python-client rows, measured in each of the 2 rounds
ROUND_KINDS = {"http-ntlm", "http-negotiate", "rpc-echo", "rpc-echo-integrity", "rpc-logon", "smb",
               "rpc-samr", "rpc-samr-integrity"}
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
    elif key[1] in ROUND_KINDS and len(r.get("rounds_cpu_us_per_logon") or []) != 2:
        problems.append(f"{key}: not the median of 2 rounds: {r.get('rounds_cpu_us_per_logon')}")
    elif r.get("failures"):
        problems.append(f'{key}: {r["failures"]} failed logons ({r.get("first_failure")})')
    elif key[1] == "smb-load-echo" and r.get("calls") != 1000 * r["logons"]:
        problems.append(f'{key}: {r.get("calls")} signed ECHOs for {r["logons"]} logons (1000 each)')
for s in skipped:
    print("bench-servers-smoke: skipped", s)
if "crypto" in parts:
    names = {b.get("run_name", b["name"]) for b in (report.get("crypto") or {}).get("benchmarks", [])}
    for name in ("BM_Seal/16384", "BM_OpenSSLStitched/16384", "BM_SealBatch/1024", "BM_SealLimit/1024",
                 "BM_SealBatch/16384", "BM_SealLimit/16384", "BM_Accept"):
        if name not in names:
            problems.append(f"crypto: no {name}")
    goals = {g["goal"] for g in report.get("goals", [])}
    if len(goals) != 14:
        problems.append(f"the goals table lists {len(goals)} goals, expected 14")
    if not os.path.exists(os.path.splitext(sys.argv[1])[0] + ".md"):
        problems.append("no Markdown section beside the JSON")
if problems:
    print("bench-servers-smoke: FAILED\n  " + "\n  ".join(problems))
    sys.exit(1)
if len(skipped) == len(expected):
    sys.exit(77)
print(f"bench-servers-smoke: {len(expected) - len(skipped)} rows measured, {len(skipped)} skipped")
PY
