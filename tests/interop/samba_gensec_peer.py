#!/usr/bin/python3
"""Samba's NTLMSSP (python3-samba gensec) as a peer driven through a pipe.

Usage: samba_gensec_peer.py client|server DIR
  client: gensec client with anonymous credentials (NTLMSSP only, SEAL);
  server: gensec server with the `anonymous` auth method.
DIR is a scratch folder for smb.conf (Kerberos off: `client use kerberos =
off`, empty KRB5_CONFIG; nothing system-wide is read or written).

One command per input line, one answer per output line (hex; "-" for empty):
  update HEX      -> "continue HEX" | "done HEX" | "error MESSAGE"
  wrap HEX        -> "ok HEX"  (gensec wrap: 16-byte signature, then the sealed bytes)
  unwrap HEX      -> "ok HEX" | "error MESSAGE"
  session_key     -> "ok HEX"
  quit
"ready" is printed first; "error MESSAGE" when setup fails. Every read is a
line from the test; the test bounds the time it waits.
"""
import os
import sys


def out(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def unhex(text):
    return b"" if text == "-" else bytes.fromhex(text)


def tohex(data):
    return data.hex() if data else "-"


def setup(role, folder):
    krb5 = os.path.join(folder, "krb5.conf")
    open(krb5, "w").close()
    os.environ["KRB5_CONFIG"] = krb5
    conf = os.path.join(folder, "smb.conf")
    with open(conf, "w") as f:
        f.write("[global]\n"
                "  netbios name = SAMBAPEER\n"
                "  workgroup = FID2\n"
                "  client use kerberos = off\n"
                "  ntlm auth = yes\n"
                "  private dir = %s\n  lock dir = %s\n  state directory = %s\n"
                "  cache directory = %s\n" % (folder, folder, folder, folder))
    from samba import credentials, gensec, param
    lp = param.LoadParm()
    lp.load(conf)
    settings = {"lp_ctx": lp, "target_hostname": "localhost"}
    if role == "client":
        creds = credentials.Credentials()
        creds.guess(lp)
        creds.set_anonymous()
        creds.set_kerberos_state(credentials.DONT_USE_KERBEROS)
        g = gensec.Security.start_client(settings)
        g.set_credentials(creds)
    else:
        from samba import auth
        ctx = auth.AuthContext(lp_ctx=lp, methods=["anonymous"])
        g = gensec.Security.start_server(settings, ctx)
    g.want_feature(gensec.FEATURE_SEAL)
    g.start_mech_by_name("ntlmssp")
    return g


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("client", "server"):
        out("error usage: samba_gensec_peer.py client|server DIR")
        return 2
    try:
        g = setup(sys.argv[1], sys.argv[2])
    except Exception as e:  # noqa: BLE001 - report any setup failure to the test
        out("error setup: %s" % e)
        return 1
    out("ready")
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd, arg = words[0], (words[1] if len(words) > 1 else "-")
        try:
            if cmd == "update":
                finished, token = g.update(unhex(arg))
                out("%s %s" % ("done" if finished else "continue", tohex(token)))
            elif cmd == "wrap":
                out("ok " + tohex(g.wrap(unhex(arg))))
            elif cmd == "unwrap":
                out("ok " + tohex(g.unwrap(unhex(arg))))
            elif cmd == "session_key":
                out("ok " + tohex(g.session_key()))
            elif cmd == "quit":
                return 0
            else:
                out("error unknown command " + cmd)
        except Exception as e:  # noqa: BLE001 - the test asserts on the message
            out("error %s" % str(e).replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
