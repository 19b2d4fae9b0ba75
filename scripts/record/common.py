"""Shared pieces of the transcript recorders (see README.md in this folder).

The oracle for every recording is gss-ntlmssp's *acceptor*, driven through
python3-gssapi: it judges the client's AUTHENTICATE, exports the session key,
unwraps/verifies the client's sealed and signed messages, and produces the
server-to-client messages. Nothing here uses the project's own C++ code.

Recordings only use loopback (curl) or no network at all.
"""

import base64
import datetime
import hashlib
import json
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile

FORMAT = "ntlmssp-transcript/1"
MAX_CLOCK_SKEW_S = 129600

# NegotiateFlags (MS-NLMP 2.2.2.5)
UNICODE = 0x00000001
OEM = 0x00000002
REQUEST_TARGET = 0x00000004
SIGN = 0x00000010
SEAL = 0x00000020
DATAGRAM = 0x00000040
LM_KEY = 0x00000080
NTLM = 0x00000200
ANONYMOUS = 0x00000800
OEM_DOMAIN_SUPPLIED = 0x00001000
OEM_WORKSTATION_SUPPLIED = 0x00002000
ALWAYS_SIGN = 0x00008000
TARGET_TYPE_DOMAIN = 0x00010000
TARGET_TYPE_SERVER = 0x00020000
ESS = 0x00080000
IDENTIFY = 0x00100000
NON_NT_SESSION_KEY = 0x00400000
TARGET_INFO = 0x00800000
VERSION = 0x02000000
F128 = 0x20000000
KEY_EXCH = 0x40000000
F56 = 0x80000000

# AvIds (MS-NLMP 2.2.2.1)
AV_EOL, AV_NB_COMPUTER, AV_NB_DOMAIN, AV_DNS_COMPUTER, AV_DNS_DOMAIN = 0, 1, 2, 3, 4
AV_DNS_TREE, AV_FLAGS, AV_TIMESTAMP, AV_SINGLE_HOST = 5, 6, 7, 8
AV_TARGET_NAME, AV_CHANNEL_BINDINGS = 9, 10

NTLM_MECH_OID = "1.3.6.1.4.1.311.2.2.10"
# GSS_C_INQ_SSPI_SESSION_KEY: gss-ntlmssp returns the ExportedSessionKey.
SSPI_SESSION_KEY_OID = "1.2.840.113554.1.2.2.5.5"
# gss-ntlmssp private OIDs (gssapi_ntlmssp.h, base 1.3.6.1.4.1.7165.655.1)
_NTLMSSP_BASE = b"\x2b\x06\x01\x04\x01\xb7\x7d\x85\x0f\x01"
SPNEGO_REQUIRE_MIC_OID = _NTLMSSP_BASE + b"\x02"
NEG_FLAGS_OID = _NTLMSSP_BASE + b"\x05"

SERVER_NETBIOS_NAME = "SRV01"
ALICE = {"user": "alice", "domain": "CONTOSO", "password": "Passw0rd!"}
JUERGEN = {"user": "jürgen", "domain": "CONTOSO", "password": "Pässwörd€"}
# impacket computes an LM hash of every password with latin-1 encoding and
# fails on "€"; it gets a Latin-1-only non-ASCII password.
JUERGEN_LATIN1 = {"user": "jürgen", "domain": "CONTOSO", "password": "Pässwörd"}
ALICE_LATIN1_PW = {"user": "alice", "domain": "CONTOSO", "password": "Pässwörd"}
ALICE_NONASCII_PW = {"user": "alice", "domain": "CONTOSO", "password": "Pässwörd€"}
ALICE_NODOM = {"user": "alice", "domain": "", "password": "Passw0rd!"}

# Sizes of the application messages exchanged after authentication. The
# empty message is only sent client-to-server: gss_wrap/gss_get_mic refuse
# an empty input buffer ("Invalid value in argument").
C2S_SEAL_SIZES = [0, 1, 16, 1000]
S2C_SEAL_SIZES = [1, 16, 1000]
C2S_SIGN_SIZES = [33]
S2C_SIGN_SIZES = [7]


def b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def unb64(text):
    return base64.b64decode(text)


def payload(seed, size):
    """Deterministic pseudo-random plaintext for one message."""
    rng = random.Random("%s/%d" % (seed, size))
    return bytes(rng.getrandbits(8) for _ in range(size))


# ---------------------------------------------------------------------------
# NTLMSSP message parsing (only what the recorder needs to describe tokens)

def _field(msg, off):
    length, _maxlen, offset = struct.unpack_from("<HHI", msg, off)
    return msg[offset:offset + length]


def parse_av_pairs(data):
    pairs = []
    pos = 0
    while pos + 4 <= len(data):
        av_id, av_len = struct.unpack_from("<HH", data, pos)
        pairs.append((av_id, data[pos + 4:pos + 4 + av_len]))
        pos += 4 + av_len
        if av_id == AV_EOL:
            break
    return pairs


def msg_type(msg):
    return struct.unpack_from("<I", msg, 8)[0]


def negotiate_flags(msg):
    """NegotiateFlags of a NEGOTIATE (offset 12), CHALLENGE (20) or
    AUTHENTICATE (60) message."""
    return struct.unpack_from("<I", msg, {1: 12, 2: 20, 3: 60}[msg_type(msg)])[0]


def parse_challenge(msg):
    flags = negotiate_flags(msg)
    info = {
        "flags": flags,
        "server_challenge": msg[24:32],
        "target_name_raw": _field(msg, 12),
        "target_info": parse_av_pairs(_field(msg, 40)),
    }
    info["timestamp"] = None
    for av_id, value in info["target_info"]:
        if av_id == AV_TIMESTAMP:
            info["timestamp"] = struct.unpack("<Q", value)[0]
    return info


def parse_authenticate(msg):
    flags = negotiate_flags(msg)
    unicode = bool(flags & UNICODE)
    enc = "utf-16-le" if unicode else "latin-1"
    out = {
        "flags": flags,
        "lm": _field(msg, 12),
        "nt": _field(msg, 20),
        "domain": _field(msg, 28).decode(enc, "replace"),
        "user": _field(msg, 36).decode(enc, "replace"),
        "workstation": _field(msg, 44).decode(enc, "replace"),
        "enc_session_key": _field(msg, 52),
        "payload_start": min(struct.unpack_from("<I", msg, o)[0] for o in (16, 24, 32, 40, 48, 56)),
    }
    nt = out["nt"]
    out["ntlm"] = "v2" if len(nt) > 24 else ("v1" if len(nt) == 24 else "none")
    out["av"] = parse_av_pairs(nt[44:]) if len(nt) > 24 else []
    av_flags = 0
    for av_id, value in out["av"]:
        if av_id == AV_FLAGS and len(value) == 4:
            av_flags = struct.unpack("<I", value)[0]
    out["av_flags"] = av_flags
    out["mic"] = bool(av_flags & 0x2)
    return out


def filetime_to_rfc3339(ft):
    secs = ft // 10000000 - 11644473600
    return datetime.datetime.fromtimestamp(secs, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def now_rfc3339():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def features(neg, chal, auth, extra=None):
    """The `features` object in the style of the samples, from the tokens."""
    a = parse_authenticate(auth)
    f = a["flags"]
    target = None
    cb = None
    for av_id, value in a["av"]:
        if av_id == AV_TARGET_NAME:
            target = value.decode("utf-16-le")
        if av_id == AV_CHANNEL_BINDINGS and value != b"\0" * 16:
            cb = value.hex()
    if f & F128:
        bits = 128
    elif f & F56:
        bits = 56
    else:
        bits = 40
    ntlm = a["ntlm"]
    if ntlm == "none":
        ntlm = "anonymous"
    feat = {
        "ntlm": ntlm,
        "sign": bool(f & SIGN),
        "seal": bool(f & SEAL),
        "key_exch": bool(f & KEY_EXCH),
        "ess": bool(f & ESS),
        "key_bits": bits,
        "version": bool(f & VERSION),
        "mic": a["mic"],
        "target_name": target,
        "channel_bindings": cb,
        "lm_key": bool(f & LM_KEY) and not (f & ESS),
        "unicode": bool(f & UNICODE),
        "negotiate_oem_only": bool(negotiate_flags(neg) & OEM) and not (negotiate_flags(neg) & UNICODE),
        "empty_domain": a["domain"] == "",
        "non_ascii": any(ord(c) > 127 for c in a["user"] + a["domain"]),
    }
    if extra:
        feat.update(extra)
    return feat


# ---------------------------------------------------------------------------
# The gss-ntlmssp acceptor

class GssError(Exception):
    pass


def _gssapi():
    import gssapi  # noqa: imported lazily so that --help works without it
    import gssapi.raw
    return gssapi


def set_env(**kw):
    for key, value in kw.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = str(value)


class Workdir:
    """A private temporary directory holding the NTLM_USER_FILE."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="ntlm-record-")

    def user_file(self, accounts, name="users"):
        path = os.path.join(self.path, name)
        with open(path, "w", encoding="utf-8") as fh:
            for acc in accounts:
                fh.write("%s:%s:%s\n" % (acc["domain"], acc["user"], acc["password"]))
        os.chmod(path, 0o600)  # a file of passwords: owner only
        return path

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


def gss_bindings(application_data):
    gssapi = _gssapi()
    return gssapi.raw.ChannelBindings(application_data=application_data)


def bindings_md5(application_data):
    """MD5 of a gss_channel_bindings_struct with only application data
    (RFC 4121 4.1.1.2 layout: five zero 32-bit fields, then length + data)."""
    blob = b"\0" * 16 + struct.pack("<I", len(application_data)) + application_data
    return hashlib.md5(blob).hexdigest()


class Acceptor:
    """gss-ntlmssp acceptor. The environment must be set (see setup_env)
    before the first step; gss-ntlmssp reads it while processing tokens."""

    def __init__(self, bindings=None):
        gssapi = _gssapi()
        self.gssapi = gssapi
        self.mech = gssapi.OID.from_int_seq(NTLM_MECH_OID)
        self.creds = gssapi.Credentials(usage="accept", mechs=[self.mech])
        self.bindings = bindings
        self.ctx = gssapi.SecurityContext(creds=self.creds, usage="accept", channel_bindings=bindings)
        self.error = None
        self.padded_negotiate = False
        self.relaid_authenticate = False

    def step(self, token):
        """Returns the output token (b"" when complete without one) or
        raises GssError with gss-ntlmssp's message.

        gss-ntlmssp 1.2.0 answers a 32-byte NEGOTIATE (no Version field, as
        impacket and curl send it) with "Failed to decode data" -- in some
        runs only, which points at a read past the end of the buffer. Such a
        NEGOTIATE is always handed to the acceptor with 8 zero bytes appended
        (an empty Version field); the transcript keeps the client's own
        token. Only sound for clients that send no MIC (the NEGOTIATE bytes
        then enter no computation); a MIC would fail loudly."""
        if 32 <= len(token) < 40 and token[8:12] == b"\x01\0\0\0":
            token = token + b"\0" * (40 - len(token))
            self.padded_negotiate = True
        if len(token) >= 64 and token[8:12] == b"\x03\0\0\0":
            token = self._relayout_authenticate(token)
        return self._step(token)

    def _relayout_authenticate(self, token):
        """gss-ntlmssp 1.2.0 (ntlm_decode_auth_msg) expects the 8-byte
        Version field whenever the AUTHENTICATE's flags carry
        NEGOTIATE_VERSION, and rejects fields that start inside it. curl sets
        VERSION (echoing the CHALLENGE) but writes no Version field, its
        payload starting at offset 64. Such a token is handed to the acceptor
        with 8 zero bytes inserted at offset 64 and every payload offset moved
        by 8 -- the same message, laid out with an empty Version; the
        transcript keeps the client's token. Only sound without a MIC (the
        AUTHENTICATE bytes then enter no computation)."""
        flags = struct.unpack_from("<I", token, 60)[0]
        offsets = []
        for off in (12, 20, 28, 36, 44, 52):
            length, _m, where = struct.unpack_from("<HHI", token, off)
            if length:
                offsets.append(where)
        if not flags & VERSION or not offsets or min(offsets) >= 72 or min(offsets) < 64:
            return token
        out = bytearray(token[:64] + b"\0" * 8 + token[64:])
        for off in (12, 20, 28, 36, 44, 52):
            length, maxlen, where = struct.unpack_from("<HHI", out, off)
            if where >= 64:
                struct.pack_into("<HHI", out, off, length, maxlen, where + 8)
        self.relaid_authenticate = True
        return bytes(out)

    def _step(self, token):
        try:
            out = self.ctx.step(token)
        except self.gssapi.exceptions.GSSError as exc:
            self.error = str(exc)
            raise GssError(str(exc))
        return out or b""

    @property
    def complete(self):
        return self.ctx.complete

    def initiator_name(self):
        return str(self.ctx.initiator_name)

    def session_key(self):
        oid = self.gssapi.OID.from_int_seq(SSPI_SESSION_KEY_OID)
        vals = self.gssapi.raw.inquire_sec_context_by_oid(self.ctx, oid)
        return bytes(vals[0])

    # gss-ntlmssp puts the 16-byte signature in front of the data.
    def unwrap(self, signature, data):
        res = self.ctx.unwrap(signature + data)
        return res.message

    def verify_mic(self, plaintext, signature):
        self.ctx.verify_signature(plaintext, signature)

    def wrap(self, plaintext):
        out = self.ctx.wrap(plaintext, True).message
        return out[:16], out[16:]

    def get_mic(self, plaintext):
        return bytes(self.ctx.get_signature(plaintext))


def setup_env(work, accounts, lm_compat=None, computer=SERVER_NETBIOS_NAME, domain=None):
    set_env(NTLM_USER_FILE=work.user_file(accounts),
            NETBIOS_COMPUTER_NAME=computer,
            NETBIOS_DOMAIN_NAME=domain,
            LM_COMPAT_LEVEL=lm_compat)
    return {"NETBIOS_COMPUTER_NAME": computer, "LM_COMPAT_LEVEL": lm_compat if lm_compat is not None else 3}


# ---------------------------------------------------------------------------
# Transcript assembly

class Recording:
    """Collects the exchange of one recording and what each side verified."""

    def __init__(self, name):
        self.name = name
        self.exchange = []
        self.notes = []
        self.c2s_verified = 0
        self.s2c_verified = 0
        self.padded_negotiate = False
        self.relaid_authenticate = False

    def token(self, direction, kind, data):
        self.exchange.append({"dir": direction, "type": kind, "token": b64(data)})

    def seal(self, direction, signature, data, plaintext):
        self.exchange.append({"dir": direction, "type": "seal", "data": b64(data),
                              "signature": signature.hex(), "plaintext": b64(plaintext)})

    def sign(self, direction, signature, plaintext):
        self.exchange.append({"dir": direction, "type": "sign", "signature": signature.hex(),
                              "plaintext": b64(plaintext)})

    def tokens(self):
        neg = chal = auth = None
        for e in self.exchange:
            if e["type"] == "negotiate":
                neg = unb64(e["token"])
            elif e["type"] == "challenge":
                chal = unb64(e["token"])
            elif e["type"] == "authenticate":
                auth = unb64(e["token"])
        return neg, chal, auth


def transcript(rec, description, client, accounts, session_key, recorded_by, server_extra=None,
               features_extra=None, acceptor_env=None, expect=None):
    neg, chal, auth = rec.tokens()
    ch = parse_challenge(chal)
    a = parse_authenticate(auth)
    server = {}
    if ch["timestamp"] is not None:
        server["clock"] = filetime_to_rfc3339(ch["timestamp"])
    else:
        server["clock"] = now_rfc3339()
    server["max_clock_skew_s"] = MAX_CLOCK_SKEW_S
    if server_extra:
        server.update(server_extra)
    if expect is None:
        expect = {
            "result": "accept",
            "status": "SEC_E_OK",
            "negotiated_flags": "0x%08x" % a["flags"],
            "session_key": session_key.hex(),
            "user": "%s\\%s" % (a["domain"], a["user"]),
        }
        if a["flags"] & KEY_EXCH and not a["flags"] & (SIGN | SEAL) and a["enc_session_key"]:
            # MS-NLMP 3.2.5.1.2/3.2.5.2.2 take EncryptedRandomSessionKey only
            # when KEY_EXCH *and* (SIGN or SEAL); gss-ntlmssp and Samba use it
            # on KEY_EXCH alone. The transcript does not pick a side.
            import ntlmcheck
            spec = ntlmcheck.authenticate({"exchange": rec.exchange}, accounts[0])
            del expect["session_key"]
            rec.notes.append(
                "KEY_EXCH without SIGN or SEAL: MS-NLMP 3.2.5.1.2/3.2.5.2.2 set ExportedSessionKey to "
                "KeyExchangeKey = %s here (the EncryptedRandomSessionKey is only used when SIGN or SEAL is "
                "negotiated too), while gss-ntlmssp's acceptor and this client both decrypted the "
                "EncryptedRandomSessionKey and exported %s. expect.session_key is left out on purpose."
                % (spec["exported_session_key"].hex(), session_key.hex()))
    t = {
        "format": FORMAT,
        "name": rec.name,
        "description": description,
        "client": client,
        "accounts": accounts,
        "server": server,
        "exchange": rec.exchange,
        "expect": expect,
        "features": features(neg, chal, auth, dict(
            {"non_ascii_password": any(ord(ch) > 127 for acc in accounts for ch in acc.get("password", ""))},
            **(features_extra or {}))),
        "recorded_by": recorded_by,
        "recorded_on": now_rfc3339()[:10],
    }
    if acceptor_env is not None:
        t["oracle"] = dict({"acceptor": "gss-ntlmssp %s via python3-gssapi %s" % (
            pkg_version("gss-ntlmssp"), pkg_version("python3-gssapi"))}, **acceptor_env)
    if rec.padded_negotiate:
        rec.notes.append(
            "gss-ntlmssp 1.2.0's acceptor answers a 32-byte NEGOTIATE (no Version field) with 'Failed to decode "
            "data' (not in every run: it appears to read past the buffer), so it was given this client's NEGOTIATE "
            "with 8 zero bytes appended; the exchange keeps the client's own token. The client sends no MIC, so "
            "the NEGOTIATE enters no computation.")
    if rec.relaid_authenticate:
        rec.notes.append(
            "This client sets NEGOTIATE_VERSION in the AUTHENTICATE flags (echoing the CHALLENGE) but writes no "
            "Version field: its payload starts at offset 64. gss-ntlmssp 1.2.0 then rejects the message "
            "('Failed to decode data'), so the acceptor was given the same message with an all-zero Version "
            "field inserted at offset 64 and the payload offsets moved by 8; the exchange keeps the client's own "
            "token. No MIC is sent, so the AUTHENTICATE bytes enter no computation. A server must locate fields "
            "by their offsets, not by the VERSION flag.")
    if rec.notes:
        t["notes"] = rec.notes
    return t


def write_transcript(outdir, t):
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, t["name"] + ".json")
    text = json.dumps(t, indent=1, ensure_ascii=False) + "\n"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path, len(text.encode("utf-8"))


_PKG_CACHE = {}


def pkg_version(pkg):
    if pkg not in _PKG_CACHE:
        try:
            out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", pkg], capture_output=True,
                                 text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        _PKG_CACHE[pkg] = out or "unknown"
    return _PKG_CACHE[pkg]


def upstream_version(pkg):
    v = pkg_version(pkg)
    v = v.split(":", 1)[-1]
    return v.split("+dfsg")[0].split("-")[0]


def log(*args):
    print(*args, file=sys.stderr, flush=True)


class Session:
    """Drives the post-authentication message exchange.

    client_wrap(plaintext) -> (signature, data); client_mic(plaintext) -> signature;
    client_unwrap(signature, data) -> plaintext; client_verify(plaintext, signature).
    Any of them may be None when the client library cannot do it.
    """

    def __init__(self, rec, acc, seed, client_wrap=None, client_mic=None, client_unwrap=None,
                 client_verify=None, seal=True, acceptor_checks_c2s=True):
        self.rec, self.acc, self.seed = rec, acc, seed
        self.acceptor_checks_c2s = acceptor_checks_c2s
        self.client_wrap, self.client_mic = client_wrap, client_mic
        self.client_unwrap, self.client_verify = client_unwrap, client_verify
        self.seal = seal

    def c2s_seal(self, size):
        pt = payload(self.seed + "/c2s-seal", size)
        sig, data = self.client_wrap(pt)
        if self.acceptor_checks_c2s:
            out = self.acc.unwrap(sig, data)
            if out != pt:
                raise GssError("acceptor unwrapped different plaintext")
            self.rec.c2s_verified += 1
        self.rec.seal("c2s", sig, data, pt)

    def s2c_seal(self, size):
        pt = payload(self.seed + "/s2c-seal", size)
        sig, data = self.acc.wrap(pt)
        if self.client_unwrap is not None:
            out = self.client_unwrap(sig, data)
            if out != pt:
                raise GssError("client unwrapped different plaintext")
            self.rec.s2c_verified += 1
        self.rec.seal("s2c", sig, data, pt)

    def c2s_sign(self, size):
        pt = payload(self.seed + "/c2s-sign", size)
        sig = self.client_mic(pt)
        if self.acceptor_checks_c2s:
            self.acc.verify_mic(pt, sig)
            self.rec.c2s_verified += 1
        self.rec.sign("c2s", sig, pt)

    def s2c_sign(self, size):
        pt = payload(self.seed + "/s2c-sign", size)
        sig = self.acc.get_mic(pt)
        if self.client_verify is not None:
            self.client_verify(pt, sig)
            self.rec.s2c_verified += 1
        self.rec.sign("s2c", sig, pt)

    def run(self, c2s=True, s2c=True, seal=None, c2s_seal_sizes=None):
        """The standard interleaving: c2s seal 0, s2c seal 1, c2s seal 1, ...
        then one signed message each way. With seal False (sign-only
        contexts) only signed messages are exchanged."""
        seal = self.seal if seal is None else seal
        if seal:
            c2s_sizes = list(C2S_SEAL_SIZES if c2s_seal_sizes is None else c2s_seal_sizes)
            if not (c2s and self.client_wrap):
                c2s_sizes = []
            s2c_sizes = list(S2C_SEAL_SIZES) if s2c else []
            while c2s_sizes or s2c_sizes:
                if c2s_sizes:
                    self.c2s_seal(c2s_sizes.pop(0))
                if s2c_sizes:
                    self.s2c_seal(s2c_sizes.pop(0))
            if c2s and self.client_mic:
                for n in C2S_SIGN_SIZES:
                    self.c2s_sign(n)
            if s2c:
                for n in S2C_SIGN_SIZES:
                    self.s2c_sign(n)
        else:
            c2s_sizes = [1, 16, 1000] if c2s and self.client_mic else []
            s2c_sizes = [1, 16, 1000] if s2c else []
            while c2s_sizes or s2c_sizes:
                if c2s_sizes:
                    self.c2s_sign(c2s_sizes.pop(0))
                if s2c_sizes:
                    self.s2c_sign(s2c_sizes.pop(0))


def ensure_md4():
    """python3-ntlm-auth computes NTOWF with hashlib.new('md4'), which
    OpenSSL 3 only offers with the legacy provider: re-executes the current
    script with OPENSSL_CONF pointing at openssl-legacy.cnf if needed."""
    try:
        hashlib.new("md4", b"")
        return
    except ValueError:
        pass
    if os.environ.get("NTLM_RECORD_REEXEC"):
        raise RuntimeError("MD4 unavailable even with the legacy OpenSSL provider")
    env = dict(os.environ, OPENSSL_CONF=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "openssl-legacy.cnf"), NTLM_RECORD_REEXEC="1")
    os.execve(sys.executable, [sys.executable] + sys.argv, env)


PROFILE_TIMEOUT_S = 60


def run_profiles(module_file, profiles, record_fn, argv):
    """Command line of every recorder module:

        <module>.py OUTDIR [NAME ...]     record all (or the named) profiles,
                                          each in its own process (isolated
                                          environment, loadparm, RC4 state)
        <module>.py OUTDIR --profile NAME record one profile in this process

    Returns the exit status (1 if any profile failed)."""
    outdir = argv[0]
    if len(argv) >= 3 and argv[1] == "--profile":
        prof = [p for p in profiles if p["name"] == argv[2]]
        if not prof:
            log("no profile %s" % argv[2])
            return 2
        work = Workdir()
        try:
            t = record_fn(prof[0], work, outdir)
            path, size = write_transcript(outdir, t)
            log("recorded %s (%d bytes)" % (path, size))
            return 0
        except Exception as exc:
            log("FAILED %s: %s: %s" % (prof[0]["name"], type(exc).__name__, exc))
            return 1
        finally:
            work.close()
    only = set(argv[1:])
    failures = 0
    for p in profiles:
        if only and p["name"] not in only:
            continue
        try:
            rc = subprocess.run([sys.executable, module_file, outdir, "--profile", p["name"]],
                                timeout=PROFILE_TIMEOUT_S).returncode
        except subprocess.TimeoutExpired:
            log("FAILED %s: timed out after %d s" % (p["name"], PROFILE_TIMEOUT_S))
            rc = 1
        failures += rc != 0
    return 1 if failures else 0


def time_now():
    import time
    return time.monotonic()
