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
    if timeout $((throughput_seconds + 60)) "$net_bench" --target "http://127.0.0.1:$port/" \
        --user 'CONTOSO\alice' --password 'Passw0rd!' --connections 4 \
        --duration "$throughput_seconds" --server-pid "$sid" --json >"$work/tp-$t.json" 2>"$work/tp-$t.err"; then
      /usr/bin/python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(json.dumps(dict(server="serve", kind=sys.argv[2], status="measured", threads=int(sys.argv[3]), version="ntlmssp-net-bench --connections 4", logons=r["logons"], failures=r["failures"], logons_per_s=r["logons_per_second"], server_cpu_us_per_logon=r.get("server_cpu_us_per_logon"), latency_ms=r.get("latency_ms"), wall_s=r["seconds"])))' \
        "$work/tp-$t.json" "throughput-http-threads-$t" "$t" >>"$rows"
    else
      fail_row serve "throughput-http-threads-$t" "load generator failed: $(tail -3 "$work/tp-$t.err")"
    fi
    stop_session "$sid"
  done
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

# A standalone smbd: tdbsam passdb in the temp dir with one account mapped to
# the existing unix user nobody (nothing system-wide is added).
run_smbd() {
  local d=$work/smbd port
  if [ ! -x /usr/sbin/smbd ] || ! command -v pdbedit >/dev/null; then
    missing smbd smb "samba (smbd) + samba-common-bin (pdbedit)"; return 0
  fi
  if [ "$(id -u)" != 0 ]; then  # smbd switches to the logged-on user's uid
    missing smbd smb "root (smbd changes to the account's unix user)"; return 0
  fi
  mkdir -p "$d"/{private,lock,state,cache,pid,ncalrpc}
  port=$(free_port)
  # The one configuration of this peer, shared with ProbeSmbdTest.
  sed -e "s|@DIR@|$d|g" -e "s|@PORT@|$port|g" "$src/scripts/peers/samba-smbd.conf.in" >"$d/smb.conf"
  if ! printf 'Passw0rd!\nPassw0rd!\n' | timeout 60 pdbedit -s "$d/smb.conf" -a -u nobody -t >"$d/pdbedit.out" 2>&1; then
    fail_row smbd smb "pdbedit failed: $(tail -3 "$d/pdbedit.out")"; return 0
  fi
  start "$d/smbd.out" /usr/sbin/smbd -F --no-process-group -s "$d/smb.conf" --debug-stdout
  if ! wait_port "$port" 30; then
    fail_row smbd smb "smbd did not listen: $(tail -3 "$d/smbd.out")"; stop_session "$sid"; return 0
  fi
  record smbd "samba $(version samba)" smb --port "$port" --user nobody --domain CONTOSO --password 'Passw0rd!'
  stop_session "$sid"
}

# A Samba AD DC: provisioned in the temp dir with the options ProbeSambaDcTest
# gives (scripts/peers/samba-ad-dc.options.in: RPC service only on 127.0.0.1,
# samr and lsarpc on free ports; no DNS backend),
# run in the foreground in its own session. Its RPC service also serves the
# endpoint mapper on 127.0.0.1:135: root only, and 135 must be free.
run_samba_dc() {
  local d=$work/dc port lsarpc_port line options adminpass='Harness-Admin-Pass1!'
  if [ ! -x /usr/sbin/samba ] || ! command -v samba-tool >/dev/null; then
    missing samba-ad-dc rpc-samr "samba (/usr/sbin/samba, samba-tool)"; return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    missing samba-ad-dc rpc-samr "root (the DC's RPC service binds 127.0.0.1:135)"; return 0
  fi
  if (exec 3<>/dev/tcp/127.0.0.1/135) 2>/dev/null; then
    missing samba-ad-dc rpc-samr "a free 127.0.0.1:135 (something listens there: another Samba DC?)"; return 0
  fi
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
      --adminpass="$adminpass" "${options[@]}" >"$work/provision.out" 2>&1; then
    fail_row samba-ad-dc rpc-samr "samba-tool domain provision failed: $(tail -3 "$work/provision.out")"
    return 0
  fi
  mkdir -p "$d/run"
  start "$d/samba.out" /usr/sbin/samba -F -s "$d/etc/smb.conf"
  if ! wait_port "$port" 120; then
    fail_row samba-ad-dc rpc-samr "samba did not listen: $(tail -3 "$d/samba.out")"; stop_session "$sid"; return 0
  fi
  for k in rpc-samr rpc-samr-integrity; do
    record samba-ad-dc "samba $(version samba)" "$k" --port "$port" --user Administrator \
      --domain HARNESS --password "$adminpass"
  done
  stop_session "$sid"
}
