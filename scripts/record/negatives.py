"""Derives transcripts from the recorded ones, one change each.

    negatives.py DIR        reads DIR/<name>.json (recorded), writes
                            DIR/<name>-x-<tag>.json (derived)

Every derived transcript carries `derived_from`, `mutation`, `recorded_by`
and `status_source` (the MS-NLMP section and the row of the status table in
transcript-format.md that decides its `expect`). Each derivation is
re-checked with ntlmcheck.py: the mutation must break exactly what the
expectation says (or, for the few derived accepts, nothing).
"""

import copy
import json
import os
import struct
import sys

import common as C
import ntlmcheck as N

ROW = {
    "token": "status table row 1 (a token that does not parse -> SEC_E_INVALID_TOKEN at that entry)",
    "neg_policy": "status table row 2 (NEGOTIATE lacks a flag that min_server_sec requires -> "
                  "SEC_E_UNSUPPORTED_FUNCTION at the NEGOTIATE)",
    "auth_policy": "status table row 3 (AUTHENTICATE's NegotiateFlags lack a flag that min_server_sec requires -> "
                   "SEC_E_UNSUPPORTED_FUNCTION at the AUTHENTICATE)",
    "lm_compat": "status table row 4 (LM or NTLMv1 response refused by lm_compat_level -> SEC_E_LOGON_DENIED at "
                 "the AUTHENTICATE)",
    "password": "status table row 5 (unknown account, wrong password -> SEC_E_LOGON_DENIED at the AUTHENTICATE)",
    "skew": "status table row 6 (NTLMv2 timestamp further than max_clock_skew_s from clock -> SEC_E_TIME_SKEW at "
            "the AUTHENTICATE)",
    "mic": "status table row 7 (MIC announced and wrong, or require_mic and no MIC -> SEC_E_LOGON_DENIED at the "
           "AUTHENTICATE)",
    "bindings": "status table row 8 (MsvAvTargetName / MsvAvChannelBindings differ from the policy -> "
                "SEC_E_BAD_BINDINGS at the AUTHENTICATE)",
    "seq": "status table row 9 (sequence number not the expected one, checked before the checksum -> "
           "SEC_E_OUT_OF_SEQUENCE at that entry)",
    "altered": "status table row 10 (checksum does not verify -> SEC_E_MESSAGE_ALTERED at that entry)",
}


def load(d, name):
    with open(os.path.join(d, name + ".json"), encoding="utf-8") as fh:
        return json.load(fh)


def idx(t, kind):
    for i, e in enumerate(t["exchange"]):
        if e["type"] == kind:
            return i
    raise KeyError(kind)


def get_tok(t, kind):
    return bytearray(C.unb64(t["exchange"][idx(t, kind)]["token"]))


def set_tok(t, kind, data):
    t["exchange"][idx(t, kind)]["token"] = C.b64(bytes(data))


def field(msg, off):
    return struct.unpack_from("<HHI", msg, off)


def nt_offset(auth):
    return field(auth, 20)[2]


def av_offset(auth, av_id):
    """Offset inside the AUTHENTICATE of the value of an AV pair of the
    NTLMv2 response."""
    pos = nt_offset(auth) + 16 + 28
    end = nt_offset(auth) + field(auth, 20)[0]
    while pos + 4 <= end:
        a, n = struct.unpack_from("<HH", auth, pos)
        if a == av_id:
            return pos + 4
        if a == 0:
            break
        pos += 4 + n
    raise KeyError(av_id)


def seal_sign_indices(t, direction="c2s", kinds=("seal", "sign")):
    return [i for i, e in enumerate(t["exchange"]) if e["dir"] == direction and e["type"] in kinds]


class Deriver:
    def __init__(self, d):
        self.d = d
        self.out = []
        self.missing = []

    def derive(self, base_name, tag, mutation, expect, status_source, change, check=None, keep_upto=None):
        try:
            base = load(self.d, base_name)
        except FileNotFoundError:
            self.missing.append(base_name)
            return
        t = copy.deepcopy(base)
        change(t)
        at = expect.get("at")
        if keep_upto is not None:
            t["exchange"] = t["exchange"][:keep_upto + 1]
        elif expect["result"] == "reject" and at is not None:
            t["exchange"] = t["exchange"][:max(at, 2) + 1]
        name = "%s-x-%s" % (base_name, tag)
        derived = {
            "format": t["format"],
            "name": name,
            "description": "%s; derived from %s: %s" % (base["description"], base_name, mutation),
            "client": t["client"],
            "accounts": t["accounts"],
            "server": t["server"],
            "exchange": t["exchange"],
            "expect": expect,
            "features": t["features"],
            "derived_from": base_name,
            "mutation": mutation,
            "recorded_by": "derived from the recorded transcript %s (see its recorded_by)" % base_name,
            "status_source": status_source,
        }
        if check is not None:
            problem = check(derived)
            if problem:
                raise RuntimeError("%s: self-check failed: %s" % (name, problem))
        path, size = C.write_transcript(self.d, derived)
        self.out.append(name)
        C.log("derived %s (%d bytes)" % (path, size))


# --- self-checks -----------------------------------------------------------

def _acc(t):
    a = C.parse_authenticate(C.unb64(t["exchange"][idx(t, "authenticate")]["token"]))
    for acc in t["accounts"]:
        if acc["user"].lower() == a["user"].lower():
            return acc
    return None


def expect_auth_failure(why):
    def check(t):
        acc = _acc(t)
        if acc is None:
            return None if why == "unknown" else "no account"
        r = N.authenticate(t, acc)
        if r.get("why") != why:
            return "expected %s, got %s" % (why, r.get("why"))
        return None
    return check


def expect_mic_failure(t):
    r = N.authenticate(t, _acc(t))
    if "why" in r:
        return "authentication itself fails: %s" % r["why"]
    if r.get("mic_ok") is not False:
        return "MIC still verifies"
    return None


def expect_auth_ok(t):
    acc = _acc(t)
    r = N.authenticate(t, acc)
    if "why" in r:
        return "authentication fails: %s" % r["why"]
    if r.get("mic_ok") is False:
        return "MIC fails"
    return None


def expect_session_failure(at):
    def check(t):
        problem = expect_auth_ok(t)
        if problem:
            return problem
        r = N.authenticate(t, _acc(t))
        res = dict(N.session(t, r["exported_session_key"], r["flags"]))
        bad = [i for i, s in res.items() if s != "ok"]
        if not bad or bad[0] != at:
            return "first failing session entry %s, expected %d" % (bad[:1], at)
        return None
    return check


def expect_positive(t):
    try:
        N.check_positive(t)
    except N.CheckError as exc:
        return str(exc)
    return None


def reject(status, at):
    return {"result": "reject", "status": status, "at": at}


def accept_like(base_expect):
    return dict(base_expect)


# --- the derivations -------------------------------------------------------

def derive_all(d):
    D = Deriver(d)

    # Wrong password / unknown user / tampered responses (row 5).
    def wrong_pw(t):
        t["accounts"][0]["password"] = "Wr0ngPassword!"
    D.derive("gss-seal128-kx-mic", "wrongpw", "the account's password in `accounts` is 'Wr0ngPassword!' instead of the one the client used",
             reject("SEC_E_LOGON_DENIED", 2),
             "MS-NLMP 3.2.5.1.2: the NTProofStr (NTLMv2) computed from the stored password differs and the "
             "LmChallengeResponse (empty from this client) does not match either -> authentication fails; " + ROW["password"] +
             ". The MIC cannot be checked without the right session key, but row 5 comes first anyway.",
             wrong_pw, expect_auth_failure("ntproofstr"))
    D.derive("ntlmauth-ntlmv1-ess-seal128-kx", "wrongpw", "the account's password in `accounts` is 'Wr0ngPassword!'",
             reject("SEC_E_LOGON_DENIED", 2),
             "MS-NLMP 3.2.5.1.2 / 3.3.1: the NTLMv1 (ESS) NtChallengeResponse computed from the stored password differs; " +
             ROW["password"] + ". lm_compat_level 2 admits NTLMv1, so row 4 does not apply.",
             wrong_pw, expect_auth_failure("ntlmv1"))

    def unknown_user(t):
        t["accounts"] = [{"user": "bob", "domain": "CONTOSO", "password": "Passw0rd!"}]
    D.derive("ntlmauth-seal128-kx-mic", "unknownuser", "`accounts` holds only CONTOSO\\bob; the client authenticates as CONTOSO\\alice",
             reject("SEC_E_LOGON_DENIED", 2),
             "MS-NLMP 3.2.5.1.2: the server cannot find the user's NTOWF, so no response can verify; " + ROW["password"] + ".",
             unknown_user, expect_auth_failure("unknown"))
    D.derive("curl-ntlmv2", "unknownuser", "`accounts` holds only CONTOSO\\bob; curl authenticates as CONTOSO\\alice",
             reject("SEC_E_LOGON_DENIED", 2),
             "MS-NLMP 3.2.5.1.2: no NTOWF for the user; " + ROW["password"] + ".",
             unknown_user, expect_auth_failure("unknown"))

    def flip_ntproof(t):
        a = get_tok(t, "authenticate")
        a[nt_offset(a) + 3] ^= 0x01
        set_tok(t, "authenticate", a)
    D.derive("gss-seal128-kx-mic", "ntproofflip", "byte 3 of NTProofStr (the first 16 bytes of the NtChallengeResponse) flipped",
             reject("SEC_E_LOGON_DENIED", 2),
             "MS-NLMP 3.2.5.1.2: NTProofStr does not verify and the client sent no LmChallengeResponse to fall back to; " +
             ROW["password"] + ". The MIC covers the whole AUTHENTICATE and fails as well (and could not even be computed "
             "without the SessionBaseKey, which derives from NTProofStr), but row 5 is checked before row 7; both give "
             "SEC_E_LOGON_DENIED, so the answer is the same in either order.",
             flip_ntproof, expect_auth_failure("ntproofstr"))
    D.derive("impacket-seal128-kx", "ntproofflip", "byte 3 of NTProofStr flipped; impacket's genuine LMv2 response is left intact",
             reject("SEC_E_LOGON_DENIED", 2),
             "NTProofStr does not verify -> " + ROW["password"] + ". Caveat (docs/interop-pitfalls.md item 19): the LMv2 "
             "LmChallengeResponse is still genuine; MS-NLMP 3.2.5.1.2's pseudocode accepts when either response matches "
             "and Samba falls back to LMv2, but LMv2 does not cover the NTLMv2 blob (AV pairs, MsvAvFlags, channel "
             "bindings), so this transcript expects the stricter answer of the status table: the NTLMv2 response decides.",
             flip_ntproof, expect_auth_failure("ntproofstr"))

    def flip_v1(t):
        a = get_tok(t, "authenticate")
        a[nt_offset(a) + 5] ^= 0x80
        set_tok(t, "authenticate", a)
    D.derive("gss-ntlmv1-lmkey-seal128-kx", "ntlmv1flip", "byte 5 of the NTLMv1 NtChallengeResponse flipped (the LM response is left intact)",
             accept_like(load_expect(d, "gss-ntlmv1-lmkey-seal128-kx")),
             "MS-NLMP 3.2.5.1.2: the logon succeeds when the NT response OR the LM response matches. The NTLMv1 "
             "response no longer verifies but the LM response is genuine and lm_compat_level 0 admits LM (Microsoft's "
             "LmCompatibilityLevel documentation: levels 0-3 accept LM, 4 and 5 refuse it), so the logon is accepted "
             "as LM; gss-ntlmssp's acceptor falls back to the LM response the same way. LM_KEY derives the keys from "
             "the LM response and LMOWF, so the session key and the sealed messages are those of the base transcript. "
             "(NTLMv1 has no AV pairs for an LM fallback to bypass, unlike NTLMv2/LMv2: impacket-seal128-kx-x-ntproofflip.)",
             flip_v1)

    # MIC (row 7).
    def flip_mic(t):
        a = get_tok(t, "authenticate")
        a[72 + 7] ^= 0x40
        set_tok(t, "authenticate", a)
    for base in ("ntlmauth-seal128-kx-mic", "samba-gensec-seal128-mic"):
        D.derive(base, "micflip", "one byte of the AUTHENTICATE MIC flipped",
                 reject("SEC_E_LOGON_DENIED", 2),
                 "MS-NLMP 3.2.5.1.2: 'if the two MIC values are not equal, then an authentication failure MUST be "
                 "returned'; the MIC is not covered by NTProofStr, so the response itself verifies and only the MIC "
                 "fails -> " + ROW["mic"] + ". (Samba returns NT_STATUS_INVALID_PARAMETER and gss-ntlmssp "
                 "GSS_S_DEFECTIVE_TOKEN here.)",
                 flip_mic, expect_mic_failure)

    def zero_mic(t):
        a = get_tok(t, "authenticate")
        a[72:88] = b"\0" * 16
        set_tok(t, "authenticate", a)
    for base in ("samba-gensec-seal128-mic", "gss-seal128-kx-mic"):
        D.derive(base, "miczero", "the MIC field zeroed while MsvAvFlags still announces a MIC (0x2)",
                 reject("SEC_E_LOGON_DENIED", 2),
                 "MS-NLMP 3.2.5.1.2: MsvAvFlags 0x2 is inside the NTProofStr-protected blob, so the server must "
                 "verify the MIC; sixteen zero bytes are not the MIC -> " + ROW["mic"] + ". (Servers that test the "
                 "MIC field for zero instead of MsvAvFlags would skip the check: docs/interop-pitfalls.md item 3/4.)",
                 zero_mic, expect_mic_failure)

    def drop_mic_flag(t):
        a = get_tok(t, "authenticate")
        p = av_offset(a, C.AV_FLAGS)
        v = struct.unpack_from("<I", a, p)[0] & ~0x2
        struct.pack_into("<I", a, p, v)
        set_tok(t, "authenticate", a)
    D.derive("ntlmauth-seal128-kx-mic", "avflags-nomic", "MsvAvFlags 0x2 (MIC present) cleared in the NTLMv2 response's AV pairs ('drop the MIC')",
             reject("SEC_E_LOGON_DENIED", 2),
             "The AV pairs are part of the NTLMv2 temp blob that NTProofStr covers (MS-NLMP 3.3.2), so NTProofStr no "
             "longer verifies -> " + ROW["password"] + " (the MIC is then not consulted; row 7 would also answer "
             "SEC_E_LOGON_DENIED). ntlm-auth sends LmChallengeResponse = Z(24), nothing to fall back to.",
             drop_mic_flag, expect_auth_failure("ntproofstr"))

    def strip_seal_auth(t):
        a = get_tok(t, "authenticate")
        struct.pack_into("<I", a, 60, struct.unpack_from("<I", a, 60)[0] & ~C.SEAL)
        set_tok(t, "authenticate", a)
    D.derive("gss-seal128-kx-mic", "authnoseal", "NEGOTIATE_SEAL cleared in the AUTHENTICATE's NegotiateFlags (no server policy)",
             reject("SEC_E_LOGON_DENIED", 2),
             "No min_server_sec, so rows 2-3 do not apply; the NTLMv2 response still verifies (it does not cover the "
             "flags) but the MIC covers the whole AUTHENTICATE (MS-NLMP 3.2.5.1.2) and no longer matches -> " + ROW["mic"] + ".",
             strip_seal_auth, expect_mic_failure)

    def flip_esk(t):
        a = get_tok(t, "authenticate")
        ln, _m, off = field(a, 52)
        a[off] ^= 0x01
        set_tok(t, "authenticate", a)
    D.derive("gss-seal128-kx-mic", "eskflip", "first byte of EncryptedRandomSessionKey flipped",
             reject("SEC_E_LOGON_DENIED", 2),
             "The NTLMv2 response verifies, but the ExportedSessionKey decrypted from the altered field differs, so the "
             "MIC (keyed with it, MS-NLMP 3.2.5.1.2) does not verify -> " + ROW["mic"] + ".",
             flip_esk, expect_mic_failure)
    first_c2s = None
    try:
        first_c2s = seal_sign_indices(load(d, "impacket-seal128-kx"))[0]
    except FileNotFoundError:
        pass
    if first_c2s is not None:
        D.derive("impacket-seal128-kx", "eskflip", "first byte of EncryptedRandomSessionKey flipped (impacket sends no MIC)",
                 reject("SEC_E_MESSAGE_ALTERED", first_c2s),
                 "Nothing in the AUTHENTICATE protects EncryptedRandomSessionKey without a MIC: the NTLMv2 response "
                 "verifies and the AUTHENTICATE is accepted, but the server derives a different ExportedSessionKey "
                 "(MS-NLMP 3.2.5.1.2 RC4K), so the first client message's checksum does not verify -> " + ROW["altered"] +
                 ". The sequence number (0, in clear with ESS) is the expected one, so row 9 does not fire.",
                 flip_esk, expect_session_failure(first_c2s), keep_upto=first_c2s)

    # Policy (rows 2, 3).
    def minsec(v):
        def f(t):
            t["server"]["min_server_sec"] = v
        return f
    D.derive("impacket-seal56-kx", "minsec-128", "server min_server_sec 0x20000000 (128-bit required); the client's NEGOTIATE lacks NEGOTIATE_128",
             reject("SEC_E_UNSUPPORTED_FUNCTION", 0),
             "MS-NLMP 3.2.5.1.1: with ServerRequire128bitEncryption the server MUST return SEC_E_UNSUPPORTED_FUNCTION "
             "when the NEGOTIATE lacks NTLMSSP_NEGOTIATE_128 -> " + ROW["neg_policy"] + ".",
             minsec("0x20000000"))
    D.derive("gss-sign128-kx-mic", "minsec-20", "server min_server_sec 0x20 (confidentiality); the client negotiated sign only",
             reject("SEC_E_UNSUPPORTED_FUNCTION", 0),
             "MS-NLMP 3.2.5.1.1 (NtlmMinServerSec; the same status for every bit, as for 128-bit) -> " + ROW["neg_policy"] + ".",
             minsec("0x20"))
    D.derive("ntlmauth-ntlmv1-lmkey-seal128-kx", "minsec-80000", "server min_server_sec 0x80000 (NTLMv2 session security = EXTENDED_SESSIONSECURITY); the NEGOTIATE lacks it",
             reject("SEC_E_UNSUPPORTED_FUNCTION", 0),
             "MS-NLMP 3.2.5.1.1, NtlmMinServerSec 0x80000 requires NTLMSSP_NEGOTIATE_EXTENDED_SESSIONSECURITY in the "
             "NEGOTIATE (docs/interop-pitfalls.md item 10) -> " + ROW["neg_policy"] + ".",
             minsec("0x80000"))
    D.derive("gss-seal128-kx-mic", "minsec-ok", "server min_server_sec 0x20080030 (integrity, confidentiality, ESS, 128-bit), all of which the client negotiated",
             accept_like(load_expect(d, "gss-seal128-kx-mic")),
             "MS-NLMP 3.2.5.1.1/3.2.5.1.2: every required bit is in both the NEGOTIATE and the AUTHENTICATE, so the "
             "policy passes and the transcript is accepted as recorded.",
             minsec("0x20080030"), expect_positive)

    def strip_auth_and_minsec(flag, v):
        def f(t):
            a = get_tok(t, "authenticate")
            struct.pack_into("<I", a, 60, struct.unpack_from("<I", a, 60)[0] & ~flag)
            set_tok(t, "authenticate", a)
            t["server"]["min_server_sec"] = v
        return f
    D.derive("impacket-seal128-kx", "authnoseal-minsec-20",
             "NEGOTIATE_SEAL cleared in the AUTHENTICATE's NegotiateFlags only, and server min_server_sec 0x20",
             reject("SEC_E_UNSUPPORTED_FUNCTION", 2),
             "The NEGOTIATE (and the recorded CHALLENGE) carry SEAL, so MS-NLMP 3.2.5.1.1 passes at entry 0; the "
             "AUTHENTICATE's flags lack it -> MS-NLMP 3.2.5.1.2, " + ROW["auth_policy"] + ". impacket sends no MIC and "
             "NTLMv2 does not cover the flags, so nothing cryptographic detects the change: only the policy check "
             "rejects it.",
             strip_auth_and_minsec(C.SEAL, "0x20"), expect_auth_ok)
    D.derive("ntlmauth-seal128-kx-mic", "authno128-minsec-128",
             "NEGOTIATE_128 cleared in the AUTHENTICATE's NegotiateFlags only, and server min_server_sec 0x20000000",
             reject("SEC_E_UNSUPPORTED_FUNCTION", 2),
             "The NEGOTIATE carries NEGOTIATE_128 (row 2 passes); the AUTHENTICATE lacks it -> " + ROW["auth_policy"] +
             ". The MIC covers the flags and fails too, but row 3 is checked before row 7 (and before the response "
             "check, row 5, which still passes), so the policy status wins.",
             strip_auth_and_minsec(C.F128, "0x20000000"), expect_mic_failure)

    # lm_compat_level (row 4).
    def lm5(t):
        t["server"]["lm_compat_level"] = 5
    for base, what in (("ntlmauth-ntlmv1-ess-seal128-kx", "NTLMv1 with ESS"),
                       ("gss-ntlmv1-lmkey-seal128-kx", "LM + NTLMv1 (LM_KEY)"),
                       ("impacket-ntlmv1", "LM + NTLMv1")):
        D.derive(base, "lmcompat5", "server lm_compat_level 5; the client sent %s" % what,
                 reject("SEC_E_LOGON_DENIED", 2),
                 "lm_compat_level 5 refuses LM and NTLMv1, NTLMv1 with ESS included (transcript-format.md, "
                 "`lm_compat_level`; LmCompatibilityLevel 5 on the authenticating server) -> " + ROW["lm_compat"] + ".",
                 lm5)
    D.derive("gss-seal128-kx-mic", "lmcompat5", "server lm_compat_level 5; the client sent NTLMv2",
             accept_like(load_expect(d, "gss-seal128-kx-mic")),
             "NTLMv2 is what level 5 admits; nothing else changes, so the recorded outcome stands.",
             lm5, expect_positive)

    # Clock (row 6).
    def clock(delta):
        def f(t):
            import datetime
            c = datetime.datetime.strptime(t["server"]["clock"], "%Y-%m-%dT%H:%M:%SZ")
            c += datetime.timedelta(seconds=delta)
            t["server"]["clock"] = c.strftime("%Y-%m-%dT%H:%M:%SZ")
        return f
    D.derive("gss-seal128-kx-mic", "clock-plus-48h", "server clock 48 hours after the CHALLENGE timestamp (max_clock_skew_s 129600 = 36 h)",
             reject("SEC_E_TIME_SKEW", 2),
             "MS-NLMP 3.2.5.1.2 / 3.1.1.1 (MaxLifetime): the NTLMv2 timestamp is further than max_clock_skew_s from "
             "the server clock -> " + ROW["skew"] + ". The response itself verifies (row 5 passes first).",
             clock(48 * 3600), expect_auth_ok)
    D.derive("curl-ntlmv2", "clock-minus-48h", "server clock 48 hours before the CHALLENGE timestamp",
             reject("SEC_E_TIME_SKEW", 2),
             "The skew is absolute (|timestamp - clock| > max_clock_skew_s) -> " + ROW["skew"] + ".",
             clock(-48 * 3600), expect_auth_ok)
    D.derive("samba-gensec-seal128-mic", "clock-plus-35h", "server clock 35 hours after the CHALLENGE timestamp (inside the 36 h window)",
             accept_like(load_expect(d, "samba-gensec-seal128-mic")),
             "35 h < max_clock_skew_s (129600 s = 36 h): row 6 does not fire and the recorded outcome stands.",
             clock(35 * 3600), expect_positive)
    D.derive("ntlmauth-ntlmv1-ess-seal128-kx", "clock-plus-48h", "server clock 48 hours after the CHALLENGE timestamp; the client answered with NTLMv1 (ESS)",
             accept_like(load_expect(d, "ntlmauth-ntlmv1-ess-seal128-kx")),
             "Row 6 concerns the NTLMv2 timestamp only; an NTLMv1 response carries none, so the recorded outcome stands.",
             clock(48 * 3600), expect_positive)

    # Target name / channel bindings (row 8).
    def server_key(k, v):
        def f(t):
            t["server"][k] = v
        return f
    D.derive("gss-seal128-kx-mic", "spn-mismatch", "server target_name 'HTTP/other.contoso.test'; the client's MsvAvTargetName is 'HTTP/server.contoso.test'",
             reject("SEC_E_BAD_BINDINGS", 2),
             "MS-NLMP 3.2.5.1.2 (MsvAvTargetName compared with the server's SPN when it enforces one) -> " +
             ROW["bindings"] + ". Response and MIC verify, rows 5-7 pass first.",
             server_key("target_name", "HTTP/other.contoso.test"), expect_auth_ok)
    D.derive("gss-seal128-kx-mic", "spn-match", "server target_name 'HTTP/server.contoso.test', equal to the client's MsvAvTargetName",
             accept_like(load_expect(d, "gss-seal128-kx-mic")),
             "The SPN matches, row 8 passes; the recorded outcome stands.",
             server_key("target_name", "HTTP/server.contoso.test"), expect_positive)
    for base in ("gss-seal128-kx-mic-cbt", "ntlmauth-seal128-kx-mic-cbt"):
        D.derive(base, "cbt-mismatch", "server channel_bindings_md5 replaced by the MD5 of different bindings",
                 reject("SEC_E_BAD_BINDINGS", 2),
                 "MS-NLMP 3.2.5.1.2: MsvAvChannelBindings differs from the hash of the server's channel bindings -> " +
                 ROW["bindings"] + ". (gss-ntlmssp answers GSS_S_DEFECTIVE_TOKEN, Samba NT_STATUS_BAD_BINDINGS.)",
                 server_key("channel_bindings_md5", C.bindings_md5(b"tls-server-end-point:" + b"\x55" * 32)),
                 expect_auth_ok)
    D.derive("samba-gensec-seal128-mic", "cbt-required", "server channel_bindings_md5 set; Samba sent an all-zero MsvAvChannelBindings",
             reject("SEC_E_BAD_BINDINGS", 2),
             "Sixteen zero bytes differ from the required hash (MS-NLMP 3.2.5.1.2; docs/interop-pitfalls.md item 5: zero is "
             "not a wildcard when the server has bindings) -> " + ROW["bindings"] + ".",
             server_key("channel_bindings_md5", C.bindings_md5(b"tls-server-end-point:" + bytes(range(32)))),
             expect_auth_ok)

    # require_mic (row 7).
    D.derive("impacket-seal128-kx", "requiremic", "server require_mic true; impacket sends no MIC",
             reject("SEC_E_LOGON_DENIED", 2),
             "require_mic and no MIC (MsvAvFlags without 0x2) -> " + ROW["mic"] + ".",
             server_key("require_mic", True), expect_auth_ok)
    D.derive("ntlmauth-seal128-kx-mic", "requiremic", "server require_mic true; the client sent a valid MIC",
             accept_like(load_expect(d, "ntlmauth-seal128-kx-mic")),
             "The MIC is present and verifies; the recorded outcome stands.",
             server_key("require_mic", True), expect_positive)

    # Accounts stored as NT hash.
    def nthash(t):
        acc = t["accounts"][0]
        pw = acc.pop("password")
        acc["nt_hash"] = N.nt_hash(pw).hex()
    for base in ("gss-seal128-kx-mic-nonascii", "gss-ntlmv1-seal128-kx"):
        D.derive(base, "nthash", "the account is stored as nt_hash (MD4 of the UTF-16LE password) instead of the password",
                 accept_like(load_expect(d, base)),
                 "Only the NT hash enters NTOWFv2 / NTOWFv1, the session base key and (without LM_KEY or "
                 "NON_NT_SESSION_KEY) the key exchange key (MS-NLMP 3.3.1/3.3.2/3.4.5.1), so the recorded outcome "
                 "stands. (Transcripts with NEGOTIATE_LM_KEY need the LM hash, which an NT hash cannot give.)",
                 nthash, expect_positive)

    # Session messages (rows 9, 10).
    def dup_entry(t):
        ixs = seal_sign_indices(t, kinds=("seal",))
        i = ixs[1]
        t["exchange"].insert(i + 1, copy.deepcopy(t["exchange"][i]))
        t["_at"] = i + 1
    for base in ("gss-seal128-kx-mic", "samba-gensec-seal128-mic", "impacket-seal128-kx"):
        try:
            b = load(d, base)
        except FileNotFoundError:
            continue
        i = seal_sign_indices(b, kinds=("seal",))[1]
        D.derive(base, "replay", "the c2s sealed message at index %d is delivered twice (replay)" % i,
                 reject("SEC_E_OUT_OF_SEQUENCE", i + 1),
                 "MS-NLMP 3.4.4/3.4.7: the replayed signature carries SeqNum %d where %d is expected -> %s."
                 % (seq_of(b, i), seq_of(b, i) + 1, ROW["seq"]),
                 dup_entry, expect_session_failure(i + 1), keep_upto=i + 1)

    def alter_data(i):
        def f(t):
            data = bytearray(C.unb64(t["exchange"][i]["data"]))
            data[len(data) // 2] ^= 0x01
            t["exchange"][i]["data"] = C.b64(bytes(data))
        return f
    for base in ("gss-seal128-kx-mic", "ntlmauth-seal128-kx-mic", "gss-ntlmv1-seal128-kx"):
        try:
            b = load(d, base)
        except FileNotFoundError:
            continue
        i = [j for j in seal_sign_indices(b, kinds=("seal",)) if len(C.unb64(b["exchange"][j]["data"])) >= 16][0]
        D.derive(base, "ciphertextflip", "one bit of the ciphertext of the c2s sealed message at index %d flipped" % i,
                 reject("SEC_E_MESSAGE_ALTERED", i),
                 "MS-NLMP 3.4.3/3.4.7: the unsealed message differs from what was signed, the checksum does not verify "
                 "while the sequence number is the expected one -> " + ROW["altered"] + ".",
                 alter_data(i), expect_session_failure(i), keep_upto=i)

    def alter_sign_pt(t):
        i = seal_sign_indices(t, kinds=("sign",))[0]
        pt = bytearray(C.unb64(t["exchange"][i]["plaintext"]))
        pt[0] ^= 0x01
        t["exchange"][i]["plaintext"] = C.b64(bytes(pt))
    for base in ("samba-gensec-sign128-mic", "ntlmauth-sign128-kx-mic"):
        try:
            b = load(d, base)
        except FileNotFoundError:
            continue
        i = seal_sign_indices(b, kinds=("sign",))[0]
        D.derive(base, "signedflip", "one bit of the plaintext of the c2s signed message at index %d flipped" % i,
                 reject("SEC_E_MESSAGE_ALTERED", i),
                 "MS-NLMP 3.4.4.2/3.4.5: HMAC over the altered message differs -> " + ROW["altered"] + ".",
                 alter_sign_pt, expect_session_failure(i), keep_upto=i)

    def alter_seq(t):
        i = seal_sign_indices(t)[1]
        sig = bytearray.fromhex(t["exchange"][i]["signature"])
        sig[12] ^= 0x02
        t["exchange"][i]["signature"] = sig.hex()
    for base in ("gss-seal128-kx-mic", "gss-ntlmv1-seal128-kx"):
        try:
            b = load(d, base)
        except FileNotFoundError:
            continue
        i = seal_sign_indices(b)[1]
        D.derive(base, "seqflip", "bit 1 of the SeqNum field of the c2s signature at index %d flipped" % i,
                 reject("SEC_E_OUT_OF_SEQUENCE", i),
                 ("MS-NLMP 3.4.4: the (decrypted, without ESS) SeqNum is not the expected one; the sequence number "
                  "is checked before the checksum -> ") + ROW["seq"] + ".",
                 alter_seq, expect_session_failure(i), keep_upto=i)

    # Malformed tokens (row 1).
    def truncate_auth(n):
        def f(t):
            a = get_tok(t, "authenticate")
            set_tok(t, "authenticate", a[:n] if n > 0 else a[:n])
        return f
    D.derive("impacket-seal128-kx", "authtrunc", "the last 8 bytes of the AUTHENTICATE cut off (EncryptedRandomSessionKey now runs past the end)",
             reject("SEC_E_INVALID_TOKEN", 2),
             "MS-NLMP 2.2.1.3: a payload field (Len, MaxLen, BufferOffset) must lie inside the message -> " + ROW["token"] + ".",
             truncate_auth(-8))
    D.derive("ntlmauth-seal128-kx-mic", "authtrunc40", "the AUTHENTICATE cut to its first 40 bytes (shorter than the fixed header)",
             reject("SEC_E_INVALID_TOKEN", 2),
             "MS-NLMP 2.2.1.3: the fixed part of an AUTHENTICATE_MESSAGE is 64 bytes (72 with Version) -> " + ROW["token"] + ".",
             truncate_auth(40))

    def neg_type3(t):
        n = get_tok(t, "negotiate")
        struct.pack_into("<I", n, 8, 3)
        set_tok(t, "negotiate", n)
    D.derive("samba-gensec-seal128-mic", "negtype3", "MessageType of the NEGOTIATE changed from 1 to 3",
             reject("SEC_E_INVALID_TOKEN", 0),
             "MS-NLMP 2.2.1.1: a NEGOTIATE_MESSAGE has MessageType 1; a message of the wrong type -> " + ROW["token"] + ".",
             neg_type3)

    def bad_sig(t):
        a = get_tok(t, "authenticate")
        a[0:8] = b"NTLMSSQ\0"
        set_tok(t, "authenticate", a)
    D.derive("curl-ntlmv2", "badsignature", "the AUTHENTICATE's Signature field changed to 'NTLMSSQ\\0'",
             reject("SEC_E_INVALID_TOKEN", 2),
             "MS-NLMP 2.2.1.3: Signature MUST be 'NTLMSSP\\0' -> " + ROW["token"] + ".",
             bad_sig)
    return D


def seq_of(t, i):
    return struct.unpack("<I", bytes.fromhex(t["exchange"][i]["signature"])[12:16])[0]


def load_expect(d, name):
    try:
        return load(d, name)["expect"]
    except FileNotFoundError:
        return {"result": "accept", "status": "SEC_E_OK"}


def main(argv):
    d = argv[0]
    D = derive_all(d)
    for m in sorted(set(D.missing)):
        C.log("skipped derivations from %s (not recorded)" % m)
    return 0


if __name__ == "__main__":
    C.ensure_md4()
    sys.exit(main(sys.argv[1:]))
