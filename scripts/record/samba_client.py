"""Recordings with Samba's NTLMSSP client against the gss-ntlmssp acceptor:

* `ntlm_auth --helper-protocol=ntlmssp-client-1` (winbind package), driven
  over its stdin/stdout line protocol (SF / YR / TT / GK / GF); it cannot
  sign or seal application messages, so those transcripts only carry
  server-produced messages, checked with the helper's GK session key.
* the python3-samba gensec binding (samba.gensec.Security.start_client,
  mechanism "ntlmssp"), which also signs, seals and checks messages.

Both read a private smb.conf written for the recording (never the
machine's), plus per-profile options.
"""

import base64
import os
import subprocess
import sys

import common as C
import ntlmcheck

HELPER_TIMEOUT_S = 15

BASE_CONF = {
    "workgroup": "CONTOSO",
    "netbios name": "SMBWKS",
    "server role": "standalone server",
    "log level": "0",
}

PROFILES = [
    # ntlm_auth helper
    dict(name="samba-ntlmauth-sign128", kind="helper", features=["NTLMSSP_FEATURE_SIGN"],
         desc="Samba ntlm_auth helper with SF NTLMSSP_FEATURE_SIGN: NTLMv2, sign only, 128-bit, key exchange, VERSION, MIC; server-produced signed messages"),
    dict(name="samba-ntlmauth-seal128", kind="helper", features=["NTLMSSP_FEATURE_SEAL"],
         desc="Samba ntlm_auth helper with SF NTLMSSP_FEATURE_SEAL: NTLMv2, sign+seal, 128-bit, key exchange, VERSION, MIC; server-produced sealed and signed messages"),
    dict(name="samba-ntlmauth-nosession", kind="helper", features=[],
         desc="Samba ntlm_auth helper without SF features: NTLMv2, VERSION, MIC, the helper's default NEGOTIATE flags (no application messages)"),
    dict(name="samba-ntlmauth-ntlmv1-ess-seal128", kind="helper", features=["NTLMSSP_FEATURE_SEAL"],
         options={"client ntlmv2 auth": "no"}, server_lm=2,
         desc="Samba ntlm_auth helper with 'client ntlmv2 auth = no': NTLMv1 with extended session security (NTLM2 session response), sign+seal, 128-bit, key exchange; server-produced messages"),
    dict(name="samba-ntlmauth-ntlmv1-seal128", kind="helper", features=["NTLMSSP_FEATURE_SEAL"],
         options={"client ntlmv2 auth": "no", "ntlmssp_client:ntlm2": "no"}, server_lm=2, one_direction=True,
         desc="Samba ntlm_auth helper with 'client ntlmv2 auth = no' and 'ntlmssp_client:ntlm2 = no': plain NTLMv1 (no ESS, no LM_KEY), sign+seal, full 128-bit RC4 key, CRC32 signatures; server-produced messages only"),
    # gensec
    dict(name="samba-gensec-seal128-mic", kind="gensec", features=["SIGN", "SEAL"],
         desc="Samba gensec client, sign+seal, 128-bit, key exchange, VERSION, MIC, MsvAvTargetName HTTP/server.contoso.test, MsvAvSingleHost, all-zero MsvAvChannelBindings"),
    dict(name="samba-gensec-sign128-mic", kind="gensec", features=["SIGN"],
         desc="Samba gensec client, sign only, 128-bit, key exchange, VERSION, MIC, MsvAvTargetName HTTP/server.contoso.test"),
    dict(name="samba-gensec-seal56-mic", kind="gensec", features=["SIGN", "SEAL"],
         options={"ntlmssp_client:128bit": "no", "ntlmssp_client:56bit": "yes"},
         desc="Samba gensec client with 'ntlmssp_client:128bit = no' and 'ntlmssp_client:56bit = yes': 56-bit sealing, key exchange, VERSION, MIC"),
    dict(name="samba-gensec-seal40-mic", kind="gensec", features=["SIGN", "SEAL"],
         options={"ntlmssp_client:128bit": "no"},
         desc="Samba gensec client with 'ntlmssp_client:128bit = no' (Samba requests NEGOTIATE_56 only when 'ntlmssp_client:56bit = yes'): 40-bit sealing, key exchange, VERSION, MIC"),
    dict(name="samba-gensec-seal128-nokx-mic", kind="gensec", features=["SIGN", "SEAL"],
         options={"ntlmssp_client:keyexchange": "no"},
         desc="Samba gensec client with 'ntlmssp_client:keyexchange = no': no key exchange, sign+seal, 128-bit, VERSION, MIC"),
    dict(name="samba-gensec-seal128-mic-nonascii", kind="gensec", features=["SIGN", "SEAL"], account=C.JUERGEN,
         desc="Samba gensec client, non-ASCII user name and password (CONTOSO\\jürgen / Pässwörd€), sign+seal, 128-bit, key exchange, MIC"),
    dict(name="samba-gensec-seal128-mic-nodomain", kind="gensec", features=["SIGN", "SEAL"], account=C.ALICE_NODOM,
         desc="Samba gensec client with an empty domain in its credentials: empty DomainName in the AUTHENTICATE; sign+seal, 128-bit, key exchange, MIC"),
    dict(name="samba-gensec-ntlmv1-ess-seal128", kind="gensec", features=["SIGN", "SEAL"],
         options={"client ntlmv2 auth": "no"}, server_lm=2,
         desc="Samba gensec client with 'client ntlmv2 auth = no': NTLMv1 with extended session security, sign+seal, 128-bit, key exchange"),
    dict(name="samba-gensec-ntlmv1-seal128", kind="gensec", features=["SIGN", "SEAL"],
         options={"client ntlmv2 auth": "no", "ntlmssp_client:ntlm2": "no"}, server_lm=2, one_direction="s2c",
         desc="Samba gensec client with 'client ntlmv2 auth = no' and 'ntlmssp_client:ntlm2 = no': plain NTLMv1 (no ESS, no LM_KEY), sign+seal, full 128-bit RC4 key, CRC32 signatures; server-to-client messages only (see notes)"),
    dict(name="samba-gensec-ntlmv1-seal128-randompad", kind="gensec", features=["SIGN", "SEAL"],
         options={"client ntlmv2 auth": "no", "ntlmssp_client:ntlm2": "no"}, server_lm=2, one_direction="c2s",
         unverified_c2s=True,
         desc="Samba gensec client, plain NTLMv1 (no ESS, no LM_KEY), sign+seal: client-to-server messages only, whose signatures carry RandomPad = RC4(0) (not zero) as in the MS-NLMP 4.2.2.4 example; a verifier must ignore signature bytes 4-7"),
]


def write_conf(work, options):
    path = os.path.join(work.path, "smb.conf")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[global]\n")
        conf = dict(BASE_CONF)
        conf.update(options or {})
        for k, v in conf.items():
            fh.write("\t%s = %s\n" % (k, v))
    return path


class Helper:
    def __init__(self, conf, account):
        args = ["ntlm_auth", "--helper-protocol=ntlmssp-client-1", "--configfile=" + conf,
                "--username=" + account["user"], "--domain=" + account["domain"],
                "--password=" + account["password"], "--workstation=HLPWKS"]
        env = dict(os.environ, LC_ALL="C.UTF-8")
        self.p = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=env)

    def cmd(self, line):
        self.p.stdin.write((line + "\n").encode("utf-8"))
        self.p.stdin.flush()
        out = self.p.stdout.readline().decode("utf-8").strip()
        if not out:
            raise C.GssError("ntlm_auth helper gave no answer to %r: %s" % (line, self.p.stderr.read1(4096)))
        return out

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=5)
        except Exception:
            self.p.kill()
            self.p.wait()


def record_helper(profile, work, rec, accounts, acc):
    conf = write_conf(work, profile.get("options"))
    h = Helper(conf, accounts[0])
    try:
        for f in profile["features"]:
            r = h.cmd("SF " + f)
            if r != "OK":
                raise C.GssError("SF %s: %s" % (f, r))
        r = h.cmd("YR")
        if not r.startswith("YR "):
            raise C.GssError("YR: %s" % r)
        neg = base64.b64decode(r[3:])
        rec.token("c2s", "negotiate", neg)
        chal = acc.step(neg)
        rec.token("s2c", "challenge", chal)
        r = h.cmd("TT " + base64.b64encode(chal).decode())
        # "AF <token>" (authentication finished, with a final token) or "KK <token>"
        if not (r.startswith("KK ") or r.startswith("AF ")):
            raise C.GssError("TT: %s" % r)
        auth = base64.b64decode(r[3:])
        rec.token("c2s", "authenticate", auth)
        acc.step(auth)
        r = h.cmd("GK")
        helper_key = base64.b64decode(r[3:]) if r.startswith("GK ") else None
        r = h.cmd("GF")
        helper_flags = int(r[3:], 16) if r.startswith("GF ") else None
    finally:
        h.close()
    sk = acc.session_key()
    if helper_key is not None and helper_key != sk:
        raise C.GssError("helper GK key %s differs from the acceptor's %s" % (helper_key.hex(), sk.hex()))
    flags = C.negotiate_flags(auth)
    if flags & C.SEAL:
        sess = C.Session(rec, acc, profile["name"])
        sess.run(c2s=False)
    elif flags & C.SIGN:
        sess = C.Session(rec, acc, profile["name"])
        sess.run(c2s=False, seal=False)
    by = "gss-ntlmssp acceptor accepted this AUTHENTICATE; the helper's GK session key equals the acceptor's"
    if helper_flags is not None:
        by += " (GF flags 0x%08x)" % helper_flags
    if flags & (C.SIGN | C.SEAL):
        by += ("; s2c produced by gss_wrap/gss_get_mic and checked by scripts/record/ntlmcheck.py with the GK key "
               "(the helper protocol cannot sign, seal or verify messages, so there are no c2s messages)")
    return sk, by


def record_gensec(profile, work, rec, accounts, acc):
    from samba import credentials, gensec, param

    conf = write_conf(work, profile.get("options"))
    lp = param.LoadParm()
    lp.load(conf)
    account = accounts[0]
    creds = credentials.Credentials()
    creds.guess(lp)
    creds.set_username(account["user"])
    creds.set_password(account["password"])
    creds.set_domain(account["domain"])
    creds.set_workstation("SMBWKS")
    g = gensec.Security.start_client({"lp_ctx": lp, "target_hostname": "server.contoso.test"})
    g.set_target_service("HTTP")
    g.set_target_hostname("server.contoso.test")
    g.set_credentials(creds)
    for f in profile["features"]:
        g.want_feature(getattr(gensec, "FEATURE_" + f))
    g.start_mech_by_name("ntlmssp")
    done, neg = g.update(b"")
    rec.token("c2s", "negotiate", neg)
    chal = acc.step(neg)
    rec.token("s2c", "challenge", chal)
    done, auth = g.update(chal)
    rec.token("c2s", "authenticate", auth)
    acc.step(auth)
    sk = acc.session_key()
    if bytes(g.session_key()) != sk:
        raise C.GssError("gensec session key differs from the acceptor's")

    def cwrap(pt):
        out = bytes(g.wrap(pt))
        return out[:16], out[16:]

    def cunwrap(sig, data):
        return bytes(g.unwrap(sig + data))

    def cmic(pt):
        return bytes(g.sign_packet(pt, pt))

    def cverify(pt, sig):
        g.check_packet(pt, pt, sig)

    flags = C.negotiate_flags(auth)
    sess = C.Session(rec, acc, profile["name"], client_wrap=cwrap, client_mic=cmic, client_unwrap=cunwrap,
                     client_verify=cverify, acceptor_checks_c2s=not profile.get("unverified_c2s"))
    one = profile.get("one_direction")
    if flags & C.SEAL:
        sess.run(c2s=one != "s2c", s2c=one != "c2s")
    elif flags & C.SIGN:
        sess.run(seal=False)
    by = "gss-ntlmssp acceptor accepted this AUTHENTICATE (same session key as Samba)"
    if one != "s2c" and profile.get("unverified_c2s"):
        by += ("; c2s produced by gensec wrap/sign_packet and verified only by scripts/record/ntlmcheck.py: "
               "gss-ntlmssp 1.2.0 rejects them because it compares the RandomPad bytes (it expects 0; Samba "
               "sends RC4(0)), and accepts the same messages with bytes 4-7 zeroed")
    elif one != "s2c":
        by += ("; c2s produced by gensec wrap/sign_packet and verified by the acceptor "
               "(gss_unwrap/gss_verify_mic)")
    if one != "c2s":
        by += "; s2c produced by gss_wrap/gss_get_mic and unsealed/checked by Samba gensec (unwrap/check_packet)"
    return sk, by


def record(profile, work, outdir):
    account = profile.get("account", C.ALICE)
    accounts = [dict(account)]
    server_lm = profile.get("server_lm")
    env = C.setup_env(work, accounts, lm_compat=server_lm)
    acc = C.Acceptor()
    rec = C.Recording(profile["name"])
    if profile["kind"] == "helper":
        sk, by = record_helper(profile, work, rec, accounts, acc)
        client = ("Samba %s ntlm_auth --helper-protocol=ntlmssp-client-1 (Debian 12 winbind %s)" %
                  (C.upstream_version("winbind"), C.pkg_version("winbind")))
    else:
        sk, by = record_gensec(profile, work, rec, accounts, acc)
        client = ("Samba %s NTLMSSP client (Debian 12 python3-samba %s gensec binding)" %
                  (C.upstream_version("python3-samba"), C.pkg_version("python3-samba")))
    if profile.get("one_direction"):
        rec.notes.append(
            "Without extended session security Samba and gss-ntlmssp 1.2.0 both keep one RC4 handle and one "
            "sequence counter for both directions, while MS-NLMP 3.1.5.1.2/3.2.5.1.2 initialise ClientHandle "
            "and ServerHandle separately and transcript-format.md advances state per direction; messages are "
            "recorded in one direction only, where both readings agree.")
    server_extra = {}
    if server_lm is not None:
        server_extra["lm_compat_level"] = server_lm
    env["smb.conf"] = dict(BASE_CONF, **profile.get("options", {}))
    t = C.transcript(rec, profile["desc"], client, accounts, sk, by, server_extra=server_extra,
                     acceptor_env=env)
    ntlmcheck.check_positive(t)
    return t


def main(argv):
    return C.run_profiles(__file__, PROFILES, record, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
