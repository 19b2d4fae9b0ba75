#!/usr/bin/python3
"""Re-records every transcript and re-derives the negative ones.

    /usr/bin/python3 scripts/record/record_all.py --out vectors/transcripts/recorded [--only FAMILY ...]

FAMILY is one of gss, impacket, ntlmauth, samba, curl. Each family runs in
its own process (each profile again in its own process) with a time limit;
only loopback networking is used (curl's HTTP server binds 127.0.0.1).
Recorded files of a family are replaced only when that family's run
succeeded as a whole; derived files (`*-x-*.json`) are always regenerated
from whatever recorded files are in --out afterwards.
"""

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAMILIES = {
    "gss": "gss_client.py",
    "impacket": "impacket_client.py",
    "ntlmauth": "ntlmauth_client.py",
    "samba": "samba_client.py",
    "curl": "curl_client.py",
}
PREFIX = {"gss": "gss-", "impacket": "impacket-", "ntlmauth": "ntlmauth-", "samba": "samba-", "curl": "curl-"}
FAMILY_TIMEOUT_S = 600
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output folder (vectors/transcripts/recorded)")
    ap.add_argument("--only", nargs="*", choices=sorted(FAMILIES), help="record only these families")
    ap.add_argument("--no-derive", action="store_true", help="do not regenerate the derived transcripts")
    ap.add_argument("--probe", action="store_true",
                    help="also run gss_client.py --probe (live gss-ntlmssp verdicts on the negative mutations)")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ, OPENSSL_CONF=os.path.join(HERE, "openssl-legacy.cnf"), PYTHONDONTWRITEBYTECODE="1")
    failed = []
    t0 = time.monotonic()
    for fam in sorted(args.only or FAMILIES):
        stage = tempfile.mkdtemp(prefix="ntlm-record-%s-" % fam)
        started = time.monotonic()
        try:
            rc = subprocess.run([PYTHON, os.path.join(HERE, FAMILIES[fam]), stage], env=env,
                                timeout=FAMILY_TIMEOUT_S).returncode
        except subprocess.TimeoutExpired:
            rc = "timeout"
        files = sorted(glob.glob(os.path.join(stage, "*.json")))
        if rc == 0 and files:
            for old in glob.glob(os.path.join(out, PREFIX[fam] + "*.json")):
                if "-x-" not in os.path.basename(old):
                    os.remove(old)
            for f in files:
                shutil.copy(f, out)
            print("%-9s %2d transcripts in %.1f s" % (fam, len(files), time.monotonic() - started), flush=True)
        else:
            failed.append(fam)
            print("%-9s FAILED (status %s); the previous recordings in %s are kept" % (fam, rc, out), flush=True)
        shutil.rmtree(stage, ignore_errors=True)
    if not args.no_derive:
        for old in glob.glob(os.path.join(out, "*-x-*.json")):
            os.remove(old)
        rc = subprocess.run([PYTHON, os.path.join(HERE, "negatives.py"), out], env=env, timeout=300).returncode
        if rc != 0:
            failed.append("negatives")
        n = len(glob.glob(os.path.join(out, "*-x-*.json")))
        print("derived   %2d transcripts" % n, flush=True)
    if args.probe:
        try:
            subprocess.run([PYTHON, os.path.join(HERE, "gss_client.py"), "--probe"], env=env, timeout=120)
        except subprocess.TimeoutExpired:
            failed.append("probe")
    print("total %.1f s" % (time.monotonic() - t0), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
