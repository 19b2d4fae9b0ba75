#!/usr/bin/env bash
# bench-servers.sh: server CPU per logon of `serve` (1 and 2 threads) and of
# the HTTP anchor users would pick instead — Apache httpd + mod_auth_gssapi +
# gss-ntlmssp from Debian packages — side by side in one run, each driven by
# the same client: `ntlmssp-net-bench --target ... --connections N --duration S
# --json` (docs/load-generator.md). Everything runs on loopback from a temp
# folder with an empty KRB5_CONFIG and is stopped on exit.
#
# Server CPU is read from /proc: for serve its own utime+stime (all threads,
# the load generator's --server-pid); for httpd the sum of utime+stime+
# cutime+cstime over the parent and its live children (workers that exit during
# the run are counted through the parent's cutime/cstime).
#
# Not yet here (issue 16): the Samba AD DC anchor over DCE/RPC and the
# pass-through floor.
#
# Usage: scripts/bench-servers.sh [--duration S] [--connections N] [--json FILE]
#        (BUILD=build by default; needs apache2-bin, libapache2-mod-auth-gssapi, gss-ntlmssp)
set -euo pipefail
duration=10
connections=8
json_out=
while [[ $# -gt 0 ]]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --json) json_out=$2; shift 2 ;;
    *) echo "bench-servers: unknown option $1" >&2; exit 2 ;;
  esac
done
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build}
bench=$build/bench/ntlmssp-net-bench
harness=$build/harness/ntlmssp-harness
for f in "$bench" "$harness" /usr/sbin/apache2 /usr/lib/apache2/modules/mod_auth_gssapi.so; do
  [[ -x $f || -f $f ]] || { echo "bench-servers: missing $f" >&2; exit 2; }
done

dir=$(mktemp -d)
chmod 755 "$dir"
serve_pid=
cleanup() {
  [[ -n $serve_pid ]] && { kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; }
  if [[ -f $dir/httpd.conf ]]; then
    env KRB5_CONFIG="$dir/krb5.conf" /usr/sbin/apache2 -f "$dir/httpd.conf" -k stop 2>/dev/null || true
    for _ in $(seq 1 50); do [[ -f $dir/httpd.pid ]] || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}
trap cleanup EXIT
: >"$dir/krb5.conf"
printf 'CONTOSO:alice:Passw0rd!\n' >"$dir/users"
chmod 600 "$dir/users"
: >"$dir/results.jsonl"

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_listen() {  # port; at most 15 s
  for _ in $(seq 1 150); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "bench-servers: nothing listens on port $1" >&2
  return 1
}
# CPU seconds of a process and its live children (utime+stime+cutime+cstime).
tree_cpu() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" || true); do
    [[ -r /proc/$pid/stat ]] || continue
    total=$(awk -v t="$total" '{ sub(/^.*\) /, ""); print t + $12 + $13 + $14 + $15 }' "/proc/$pid/stat")
  done
  echo "$total"
}
run_client() {  # name target [extra args]
  local name=$1 target=$2
  shift 2
  "$bench" --target "$target" --user 'CONTOSO\alice' --password 'Passw0rd!' \
    --connections "$connections" --duration "$duration" --json "$@" >"$dir/$name.json" || true
  grep -q '"logons"' "$dir/$name.json" || { echo "bench-servers: $name: no report" >&2; exit 1; }
}
record() {  # name server_cpu_us_per_logon (or "")
  /usr/bin/python3 - "$dir/$1.json" "$1" "$2" >>"$dir/results.jsonl" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["server"] = sys.argv[2]
if sys.argv[3]: r["server_cpu_us_per_logon"] = float(sys.argv[3])
print(json.dumps(r))
PY
}

# serve, 1 and 2 threads, HTTP NTLM.
for threads in 1 2; do
  port=$(free_port)
  "$harness" serve --http "127.0.0.1:$port" --users "$dir/users" --min-server-sec 0 \
    --threads "$threads" --log /dev/null >/dev/null &
  serve_pid=$!
  wait_listen "$port"
  run_client "serve-http-${threads}t" "http://127.0.0.1:$port/" --server-pid "$serve_pid"
  record "serve-http-${threads}t" ""
  kill "$serve_pid"; wait "$serve_pid" || true; serve_pid=
done

# Apache httpd + mod_auth_gssapi + gss-ntlmssp, HTTP NTLM (connection-bound).
port=$(free_port)
mkdir -p "$dir/htdocs"
echo hello >"$dir/htdocs/index.html"
{
  echo "ServerRoot $dir"; echo "ServerName 127.0.0.1"; echo "Listen 127.0.0.1:$port"
  echo "PidFile $dir/httpd.pid"; echo "ErrorLog $dir/error.log"; echo "LogLevel warn"
  for m in mpm_event authz_core authn_core authz_user auth_gssapi; do
    echo "LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so"
  done
  if [[ $(id -u) -eq 0 ]]; then echo "User nobody"; fi
  echo "DocumentRoot $dir/htdocs"
  echo "<Location />"; echo "  AuthType GSSAPI"; echo "  AuthName ntlm"
  echo "  GssapiAllowedMech ntlmssp"; echo "  GssapiConnectionBound On"
  echo "  Require valid-user"; echo "</Location>"
} >"$dir/httpd.conf"
if [[ $(id -u) -eq 0 ]]; then chown nobody "$dir/users" "$dir/htdocs" "$dir/htdocs/index.html"; fi
env NTLM_USER_FILE="$dir/users" KRB5_CONFIG="$dir/krb5.conf" /usr/sbin/apache2 -f "$dir/httpd.conf" -k start
wait_listen "$port"
httpd_pid=$(cat "$dir/httpd.pid")
before=$(tree_cpu "$httpd_pid")
run_client apache-http "http://127.0.0.1:$port/index.html"
after=$(tree_cpu "$httpd_pid")
logons=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["logons"])' "$dir/apache-http.json")
ticks=$(getconf CLK_TCK)
apache_us=$(awk -v a="$after" -v b="$before" -v n="$logons" -v t="$ticks" \
  'BEGIN { if (n > 0) printf "%.1f", (a - b) / t * 1e6 / n }')
record apache-http "$apache_us"

/usr/bin/python3 - "$dir/results.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| server | logons | failures | logons/s | p50 ms | p99 ms | server CPU us/logon |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for r in rows:
    cpu = r.get("server_cpu_us_per_logon")
    print(f'| {r["server"]} | {r["logons"]} | {r["failures"]} | {r["logons_per_second"]:.0f} | '
          f'{r["latency_ms"]["p50"]:.2f} | {r["latency_ms"]["p99"]:.2f} | '
          f'{"-" if cpu is None else f"{cpu:.0f}"} |')
    if r.get("first_failure"):
        print(f'|   {r["server"]}: first failure: {r["first_failure"]} |')
by = {r["server"]: r for r in rows}
if "apache-http" in by and "serve-http-1t" in by:
    a, s = by["apache-http"].get("server_cpu_us_per_logon"), by["serve-http-1t"].get("server_cpu_us_per_logon")
    if a and s:
        print(f"\nApache / serve (1 thread), server CPU per logon: {a / s:.1f}x (goal: at least 10x)")
PY
if [[ -n $json_out ]]; then cp "$dir/results.jsonl" "$json_out"; fi
exit 0
