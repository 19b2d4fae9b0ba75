"""Recordings with python3-impacket's NTLM client functions
(impacket.ntlm.getNTLMSSPType1/getNTLMSSPType3, SEAL/SIGN/MAC) against the
gss-ntlmssp acceptor, in one process.

impacket 0.10.0 never sends a Version field or a MIC, always adds
MsvAvTargetName cifs/<NbComputerName>, sends an LMv2 response next to
NTLMv2, and picks a random ExportedSessionKey of ASCII letters/digits.
Flag variations are made by editing the NEGOTIATE's flags before sending:
getNTLMSSPType3 starts from the NEGOTIATE flags and drops what the
CHALLENGE lacks.
"""

import sys

import common as C
import ntlmcheck

PROFILES = [
    dict(name="impacket-seal128-kx",
         desc="impacket NTLMv2, sign+seal, 128-bit, key exchange, no VERSION, no MIC; impacket adds MsvAvTargetName cifs/<NetBIOS computer name>"),
    dict(name="impacket-sign128-kx", drop=C.SEAL,
         desc="impacket NTLMv2 with NEGOTIATE_SEAL removed from the NEGOTIATE: sign only, 128-bit, key exchange, no VERSION, no MIC"),
    dict(name="impacket-seal56-kx", drop=C.F128,
         desc="impacket NTLMv2 with NEGOTIATE_128 removed: 56-bit sealing, key exchange, no MIC"),
    dict(name="impacket-seal40-kx", drop=C.F128 | C.F56,
         desc="impacket NTLMv2 with NEGOTIATE_128 and NEGOTIATE_56 removed: 40-bit sealing, key exchange, no MIC"),
    dict(name="impacket-seal128", drop=C.KEY_EXCH,
         desc="impacket NTLMv2 with NEGOTIATE_KEY_EXCH removed: no key exchange (ExportedSessionKey = SessionBaseKey), sign+seal, 128-bit, no MIC"),
    dict(name="impacket-nosign", signing=False,
         desc="impacket NTLMv2 with signingRequired=False: no SIGN, SEAL, ALWAYS_SIGN or KEY_EXCH (authentication only, as an SMB client without signing); 128/56 still requested"),
    dict(name="impacket-seal128-kx-nonascii", account=C.JUERGEN_LATIN1,
         desc="impacket NTLMv2, non-ASCII user name and password (CONTOSO\\jürgen / Pässwörd; NTOWFv2 upper-cases with Python str.upper; '€' is impossible: impacket 0.10.0 also computes an LM hash with latin-1 and raises), sign+seal, 128-bit, key exchange"),
    dict(name="impacket-seal128-kx-nodomain", account=C.ALICE_NODOM,
         desc="impacket NTLMv2 with domain '': empty DomainName in the AUTHENTICATE, NTOWFv2 over the empty UserDom; sign+seal, 128-bit, key exchange"),
    dict(name="impacket-ntlmv1-ess-seal128-kx", v2=False, server_lm=2,
         desc="impacket with use_ntlmv2=False: NTLMv1 with extended session security (NTLM2 session response, LM field = client challenge + zeros), no TargetInfo requested, sign+seal, 128-bit, key exchange"),
    dict(name="impacket-ntlmv1", v2=False, server_lm=2, signing=False, drop=C.ESS,
         desc="impacket with use_ntlmv2=False, signingRequired=False and EXTENDED_SESSIONSECURITY removed: plain NTLMv1 and LM responses, no sign/seal/key exchange (authentication only: see notes)"),
]


def record(profile, work, outdir):
    from Cryptodome.Cipher import ARC4
    from impacket import ntlm

    account = profile.get("account", C.ALICE)
    accounts = [dict(account)]
    server_lm = profile.get("server_lm")
    env = C.setup_env(work, accounts, lm_compat=server_lm)
    v2 = profile.get("v2", True)
    type1 = ntlm.getNTLMSSPType1(workstation="IMPKWKS", signingRequired=profile.get("signing", True),
                                 use_ntlmv2=v2)
    type1["flags"] &= ~profile.get("drop", 0)
    acc = C.Acceptor()
    rec = C.Recording(profile["name"])
    neg = type1.getData()
    rec.token("c2s", "negotiate", neg)
    chal = acc.step(neg)
    rec.padded_negotiate = acc.padded_negotiate
    rec.token("s2c", "challenge", chal)
    type3, esk = ntlm.getNTLMSSPType3(type1, chal, account["user"], account["password"], account["domain"],
                                      use_ntlmv2=v2)
    auth = type3.getData()
    rec.token("c2s", "authenticate", auth)
    acc.step(auth)
    if not acc.complete:
        raise C.GssError("acceptor not complete")
    sk = acc.session_key()
    flags = C.negotiate_flags(auth)
    if esk != sk:
        raise C.GssError("impacket and acceptor session keys differ")

    if flags & (C.SIGN | C.SEAL):
        c_sign = ntlm.SIGNKEY(flags, esk, "Client")
        s_sign = ntlm.SIGNKEY(flags, esk, "Server")
        c_handle = ARC4.new(ntlm.SEALKEY(flags, esk, "Client")).encrypt
        s_handle = ARC4.new(ntlm.SEALKEY(flags, esk, "Server")).encrypt
        seq = {"c": 0, "s": 0}

        def cwrap(pt):
            data, sig = ntlm.SEAL(flags, c_sign, None, pt, pt, seq["c"], c_handle)
            seq["c"] += 1
            return sig.getData(), data

        def cmic(pt):
            sig = ntlm.SIGN(flags, c_sign, pt, seq["c"], c_handle)
            seq["c"] += 1
            return sig.getData()

        def cunwrap(sig, data):
            pt = s_handle(data)
            expect = ntlm.MAC(flags, s_handle, s_sign, seq["s"], pt).getData()
            seq["s"] += 1
            if expect != sig:
                raise C.GssError("impacket: s2c signature mismatch")
            return pt

        def cverify(pt, sig):
            expect = ntlm.SIGN(flags, s_sign, pt, seq["s"], s_handle).getData()
            seq["s"] += 1
            if expect != sig:
                raise C.GssError("impacket: s2c signature mismatch")

        sess = C.Session(rec, acc, profile["name"], client_wrap=cwrap, client_mic=cmic,
                         client_unwrap=cunwrap, client_verify=cverify)
        if flags & C.SEAL:
            sess.run()
        else:
            sess.run(seal=False)
    if not v2 and not flags & C.ESS:
        rec.notes.append(
            "impacket 0.10.0's SEALKEY weakens a non-ESS key to 40/56 bits even without NEGOTIATE_LM_KEY "
            "(MS-NLMP 3.4.5.3 and the 4.2.2.4 example keep the full key), so its sealed or signed messages "
            "cannot interoperate without ESS; this profile therefore negotiates no session security.")
    server_extra = {}
    if server_lm is not None:
        server_extra["lm_compat_level"] = server_lm
    client = "impacket %s (Debian 12 python3-impacket %s)" % (
        C.upstream_version("python3-impacket"), C.pkg_version("python3-impacket"))
    by = "gss-ntlmssp acceptor accepted this AUTHENTICATE (same exported session key as impacket)"
    if flags & (C.SIGN | C.SEAL):
        by += ("; c2s produced by impacket SEAL/SIGN with the client keys and verified by the acceptor "
               "(gss_unwrap/gss_verify_mic); s2c produced by the acceptor (gss_wrap/gss_get_mic) and verified "
               "with impacket's MAC/SEALKEY/SIGNKEY and the server keys")
    t = C.transcript(rec, profile["desc"], client, accounts, sk, by, server_extra=server_extra,
                     acceptor_env=env)
    ntlmcheck.check_positive(t)
    return t


def main(argv):
    return C.run_profiles(__file__, PROFILES, record, argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
