# shellcheck shell=bash disable=SC2154  # (variables set by the caller)
# Sourced by scripts/bench-servers.sh: how each server is started and which
# logons it is measured with. Each run_* function starts its server with
# `start` (own session, stopped by the caller's trap), waits for its port
# (bounded), calls `record` per mechanism and stops the server.
# Uses from the caller: $work $harness $src, start, wait_port, free_port,
# record, fail_row, missing, version, stop_session.

serve_user() { printf 'CONTOSO:alice:Passw0rd!\n' >"$work/users"; chmod 600 "$work/users"; }
serve_port() {  # FRONT LOG: the port serve printed ("listening FRONT 127.0.0.1:PORT")
  local _
  for _ in $(seq 50); do
    grep -q "^listening $1 " "$2" 2>/dev/null && { sed -n "s/^listening $1 127.0.0.1:\([0-9]*\)$/\1/p" "$2"; return 0; }
    sleep 0.2
  done
  return 1
}

# run_front SERVER BINARY FRONT KINDS: one `serve` process of BINARY with one
# front, so each is measured alone, recorded as SERVER for each of KINDS.
run_front() {
  local server=$1 binary=$2 front=$3 kinds=$4 port ver k
  ver=$("$harness" --version 2>/dev/null | head -1 || true)
  ver="${ver:-ntlmssp-harness}${serve_args:+ $serve_args}"
  [ "$server" = serve ] || ver="$ver, $(basename "$binary") (pass-through authenticator)"
  # shellcheck disable=SC2086  # --serve-args is a list of words
  start "$work/$server-$front.out" "$binary" serve --$front 127.0.0.1:0 --users "$work/users" \
    --log "$work/$server-$front.log" $serve_args
  if ! port=$(serve_port $front "$work/$server-$front.out"); then
    for k in $kinds; do fail_row "$server" "$k" "$server --$front did not listen: $(head -3 "$work/$server-$front.out")"; done
    stop_session "$sid"; return 0
  fi
  for k in $kinds; do
    record "$server" "$ver" "$k" --port "$port" --user alice --domain CONTOSO --password 'Passw0rd!'
  done
  stop_session "$sid"
}

# serve: every row of the comparison, plus the logon-only DCE/RPC row the
# floor can also serve (bind + auth3, no sealed call).
run_serve() {
  serve_user
  run_front serve "$harness" http "http-ntlm http-negotiate"
  run_front serve "$harness" rpc "rpc-echo rpc-echo-integrity rpc-logon"
  run_front serve "$harness" smb smb
}

# The pass-through floor (build/bench/ntlmssp-serve-floor: the same fronts,
# no NTLM verification or keys; bench/RESULTS.md). Its keys are not the
# client's, so it serves the rows that need none: HTTP, the DCE/RPC logon
# and the SMB logon (impacket does not check the server's signature).
run_floor() {
  if [ ! -x "$floor" ]; then
    missing floor "http-ntlm http-negotiate rpc-logon smb" "$floor (cmake --build build --target ntlmssp-serve-floor)"
    return 0
  fi
  serve_user
  run_front floor "$floor" http "http-ntlm http-negotiate"
  run_front floor "$floor" rpc rpc-logon
  run_front floor "$floor" smb smb
}

# run_throughput: serve --http --threads T for T = 1 and 2, driven by the C++
# load generator (ntlmssp-net-bench --target) with 4 connections for
# $throughput_seconds: logons/s and serve's CPU per logon.
run_throughput() {
  local t port
  if [ ! -x "$net_bench" ]; then
    for t in 1 2; do missing serve "throughput-http-threads-$t" "$net_bench (cmake --build build --target ntlmssp-net-bench)"; done
    return 0
  fi
  serve_user
  for t in 1 2; do
    start "$work/tp-$t.out" "$harness" serve --http 127.0.0.1:0 --users "$work/users" \
      --log "$work/tp-$t.log" --threads "$t"
    if ! port=$(serve_port http "$work/tp-$t.out"); then
      fail_row serve "throughput-http-threads-$t" "serve did not listen: $(head -3 "$work/tp-$t.out")"
      stop_session "$sid"; continue
    fi
    load_row serve "throughput-http-threads-$t" "ntlmssp-net-bench --connections 4" \
      "http://127.0.0.1:$port/" 'CONTOSO\alice' --connections 4 --threads-label "$t"
    stop_session "$sid"
  done
}

# load_row SERVER KIND VERSION TARGET USER [net-bench options] [--threads-label T]:
# one ntlmssp-net-bench run of $throughput_seconds against the server of
# session $sid (its CPU per logon, and per call with --calls), as one row.
load_row() {
  local server=$1 kind=$2 ver=$3 target=$4 user=$5 threads=null args=() out err; shift 5
  while [ $# -gt 0 ]; do
    if [ "$1" = --threads-label ]; then threads=$2; shift 2; else args+=("$1"); shift; fi
  done
  out=$work/load-$server-$kind.json err=$work/load-$server-$kind.err
  if timeout $((throughput_seconds + 60)) "$net_bench" --target "$target" --user "$user" \
      --password 'Passw0rd!' --duration "$throughput_seconds" --server-pid "$sid" --json \
      "${args[@]}" >"$out" 2>"$err"; then
    /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps(dict(server=sys.argv[2], kind=sys.argv[3], status="measured", threads=json.loads(sys.argv[5]), version=sys.argv[4], mode=r["mode"], connections=r["connections"], logons=r["logons"], failures=r["failures"], first_failure=r.get("first_failure"), logons_per_s=r["logons_per_second"], calls=r["calls"], calls_per_s=r["calls_per_second"], server_cpu_us_per_logon=r.get("server_cpu_us_per_logon"), server_cpu_us_per_call=r.get("server_cpu_us_per_call"), latency_ms=r.get("latency_ms"), wall_s=r["seconds"])))' \
      "$out" "$server" "$kind" "$ver" "$threads" >>"$rows"
  else
    fail_row "$server" "$kind" "load generator failed: $(tail -3 "$err")"
  fi
}

# run_smb_load: SMB through the C++ load generator (ntlmssp-net-bench --target
# smb://, 2 connections, $throughput_seconds per row), `serve --smb` and the
# standalone smbd, same client, same run: fresh logons (NEGOTIATE 3.1.1,
# SESSION_SETUP, signed LOGOFF), then logons each followed by 1000 signed ECHOs.
run_smb_load() {
  local port kinds="smb-load-logons smb-load-echo" ver
  if [ ! -x "$net_bench" ]; then
    missing serve "$kinds" "$net_bench (cmake --build build --target ntlmssp-net-bench)"
    missing smbd "$kinds" "$net_bench (cmake --build build --target ntlmssp-net-bench)"
    return 0
  fi
  serve_user
  ver=$("$harness" --version 2>/dev/null | head -1 || true)
  # shellcheck disable=SC2086  # --serve-args is a list of words
  start "$work/sl-serve.out" "$harness" serve --smb 127.0.0.1:0 --users "$work/users" \
    --log "$work/sl-serve.log" $serve_args
  if port=$(serve_port smb "$work/sl-serve.out"); then
    smb_load_rows serve "${ver:-ntlmssp-harness}" "$port" 'CONTOSO\alice'
  else
    for k in $kinds; do fail_row serve "$k" "serve --smb did not listen: $(head -3 "$work/sl-serve.out")"; done
  fi
  stop_session "$sid"
  start_smbd "$work/smbd-load" "$kinds" || return 0
  smb_load_rows smbd "samba $(version samba)" "$smbd_port" 'CONTOSO\nobody'
  stop_session "$sid"
}
smb_load_rows() {  # SERVER VERSION PORT USER
  load_row "$1" smb-load-logons "$2, ntlmssp-net-bench --connections 2" "smb://127.0.0.1:$3" "$4" \
    --connections 2
  load_row "$1" smb-load-echo "$2, ntlmssp-net-bench --connections 2 --calls 1000" \
    "smb://127.0.0.1:$3" "$4" --connections 2 --calls 1000
}

# run_crypto: the crypto rows of issue 16 from ntlmssp-bench, in this run.
run_crypto() {
  local filter='^(BM_Seal/16384|BM_OpenSSLStitched/16384|BM_SealBatch/(1024|16384)|BM_SealLimit/(1024|16384)|BM_Accept)$'
  if [ ! -x "$crypto_bench" ]; then
    missing crypto ntlmssp-bench "$crypto_bench (cmake --build build --target ntlmssp-bench)"; return 0
  fi
  local min_time=()
  [ -n "$crypto_min_time" ] && min_time=(--benchmark_min_time="$crypto_min_time")
  if timeout 600 "$crypto_bench" --benchmark_filter="$filter" --benchmark_repetitions="$crypto_repetitions" \
      --benchmark_report_aggregates_only=true --benchmark_format=json "${min_time[@]}" \
      >"$work/crypto.json" 2>"$work/crypto.err"; then
    cp "$work/crypto.json" "$crypto_out"
  else
    missing crypto ntlmssp-bench "ntlmssp-bench failed: $(tail -3 "$work/crypto.err")"
  fi
}

# Apache httpd + mod_auth_gssapi + gss-ntlmssp, in the foreground (its
# workers stay in its session), from the shared configuration template.
run_apache() {
  local d=$work/apache port user_line='' k ver
  if [ ! -x /usr/sbin/apache2 ] || [ ! -f /usr/lib/apache2/modules/mod_auth_gssapi.so ] ||
     ! dpkg-query -W -f='${Status}' gss-ntlmssp 2>/dev/null | grep -q 'ok installed'; then
    missing apache-gss-ntlmssp "http-ntlm http-negotiate" "apache2-bin + libapache2-mod-auth-gssapi + gss-ntlmssp"
    return 0
  fi
  mkdir -p "$d/htdocs" "$d/logs"
  echo hello >"$d/htdocs/index.html"
  printf 'CONTOSO:alice:Passw0rd!\n' >"$d/users"
  port=$(free_port)
  if [ "$(id -u)" = 0 ]; then  # httpd's workers run as nobody: they read the users and the page
    user_line="User nobody"
    chmod 755 "$d"
    chown nobody "$d/users" "$d/htdocs" "$d/htdocs/index.html"
  fi
  sed -e "s|@ROOT@|$d|g" -e "s|@PORT@|$port|g" -e "s|@USER_LINE@|$user_line|g" \
    "$src/scripts/peers/apache-gss-ntlmssp.conf.in" >"$d/httpd.conf"
  start "$d/httpd.out" env NTLM_USER_FILE="$d/users" /usr/sbin/apache2 -f "$d/httpd.conf" -DFOREGROUND
  if ! wait_port "$port" 15; then
    fail_row apache-gss-ntlmssp http-ntlm "httpd did not listen: $(tail -3 "$d/httpd.out" "$d/error.log" 2>/dev/null)"
    stop_session "$sid"; return 0
  fi
  ver="apache2 $(version apache2-bin), mod_auth_gssapi $(version libapache2-mod-auth-gssapi), gss-ntlmssp $(version gss-ntlmssp)"
  for k in http-ntlm http-negotiate; do
    record apache-gss-ntlmssp "$ver" "$k" --port "$port" --user alice --domain CONTOSO --password 'Passw0rd!'
  done
  stop_session "$sid"
}

# start_smbd DIR KINDS: a standalone smbd in DIR (tdbsam passdb there, one
# account CONTOSO\nobody mapped to the existing unix user nobody: nothing
# system-wide is added), listening on $smbd_port in session $sid; returns 1
# after writing a row for each of KINDS when it cannot.
start_smbd() {
  local d=$1 kinds=$2 k
  if [ ! -x /usr/sbin/smbd ] || ! command -v pdbedit >/dev/null; then
    missing smbd "$kinds" "samba (smbd) + samba-common-bin (pdbedit)"; return 1
  fi
  if [ "$(id -u)" != 0 ]; then  # smbd switches to the logged-on user's uid
    missing smbd "$kinds" "root (smbd changes to the account's unix user)"; return 1
  fi
  mkdir -p "$d"/{private,lock,state,cache,pid,ncalrpc}
  smbd_port=$(free_port)
  # The one configuration of this peer, shared with ProbeSmbdTest.
  sed -e "s|@DIR@|$d|g" -e "s|@PORT@|$smbd_port|g" "$src/scripts/peers/samba-smbd.conf.in" >"$d/smb.conf"
  if ! printf 'Passw0rd!\nPassw0rd!\n' | timeout 60 pdbedit -s "$d/smb.conf" -a -u nobody -t >"$d/pdbedit.out" 2>&1; then
    for k in $kinds; do fail_row smbd "$k" "pdbedit failed: $(tail -3 "$d/pdbedit.out")"; done
    return 1
  fi
  start "$d/smbd.out" /usr/sbin/smbd -F --no-process-group -s "$d/smb.conf" --debug-stdout
  if ! wait_port "$smbd_port" 30; then
    for k in $kinds; do fail_row smbd "$k" "smbd did not listen: $(tail -3 "$d/smbd.out")"; done
    stop_session "$sid"; return 1
  fi
}

run_smbd() {
  start_smbd "$work/smbd" smb || return 0
  record smbd "samba $(version samba)" smb --port "$smbd_port" --user nobody --domain CONTOSO --password 'Passw0rd!'
  stop_session "$sid"
}

# A Samba AD DC: provisioned in the temp dir with the options ProbeSambaDcTest
# gives (scripts/peers/samba-ad-dc.options.in: RPC service only on 127.0.0.1,
# samr and lsarpc on free ports; no DNS backend),
# run in the foreground in its own session. Its RPC service also serves the
# endpoint mapper on 127.0.0.1:135: root only, and 135 must be free.
# Provisioned once ($dc_port set), started and stopped in every round.
dc_adminpass='Harness-Admin-Pass1!'
run_samba_dc() {
  local d=$work/dc k
  if [ ! -x /usr/sbin/samba ] || ! command -v samba-tool >/dev/null; then
    missing samba-ad-dc rpc-samr "samba (/usr/sbin/samba, samba-tool)"; return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    missing samba-ad-dc rpc-samr "root (the DC's RPC service binds 127.0.0.1:135)"; return 0
  fi
  if (exec 3<>/dev/tcp/127.0.0.1/135) 2>/dev/null; then
    missing samba-ad-dc rpc-samr "a free 127.0.0.1:135 (something listens there: another Samba DC?)"; return 0
  fi
  if [ -z "${dc_port:-}" ]; then provision_samba_dc "$d" || return 0; fi
  start "$d/samba.out" /usr/sbin/samba -F -s "$d/etc/smb.conf"
  if ! wait_port "$dc_port" 120; then
    fail_row samba-ad-dc rpc-samr "samba did not listen: $(tail -3 "$d/samba.out")"; stop_session "$sid"; return 0
  fi
  for k in rpc-samr rpc-samr-integrity; do
    record samba-ad-dc "samba $(version samba)" "$k" --port "$dc_port" --user Administrator \
      --domain HARNESS --password "$dc_adminpass"
  done
  stop_session "$sid"
}

# provision_samba_dc DIR: the DC's database in DIR, samr on a free port
# ($dc_port); 1 after a row naming the failure.
provision_samba_dc() {
  local d=$1 port lsarpc_port line options
  port=$(free_port)
  lsarpc_port=$(free_port)
  : >"$work/empty.conf"
  # The one option list of this peer, shared with ProbeSambaDcTest.
  options=()
  while IFS= read -r line; do
    [ -n "$line" ] && [ "${line#\#}" = "$line" ] && options+=("--option=$line")
  done < <(sed -e "s|@DIR@|$d|g" -e "s|@SAMR_PORT@|$port|g" -e "s|@LSARPC_PORT@|$lsarpc_port|g" \
             "$src/scripts/peers/samba-ad-dc.options.in")
  echo "bench-servers: provisioning the Samba AD DC (a minute or two)" >&2
  if ! timeout 600 samba-tool domain provision -s "$work/empty.conf" --targetdir="$d" \
      --realm=HARNESS.TEST --domain=HARNESS --server-role=dc --dns-backend=NONE --use-rfc2307 \
      --adminpass="$dc_adminpass" "${options[@]}" >"$work/provision.out" 2>&1; then
    fail_row samba-ad-dc rpc-samr "samba-tool domain provision failed: $(tail -3 "$work/provision.out")"
    rm -rf "$d"
    return 1
  fi
  mkdir -p "$d/run"
  dc_port=$port
}
