#!/usr/bin/env bash
# Load-independent costs of one logon in `serve` (issue 16): system calls
# (strace -f -c over N logons), instructions (callgrind's Ir over N logons,
# from a zeroed counter to a dump) and heap allocations (callgrind's calls to
# malloc, calloc, realloc and operator new), each divided by N. The logons are
# scripts/bench-servers-client.py's, fresh connections, after its warm-up.
# Counts, not timings: they do not depend on what else runs on the machine
# (the EAGAIN returns of speculative reads and accepts do, a little).
# Usage: scripts/serve-counts.sh [--harness BIN] [--logons N] [--kinds LIST] [--no-callgrind]
#   --harness BIN  ntlmssp-harness or ntlmssp-serve-floor (default build/harness/ntlmssp-harness)
#   --logons N     logons per count (default 200; callgrind runs ~50x slower)
#   --kinds LIST   comma list of http-ntlm,http-negotiate,rpc-echo,rpc-logon,smb (default all)
# Prints one JSON line per kind. Loopback, free ports, serve --threads 1 in a
# temp dir, every server stopped at the end.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
harness=$src/build/harness/ntlmssp-harness
logons=200
kinds=http-ntlm,http-negotiate,rpc-echo,rpc-logon,smb
callgrind=1
while [ $# -gt 0 ]; do
  case $1 in
    --harness) harness=$2; shift 2 ;;
    --logons) logons=$2; shift 2 ;;
    --kinds) kinds=$2; shift 2 ;;
    --no-callgrind) callgrind=0; shift ;;
    *) echo "serve-counts: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[[ $logons =~ ^[0-9]+$ ]] && [ "$logons" -ge 1 ] && [ "$logons" -le 100000 ] || { echo "serve-counts: --logons 1..100000" >&2; exit 2; }
command -v strace >/dev/null || { echo "serve-counts: needs strace (scripts/setup.sh installs it)" >&2; exit 3; }
[ $callgrind = 0 ] || command -v callgrind_control >/dev/null || { echo "serve-counts: needs valgrind (or --no-callgrind)" >&2; exit 3; }
work=$(mktemp -d /tmp/serve-counts.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do timeout 30 tail --pid="$p" -f /dev/null 2>/dev/null || kill -KILL "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export KRB5_CONFIG=$work/krb5.conf OPENSSL_CONF=$src/scripts/record/openssl-legacy.cnf
: >"$KRB5_CONFIG"
printf 'CONTOSO:alice:Passw0rd!\n' >"$work/users"
chmod 600 "$work/users"

front_of() { case $1 in http-*) echo http ;; rpc-*) echo rpc ;; smb) echo smb ;; esac; }
# serve_start FRONT PREFIX...: serve (under PREFIX) with one front; sets $pid $port.
serve_start() {
  local front=$1 _; shift
  rm -f "$work/out"  # not the previous server's port (the shell truncates it only after the fork)
  "$@" "$harness" serve "--$front" 127.0.0.1:0 --users "$work/users" --log "$work/log" --threads 1 \
    </dev/null >"$work/out" 2>"$work/err" &
  pid=$!
  pids+=("$pid")
  for _ in $(seq 300); do
    port=$(sed -n "s/^listening $front 127.0.0.1:\([0-9]*\)$/\1/p" "$work/out" 2>/dev/null)
    [ -n "$port" ] && return 0
    sleep 0.2
  done
  echo "serve-counts: serve --$front did not listen: $(head -3 "$work/err")" >&2; exit 3
}
serve_stop() { kill -TERM "$pid"; timeout 60 tail --pid="$pid" -f /dev/null || kill -KILL "$pid"; }
client() {  # KIND N
  /usr/bin/python3 "$src/scripts/bench-servers-client.py" --kind "$1" --port "$port" --user alice \
    --domain CONTOSO --password 'Passw0rd!' --server-sid 0 --logons "$2" --warmup 0 --max-seconds 600 \
    --no-cpu >/dev/null
}

for kind in ${kinds//,/ }; do
  front=$(front_of "$kind")
  [ -n "$front" ] || { echo "serve-counts: unknown kind $kind" >&2; exit 2; }
  serve_start "$front"
  client "$kind" 2
  strace -f -c -o "$work/strace" -p "$pid" 2>/dev/null &
  st=$!
  sleep 1  # strace attaches to every thread
  client "$kind" "$logons"
  kill -INT "$st"; wait "$st" || true
  serve_stop
  syscalls=$(awk '$NF=="total" {print $(NF-2)}' "$work/strace")
  ir=null allocs=null
  if [ $callgrind = 1 ]; then
    rm -f "$work"/cg.*
    serve_start "$front" valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" -q
    client "$kind" 2
    callgrind_control -z "$pid" >/dev/null 2>&1
    client "$kind" "$logons"
    callgrind_control -d "$pid" >/dev/null 2>&1
    serve_stop
    read -r ir allocs < <(/usr/bin/python3 - "$work" <<'PY'
import glob, os, re, sys
# The dump after the zeroing: the highest-numbered part file.
parts = sorted(glob.glob(os.path.join(sys.argv[1], "cg.*.*")), key=lambda p: int(p.rsplit(".", 1)[1]))
text = open(parts[-1]).read()
ir = int(re.search(r"^summary: (\d+)", text, re.M).group(1))
names, allocs, current = {}, 0, None
alloc = re.compile(r"^(malloc|calloc|realloc|operator new\(unsigned long\)|operator new\[\]\(unsigned long\))$")
for line in text.splitlines():
    m = re.match(r"^cfn=\((\d+)\)(?: (.*))?$", line)
    if m:
        if m.group(2):
            names[m.group(1)] = m.group(2)
        current = names.get(m.group(1), "")
        continue
    if line.startswith("calls=") and current is not None:
        if alloc.match(current):
            allocs += int(line.split("=")[1].split()[0])
        current = None
print(ir, allocs)
PY
)
  fi
  /usr/bin/python3 -c 'import json,sys; n=int(sys.argv[2]); f=lambda v: None if v=="null" else round(int(v)/n, 1); print(json.dumps(dict(kind=sys.argv[1], logons=n, syscalls_per_logon=f(sys.argv[3]), instructions_per_logon=f(sys.argv[4]), allocations_per_logon=f(sys.argv[5]))))' \
    "$kind" "$logons" "$syscalls" "$ir" "$allocs"
done
