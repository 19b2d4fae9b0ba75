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

# One `serve` process per front, so each is measured alone.
run_serve() {
  local front port kinds ver
  ver=$("$harness" --version 2>/dev/null | head -1 || true)
  ver="${ver:-ntlmssp-harness}${serve_args:+ $serve_args}"
  serve_user
  for front in http rpc smb; do
    # shellcheck disable=SC2086  # --serve-args is a list of words
    start "$work/serve-$front.out" "$harness" serve --$front 127.0.0.1:0 --users "$work/users" \
      --log "$work/serve-$front.log" $serve_args
    case $front in
      http) kinds="http-ntlm http-negotiate" ;;
      rpc) kinds=rpc-echo ;;
      smb) kinds=smb ;;
    esac
    if ! port=$(serve_port $front "$work/serve-$front.out"); then
      for k in $kinds; do fail_row serve "$k" "serve --$front did not listen: $(head -3 "$work/serve-$front.out")"; done
      stop_session "$sid"; continue
    fi
    for k in $kinds; do
      record "serve" "$ver" "$k" --port "$port" --user alice --domain CONTOSO --password 'Passw0rd!'
    done
    stop_session "$sid"
  done
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
  record samba-ad-dc "samba $(version samba)" rpc-samr --port "$port" --user Administrator \
    --domain HARNESS --password "$adminpass"
  stop_session "$sid"
}
