#!/usr/bin/env bash
# Server CPU per logon, side by side in one run (issue 16): this build's
# `serve` (--http, --rpc, --smb) and the servers users would pick instead,
# each started from its Debian package on loopback in a temp dir, each driven
# by the same client (scripts/bench-servers-client.py) for a bounded count of
# fresh logons, the server's CPU summed over all its processes and threads
# from /proc before and after:
#   apache-gss-ntlmssp  Apache httpd + mod_auth_gssapi + gss-ntlmssp, HTTP NTLM
#                       and Negotiate (scripts/peers/apache-gss-ntlmssp.conf.in,
#                       the configuration ProbeApacheTest uses)
#   samba-ad-dc         a Samba AD DC provisioned in the temp dir (as
#                       ProbeSambaDcTest does), RPC service only: samr bind +
#                       auth3 + one sealed SamrConnect2 (root: it binds 135)
#   smbd                a standalone smbd (tdbsam in the temp dir; the account
#                       is the unix user nobody): SMB NEGOTIATE + SESSION_SETUP
#   serve-http/-rpc/-smb  this build: the same HTTP exchanges; bind + auth3 +
#                       one sealed 64-byte EchoData (rpcecho), at privacy and at
#                       integrity, and bind + auth3 alone; the same SMB logon
#   floor               build/bench/ntlmssp-serve-floor: serve's fronts with a
#                       pass-through authenticator (no verification, no keys),
#                       the rows that need no keys (bench/RESULTS.md)
#   throughput          serve --http --threads 1 and 2 under the C++ load
#                       generator (ntlmssp-net-bench --target, 4 connections)
#   smb-load            serve --smb and the standalone smbd under the C++ load
#                       generator (--target smb://, 2 connections): fresh
#                       logons, and logons each followed by 1000 signed ECHOs
#   crypto              ntlmssp-bench: BM_Seal/16384, BM_OpenSSLStitched/16384,
#                       BM_SealBatch and BM_SealLimit at 1024 and 16384, BM_Accept
# Kerberos is off everywhere (empty KRB5_CONFIG, NTLM-only mechs), ports are
# free non-default loopback ports, every wait and loop is bounded, and every
# server is stopped at the end (trap), also on error or Ctrl-C.
#
# Usage: scripts/bench-servers.sh [--logons N] [--out FILE] [--harness PATH]
#                                 [--only LIST] [--max-seconds S]
#   --logons N      measured logons per server, mechanism and round (default 500)
#   --rounds R      the Python-client rows (serve, floor, apache, smbd,
#                   samba-dc) measured R times, alternating the servers
#                   (serve, floor, apache, smbd, samba-dc, then again); each
#                   row reports the median of its rounds' CPU per logon and
#                   their spread (default 1; the published run uses 3)
#   --out FILE      the JSON report (default bench/servers.json; --json FILE
#                   is the same); the Markdown section for bench/RESULTS.md is
#                   written beside it (FILE with .md instead of .json)
#   --harness PATH  ntlmssp-harness binary (default build/harness/ntlmssp-harness)
#   --only LIST     comma list of serve,floor,apache,samba-dc,smbd,throughput,
#                   smb-load,crypto (default: all)
#   --floor PATH    the floor build (default build/bench/ntlmssp-serve-floor)
#   --net-bench PATH  ntlmssp-net-bench (default build/bench/ntlmssp-net-bench)
#   --bench PATH    ntlmssp-bench (default build/bench/ntlmssp-bench)
#   --throughput-seconds S  each load generator run (throughput, smb-load; default 10)
#   --crypto-repetitions R  ntlmssp-bench repetitions, median kept (default 3)
#   --crypto-min-time S     ntlmssp-bench --benchmark_min_time (default its own)
#   --max-seconds S bound on each measured loop (default 120)
#   --note TEXT     written into the JSON (e.g. "loaded machine, load average 10")
#   --serve-args A  extra arguments for every `serve` (word-split; e.g. "--threads 1")
# A server whose package is missing is skipped with the reason in the JSON;
# under CI=true it is an error. Prints a table; exit 0 when every server that
# was not skipped was measured.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
logons=500
rounds=1
round=1  # the round being measured (record tags rows with it)
out=$src/bench/servers.json
harness=$src/build/harness/ntlmssp-harness
floor=$src/build/bench/ntlmssp-serve-floor
net_bench=$src/build/bench/ntlmssp-net-bench
crypto_bench=$src/build/bench/ntlmssp-bench
throughput_seconds=10
crypto_repetitions=3
crypto_min_time=
only=serve,floor,apache,samba-dc,smbd,throughput,smb-load,crypto
max_seconds=120
note=
serve_args=
while [ $# -gt 0 ]; do
  case $1 in
    --logons) logons=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --out|--json) out=$2; shift 2 ;;
    --harness) harness=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --max-seconds) max_seconds=$2; shift 2 ;;
    --note) note=$2; shift 2 ;;
    --serve-args) serve_args=$2; shift 2 ;;
    --floor) floor=$2; shift 2 ;;
    --net-bench) net_bench=$2; shift 2 ;;
    --bench) crypto_bench=$2; shift 2 ;;
    --throughput-seconds) throughput_seconds=$2; shift 2 ;;
    --crypto-repetitions) crypto_repetitions=$2; shift 2 ;;
    --crypto-min-time) crypto_min_time=$2; shift 2 ;;
    *) echo "bench-servers: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
[[ $logons =~ ^[0-9]+$ ]] && [ "$logons" -ge 1 ] || { echo "bench-servers: --logons N (N >= 1)" >&2; exit 2; }
[[ $rounds =~ ^[0-9]+$ ]] && [ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || { echo "bench-servers: --rounds R (1..20)" >&2; exit 2; }
[[ $max_seconds =~ ^[0-9]+$ ]] && [ "$max_seconds" -ge 1 ] || { echo "bench-servers: --max-seconds S (whole seconds >= 1)" >&2; exit 2; }
[[ $throughput_seconds =~ ^[0-9]+$ ]] && [ "$throughput_seconds" -ge 1 ] && [ "$throughput_seconds" -le 600 ] ||
  { echo "bench-servers: --throughput-seconds S (1..600)" >&2; exit 2; }
[[ $crypto_repetitions =~ ^[0-9]+$ ]] && [ "$crypto_repetitions" -ge 1 ] && [ "$crypto_repetitions" -le 20 ] ||
  { echo "bench-servers: --crypto-repetitions R (1..20)" >&2; exit 2; }
for name in ${only//,/ }; do
  case $name in serve|floor|apache|samba-dc|smbd|throughput|smb-load|crypto) ;;
    *) echo "bench-servers: --only: unknown part $name (serve, floor, apache, samba-dc, smbd, throughput, smb-load, crypto)" >&2; exit 2 ;;
  esac
done
[ -x "$harness" ] || { echo "bench-servers: no ntlmssp-harness at $harness (build it, or --harness)" >&2; exit 2; }

commit=$(git -C "$src" describe --always --dirty 2>/dev/null || echo unknown)  # what is measured
work=$(mktemp -d /tmp/bench-servers.XXXXXX)
chmod 755 "$work"
rows=$work/rows.jsonl
: >"$rows"
crypto_out=$work/crypto-results.json
: >"$work/krb5.conf"
started=()  # session ids (= pids, started with setsid) of the servers

stop_session() {  # SID: TERM the server's process group, bounded wait, then KILL
  local sid=$1 _ kept=() s
  for s in "${started[@]}"; do [ "$s" = "$sid" ] || kept+=("$s"); done
  started=("${kept[@]}")  # never signalled again (its id may be reused)
  kill -TERM -- "-$sid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 -- "-$sid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL -- "-$sid" 2>/dev/null || true
}
cleanup() {
  local sid
  for sid in "${started[@]}"; do stop_session "$sid"; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export KRB5_CONFIG=$work/krb5.conf
# python3-ntlm-auth computes the NT hash with MD4: OpenSSL's legacy provider.
export OPENSSL_CONF=$src/scripts/record/openssl-legacy.cnf

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {  # PORT SECONDS
  local _
  for _ in $(seq $(($2 * 5))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
# start LOG CMD...: runs CMD in its own session (its pid is the session id,
# kept in $sid and in started[]); stdin closed, output to LOG.
start() {
  local log=$1; shift
  setsid "$@" </dev/null >"$log" 2>&1 &
  sid=$!
  started+=("$sid")
}
wanted() { [[ ",$only," == *",$1,"* ]]; }
version() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo unknown; }

# record SERVER VERSION KIND [client args...]: one measured row (or an error row).
record() {
  local server=$1 version=$2 kind=$3 result; shift 3
  if result=$(timeout $((max_seconds + 120)) /usr/bin/python3 "$src/scripts/bench-servers-client.py" \
      --kind "$kind" --server-sid "$sid" --logons "$logons" --max-seconds "$max_seconds" "$@" 2>"$work/client.err"); then
    printf '%s\n' "$result" | /usr/bin/python3 -c 'import json,sys; r=json.load(sys.stdin); r.update(server=sys.argv[1], version=sys.argv[2], status="measured", round=int(sys.argv[3])); print(json.dumps(r))' "$server" "$version" "$round" >>"$rows"
  else
    fail_row "$server" "$kind" "client failed: $(tail -3 "$work/client.err")"
  fi
}
fail_row() {  # SERVER KIND REASON [STATUS]
  /usr/bin/python3 -c 'import json,sys; print(json.dumps(dict(server=sys.argv[1], kind=sys.argv[2], status=sys.argv[4], reason=sys.argv[3])))' \
    "$1" "$2" "$3" "${4:-error}" >>"$rows"
}
# missing SERVER KINDS REASON: a peer that is not installed; an error under CI.
missing() {
  local kind status=skipped
  [ "${CI:-}" = true ] && status=error
  for kind in $2; do fail_row "$1" "$kind" "missing: $3" "$status"; done
  echo "bench-servers: $1: missing $3 ($status)" >&2
}

. "$src/scripts/bench-servers-peers.sh"

# The duration to expect: client wall time per logon (ms, rounded up) measured
# on the quiet 2-vCPU build machine (python clients), the Samba DC's
# provisioning, the load generator and the crypto benchmarks. The published
# run (--logons 1000 --rounds 3) took 5 min 16 s; this estimate said 8 min 14 s.
estimate=0
wanted serve && estimate=$((estimate + rounds * (logons * (1 + 1 + 5 + 5 + 3 + 7) / 1000 + 6)))
wanted floor && estimate=$((estimate + rounds * (logons * (1 + 1 + 3 + 6) / 1000 + 4)))
wanted apache && estimate=$((estimate + rounds * (logons * (2 + 3) / 1000 + 5)))
wanted smbd && estimate=$((estimate + rounds * (logons * 17 / 1000 + 10)))
wanted samba-dc && estimate=$((estimate + rounds * (logons * (14 + 15) / 1000 + 10) + 30))
wanted throughput && estimate=$((estimate + 2 * (throughput_seconds + 2)))
wanted smb-load && estimate=$((estimate + 4 * (throughput_seconds + 2) + 5))
wanted crypto && estimate=$((estimate + 10 * crypto_repetitions))
echo "bench-servers: $logons logons per row and round, $rounds round(s); expect about $((estimate / 60)) min $((estimate % 60)) s on a quiet 2-core machine (parts: ${only})" >&2

for round in $(seq "$rounds"); do  # record() tags each row with $round
  wanted serve && run_serve
  wanted floor && run_floor
  wanted apache && run_apache
  wanted smbd && run_smbd
  wanted samba-dc && run_samba_dc
done
wanted throughput && run_throughput
wanted smb-load && run_smb_load
wanted crypto && run_crypto

for sid in "${started[@]}"; do stop_session "$sid"; done
crypto_arg=()
[ -s "$crypto_out" ] && crypto_arg=(--crypto "$crypto_out")
/usr/bin/python3 "$src/scripts/bench-servers-report.py" "$rows" "$out" --logons "$logons" --rounds "$rounds" --commit "$commit" \
  --note "$note" "${crypto_arg[@]}"
