"""Independent re-check of a transcript (a second opinion next to the
gss-ntlmssp oracle that judged it at recording time).

Recomputes, from the transcript alone, what a server replaying it must find:
the NT/LM response (NTLMv2, NTLMv1, NTLMv1+ESS), the key exchange key
(incl. LM_KEY and NON_NT_SESSION_KEY variants), the exported session key,
the MIC, and every seal/sign entry (sequence numbers and RC4 state per
direction, in entry order). Used by the recorders as a consistency check
and by negatives.py to confirm that each mutation breaks what it should.

Pure Python except MD4 and DES, taken from pycryptodomex (a dependency of
python3-impacket). This is test tooling, not a reference implementation.
"""

import binascii
import hashlib
import hmac
import struct

from Cryptodome.Cipher import DES
from Cryptodome.Hash import MD4

import common as C


class RC4:
    def __init__(self, key):
        s = list(range(256))
        j = 0
        for i in range(256):
            j = (j + s[i] + key[i % len(key)]) & 0xff
            s[i], s[j] = s[j], s[i]
        self.s, self.i, self.j = s, 0, 0

    def update(self, data):
        s, i, j = self.s, self.i, self.j
        out = bytearray()
        for b in data:
            i = (i + 1) & 0xff
            j = (j + s[i]) & 0xff
            s[i], s[j] = s[j], s[i]
            out.append(b ^ s[(s[i] + s[j]) & 0xff])
        self.i, self.j = i, j
        return bytes(out)


def md4(data):
    return MD4.new(data).digest()


def hmac_md5(key, data):
    return hmac.new(key, data, hashlib.md5).digest()


def nt_hash(password):
    return md4(password.encode("utf-16-le"))


def _des_key(k7):
    k = []
    bits = int.from_bytes(k7, "big")
    for i in range(8):
        b = (bits >> (56 - 7 * (i + 1))) & 0x7f
        k.append((b << 1) & 0xfe)
    return bytes(k)


def des(k7, data):
    return DES.new(_des_key(k7), DES.MODE_ECB).encrypt(data)


def desl(k16, data):
    k = k16 + b"\0" * 5
    return des(k[0:7], data) + des(k[7:14], data) + des(k[14:21], data)


def lm_hash(password):
    p = password.upper().encode("latin-1", "replace")[:14].ljust(14, b"\0")
    return des(p[:7], b"KGS!@#$%") + des(p[7:], b"KGS!@#$%")


def account_hash(acc):
    if "nt_hash" in acc:
        return bytes.fromhex(acc["nt_hash"])
    return nt_hash(acc["password"])


class CheckError(Exception):
    pass


def authenticate(t, acc):
    """Verifies the AUTHENTICATE for account `acc`. Returns a dict with
    exported_session_key, flags, and `why` on failure (status-table row)."""
    ex = t["exchange"]
    neg = chal = auth = None
    for e in ex:
        if e["type"] == "negotiate":
            neg = C.unb64(e["token"])
        elif e["type"] == "challenge":
            chal = C.unb64(e["token"])
        elif e["type"] == "authenticate":
            auth = C.unb64(e["token"])
    ch = C.parse_challenge(chal)
    a = C.parse_authenticate(auth)
    flags = a["flags"]
    sc = ch["server_challenge"]
    nth = account_hash(acc)
    lm, nt = a["lm"], a["nt"]
    res = {"flags": flags, "ntlm": a["ntlm"]}
    if a["ntlm"] == "v2":
        ok = False
        for dom in (a["domain"], ""):
            key = hmac_md5(nth, (a["user"].upper() + dom).encode("utf-16-le"))
            proof = hmac_md5(key, sc + nt[16:])
            if hmac.compare_digest(proof, nt[:16]):
                ok = True
                break
        if not ok:
            res["why"] = "ntproofstr"
            return res
        sbk = hmac_md5(key, proof)
        kxk = sbk
    elif a["ntlm"] == "v1":
        if flags & C.ESS:
            cc = lm[:8]
            expect = desl(nth, hashlib.md5(sc + cc).digest()[:8])
        else:
            expect = desl(nth, sc)
        if not hmac.compare_digest(expect, nt):
            res["why"] = "ntlmv1"
            return res
        sbk = md4(nth)
        if flags & C.ESS:
            kxk = hmac_md5(sbk, sc + lm[:8])
        elif flags & C.LM_KEY:
            lmh = lm_hash(acc["password"])
            kxk = des(lmh[:7], lm[:8]) + des(lmh[7:8] + b"\xbd" * 6, lm[:8])
        elif flags & C.NON_NT_SESSION_KEY:
            kxk = lm_hash(acc["password"])[:8] + b"\0" * 8
        else:
            kxk = sbk
    else:
        res["why"] = "anonymous"
        return res
    if flags & C.KEY_EXCH and flags & (C.SIGN | C.SEAL):
        esk = RC4(kxk).update(a["enc_session_key"])
    else:
        esk = kxk
    res["exported_session_key"] = esk
    if a["mic"]:
        zeroed = auth[:72] + b"\0" * 16 + auth[88:]
        mic = hmac_md5(esk, neg + chal + zeroed)[:16]
        res["mic_ok"] = hmac.compare_digest(mic, auth[72:88])
    return res


def seal_key(flags, esk, magic):
    if flags & C.ESS:
        if flags & C.F128:
            k = esk
        elif flags & C.F56:
            k = esk[:7]
        else:
            k = esk[:5]
        return hashlib.md5(k + magic).digest()
    if flags & C.LM_KEY:
        if flags & C.F56:
            return esk[:7] + b"\xa0"
        return esk[:5] + b"\xe5\x38\xb0"
    return esk


class Direction:
    def __init__(self, flags, esk, client_to_server):
        self.flags = flags
        who = b"client-to-server" if client_to_server else b"server-to-client"
        self.sign_key = hashlib.md5(esk + b"session key to " + who + b" signing key magic constant\0").digest()
        self.handle = RC4(seal_key(flags, esk, b"session key to " + who + b" sealing key magic constant\0"))
        self.seq = 0

    def mac(self, msg):
        f = self.flags
        if f & C.ESS:
            cs = hmac_md5(self.sign_key, struct.pack("<I", self.seq) + msg)[:8]
            if f & C.KEY_EXCH:
                cs = self.handle.update(cs)
            sig = b"\x01\0\0\0" + cs + struct.pack("<I", self.seq)
        else:
            crc = struct.pack("<I", binascii.crc32(msg) & 0xffffffff)
            pad = self.handle.update(b"\0" * 4)
            cs = self.handle.update(crc)
            seq = struct.unpack("<I", self.handle.update(b"\0" * 4))[0] ^ self.seq
            sig = b"\x01\0\0\0" + pad + cs + struct.pack("<I", seq)
        self.seq += 1
        return sig


def same_signature(flags, a, b):
    if flags & C.ESS:
        return a == b
    return a[:4] == b[:4] and a[8:] == b[8:]  # RandomPad ignored (MS-NLMP 3.4.4.1 vs 4.2.2.4)


def session(t, esk, flags):
    """Checks every seal/sign entry; returns (index, 'ok'|'altered'|...)."""
    dirs = {"c2s": Direction(flags, esk, True), "s2c": Direction(flags, esk, False)}
    results = []
    for i, e in enumerate(t["exchange"]):
        if e["type"] not in ("seal", "sign"):
            continue
        d = dirs[e["dir"]]
        sig = bytes.fromhex(e["signature"])
        pt = C.unb64(e["plaintext"])
        if e["type"] == "seal":
            data = C.unb64(e["data"])
            clear = d.handle.update(data)
            signed = C.unb64(e["signed"]) if "signed" in e else clear
            expect = d.mac(signed)
            ok = clear == pt and same_signature(flags, expect, sig)
        else:
            expect = d.mac(pt)
            ok = same_signature(flags, expect, sig)
        results.append((i, "ok" if ok else "mismatch"))
    return results


def check_positive(t):
    """Raises CheckError unless the accept transcript verifies end to end."""
    acc = None
    a = C.parse_authenticate(C.unb64([e for e in t["exchange"] if e["type"] == "authenticate"][0]["token"]))
    for cand in t["accounts"]:
        if cand["user"].lower() == a["user"].lower():
            acc = cand
    if acc is None:
        raise CheckError("no account for %r" % a["user"])
    r = authenticate(t, acc)
    if "why" in r:
        raise CheckError("authentication does not verify: %s" % r["why"])
    if r.get("mic_ok") is False:
        raise CheckError("MIC does not verify")
    exp = t["expect"]
    if exp.get("session_key") and exp["session_key"] != r["exported_session_key"].hex():
        raise CheckError("session key %s != %s" % (exp["session_key"], r["exported_session_key"].hex()))
    if exp.get("negotiated_flags") and int(exp["negotiated_flags"], 16) != r["flags"]:
        raise CheckError("negotiated_flags differ")
    bad = [i for i, s in session(t, r["exported_session_key"], r["flags"]) if s != "ok"]
    if bad:
        raise CheckError("session messages do not verify at %s" % bad)
    return r


if __name__ == "__main__":
    import json
    import sys
    for path in sys.argv[1:]:
        t = json.load(open(path, encoding="utf-8"))
        if t["expect"]["result"] != "accept":
            print("skip (reject)", path)
            continue
        try:
            check_positive(t)
            print("ok", path)
        except CheckError as exc:
            print("FAIL", path, exc)
