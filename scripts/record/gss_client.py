"""Recordings with the gss-ntlmssp *initiator* (through python3-gssapi)
against the gss-ntlmssp acceptor, in one process.

Profile knobs: GSS request flags, gss-ntlmssp's GSS_NTLMSSP_NEG_FLAGS cred
option (replaces the initiator's default NEGOTIATE flags), the SPNEGO
"can MIC" query (gss-ntlmssp only adds a MIC after that query, as SPNEGO
would), channel bindings, LM_COMPAT_LEVEL on each side.
"""

import struct
import sys

import common as C
import ntlmcheck

SPN = "HTTP@server.contoso.test"
CB_APP_DATA = b"tls-server-end-point:" + bytes(range(32))

# The initiator's own NEGOTIATE with integ+conf at level 3 is 0xe2088237.
DEFAULT_NEG = 0xe2088237

PROFILES = [
    dict(name="gss-seal128-kx-mic", desc="gss-ntlmssp client, integ+conf, 128-bit, key exchange, VERSION, MIC, SPN in MsvAvTargetName"),
    dict(name="gss-seal128-kx", mic=False,
         desc="gss-ntlmssp client, integ+conf, 128-bit, key exchange, VERSION, no MIC (the SPNEGO can-MIC query not made), SPN in MsvAvTargetName"),
    dict(name="gss-sign128-kx-mic", gss_flags="integ",
         desc="gss-ntlmssp client, integ only (sign, no seal), 128-bit, key exchange, VERSION, MIC"),
    dict(name="gss-seal56-kx-mic", neg=DEFAULT_NEG & ~C.F128,
         desc="gss-ntlmssp client, NEGOTIATE_128 removed from its NEGOTIATE flags: 56-bit sealing, key exchange, MIC"),
    dict(name="gss-seal40-kx-mic", neg=DEFAULT_NEG & ~(C.F128 | C.F56),
         desc="gss-ntlmssp client, NEGOTIATE_128 and NEGOTIATE_56 removed: 40-bit sealing, key exchange, MIC"),
    dict(name="gss-seal128-mic", neg=DEFAULT_NEG & ~C.KEY_EXCH, gss_flags="none",
         desc="gss-ntlmssp client, KEY_EXCH removed: no key exchange (ExportedSessionKey = KeyExchangeKey), sign+seal, 128-bit, MIC"),
    dict(name="gss-seal128-kx-mic-cbt", cbt=True,
         desc="gss-ntlmssp client with channel bindings (application data 'tls-server-end-point:' + 32 bytes), MsvAvChannelBindings = MD5 of the bindings; the acceptor was given the same bindings and checked them"),
    dict(name="gss-seal128-kx-mic-nonascii", account=C.JUERGEN,
         desc="gss-ntlmssp client, non-ASCII user name and password (CONTOSO\\jürgen / Pässwörd€), integ+conf, 128-bit, key exchange, MIC"),
    dict(name="gss-seal128-kx-mic-nodomain", account=C.ALICE_NODOM,
         desc="gss-ntlmssp client, user name without a domain: empty DomainName in the AUTHENTICATE, NTOWFv2 over the empty UserDom"),
    dict(name="gss-ntlmv1-ess-seal128-kx", client_lm=2, server_lm=2,
         desc="gss-ntlmssp client at LM_COMPAT_LEVEL 2: NTLMv1 with extended session security (NTLM2 session response), LM field = client challenge + zeros, integ+conf, 128-bit, key exchange"),
    dict(name="gss-ntlmv1-lmkey-seal128-kx", client_lm=0, server_lm=0, c2s_only=True,
         desc="gss-ntlmssp client at LM_COMPAT_LEVEL 0: NTLMv1 and LM responses without extended session security; the server (level 0) returns NEGOTIATE_LM_KEY, so KeyExchangeKey is the LM_KEY variant; sealed messages client-to-server only (one direction: see notes)"),
    dict(name="gss-ntlmv1-seal128-kx", client_lm=1, server_lm=1, neg=DEFAULT_NEG & ~(C.ESS | C.LM_KEY), gss_flags="none", c2s_only=True,
         desc="gss-ntlmssp client at LM_COMPAT_LEVEL 2 with EXTENDED_SESSIONSECURITY removed from its NEGOTIATE: plain NTLMv1 response, no LM_KEY, full 128-bit RC4 key without ESS, CRC32 signatures; sealed messages client-to-server only (see notes)"),
]


def record(profile, work, outdir):
    import gssapi
    import gssapi.raw as raw

    acc_account = profile.get("account", C.ALICE)
    user = acc_account["user"] if not acc_account["domain"] else "%s\\%s" % (acc_account["domain"], acc_account["user"])
    accounts = [dict(acc_account)]
    server_lm = profile.get("server_lm")
    client_lm = profile.get("client_lm")
    env = C.setup_env(work, accounts, lm_compat=server_lm)
    mech = gssapi.OID.from_int_seq(C.NTLM_MECH_OID)
    icred = gssapi.Credentials(raw.acquire_cred_with_password(
        gssapi.Name(user, gssapi.NameType.user), acc_account["password"].encode("utf-8"),
        usage="initiate", mechs=[mech]).creds)
    if "neg" in profile:
        raw.set_cred_option(gssapi.OID(elements=C.NEG_FLAGS_OID), icred, struct.pack("=I", profile["neg"]))
    F = gssapi.RequirementFlag
    gflags = F.integrity | F.confidentiality
    if profile.get("gss_flags") == "integ":
        gflags = F.integrity
    elif profile.get("gss_flags") == "none":
        # Only the cred-option NEGOTIATE flags: integ/conf/sequence would
        # make gss-ntlmssp add KEY_EXCH (and ESS with conf) again.
        gflags = F.mutual_authentication
    bindings = C.gss_bindings(CB_APP_DATA) if profile.get("cbt") else None
    spn = gssapi.Name(SPN, gssapi.NameType.hostbased_service)
    ic = gssapi.SecurityContext(name=spn, creds=icred, mech=mech, usage="initiate", flags=gflags,
                                channel_bindings=bindings)
    acc = C.Acceptor(bindings=bindings)
    rec = C.Recording(profile["name"])

    C.set_env(LM_COMPAT_LEVEL=client_lm, NETBIOS_COMPUTER_NAME="GSSWKS")
    neg = ic.step()
    if profile.get("mic", True):
        raw.inquire_sec_context_by_oid(ic, gssapi.OID(elements=C.SPNEGO_REQUIRE_MIC_OID))
    rec.token("c2s", "negotiate", neg)
    C.set_env(LM_COMPAT_LEVEL=server_lm, NETBIOS_COMPUTER_NAME=C.SERVER_NETBIOS_NAME)
    chal = acc.step(neg)
    rec.token("s2c", "challenge", chal)
    C.set_env(LM_COMPAT_LEVEL=client_lm, NETBIOS_COMPUTER_NAME="GSSWKS")
    auth = ic.step(chal)
    rec.token("c2s", "authenticate", auth)
    C.set_env(LM_COMPAT_LEVEL=server_lm, NETBIOS_COMPUTER_NAME=C.SERVER_NETBIOS_NAME)
    acc.step(auth)
    if not acc.complete:
        raise C.GssError("acceptor not complete")
    sk = acc.session_key()
    cli_sk = bytes(raw.inquire_sec_context_by_oid(ic, gssapi.OID.from_int_seq(C.SSPI_SESSION_KEY_OID))[0])
    if cli_sk != sk:
        raise C.GssError("client and acceptor session keys differ")

    def cwrap(pt):
        out = ic.wrap(pt, True).message
        return out[:16], out[16:]

    def cunwrap(sig, data):
        return ic.unwrap(sig + data).message

    def cmic(pt):
        return bytes(ic.get_signature(pt))

    def cverify(pt, sig):
        ic.verify_signature(pt, sig)

    flags = C.negotiate_flags(auth)
    sess = C.Session(rec, acc, profile["name"], client_wrap=cwrap, client_mic=cmic,
                     client_unwrap=cunwrap, client_verify=cverify)
    # gss_wrap refuses an empty buffer, so this client sends no empty message.
    if flags & C.SEAL:
        sess.run(s2c=not profile.get("c2s_only"), c2s_seal_sizes=[n for n in C.C2S_SEAL_SIZES if n > 0])
    else:
        sess.run(seal=False)
    if profile.get("c2s_only"):
        rec.notes.append(
            "Without extended session security gss-ntlmssp 1.2.0 uses one RC4 handle and one sequence "
            "counter for both directions, while MS-NLMP 3.1.5.1.2/3.2.5.1.2 initialise ClientHandle and "
            "ServerHandle separately (same key) and transcript-format.md advances state per direction; "
            "to stay unambiguous this transcript carries client-to-server messages only.")

    server_extra = {}
    if server_lm is not None:
        server_extra["lm_compat_level"] = server_lm
    if profile.get("cbt"):
        server_extra["channel_bindings_md5"] = C.bindings_md5(CB_APP_DATA)
    client = "gss-ntlmssp %s (Debian 12 package, driven through python3-gssapi %s)" % (
        C.upstream_version("gss-ntlmssp"), C.upstream_version("python3-gssapi"))
    by = ("gss-ntlmssp acceptor accepted this AUTHENTICATE (same exported session key as the initiator); "
          "c2s produced by the gss-ntlmssp initiator (gss_wrap/gss_get_mic) and verified by the acceptor "
          "(gss_unwrap/gss_verify_mic)")
    if not profile.get("c2s_only"):
        by += "; s2c produced by the acceptor and verified by the initiator"
    if profile.get("cbt"):
        by += "; the acceptor was given the same channel bindings and verified MsvAvChannelBindings"
    env["client_LM_COMPAT_LEVEL"] = client_lm if client_lm is not None else 3
    t = C.transcript(rec, profile["desc"], client, accounts, sk, by, server_extra=server_extra,
                     acceptor_env=env)
    ntlmcheck.check_positive(t)
    return t


def main(argv):
    return C.run_profiles(__file__, PROFILES, record, argv)




# ---------------------------------------------------------------------------
# Oracle probes: the mutations that negatives.py applies to recorded
# transcripts, applied instead to a live gss-ntlmssp initiator/acceptor
# exchange, to record what gss-ntlmssp itself answers. The derived
# transcripts cannot be replayed into gss-ntlmssp (its challenge is random),
# so this is the closest the oracle gets to judging them.

def _probe_once(mutate_auth=None, accounts=None, mutate_c2s=None, cbt_acceptor=None):
    import gssapi
    import gssapi.raw as raw
    work = C.Workdir()
    try:
        C.setup_env(work, accounts or [C.ALICE])
        mech = gssapi.OID.from_int_seq(C.NTLM_MECH_OID)
        icred = gssapi.Credentials(raw.acquire_cred_with_password(
            gssapi.Name("CONTOSO\\alice", gssapi.NameType.user), b"Passw0rd!", usage="initiate",
            mechs=[mech]).creds)
        F = gssapi.RequirementFlag
        cb = C.gss_bindings(CB_APP_DATA) if cbt_acceptor is not None else None
        ic = gssapi.SecurityContext(name=gssapi.Name(SPN, gssapi.NameType.hostbased_service), creds=icred,
                                    mech=mech, usage="initiate", flags=F.integrity | F.confidentiality,
                                    channel_bindings=cb)
        acc = C.Acceptor(bindings=C.gss_bindings(cbt_acceptor) if cbt_acceptor is not None else None)
        neg = ic.step()
        raw.inquire_sec_context_by_oid(ic, gssapi.OID(elements=C.SPNEGO_REQUIRE_MIC_OID))
        chal = acc.step(neg)
        auth = bytearray(ic.step(chal))
        if mutate_auth:
            auth = mutate_auth(auth)
        try:
            acc.step(bytes(auth))
        except C.GssError as exc:
            return "AUTHENTICATE rejected: " + str(exc)
        msgs = []
        for n in (1, 16, 16):
            out = ic.wrap(C.payload("probe", n), True).message
            msgs.append(bytearray(out))
        if mutate_c2s:
            msgs = mutate_c2s(msgs)
        for i, m in enumerate(msgs):
            try:
                acc.ctx.unwrap(bytes(m))
            except Exception as exc:  # gssapi raises several subclasses
                return "AUTHENTICATE accepted; c2s message %d rejected: %s" % (i, exc)
        return "accepted"
    finally:
        work.close()


def probes():
    import negatives as NG

    def flip_at(fn):
        def m(a):
            fn(a)
            return a
        return m

    def ntproof(a):
        a[NG.nt_offset(a) + 3] ^= 1

    def mic(a):
        a[79] ^= 0x40

    def miczero(a):
        a[72:88] = b"\0" * 16

    def noseal(a):
        struct.pack_into("<I", a, 60, struct.unpack_from("<I", a, 60)[0] & ~C.SEAL)

    def esk(a):
        a[NG.field(a, 52)[2]] ^= 1

    def avflags(a):
        p = NG.av_offset(a, C.AV_FLAGS)
        struct.pack_into("<I", a, p, struct.unpack_from("<I", a, p)[0] & ~2)

    def trunc(a):
        return a[:-8]

    def replay(ms):
        return [ms[0], ms[0], ms[1]]

    def ctflip(ms):
        ms[1][20] ^= 1
        return ms

    def seqflip(ms):
        ms[1][12] ^= 2
        return ms

    cases = [
        ("unmodified", {}),
        ("wrong password in the acceptor's user file", {"accounts": [dict(C.ALICE, password="Wr0ngPassword!")]}),
        ("unknown user (only CONTOSO\\bob in the user file)", {"accounts": [dict(C.ALICE, user="bob")]}),
        ("NTProofStr byte flipped", {"mutate_auth": flip_at(ntproof)}),
        ("MIC byte flipped", {"mutate_auth": flip_at(mic)}),
        ("MIC zeroed, MsvAvFlags kept", {"mutate_auth": flip_at(miczero)}),
        ("MsvAvFlags MIC bit cleared", {"mutate_auth": flip_at(avflags)}),
        ("SEAL cleared in the AUTHENTICATE flags", {"mutate_auth": flip_at(noseal)}),
        ("EncryptedRandomSessionKey byte flipped", {"mutate_auth": flip_at(esk)}),
        ("AUTHENTICATE truncated by 8 bytes", {"mutate_auth": trunc}),
        ("acceptor has channel bindings, client none", {"cbt_acceptor": CB_APP_DATA}),
        ("c2s sealed message replayed", {"mutate_c2s": replay}),
        ("c2s ciphertext bit flipped", {"mutate_c2s": ctflip}),
        ("c2s SeqNum bit flipped", {"mutate_c2s": seqflip}),
    ]
    results = []
    for name, kw in cases:
        try:
            verdict = _probe_once(**kw)
        except Exception as exc:
            verdict = "probe failed: %s: %s" % (type(exc).__name__, exc)
        results.append((name, verdict))
        print("%-48s %s" % (name, verdict), flush=True)
    return results


if __name__ == "__main__" and len(sys.argv) > 1 and sys.argv[1] == "--probe":
    probes()
    sys.exit(0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
