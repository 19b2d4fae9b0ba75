#!/usr/bin/python3
"""Assembles scripts/bench-servers.sh's rows into the JSON report (the CPU
named by lscpu, cores, commit, load average) and prints the table: server CPU
per logon of each server and, per mechanism, the anchor's cost over serve's.
Usage: bench-servers-report.py ROWS.jsonl OUT.json --logons N [--commit C] [--note TEXT]"""
import argparse
import datetime
import json
import os
import subprocess

# mechanism -> the rows compared: (serve's kind, anchor server, anchor's kind)
COMPARED = [
    ("HTTP NTLM (fresh connection, 2 legs)", "http-ntlm", "apache-gss-ntlmssp", "http-ntlm"),
    ("HTTP Negotiate (SPNEGO, NTLM only)", "http-negotiate", "apache-gss-ntlmssp", "http-negotiate"),
    ("DCE/RPC bind + auth3 + one sealed call", "rpc-echo", "samba-ad-dc", "rpc-samr"),
    ("SMB NEGOTIATE + SESSION_SETUP", "smb", "smbd", "smb"),
]


def command_output(*argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cpu_model():
    for line in command_output("lscpu").splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def cell(row):
    if row is None:
        return "not run"
    if row.get("status") != "measured":
        return f'{row.get("status")}: {row.get("reason", "")}'[:60]
    return f'{row["server_cpu_us_per_logon"]:.0f} us ({row["logons"]} logons)'


def table(rows):
    by = {(r["server"], r["kind"]): r for r in rows}
    lines = ["| per logon, server CPU | serve | the server users would pick instead | ratio |",
             "| --- | --- | --- | --- |"]
    for title, serve_kind, anchor, anchor_kind in COMPARED:
        ours, theirs = by.get(("serve", serve_kind)), by.get((anchor, anchor_kind))
        ratio = ""
        if ours and theirs and ours.get("status") == theirs.get("status") == "measured" \
                and ours["server_cpu_us_per_logon"] > 0:
            ratio = f'{theirs["server_cpu_us_per_logon"] / ours["server_cpu_us_per_logon"]:.1f}x'
        lines.append(f"| {title} | {cell(ours)} | {anchor}: {cell(theirs)} | {ratio} |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rows")
    p.add_argument("out")
    p.add_argument("--logons", type=int, required=True)
    p.add_argument("--note", default="", help="a label for the run, written into the JSON")
    p.add_argument("--commit", default="unknown", help="the commit measured (git describe --dirty)")
    args = p.parse_args()
    with open(args.rows) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    report = {
        "what": "server CPU per logon (utime+stime of every process and thread of the server, "
                "from /proc, before and after), same client against each server",
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": args.commit,
        "load_average": os.getloadavg()[0],
        "logons_requested": args.logons,
        "note": args.note,
        "servers": rows,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")
    print(f'CPU: {report["cpu"]} ({report["cores"]} cores), load average {report["load_average"]:.2f}, '
          f'commit {report["commit"]}')
    print(table(rows))
    print(f"JSON: {args.out}")


if __name__ == "__main__":
    main()
