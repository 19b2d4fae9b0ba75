#!/usr/bin/env python3
"""Turns an ntlmssp-bench JSON run into the Markdown tables of bench/RESULTS.md.

Usage: scripts/bench-report.py RUN.json > tables.md

Reads the median aggregate of each benchmark when the run has repetitions
(--benchmark_repetitions=N), the single result otherwise; every ratio is
between two benchmarks of that same run. Throughputs are Google Benchmark's
bytes_per_second / items_per_second (CPU time)."""
import json
import sys

SIZES = [16, 64, 256, 1024, 4096, 16384, 65536]


def load(path):
    with open(path) as f:
        report = json.load(f)
    medians, cvs, singles = {}, {}, {}
    for b in report["benchmarks"]:
        if b.get("error_occurred"):
            continue
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                medians[name] = b
            elif b.get("aggregate_name") == "cv":
                cvs[name] = b
        else:
            singles.setdefault(name, b)
    results = dict(singles)
    results.update(medians)
    return report, results, cvs


def mbps(r, name):
    b = r.get(name)
    return b["bytes_per_second"] / 1e6 if b and "bytes_per_second" in b else None


def items(r, name):
    b = r.get(name)
    return b["items_per_second"] if b and "items_per_second" in b else None


def ns(r, name):
    b = r.get(name)
    if not b:
        return None
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}[b.get("time_unit", "ns")]
    return b["cpu_time"] * scale


def fmt(v, digits=0):
    return "—" if v is None else f"{v:,.{digits}f}"


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def main():
    report, r, cvs = load(sys.argv[1])
    ctx = report.get("context", {})
    out = []
    out.append(f"Run: {ctx.get('date', '?')}, host {ctx.get('host_name', '?')}, "
               f"{ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
               f"library build {ctx.get('library_build_type', '?')}; "
               f"load average {', '.join(f'{x:.2f}' for x in ctx.get('load_avg', []))}.\n")

    out.append("### Throughput, MB/s (median, CPU time)\n")
    cols = ["BM_Seal", "BM_Unseal", "BM_Sign", "BM_Verify", "BM_SealLimit", "BM_OpenSSLStitched",
            "BM_SealBatch", "BM_GssWrap", "BM_GssUnwrap", "BM_GssGetMic"]
    out.append("| n | " + " | ".join(c[3:] for c in cols) + " |")
    out.append("|---:|" + "---:|" * len(cols))
    for n in SIZES:
        out.append(f"| {n} | " + " | ".join(fmt(mbps(r, f"{c}/{n}"), 1) for c in cols) + " |")

    out.append("\n### Ratios in the same run (messages per second, or bytes per second)\n")
    out.append("| n | Seal / SealLimit | Unseal / SealLimit | Seal / GssWrap | Unseal / GssUnwrap "
               "| Sign / GssGetMic | Seal / OpenSSLStitched | SealBatch / SealLimit |")
    out.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in SIZES:
        row = [
            ratio(items(r, f"BM_Seal/{n}"), items(r, f"BM_SealLimit/{n}")),
            ratio(items(r, f"BM_Unseal/{n}"), items(r, f"BM_SealLimit/{n}")),
            ratio(items(r, f"BM_Seal/{n}"), items(r, f"BM_GssWrap/{n}")),
            ratio(items(r, f"BM_Unseal/{n}"), items(r, f"BM_GssUnwrap/{n}")),
            ratio(items(r, f"BM_Sign/{n}"), items(r, f"BM_GssGetMic/{n}")),
            ratio(mbps(r, f"BM_Seal/{n}"), mbps(r, f"BM_OpenSSLStitched/{n}")),
            ratio(mbps(r, f"BM_SealBatch/{n}"), mbps(r, f"BM_SealLimit/{n}")),
        ]
        out.append(f"| {n} | " + " | ".join(fmt(v, 2) for v in row) + " |")

    out.append("\n### Handshake (server side), µs per handshake (median, CPU time)\n")
    acc, lim, gss = ns(r, "BM_Accept"), ns(r, "BM_AcceptCryptoLimit"), ns(r, "BM_GssAccept")
    out.append("| BM_Accept | BM_AcceptCryptoLimit | BM_GssAccept | Accept / CryptoLimit "
               "| GssAccept / Accept |")
    out.append("|---:|---:|---:|---:|---:|")
    out.append(f"| {fmt(acc and acc / 1e3, 2)} | {fmt(lim and lim / 1e3, 2)} "
               f"| {fmt(gss and gss / 1e3, 1)} | {fmt(ratio(acc, lim), 2)} "
               f"| {fmt(ratio(gss, acc), 1)} |")

    out.append("\n### Targets of issue 6\n")
    out.append("| target | measured | met |")
    out.append("|---|---:|:---:|")

    def target(text, value, ok):
        out.append(f"| {text} | {fmt(value, 2)} | {'yes' if ok else '**no**'} |")

    for op, peer in (("Seal", "GssWrap"), ("Unseal", "GssUnwrap")):
        v = ratio(items(r, f"BM_{op}/64"), items(r, "BM_SealLimit/64"))
        target(f"BM_{op}/64 ≥ 1.0 × BM_SealLimit/64", v, v is not None and v >= 1.0)
        v = ratio(items(r, f"BM_{op}/64"), items(r, f"BM_{peer}/64"))
        target(f"BM_{op}/64 ≥ 15 × BM_{peer}/64", v, v is not None and v >= 15)
    v = ratio(mbps(r, "BM_Seal/16384"), mbps(r, "BM_OpenSSLStitched/16384"))
    target("BM_Seal/16384 ≥ 1.0 × BM_OpenSSLStitched/16384", v, v is not None and v >= 1.0)
    for n in (1024, 16384):
        v = ratio(mbps(r, f"BM_SealBatch/{n}"), mbps(r, f"BM_SealLimit/{n}"))
        target(f"BM_SealBatch/{n} ≥ 2.5 × BM_SealLimit/{n}", v, v is not None and v >= 2.5)
    v = ratio(acc, lim)
    target("BM_Accept ≤ 2 × BM_AcceptCryptoLimit (time ratio)", v, v is not None and v <= 2.0)
    v = ratio(gss, acc)
    target("BM_Accept ≥ 10 × BM_GssAccept (speed ratio)", v, v is not None and v >= 10)

    out.append("\n### The other keying schemes, MB/s at 64 B / 16 KiB\n")
    out.append("| benchmark | 64 | 16384 |")
    out.append("|---|---:|---:|")
    for suffix in ("", "_NoKeyExch", "_56", "_40", "_NoEss", "_SignOnly"):
        for op in ("Seal", "Unseal", "Sign", "Verify"):
            name = f"BM_{op}{suffix}"
            if f"{name}/64" in r:
                out.append(f"| {name} | {fmt(mbps(r, f'{name}/64'), 1)} "
                           f"| {fmt(mbps(r, f'{name}/16384'), 1)} |")

    out.append("\n### Noise: coefficient of variation over the repetitions\n")
    keys = ["BM_Seal/64", "BM_SealLimit/64", "BM_Unseal/64", "BM_GssWrap/64", "BM_Seal/16384",
            "BM_OpenSSLStitched/16384", "BM_SealBatch/16384", "BM_SealLimit/16384", "BM_Accept",
            "BM_AcceptCryptoLimit", "BM_GssAccept"]
    out.append("| benchmark | CV of CPU time |")
    out.append("|---|---:|")
    for k in keys:
        b = cvs.get(k)
        cv = "—" if b is None else f"{100 * b['cpu_time']:.1f} %"
        out.append(f"| {k} | {cv} |")
    print("\n".join(out))


if __name__ == "__main__":
    main()
