#!/usr/bin/python3
"""Assembles scripts/bench-servers.sh's rows (and its ntlmssp-bench run) into
the JSON report (the CPU named by lscpu, cores, commit, load average, tool
versions) and the Markdown section of bench/RESULTS.md: server CPU per logon
of serve, the anchors and the pass-through floor, 1- and 2-thread throughput,
SMB under the load generator against smbd, the crypto rows, and every goal
of issue 16 (and issue 15's SMB goal) marked met or not met with a
reason column left for the person who publishes the run.
Usage: bench-servers-report.py ROWS.jsonl OUT.json --logons N [--commit C]
         [--note TEXT] [--crypto BENCH.json] [--markdown OUT.md]
       bench-servers-report.py --from-json OUT.json [--markdown OUT.md]"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess

# mechanism -> the rows compared: (title, serve's kind, anchor server, anchor's kind, goal ratio)
COMPARED = [
    ("HTTP NTLM (fresh connection, 2 legs)", "http-ntlm", "apache-gss-ntlmssp", "http-ntlm", 10),
    ("HTTP Negotiate (SPNEGO, NTLM only)", "http-negotiate", "apache-gss-ntlmssp", "http-negotiate", 10),
    ("DCE/RPC bind + auth3 + one sealed call", "rpc-echo", "samba-ad-dc", "rpc-samr", 40),
    ("DCE/RPC, packet integrity (one signed call)", "rpc-echo-integrity", "samba-ad-dc",
     "rpc-samr-integrity", 40),
    ("SMB NEGOTIATE + SESSION_SETUP + LOGOFF", "smb", "smbd", "smb", 40),  # issue 15's goal
]
# rows of serve against the pass-through floor (same kind on both)
FLOOR_KINDS = [("HTTP NTLM", "http-ntlm"), ("HTTP Negotiate", "http-negotiate"),
               ("DCE/RPC bind + auth3 (logon only)", "rpc-logon"), ("SMB logon", "smb")]
FLOOR_GOAL_PERCENT = 25
CRYPTO_NAMES = ["BM_Seal/16384", "BM_OpenSSLStitched/16384", "BM_SealBatch/1024",
                "BM_SealLimit/1024", "BM_SealBatch/16384", "BM_SealLimit/16384", "BM_Accept"]
PACKAGES = ["apache2-bin", "libapache2-mod-auth-gssapi", "gss-ntlmssp", "samba", "python3-impacket",
            "python3-ntlm-auth", "openssl", "libbenchmark-dev", "g++"]


def bench_report_module():
    """scripts/bench-report.py (the ntlmssp-bench JSON reader), imported."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bench-report.py")
    spec = importlib.util.spec_from_file_location("bench_report", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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


def tool_versions():
    versions = {"kernel": platform.release(), "python3": platform.python_version()}
    for package in PACKAGES:
        v = command_output("dpkg-query", "-W", "-f=${Version}", package).strip()
        versions[package] = v or "not installed"
    return versions


def measured(row):
    return row is not None and row.get("status") == "measured"


def cell(row):
    if row is None:
        return "not run"
    if not measured(row):
        return f'{row.get("status")}: {row.get("reason", "")}'[:60]
    rounds = row.get("rounds_cpu_us_per_logon") or []
    spread = (f", median of {len(rounds)} rounds: {min(rounds):.0f}-{max(rounds):.0f}"
              if len(rounds) > 1 else "")
    return f'{row["server_cpu_us_per_logon"]:.0f} us ({row["logons"]} logons{spread})'


def median(values):
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def paired_ratio(top, bottom):
    """top / bottom CPU per logon: with rounds on both sides, the median of
    the per-round ratios (each pair measured minutes apart, so a drift of the
    machine cancels); else the ratio of the two figures."""
    a, b = top.get("rounds_cpu_us_per_logon"), bottom.get("rounds_cpu_us_per_logon")
    if a and b and len(a) == len(b) and min(b) > 0:
        return median([x / y for x, y in zip(a, b)])
    return top["server_cpu_us_per_logon"] / bottom["server_cpu_us_per_logon"]


def merge_rounds(rows):
    """One row per (server, kind): a row measured in several rounds becomes
    the median of their CPU per logon, with the logons and wall time summed
    and each round's figure kept; a round that failed makes the row fail."""
    groups = {}
    for r in rows:
        groups.setdefault((r["server"], r["kind"]), []).append(r)
    merged = []
    for group in groups.values():
        failed = [r for r in group if not measured(r)]
        if len(group) == 1 or failed:
            merged.append(dict(failed[0] if failed else group[0]))
            continue
        row = dict(group[0])
        row.pop("round", None)
        cpus = [r["server_cpu_us_per_logon"] for r in group]
        row.update(server_cpu_us_per_logon=median(cpus), rounds_cpu_us_per_logon=cpus,
                   logons=sum(r["logons"] for r in group), wall_s=sum(r["wall_s"] for r in group))
        merged.append(row)
    return merged


def goal(text, value, met):
    """One row of the goals table; `met` None: not measured in this run."""
    verdict = "not measured" if met is None else ("met" if met else "not met")
    return {"goal": text, "value": value, "verdict": verdict}


def cpu_rows(by, goals):
    lines = ["| per logon, server CPU | serve | the server users would pick instead | ratio | goal |",
             "| --- | --- | --- | --- | --- |"]
    for title, serve_kind, anchor, anchor_kind, target in COMPARED:
        ours, theirs = by.get(("serve", serve_kind)), by.get((anchor, anchor_kind))
        ratio = None
        if measured(ours) and measured(theirs) and ours["server_cpu_us_per_logon"] > 0:
            ratio = paired_ratio(theirs, ours)
        text = "" if ratio is None else f"{ratio:.1f}x"
        lines.append(f"| {title} | {cell(ours)} | {anchor}: {cell(theirs)} | {text} | "
                     f'{f">= {target}x" if target else "(none)"} |')
        if target:
            goals.append(goal(f"{title}: anchor / serve >= {target}x", text or "—",
                              None if ratio is None else ratio >= target))
    return lines


def floor_rows(by, goals):
    lines = ["| per logon, server CPU | serve | pass-through floor | NTLM over the floor |",
             "| --- | --- | --- | --- |"]
    for title, kind in FLOOR_KINDS:
        ours, floor = by.get(("serve", kind)), by.get(("floor", kind))
        over = None
        if measured(ours) and measured(floor) and floor["server_cpu_us_per_logon"] > 0:
            over = 100 * (paired_ratio(ours, floor) - 1)
        text = "" if over is None else f"{over:+.0f} %"
        lines.append(f"| {title} | {cell(ours)} | {cell(floor)} | {text} |")
        goals.append(goal(f"{title}: serve at most {FLOOR_GOAL_PERCENT} % over the floor",
                          text or "—", None if over is None else over <= FLOOR_GOAL_PERCENT))
    return lines


def throughput_rows(by, goals):
    lines = ["| `serve --http --threads T`, load generator, 4 connections | logons/s | server CPU per logon | p50 / p99 latency | failures |",
             "| --- | --- | --- | --- | --- |"]
    rates = {}
    for t in (1, 2):
        r = by.get(("serve", f"throughput-http-threads-{t}"))
        if not measured(r):
            lines.append(f"| T = {t} | {cell(r)} | | | |")
            continue
        rates[t] = r["logons_per_s"]
        latency = r.get("latency_ms") or {}
        cpu = r.get("server_cpu_us_per_logon")
        lines.append(f'| T = {t} | {r["logons_per_s"]:.0f} | {"—" if cpu is None else f"{cpu:.0f} us"} | '
                     f'{latency.get("p50", "—")} / {latency.get("p99", "—")} ms | {r["failures"]} |')
    both = 1 in rates and 2 in rates
    goals.append(goal("every core used: 2 threads serve more logons/s than 1",
                      f"{rates[2] / rates[1]:.2f}x" if both and rates[1] else "—",
                      (rates[2] > rates[1]) if both else None))
    return lines


def smb_load_rows(by, goals):
    """serve --smb against smbd under the C++ load generator (part smb-load)."""
    lines = ["| SMB, ntlmssp-net-bench --target smb://, 2 connections | serve | smbd | smbd / serve |",
             "| --- | --- | --- | --- |"]
    rows = {(s, k): by.get((s, k)) for s in ("serve", "smbd")
            for k in ("smb-load-logons", "smb-load-echo")}
    measures = [  # (title, kind, field, unit, smaller is better)
        ("fresh logons per second", "smb-load-logons", "logons_per_s", "/s", False),
        ("server CPU per fresh logon", "smb-load-logons", "server_cpu_us_per_logon", " us", True),
        ("signed ECHOs per second (1000 per logon)", "smb-load-echo", "calls_per_s", "/s", False),
        ("server CPU per signed ECHO (its logon's share included)", "smb-load-echo",
         "server_cpu_us_per_call", " us", True)]
    ratio_of_logon = None
    for title, kind, field, unit, smaller in measures:
        ours, theirs = rows[("serve", kind)], rows[("smbd", kind)]
        values = [r.get(field) if measured(r) else None for r in (ours, theirs)]
        text = [cell(r) if v is None else f"{v:.0f}{unit}" for r, v in zip((ours, theirs), values)]
        ratio = ""
        if None not in values and min(values) > 0:
            r = values[1] / values[0] if smaller else values[0] / values[1]
            ratio = f"{r:.1f}x {'less CPU' if smaller else 'faster'} in serve"
            if field == "server_cpu_us_per_logon":
                ratio_of_logon = values[1] / values[0]
        lines.append(f"| {title} | {text[0]} | {text[1]} | {ratio} |")
    goals.append(goal("SMB logon under the load generator: smbd / serve >= 40x (issue 15)",
                      "—" if ratio_of_logon is None else f"{ratio_of_logon:.1f}x",
                      None if ratio_of_logon is None else ratio_of_logon >= 40))
    return lines


def crypto_rows(crypto, goals):
    if not crypto:
        goals.append(goal("crypto rows in this run", "—", None))
        return ["(no ntlmssp-bench run in this report)"]
    br = bench_report_module()
    _, r, _ = br.load(crypto)
    lines = ["| benchmark (median, CPU time) | MB/s | µs |", "| --- | --- | --- |"]
    for name in CRYPTO_NAMES:
        mb, t = br.mbps(r, name), br.ns(r, name)
        lines.append(f"| {name} | {br.fmt(mb, 1)} | {br.fmt(None if t is None else t / 1000, 2)} |")
    checks = [("BM_Seal/16384 >= 0.95x BM_OpenSSLStitched/16384", "BM_Seal/16384",
               "BM_OpenSSLStitched/16384", 0.95)]
    for n in (1024, 16384):
        checks.append((f"BM_SealBatch/{n} >= 2.5x BM_SealLimit/{n}", f"BM_SealBatch/{n}",
                       f"BM_SealLimit/{n}", 2.5))
    for text, a, b, target in checks:
        v = br.ratio(br.mbps(r, a), br.mbps(r, b))
        goals.append(goal(text, "—" if v is None else f"{v:.2f}x", None if v is None else v >= target))
    return lines


def markdown(report, crypto):
    by = {(r["server"], r["kind"]): r for r in report["servers"]}
    goals = []
    versions = ", ".join(f"{k} {v}" for k, v in report.get("versions", {}).items())
    out = [f'Run: {report["date"]}, {report["cpu"]} ({report["cores"]} cores), load average '
           f'{" / ".join(f"{x:.2f}" for x in report.get("load_averages", [report["load_average"]]))} '
           f'(1/5/15 min, at the end), '
           f'commit {report["commit"]}, {report["logons_requested"]} logons per row'
           f'{" and round, " + str(report["rounds"]) + " rounds alternating the servers" if report.get("rounds", 1) > 1 else ""}'
           f'{", " + report["note"] if report.get("note") else ""}.', "", f"Versions: {versions}.", "",
           "### Server CPU per logon against the anchors", ""]
    out += cpu_rows(by, goals)
    out += ["", "### Against the pass-through floor", ""] + floor_rows(by, goals)
    out += ["", "### 1- and 2-thread throughput (HTTP NTLM, fresh logons)", ""]
    out += throughput_rows(by, goals)
    out += ["", "### SMB under the C++ load generator, against smbd", ""] + smb_load_rows(by, goals)
    out += ["", "### Crypto rows (ntlmssp-bench, same run)", ""] + crypto_rows(crypto, goals)
    out += ["", "### Goals of issues 16 and 15", "", "| goal | this run | verdict | reason (where not met) |",
            "| --- | --- | --- | --- |"]
    out += [f'| {g["goal"]} | {g["value"]} | {g["verdict"]} | |' for g in goals]
    return "\n".join(out) + "\n", goals


def build_report(args):
    with open(args.rows) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return {
        "what": "server CPU per logon (utime+stime of every process and thread of the server, "
                "from /proc, before and after), same client against each server",
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": args.commit,
        "load_average": os.getloadavg()[0],
        "load_averages": list(os.getloadavg()),
        "versions": tool_versions(),
        "logons_requested": args.logons,
        "rounds": args.rounds,
        "note": args.note,
        "servers": merge_rounds(rows),
        "round_rows": rows,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("rows", nargs="?")
    p.add_argument("out", nargs="?")
    p.add_argument("--logons", type=int)
    p.add_argument("--rounds", type=int, default=1, help="rounds of the Python-client rows")
    p.add_argument("--note", default="", help="a label for the run, written into the JSON")
    p.add_argument("--commit", default="unknown", help="the commit measured (git describe --dirty)")
    p.add_argument("--crypto", help="the ntlmssp-bench JSON of this run")
    p.add_argument("--markdown", help="write the RESULTS.md section here (default: OUT with .md)")
    p.add_argument("--from-json", help="an earlier report: only write its Markdown again")
    args = p.parse_args()
    if args.from_json:
        with open(args.from_json) as f:
            report = json.load(f)
        out = args.from_json
    else:
        if not (args.rows and args.out and args.logons):
            p.error("ROWS.jsonl OUT.json --logons N (or --from-json)")
        report = build_report(args)
        if args.crypto:
            with open(args.crypto) as f:
                report["crypto"] = json.load(f)
        out = args.out
    crypto_path = None
    if report.get("crypto"):
        crypto_path = out + ".crypto.tmp"
        with open(crypto_path, "w") as f:
            json.dump(report["crypto"], f)
    try:
        text, goals = markdown(report, crypto_path)
    finally:
        if crypto_path:
            os.unlink(crypto_path)
    report["goals"] = goals
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    if not args.from_json:
        with open(out, "w") as f:
            json.dump(report, f, indent=2)
            f.write("\n")
    md_path = args.markdown or os.path.splitext(out)[0] + ".md"
    with open(md_path, "w") as f:
        f.write(text)
    print(text)
    print(f"JSON: {out}\nMarkdown: {md_path}")


if __name__ == "__main__":
    main()
