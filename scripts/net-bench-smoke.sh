#!/usr/bin/env bash
# Smoke test of ntlmssp-net-bench (ctest net-bench-smoke): runs every
# benchmark once with a tiny minimum time (loopback only, the server in
# process) and checks that the JSON lists every registered benchmark and the
# required names, none with an error. Timings are not looked at.
# Usage: scripts/net-bench-smoke.sh path/to/ntlmssp-net-bench
set -euo pipefail
bench=${1:?usage: net-bench-smoke.sh path/to/ntlmssp-net-bench}
out=$(mktemp)
trap 'rm -f "$out" "$out.list"' EXIT
"$bench" --benchmark_list_tests=true >"$out.list"
timeout 300 "$bench" --benchmark_min_time=0.0001 --benchmark_out="$out" \
  --benchmark_out_format=json >/dev/null
python3 - "$out" "$out.list" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
listed = [l.strip() for l in open(sys.argv[2]) if l.strip()]
ran = {b["name"]: b for b in report["benchmarks"]}
missing = [n for n in listed if n not in ran]
errors = [f'{n}: {b.get("error_message")}' for n, b in ran.items() if b.get("error_occurred")]
required = ["BM_NetHttpHandshake/real_time", "BM_NetRpcHandshake/real_time",
            "BM_NetRpcSealedRoundTrip/64/real_time", "BM_NetRpcSealedRoundTrip/1024/real_time",
            "BM_NetRpcSealedRoundTrip/16384/real_time", "BM_NetSmbSessionSetup/real_time",
            "BM_NetSmbSignedEcho/real_time"]
absent = [n for n in required if n not in ran]
if missing or errors or absent:
    print("net-bench-smoke: missing:", missing, "absent:", absent, "errors:", errors)
    sys.exit(1)
print(f"net-bench-smoke: {len(ran)} benchmarks ran, valid JSON")
PY
