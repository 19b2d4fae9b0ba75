"""Recordings with python3-ntlm-auth (NtlmContext) against the gss-ntlmssp
acceptor, in one process.

ntlm-auth sends an OEM-only NEGOTIATE (it strips UNICODE), answers with the
CHALLENGE's flags, adds a MIC whenever the CHALLENGE carries MsvAvTimestamp,
and never sends MsvAvTargetName. Flag variations are made by editing
NtlmContext.negotiate_flags before the first step.
"""

import sys

import common as C
import ntlmcheck

CB_APP_DATA = b"tls-server-end-point:" + bytes(range(32, 64))

# ntlm-auth does not request NEGOTIATE_REQUEST_TARGET by default; gss-ntlmssp
# then sends no TargetInfo, so the NTLMv2 response carries no AV pairs (no
# timestamp, hence no MIC). Every profile but "-notargetinfo" adds the flag,
# as the sample recordings did.
PROFILES = [
    dict(name="ntlmauth-seal128-kx-notargetinfo", request_target=False,
         desc="ntlm-auth NtlmContext with its exact default flags (no NEGOTIATE_REQUEST_TARGET): gss-ntlmssp returns no TargetInfo, so the NTLMv2 response has an empty AV-pair list (no MsvAvTimestamp, no MIC); sign+seal, 128-bit, key exchange, OEM charset"),
    dict(name="ntlmauth-seal128-kx-mic",
         desc="ntlm-auth NtlmContext defaults plus NEGOTIATE_REQUEST_TARGET: NTLMv2, sign+seal, 128-bit, key exchange, VERSION, MIC (server timestamp present), OEM-only NEGOTIATE with domain and workstation, so the whole exchange uses the OEM charset"),
    dict(name="ntlmauth-sign128-kx-mic", drop=C.SEAL,
         desc="ntlm-auth NTLMv2 with NEGOTIATE_SEAL removed from its NEGOTIATE: sign only, 128-bit, key exchange, MIC"),
    dict(name="ntlmauth-seal56-kx-mic", drop=C.F128,
         desc="ntlm-auth NTLMv2 with NEGOTIATE_128 removed: 56-bit sealing, key exchange, MIC"),
    dict(name="ntlmauth-seal40-kx-mic", drop=C.F128 | C.F56,
         desc="ntlm-auth NTLMv2 with NEGOTIATE_128 and NEGOTIATE_56 removed: 40-bit sealing, key exchange, MIC"),
    dict(name="ntlmauth-seal128-mic", drop=C.KEY_EXCH,
         desc="ntlm-auth NTLMv2 with NEGOTIATE_KEY_EXCH removed: no key exchange, sign+seal, 128-bit, MIC"),
    dict(name="ntlmauth-seal128-kx-mic-negnoversion", drop=C.VERSION,
         desc="ntlm-auth NTLMv2 with NEGOTIATE_VERSION removed from its NEGOTIATE (ntlm-auth still writes the 8-byte Version field, all zeros, and puts the payload at offset 40); gss-ntlmssp sets VERSION in the CHALLENGE anyway and ntlm-auth echoes the CHALLENGE flags, so the AUTHENTICATE has VERSION; sign+seal, 128-bit, key exchange, MIC"),
    dict(name="ntlmauth-seal128-kx-mic-cbt", cbt=True,
         desc="ntlm-auth NTLMv2 with channel bindings (cbt_data application data 'tls-server-end-point:' + 32 bytes): MsvAvChannelBindings present; the acceptor was given the same bindings"),
    dict(name="ntlmauth-seal128-kx-mic-nonascii-pw", account=C.ALICE_NONASCII_PW,
         desc="ntlm-auth NTLMv2, ASCII user CONTOSO\\alice with a non-ASCII password (Pässwörd€); sign+seal, 128-bit, key exchange, MIC. (A non-ASCII user name is impossible here: ntlm-auth's NEGOTIATE is OEM-only, so the server picks OEM and ntlm-auth encodes names as ASCII.)"),
    dict(name="ntlmauth-seal128-kx-mic-nodomain", account=C.ALICE_NODOM,
         desc="ntlm-auth NTLMv2 with domain '' (None crashes ntlm-auth 1.4.0 in NTOWFv2): NEGOTIATE_OEM_DOMAIN_SUPPLIED with an empty DomainName in the NEGOTIATE, empty DomainName in the AUTHENTICATE, NTOWFv2 over the empty UserDom; sign+seal, 128-bit, key exchange, MIC"),
    dict(name="ntlmauth-ntlmv1-ess-seal128-kx", level=2, server_lm=2,
         desc="ntlm-auth at ntlm_compatibility 2: NTLMv1 with extended session security (NEGOTIATE_NTLM not requested, ESS only), sign+seal, 128-bit, key exchange; no MIC (no AV pairs in NTLMv1)"),
    dict(name="ntlmauth-ntlmv1-lmkey-seal128-kx", level=0, server_lm=0, c2s_only=True,
         desc="ntlm-auth at ntlm_compatibility 0: LM and NTLMv1 responses, NEGOTIATE_LM_KEY (LM_KEY key exchange key), no ESS, sign+seal, 128-bit flag, key exchange; sealed messages client-to-server only (see notes)"),
]


def record(profile, work, outdir):
    from ntlm_auth.ntlm import NtlmContext
    from ntlm_auth.gss_channel_bindings import GssChannelBindingsStruct

    account = profile.get("account", C.ALICE)
    accounts = [dict(account)]
    server_lm = profile.get("server_lm")
    env = C.setup_env(work, accounts, lm_compat=server_lm)
    cbt = None
    bindings = None
    if profile.get("cbt"):
        cbt = GssChannelBindingsStruct()
        cbt[cbt.APPLICATION_DATA] = CB_APP_DATA
        bindings = C.gss_bindings(CB_APP_DATA)
    ctx = NtlmContext(account["user"], account["password"], domain=account["domain"],
                      workstation="NAWKS", cbt_data=cbt, ntlm_compatibility=profile.get("level", 3))
    if profile.get("request_target", True):
        ctx.negotiate_flags |= C.REQUEST_TARGET
    ctx.negotiate_flags &= ~profile.get("drop", 0)
    acc = C.Acceptor(bindings=bindings)
    rec = C.Recording(profile["name"])
    neg = ctx.step()
    rec.token("c2s", "negotiate", neg)
    chal = acc.step(neg)
    rec.token("s2c", "challenge", chal)
    auth = ctx.step(chal)
    rec.token("c2s", "authenticate", auth)
    acc.step(auth)
    if not acc.complete:
        raise C.GssError("acceptor not complete")
    sk = acc.session_key()
    flags = C.negotiate_flags(auth)
    if flags & (C.SIGN | C.SEAL) and ctx.session_key != sk:
        raise C.GssError("client and acceptor session keys differ")
    ss = ctx._session_security

    def cwrap(pt):
        data, sig = ss.wrap(pt)
        return sig, data

    def cunwrap(sig, data):
        return ss.unwrap(data, sig)

    def cmic(pt):
        return ss._get_signature(pt)

    def cverify(pt, sig):
        ss._verify_signature(pt, sig)

    sess = C.Session(rec, acc, profile["name"], client_wrap=cwrap, client_mic=cmic,
                     client_unwrap=cunwrap, client_verify=cverify)
    notes = []
    if flags & C.SEAL:
        try:
            sess.run(s2c=not profile.get("c2s_only"))
        except C.GssError:
            raise
    elif flags & C.SIGN:
        sess.run(seal=False)
    if profile.get("c2s_only"):
        rec.notes.append(
            "Without extended session security ntlm-auth keeps separate RC4 handles and sequence counters per "
            "direction (as MS-NLMP 3.1.5.1.2 initialises ClientHandle/ServerHandle) while gss-ntlmssp 1.2.0 "
            "shares one handle and one counter; only client-to-server messages are recorded, where both agree.")
    rec.notes.extend(notes)
    server_extra = {}
    if server_lm is not None:
        server_extra["lm_compat_level"] = server_lm
    if profile.get("cbt"):
        server_extra["channel_bindings_md5"] = C.bindings_md5(CB_APP_DATA)
    client = "ntlm-auth %s (Debian 12 python3-ntlm-auth %s)" % (
        C.upstream_version("python3-ntlm-auth"), C.pkg_version("python3-ntlm-auth"))
    by = ("gss-ntlmssp acceptor accepted this AUTHENTICATE (same exported session key as ntlm-auth); "
          "c2s produced by ntlm-auth (wrap / signature) and verified by the acceptor (gss_unwrap/gss_verify_mic)")
    if rec.s2c_verified:
        by += "; s2c produced by the acceptor (gss_wrap/gss_get_mic) and unsealed/verified by ntlm-auth"
    if profile.get("cbt"):
        by += "; the acceptor was given the same channel bindings and verified MsvAvChannelBindings"
    env["client_ntlm_compatibility"] = profile.get("level", 3)
    t = C.transcript(rec, profile["desc"], client, accounts, sk, by, server_extra=server_extra,
                     acceptor_env=env)
    ntlmcheck.check_positive(t)
    return t


def main(argv):
    return C.run_profiles(__file__, PROFILES, record, argv)


if __name__ == "__main__":
    C.ensure_md4()
    sys.exit(main(sys.argv[1:]))
