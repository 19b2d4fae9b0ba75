#!/usr/bin/env bash
# Smoke test of the load generator (ctest net-load-smoke): starts `serve` with
# two threads (HTTP, DCE/RPC and SMB fronts on free loopback ports) in a temp
# folder, runs `ntlmssp-net-bench --target ... --connections 4 --duration 1
# --json --server-pid PID` against each front (DCE/RPC with 3 sealed calls per
# logon; SMB: NEGOTIATE, SESSION_SETUP, signed LOGOFF, and again with 3 signed
# ECHOs per logon), and checks the JSON (logons > 0, no failures, a CPU
# figure; calls = 3 x logons where 3 calls were asked for), that a
# non-loopback target is refused and that options the target cannot use are
# refused (exit 2). No timing is asserted. Every wait is bounded; the server
# is stopped on exit.
# Usage: scripts/net-load-smoke.sh path/to/ntlmssp-net-bench path/to/ntlmssp-harness
set -euo pipefail
bench=${1:?usage: net-load-smoke.sh NTLMSSP-NET-BENCH NTLMSSP-HARNESS}
harness=${2:?usage: net-load-smoke.sh NTLMSSP-NET-BENCH NTLMSSP-HARNESS}
dir=$(mktemp -d)
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
printf 'CONTOSO:alice:Passw0rd!\n' >"$dir/users"
chmod 600 "$dir/users"
"$harness" serve --http 127.0.0.1:0 --users "$dir/users" --min-server-sec 0 --threads 2 \
  --rpc 127.0.0.1:0 --smb 127.0.0.1:0 --log "$dir/serve.log" >"$dir/listening" &
pid=$!
port=
rpc_port=
smb_port=
for _ in $(seq 1 150); do  # at most 15 s
  port=$(sed -n 's/^listening http 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/listening")
  rpc_port=$(sed -n 's/^listening rpc 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/listening")
  smb_port=$(sed -n 's/^listening smb 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$dir/listening")
  [[ -n $port && -n $rpc_port && -n $smb_port ]] && break
  kill -0 "$pid" 2>/dev/null || { echo "net-load-smoke: serve exited"; cat "$dir/serve.log"; exit 1; }
  sleep 0.1
done
[[ -n $port && -n $rpc_port && -n $smb_port ]] || { echo "net-load-smoke: serve did not listen"; exit 1; }

timeout 60 "$bench" --target "http://127.0.0.1:$port/" --user 'CONTOSO\alice' \
  --password 'Passw0rd!' --connections 4 --duration 1 --server-pid "$pid" --json >"$dir/http.json"
timeout 60 "$bench" --target "ncacn_ip_tcp:127.0.0.1[$rpc_port]" --user 'CONTOSO\alice' \
  --password 'Passw0rd!' --connections 4 --duration 1 --calls 3 --call-bytes 1024 \
  --server-pid "$pid" --json >"$dir/rpc.json"
timeout 60 "$bench" --target "smb://127.0.0.1:$smb_port" --user 'CONTOSO\alice' \
  --password 'Passw0rd!' --connections 4 --duration 1 --server-pid "$pid" --json >"$dir/smb.json"
timeout 60 "$bench" --target "smb://127.0.0.1:$smb_port" --user 'CONTOSO\alice' \
  --password 'Passw0rd!' --connections 4 --duration 1 --calls 3 --server-pid "$pid" --json \
  >"$dir/smb-echo.json"
python3 - "$dir/http.json" "$dir/rpc.json" "$dir/smb.json" "$dir/smb-echo.json" <<'PY'
import json, sys
problems = []
expected_modes = ["fresh-logons", "logons-with-sealed-calls", "fresh-logons", "logons-with-signed-echoes"]
for path, mode in zip(sys.argv[1:], expected_modes):
    r = json.load(open(path))
    name = r.get("target", path) + " (" + mode + ")"
    if r.get("mode") != mode: problems.append(f'{name}: mode {r.get("mode")}')
    if r.get("logons", 0) <= 0: problems.append(f"{name}: no logons")
    if r.get("failures") != 0:
        problems.append(f'{name}: failures: {r.get("failures")} ({r.get("first_failure")})')
    for key in ("logons_per_second", "latency_ms", "server_cpu_us_per_logon"):
        if key not in r: problems.append(f"{name}: no {key}")
    if mode != "fresh-logons":
        if r.get("calls") != 3 * r.get("logons", -1): problems.append(f"{name}: calls != 3 x logons")
        if "server_cpu_us_per_call" not in r: problems.append(f"{name}: no server_cpu_us_per_call")
    elif r.get("calls") != 0:
        problems.append(f"{name}: calls without --calls")
    if name.startswith("ncacn_ip_tcp:"):
        if r.get("bytes_per_second", 0) <= 0: problems.append(f"{name}: no bytes_per_second")
if problems:
    print("net-load-smoke:", "; ".join(problems)); sys.exit(1)
print("net-load-smoke: http, ncacn_ip_tcp, smb and smb with signed ECHOs: logons, no failures, valid JSON")
PY

set +e
timeout 30 "$bench" --target http://192.0.2.1:80/ --user 'CONTOSO\alice' --password x \
  --duration 1 2>"$dir/remote.err"
rc=$?
set -e
if [[ $rc -ne 2 ]] || ! grep -q "not a loopback address" "$dir/remote.err"; then
  echo "net-load-smoke: a remote target was not refused (exit $rc)"; cat "$dir/remote.err"; exit 1
fi
echo "net-load-smoke: a remote target is refused without --allow-remote"

# Options the target cannot use: refused with exit 2 and a message naming them.
refused() {  # EXPECTED-TEXT ARGS...
  local expected=$1 rc; shift
  set +e
  timeout 30 "$bench" --user 'CONTOSO\alice' --password x --duration 1 "$@" 2>"$dir/refused.err"
  rc=$?
  set -e
  if [[ $rc -ne 2 ]] || ! grep -q -- "$expected" "$dir/refused.err"; then
    echo "net-load-smoke: $* was not refused with '$expected' (exit $rc)"; cat "$dir/refused.err"; exit 1
  fi
}
refused "apply to ncacn_ip_tcp: and smb:// targets" --target "http://127.0.0.1:$port/" --calls 2
refused "an SMB ECHO carries no payload" --target "smb://127.0.0.1:$smb_port" --call-bytes 10
refused "must be a number in" --target "smb://127.0.0.1:$smb_port" --calls -1
echo "net-load-smoke: --calls on HTTP, --call-bytes on SMB and a negative --calls are refused"
