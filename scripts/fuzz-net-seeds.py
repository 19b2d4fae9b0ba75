#!/usr/bin/env python3
"""Writes the seed corpora of the network-front fuzz targets from real exchanges.

  tests/fuzz/corpus/http_request/  the bytes curl --ntlm and requests-ntlm send
      (recorded against a loopback stand-in that answers their NEGOTIATE with
      the MS-NLMP 4.2.4 CHALLENGE), and Negotiate requests carrying the SPNEGO
      tokens below;
  tests/fuzz/corpus/spnego/        a full SPNEGO exchange between MIT krb5's
      SPNEGO and gss-ntlmssp (python3-gssapi, initiator and acceptor in process);
  tests/fuzz/corpus/rpc_pdu/       every PDU, both directions, of impacket's
      DCE/RPC client against `ntlmssp-harness serve --rpc` (recorded through a
      loopback relay) at auth levels connect, integrity and privacy;
  tests/fuzz/corpus/rpc_session/   impacket's client byte streams (raw records)
      and genuine requests on a real bind/auth3 or alter_context (layouts in
      tests/fuzz/*_target.cc).

Needs curl, python3-requests-ntlm, python3-gssapi with gss-ntlmssp, impacket
and a built ntlmssp-harness. File names are the SHA-1 of the content, so a
re-run only adds. Usage: scripts/fuzz-net-seeds.py HARNESS_BIN [--out DIR]
"""
import argparse
import base64
import hashlib
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
LEGACY = os.path.join(ROOT, "scripts", "record", "openssl-legacy.cnf")
ECHO_UUID = "66491ac2-5d75-4180-b8f1-c43dfe62b11c"


def add(out, target, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as fh:
            fh.write(data)
        return 1
    return 0


def u16(n):
    return struct.pack("<H", n)


def http_captures():
    """Raw request bytes of curl and requests-ntlm, one connection each."""
    with open(os.path.join(ROOT, "vectors", "ms-nlmp-4.2.json"), encoding="utf-8") as fh:
        challenge = bytes.fromhex(
            json.load(fh)["4.2.4_ntlmv2"]["messages"]["CHALLENGE_MESSAGE"]["hex"])
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(30)
    port = srv.getsockname()[1]
    captures = []

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            data = b""
            conn.settimeout(5)
            while len(data) < 1 << 20:
                try:
                    chunk = conn.recv(65536)
                except socket.timeout:
                    break
                if not chunk:
                    break
                data += chunk
                if not data.endswith(b"\r\n\r\n"):
                    continue
                last = data.rsplit(b"\r\n\r\n", 2)[-2]
                if b"Authorization: NTLM TlRMTVNTUAAB" in last:
                    conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                                 b"WWW-Authenticate: NTLM " + base64.b64encode(challenge) +
                                 b"\r\n\r\n")
                elif b"Authorization:" not in last:
                    conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                                 b"WWW-Authenticate: NTLM\r\n\r\n")
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                 b"Connection: close\r\n\r\nok")
                    break
            conn.close()
            captures.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = "http://127.0.0.1:%d/" % port
    subprocess.run(["curl", "-s", "-o", "/dev/null", "--max-time", "10", "--ntlm", "-u",
                    "CONTOSO\\alice:Passw0rd!", url], check=False)
    env = dict(os.environ, OPENSSL_CONF=LEGACY)
    subprocess.run([PY, "-c", "import requests\nfrom requests_ntlm import HttpNtlmAuth\n"
                    "requests.get(%r, auth=HttpNtlmAuth('CONTOSO\\\\alice', 'Passw0rd!'), "
                    "timeout=10)" % url], env=env, check=False, timeout=60)
    time.sleep(0.5)
    srv.close()
    return captures


def spnego_tokens(workdir):
    """A SPNEGO exchange: MIT krb5 SPNEGO + gss-ntlmssp, both ends in process."""
    users = os.path.join(workdir, "users")
    with open(users, "w", encoding="utf-8") as fh:
        fh.write("CONTOSO:alice:Passw0rd!\n")
    script = r"""
import gssapi, sys
spnego = gssapi.OID.from_int_seq("1.3.6.1.5.5.2")
ntlm = gssapi.OID.from_int_seq("1.3.6.1.4.1.311.2.2.10")
name = gssapi.Name("HTTP@127.0.0.1", gssapi.NameType.hostbased_service)
icred = gssapi.Credentials(name=gssapi.Name("CONTOSO\\alice", gssapi.NameType.user),
                           usage="initiate", mechs=[ntlm])
ictx = gssapi.SecurityContext(name=name, mech=spnego, usage="initiate", creds=icred)
actx = gssapi.SecurityContext(usage="accept", creds=gssapi.Credentials(usage="accept"))
tok = ictx.step()
while tok:
    print(tok.hex())
    out = actx.step(tok)
    if not out:
        break
    print(out.hex())
    if ictx.complete:
        break
    tok = ictx.step(out)
"""
    env = dict(os.environ, NTLM_USER_FILE=users)
    run = subprocess.run([PY, "-c", script], env=env, capture_output=True, text=True,
                         timeout=60, check=False)
    if run.returncode != 0:
        print("fuzz-net-seeds: gssapi exchange failed: " + run.stderr.strip()[-300:])
        return []
    return [bytes.fromhex(line) for line in run.stdout.split()]


class Relay:
    """A loopback TCP relay recording both directions of each connection."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(4)
        self.srv.settimeout(60)
        self.port = self.srv.getsockname()[1]
        self.connections = []  # [(client bytes, server bytes)]
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        while True:
            try:
                client, _ = self.srv.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port), timeout=30)
            record = [bytearray(), bytearray()]
            self.connections.append(record)

            def pump(src, dst, buf):
                try:
                    while True:
                        data = src.recv(65536)
                        if not data:
                            break
                        buf.extend(data)
                        dst.sendall(data)
                except OSError:
                    pass
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

            threading.Thread(target=pump, args=(client, server, record[0]), daemon=True).start()
            threading.Thread(target=pump, args=(server, client, record[1]), daemon=True).start()


IMPACKET_CLIENT = r"""
import struct, sys
from impacket.dcerpc.v5 import transport
from impacket.dcerpc.v5.rpcrt import RPC_C_AUTHN_WINNT
from impacket.uuid import uuidtup_to_bin
port, level = sys.argv[1:3]
t = transport.DCERPCTransportFactory('ncacn_ip_tcp:127.0.0.1[%s]' % port)
t.set_credentials('alice', 'Passw0rd!', 'CONTOSO')
dce = t.get_dce_rpc()
dce.set_auth_type(RPC_C_AUTHN_WINNT)
dce.set_auth_level(int(level))
dce.connect()
dce.bind(uuidtup_to_bin(('ECHO_UUID', '1.0')))
for n in (5, 300):
    dce.call(0, struct.pack('<II', n, n) + bytes(i & 0xFF for i in range(n)))
    dce.recv()
dce.call(1, b'')
dce.recv()
dce.disconnect()
""".replace("ECHO_UUID", ECHO_UUID)


def split_pdus(stream):
    pdus = []
    while len(stream) >= 16:
        length = struct.unpack_from("<H", stream, 8)[0]
        if length < 16 or length > len(stream):
            break
        pdus.append(bytes(stream[:length]))
        stream = stream[length:]
    return pdus


def rpc_captures(harness, workdir):
    users = os.path.join(workdir, "rpc-users")
    with open(users, "w", encoding="utf-8") as fh:
        fh.write("CONTOSO:alice:Passw0rd!\n")
    os.chmod(users, 0o600)
    serve = subprocess.Popen([harness, "serve", "--rpc", "127.0.0.1:0", "--users", users],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = serve.stdout.readline()
        port = int(line.strip().rsplit(":", 1)[1])
        relay = Relay(port)
        for level in (2, 5, 6):
            run = subprocess.run([PY, "-c", IMPACKET_CLIENT, str(relay.port), str(level)],
                                 capture_output=True, text=True, timeout=60, check=False)
            if run.returncode != 0:
                print("fuzz-net-seeds: impacket level %d: %s" % (level, run.stderr[-300:]))
        time.sleep(0.5)
        return [(bytes(c), bytes(s)) for c, s in relay.connections]
    finally:
        serve.terminate()
        serve.wait(timeout=10)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("harness")
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "fuzz", "corpus"))
    args = parser.parse_args()
    count = {}

    def put(target, data):
        count[target] = count.get(target, 0) + add(args.out, target, data)

    with tempfile.TemporaryDirectory() as workdir:
        # HTTP: byte 0 mode (bit 0 authenticate first, bit 1 small limits),
        # byte 1 feed size - 1, then the connection's bytes.
        requests = http_captures()
        tokens = spnego_tokens(workdir)
        client_tokens = [t for i, t in enumerate(tokens) if i % 2 == 0]
        for token in tokens:
            put("spnego", b"\x1f" + token)
        if client_tokens:
            stream = b"".join(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Negotiate " +
                              base64.b64encode(t) + b"\r\n\r\n" for t in client_tokens)
            requests.append(stream)
        for stream in requests:
            for mode, feed in ((0, 255), (0, 6), (1, 255), (2, 255), (3, 30)):
                put("http_request", bytes([mode, feed]) + stream)

        # DCE/RPC: rpc_pdu byte 0 selects the size limit (0: 65535).
        for client, server in rpc_captures(args.harness, workdir):
            client_pdus = split_pdus(client)
            for pdu in client_pdus + split_pdus(server):
                put("rpc_pdu", b"\x00" + pdu)
            # rpc_session mode 0: the client's stream as raw records.
            put("rpc_session", b"\x00" + b"".join(b"\x00" + u16(len(p)) + p for p in client_pdus))
        # rpc_session on a real exchange: start (1 auth3, 2 alter_context)
        # and level (0 connect, 1 integrity, 2 privacy), then genuine Echo
        # and WhoAmI requests (kind 1) and one patched request (kind 2).
        echo = struct.pack("<II", 16, 16) + bytes(range(16))
        for start in (1, 2):
            for level in (0, 1, 2):
                mode = start | (level << 2)
                calls = (b"\x01\x00\x00\x03" + u16(len(echo)) + echo +
                         b"\x01\x01\x00\x03" + u16(0) +
                         b"\x01\x00\x00\x01" + u16(8) + echo[:8] +
                         b"\x01\x00\x00\x02" + u16(len(echo) - 8) + echo[8:])
                put("rpc_session", bytes([mode]) + calls)
                put("rpc_session", bytes([mode]) + calls + b"\x02\x00\x00\x03" + u16(len(echo)) +
                    echo + u16(30) + b"\x01")
        put("rpc_session", b"\x03" + b"\x01\x01\x00\x03" + u16(0))
    for target in sorted(count):
        print("fuzz-net-seeds: %s: %d new seeds" % (target, count[target]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
