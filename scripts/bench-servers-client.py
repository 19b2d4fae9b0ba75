#!/usr/bin/python3
"""The one client of scripts/bench-servers.sh: fresh logons against a server
on loopback and the server's CPU per logon.

Each logon is a fresh TCP connection and a complete NTLM exchange:
  http-ntlm       GET with `Authorization: NTLM` (NEGOTIATE, then AUTHENTICATE;
                  2 legs on one keep-alive connection), python3-ntlm-auth
  http-negotiate  the same inside SPNEGO (NegTokenInit with NTLM as the only
                  mech, then NegTokenResp), `Authorization: Negotiate`
  rpc-samr        impacket DCE/RPC: bind + auth3 (NTLMSSP, packet privacy) to
                  samr and one sealed SamrConnect2 (what a Samba DC serves)
  rpc-echo        the same to Samba's rpcecho interface and one sealed EchoData
                  of 64 bytes (what `serve --rpc` serves; Debian's Samba does
                  not serve rpcecho)
  rpc-samr-integrity, rpc-echo-integrity
                  the same two at packet integrity (signed, not sealed)
  rpc-logon       bind + auth3 to rpcecho at packet privacy, no call: the part
                  the pass-through floor can serve (its keys are not the
                  client's, so a sealed call cannot verify there)
  smb             impacket SMBConnection: NEGOTIATE + SESSION_SETUP (NTLMSSP)
                  then LOGOFF and close

The server's CPU is read from /proc before and after the measured logons,
summed over every process of the server's session (the servers are started
with setsid, so the session id is the server's pid): per process the larger of
the sum of its live threads' /proc/PID/task/TID/schedstat run time (ns) and its
utime+stime (clock ticks; includes threads that exited), plus cutime+cstime
(children that exited and were reaped, e.g. smbd's per-connection children).
The client's own CPU is not counted. Loopback targets only; the loop is
bounded by --logons and --max-seconds. Prints one JSON object.
"""
import argparse
import base64
import http.client
import json
import os
import socket
import struct
import sys
import time

NTLM_OID = bytes.fromhex("060a2b06010401823702020a")  # 1.3.6.1.4.1.311.2.2.10
SPNEGO_OID = bytes.fromhex("06062b0601050502")  # 1.3.6.1.5.5.2
RPCECHO_UUID = ("60a15ec5-4de8-11d7-a637-005056a20182", "1.0")
TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")


# --- server CPU from /proc ------------------------------------------------

def _read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError:  # the process or thread went away meanwhile
        return None


def _stat_fields(text):
    # Fields after the command name (which may hold spaces and parentheses).
    return text[text.rindex(")") + 2:].split()


def _process_cpu_ns(pid):
    stat = _read(f"/proc/{pid}/stat")
    if stat is None:
        return 0
    f = _stat_fields(stat)  # f[0] is field 3 (state)
    utime, stime, cutime, cstime = (int(x) for x in f[11:15])
    threads = 0
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        tids = []
    for tid in tids:
        sched = _read(f"/proc/{pid}/task/{tid}/schedstat")
        if sched:
            threads += int(sched.split()[0])
    return max(threads, (utime + stime) * TICK_NS) + (cutime + cstime) * TICK_NS


def session_cpu_ns(sid):
    """CPU (ns) of every process whose session id is `sid`; their count."""
    total, count = 0, 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        stat = _read(f"/proc/{name}/stat")
        if stat is None or int(_stat_fields(stat)[3]) != sid:
            continue
        total += _process_cpu_ns(name)
        count += 1
    return total, count


# --- SPNEGO (just what an NTLM-only initiator sends and reads) ------------

def _der(tag, body):
    n = len(body)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + body


def spnego_init(ntlm_token):
    mech_types = _der(0xA0, _der(0x30, NTLM_OID))
    mech_token = _der(0xA2, _der(0x04, ntlm_token))
    return _der(0x60, SPNEGO_OID + _der(0xA0, _der(0x30, mech_types + mech_token)))


def spnego_response(ntlm_token):
    return _der(0xA1, _der(0x30, _der(0xA2, _der(0x04, ntlm_token))))


def _tlv(data, at):
    """(tag, body start, body end) of the DER element at `at`."""
    tag, n = data[at], data[at + 1]
    at += 2
    if n & 0x80:
        width = n & 0x7F
        n = int.from_bytes(data[at:at + width], "big")
        at += width
    if at + n > len(data):
        raise ValueError("truncated DER")
    return tag, at, at + n


def spnego_response_token(data):
    """The responseToken ([2] OCTET STRING) of a NegTokenResp."""
    tag, start, end = _tlv(data, 0)
    if tag != 0xA1:
        raise ValueError(f"not a NegTokenResp (tag {tag:#x})")
    _, at, end = _tlv(data, start)  # SEQUENCE
    while at < end:
        tag, body, next_at = _tlv(data, at)
        if tag == 0xA2:
            _, token, token_end = _tlv(data, body)
            return data[token:token_end]
        at = next_at
    raise ValueError("NegTokenResp without responseToken")


# --- one logon per kind -----------------------------------------------------

def _http_leg(conn, path, scheme, token):
    conn.request("GET", path, headers={"Authorization": f"{scheme} {base64.b64encode(token).decode()}"})
    response = conn.getresponse()
    response.read()
    return response


def _server_token(response, scheme):
    for value in response.headers.get_all("WWW-Authenticate") or []:
        if value.startswith(scheme + " "):
            return base64.b64decode(value.split(" ", 1)[1])
    raise RuntimeError(f"{response.status} without a {scheme} challenge")


def logon_http(args, negotiate):
    from ntlm_auth.ntlm import NtlmContext
    context = NtlmContext(args.user, args.password, args.domain, "BENCH", ntlm_compatibility=3)
    scheme = "Negotiate" if negotiate else "NTLM"
    wrap_init = spnego_init if negotiate else (lambda t: t)
    wrap_resp = spnego_response if negotiate else (lambda t: t)
    conn = http.client.HTTPConnection(args.host, args.port, timeout=args.timeout)
    try:
        first = _http_leg(conn, args.path, scheme, wrap_init(context.step()))
        if first.status != 401:
            raise RuntimeError(f"NEGOTIATE answered {first.status}, not 401")
        challenge = _server_token(first, scheme)
        if negotiate:
            challenge = spnego_response_token(challenge)
        final = _http_leg(conn, args.path, scheme, wrap_resp(context.step(challenge)))
        if final.status != 200:
            raise RuntimeError(f"AUTHENTICATE answered {final.status}")
    finally:
        conn.close()


def logon_rpc(args, call, level="privacy"):
    from impacket.dcerpc.v5 import rpcrt, samr, transport
    from impacket.uuid import uuidtup_to_bin
    t = transport.DCERPCTransportFactory(f"ncacn_ip_tcp:{args.host}[{args.port}]")
    t.set_credentials(args.user, args.password, args.domain)
    t.set_connect_timeout(args.timeout)
    dce = t.get_dce_rpc()
    dce.set_auth_type(rpcrt.RPC_C_AUTHN_WINNT)
    dce.set_auth_level(rpcrt.RPC_C_AUTHN_LEVEL_PKT_PRIVACY if level == "privacy"
                       else rpcrt.RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    dce.connect()
    # impacket writes a request PDU in more than one send() and leaves Nagle on,
    # so without this each call waits for the server's delayed ACK (about 40 ms
    # here, for Samba and serve alike) and the idle server's wake-ups inflate its
    # CPU per logon. The stall is the client's: disable Nagle, for every server.
    t.get_socket().setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        if call is None:
            dce.bind(uuidtup_to_bin(RPCECHO_UUID))
        elif call == "samr":
            dce.bind(samr.MSRPC_UUID_SAMR)
            samr.hSamrConnect2(dce)
        else:
            dce.bind(uuidtup_to_bin(RPCECHO_UUID))
            data = bytes(range(64))
            # EchoData (opnum 1): uint32 len, uint8 in_data[len] (NDR conformant).
            dce.call(1, struct.pack("<II", len(data), len(data)) + data)
            answer = dce.recv()
            if data not in answer:  # out_data: conformant array of the same bytes
                raise RuntimeError("EchoData returned other bytes")
    finally:
        dce.disconnect()


def logon_smb(args):
    from impacket.smbconnection import SMBConnection
    conn = SMBConnection(args.host, args.host, sess_port=args.port, timeout=args.timeout)
    try:
        conn.login(args.user, args.password, args.domain)
        conn.logoff()
    finally:
        conn.close()


KINDS = {
    "http-ntlm": lambda a: logon_http(a, negotiate=False),
    "http-negotiate": lambda a: logon_http(a, negotiate=True),
    "rpc-samr": lambda a: logon_rpc(a, "samr"),
    "rpc-echo": lambda a: logon_rpc(a, "echo"),
    "rpc-samr-integrity": lambda a: logon_rpc(a, "samr", "integrity"),
    "rpc-echo-integrity": lambda a: logon_rpc(a, "echo", "integrity"),
    "rpc-logon": lambda a: logon_rpc(a, None),
    "smb": logon_smb,
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kind", required=True, choices=sorted(KINDS))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--path", default="/index.html")
    p.add_argument("--user", required=True)
    p.add_argument("--domain", default="")
    p.add_argument("--password", required=True)
    p.add_argument("--server-sid", type=int, required=True,
                   help="session id (the setsid pid) of the server's processes")
    p.add_argument("--logons", type=int, default=200)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--timeout", type=float, default=10, help="seconds per socket operation")
    p.add_argument("--no-cpu", action="store_true",
                   help="do not read the server's CPU (scripts/serve-counts.sh counts instead)")
    args = p.parse_args()
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        sys.exit("bench-servers-client: loopback targets only")
    if args.logons < 1 or args.logons > 1_000_000:
        sys.exit("bench-servers-client: --logons must be 1..1000000")
    logon = KINDS[args.kind]
    for _ in range(args.warmup):
        logon(args)
    cpu_before, processes = (0, 1) if args.no_cpu else session_cpu_ns(args.server_sid)
    if processes == 0:
        sys.exit(f"bench-servers-client: no process in session {args.server_sid}")
    start = time.monotonic()
    done = 0
    while done < args.logons and time.monotonic() - start < args.max_seconds:
        logon(args)
        done += 1
    wall = time.monotonic() - start
    cpu_after, processes = (0, 1) if args.no_cpu else session_cpu_ns(args.server_sid)
    cpu_us = (cpu_after - cpu_before) / 1000
    print(json.dumps({
        "kind": args.kind, "logons": done, "server_processes": processes,
        "server_cpu_us": round(cpu_us, 1), "server_cpu_us_per_logon": round(cpu_us / done, 1),
        "wall_s": round(wall, 3), "logons_per_s": round(done / wall, 1) if wall > 0 else None,
    }))


if __name__ == "__main__":
    main()
