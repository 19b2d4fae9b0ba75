#!/usr/bin/env python3
"""Writes the fuzz seed corpora tests/fuzz/corpus/<target>/ from vectors/.

Sources: every NTLMSSP message of vectors/ms-nlmp-4.2.json ("messages/*/hex"),
every token, sealed and signed message of vectors/transcripts/**/*.json, and
the transcripts themselves. The input layouts of the server, session and decode
targets are those documented in tests/fuzz/*_target.cc / harness_targets.cc.
File names are the SHA-1 of the content (as libFuzzer names its finds), so a
re-run is idempotent. Usage: scripts/fuzz-seeds.py [--out tests/fuzz/corpus]
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Keeps the committed corpora small (the brief: < 2 MB in total).
MAX_TRANSCRIPT_SEEDS = 40


def u16(n):
    return struct.pack("<H", min(n, 0xFFFF))


def prefixed(b):
    return u16(len(b)) + b


def field(token, offset):
    """(Len, Offset) of the security buffer header at `offset`, or None."""
    if len(token) < offset + 8:
        return None
    length, _max, off = struct.unpack_from("<HHI", token, offset)
    if length == 0 or off + length > len(token):
        return None
    return token[off:off + length]


class Corpus:
    def __init__(self, out):
        self.out = out
        self.count = {}

    def add(self, target, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        d = os.path.join(self.out, target)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as fh:
                fh.write(data)
            self.count[target] = self.count.get(target, 0) + 1


def vector_messages():
    with open(os.path.join(ROOT, "vectors", "ms-nlmp-4.2.json"), encoding="utf-8") as fh:
        doc = json.load(fh)
    for section in doc.values():
        if isinstance(section, dict) and isinstance(section.get("messages"), dict):
            for msg in section["messages"].values():
                if isinstance(msg, dict) and "hex" in msg:
                    yield bytes.fromhex(msg["hex"])


def transcripts():
    base = os.path.join(ROOT, "vectors", "transcripts")
    for dirpath, _dirs, files in sorted(os.walk(base)):
        for name in sorted(files):
            if name.endswith(".json"):
                path = os.path.join(dirpath, name)
                with open(path, "rb") as fh:
                    text = fh.read()
                yield path, text, json.loads(text)


def add_message(corpus, token):
    """A message into its codec corpus, its parts into theirs."""
    if len(token) < 12 or token[:8] != b"NTLMSSP\0":
        return
    kind = struct.unpack_from("<I", token, 8)[0]
    b64 = base64.b64encode(token).decode()
    corpus.add("token_input", b64)
    corpus.add("token_input", "Authorization: NTLM " + b64)
    corpus.add("token_input", token.hex())
    corpus.add("decode", bytes([0]) + b64.encode())
    corpus.add("decode", bytes([1]) + ("WWW-Authenticate: NTLM " + b64).encode())
    if kind == 1:
        corpus.add("negotiate", token)
    elif kind == 2:
        corpus.add("challenge", token)
        info = field(token, 40)
        if info:
            corpus.add("av_pairs", info)
    elif kind == 3:
        corpus.add("authenticate", token)
        nt = field(token, 20)
        if nt and len(nt) > 24:
            corpus.add("ntlmv2_response", nt)
            corpus.add("av_pairs", nt[44:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "fuzz", "corpus"))
    args = parser.parse_args()
    corpus = Corpus(args.out)

    for token in vector_messages():
        add_message(corpus, token)

    transcript_seeds = 0
    for _path, text, doc in transcripts():
        if transcript_seeds < MAX_TRANSCRIPT_SEEDS:
            corpus.add("transcript", text)
            corpus.add("decode", bytes([0]) + text)
            transcript_seeds += 1
        tokens = {}
        sealed = []
        for entry in doc.get("exchange", []):
            if "token" in entry:
                token = base64.b64decode(entry["token"])
                tokens.setdefault(entry.get("type"), token)
                add_message(corpus, token)
            elif entry.get("type") in ("seal", "sign"):
                data = base64.b64decode(entry.get("data", "") or "")
                sig = bytes.fromhex(entry.get("signature", "00" * 16))
                sealed.append((entry["type"], sig, data, base64.b64decode(entry.get("plaintext", ""))))
        neg, chal, auth = tokens.get("negotiate"), tokens.get("challenge"), tokens.get("authenticate")
        if neg and auth:
            # server, mode 0: the recorded client's tokens in order.
            corpus.add("server", bytes([0x00, 0x00]) + prefixed(neg) + prefixed(auth))
        if auth and chal:
            # decode with the CHALLENGE (and NEGOTIATE) and the transcript's password.
            sel = 0x02 | 0x20 | (0x40 if neg else 0)
            data = bytes([sel]) + prefixed(chal) + (prefixed(neg) if neg else b"")
            corpus.add("decode", data + base64.b64encode(auth))
        if sealed and auth:
            # session: recorded signatures against the fixed key, ESS+SEAL+SIGN+KEY_EXCH+128.
            ops = b""
            for kind, sig, data, plain in sealed[:6]:
                body = data if kind == "seal" else plain
                ops += bytes([1 if kind == "seal" else 0]) + prefixed(sig + body)
            corpus.add("session", bytes([0x2F, 0x01]) + ops)

    # server, modes 1-3: a real NEGOTIATE then raw tokens / a real AUTHENTICATE
    # of each client profile, unpatched, under a few policies.
    for policy in (0x00, 0x01, 0x0D, 0x21, 0x55, 0x80):
        for profile in range(8):
            corpus.add("server", bytes([policy, 2 | (profile << 2), 0, 0]))
            corpus.add("server", bytes([policy, 1 | (profile << 2)]) + prefixed(b"NTLMSSP\0\x03\0\0\0"))
    # session: every flag scheme with genuine sign/seal (ops 3, 4), forged
    # messages (0, 1, 2) and a re-key (5).
    for flags in (0x00, 0x01, 0x03, 0x05, 0x07, 0x0C, 0x10, 0x2F, 0x6F, 0x27, 0x80):
        for side in (0, 1, 2, 5):
            ops = (bytes([4]) + prefixed(b"hello sealed world") + bytes([3]) + prefixed(b"signed")
                   + bytes([0]) + prefixed(bytes(16) + b"forged") + bytes([4]) + prefixed(b"again")
                   + bytes([5]) + prefixed(b"") + bytes([2]) + prefixed(bytes([3, 4]) + bytes(30))
                   + bytes([1]) + prefixed(bytes(20)))
            corpus.add("session", bytes([flags, side]) + ops)

    total = sum(corpus.count.values())
    for target in sorted(corpus.count):
        print("%-16s %d new seeds" % (target, corpus.count[target]))
    print("fuzz-seeds: %d new files under %s" % (total, os.path.relpath(args.out, ROOT)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
