"""Recordings with curl --ntlm over HTTP against a tiny loopback HTTP
server (127.0.0.1, random port) that drives the gss-ntlmssp acceptor.

The server answers one connection: 401 + "WWW-Authenticate: NTLM" until it
has the NEGOTIATE, 401 + the CHALLENGE, then 200 (acceptor accepted) or 401
(acceptor rejected) on the AUTHENTICATE. It stops after that exchange or
after SERVER_TIMEOUT_S, whichever comes first. curl does no session
security, so there are no sealed or signed messages.
"""

import base64
import http.server
import os
import subprocess
import sys
import threading

import common as C
import ntlmcheck

SERVER_TIMEOUT_S = 20

PROFILES = [
    dict(name="curl-ntlmv2", user="CONTOSO\\alice", account=C.ALICE,
         desc="curl --ntlm, NTLMv2 (the CHALLENGE carries TargetInfo), no key exchange, no sign/seal, no MIC"),
    dict(name="curl-ntlmv2-nodomain", user="alice", account=C.ALICE_NODOM,
         desc="curl --ntlm -u 'alice:...' (no domain): empty DomainName in the AUTHENTICATE, NTOWFv2 over the empty UserDom; NTLMv2, no key exchange, no sign/seal, no MIC"),
    dict(name="curl-ntlmv2-nonascii-pw", user="CONTOSO\\alice", account=C.ALICE_LATIN1_PW, argv_encoding="latin-1",
         desc="curl --ntlm with a non-ASCII password passed as ISO-8859-1 bytes (CONTOSO\\alice / Pässwörd): curl widens each byte to UTF-16, which is right for Latin-1 text, so the NT hash is that of 'Pässwörd'; NTLMv2, no sign/seal, no MIC"),
]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _reply(self, code, auth_header=None, body=b""):
        self.send_response(code)
        if auth_header is not None:
            self.send_header("WWW-Authenticate", auth_header)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        st = self.server.state
        hdr = self.headers.get("Authorization", "")
        if not hdr.startswith("NTLM "):
            self._reply(401, "NTLM")
            return
        token = base64.b64decode(hdr[5:])
        kind = C.msg_type(token)
        try:
            if kind == 1:
                st["rec"].token("c2s", "negotiate", token)
                chal = st["acc"].step(token)
                st["rec"].padded_negotiate = st["acc"].padded_negotiate
                st["rec"].token("s2c", "challenge", chal)
                self._reply(401, "NTLM " + base64.b64encode(chal).decode())
            elif kind == 3:
                st["rec"].token("c2s", "authenticate", token)
                try:
                    st["acc"].step(token)
                finally:
                    st["rec"].relaid_authenticate = st["acc"].relaid_authenticate
                st["verdict"] = "accept"
                self._reply(200, body=b"ok\n")
                st["done"].set()
            else:
                self._reply(400)
        except C.GssError as exc:
            st["verdict"] = "reject: %s" % exc
            self._reply(401, "NTLM")
            st["done"].set()


def record(profile, work, outdir):
    account = profile["account"]
    accounts = [dict(account)]
    env = C.setup_env(work, accounts)
    rec = C.Recording(profile["name"])
    srv = http.server.HTTPServer(("127.0.0.1", 0), _Handler)
    srv.timeout = 1
    srv.state = {"rec": rec, "acc": C.Acceptor(), "verdict": None, "done": threading.Event()}
    port = srv.server_address[1]

    def serve():
        deadline = C.time_now() + SERVER_TIMEOUT_S
        while not srv.state["done"].is_set() and C.time_now() < deadline:
            srv.handle_request()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    enc = profile.get("argv_encoding", "utf-8")
    cred = (profile["user"] + ":" + account["password"]).encode(enc)
    args = [b"curl", b"--silent", b"--show-error", b"--noproxy", b"*", b"--max-time", b"15",
            b"--ntlm", b"-u", cred, b"-o", os.devnull.encode(), b"-w", b"%{http_code}",
            ("http://127.0.0.1:%d/" % port).encode()]
    res = subprocess.run(args, capture_output=True, timeout=SERVER_TIMEOUT_S)
    th.join(SERVER_TIMEOUT_S)
    srv.server_close()
    code = res.stdout.decode().strip()
    verdict = srv.state["verdict"]
    if verdict != "accept" or code != "200":
        raise C.GssError("curl got HTTP %s, acceptor verdict %s" % (code, verdict))
    sk = srv.state["acc"].session_key()
    client = "curl %s (Debian 12 curl %s), --ntlm over HTTP to 127.0.0.1" % (
        C.upstream_version("curl"), C.pkg_version("curl"))
    by = "gss-ntlmssp acceptor accepted this AUTHENTICATE; curl got HTTP 200"
    t = C.transcript(rec, profile["desc"], client, accounts, sk, by, acceptor_env=env)
    ntlmcheck.check_positive(t)
    return t


def main(argv):
    return C.run_profiles(__file__, PROFILES, record, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
