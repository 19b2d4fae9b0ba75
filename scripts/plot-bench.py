#!/usr/bin/env python3
"""Plots MB/s against message size from an ntlmssp-bench JSON run as an SVG
(written with the standard library only; no plotting package needed).

Usage: scripts/plot-bench.py RUN.json OUT.svg

Series: our seal and unseal, the batched seal (aggregate of 16 sessions), the
two limits (sequential OpenSSL seal, OpenSSL's stitched RC4-HMAC-MD5) and
gss-ntlmssp's gss_wrap / gss_unwrap. Medians when the run has repetitions."""
import json
import math
import sys

SIZES = [16, 64, 256, 1024, 4096, 16384, 65536]
SERIES = [
    ("BM_Seal", "ours: Seal (stitched)", "#1f77b4", ""),
    ("BM_Unseal", "ours: Unseal (stitched)", "#17becf", "6,3"),
    ("BM_SealBatch", "ours: SealBatch, 16 sessions (aggregate)", "#2ca02c", ""),
    ("BM_SealLimit", "limit: sequential OpenSSL seal", "#7f7f7f", ""),
    ("BM_OpenSSLStitched", "limit: OpenSSL RC4-HMAC-MD5 (stitched)", "#000000", "2,3"),
    ("BM_GssWrap", "gss-ntlmssp: gss_wrap", "#d62728", ""),
    ("BM_GssUnwrap", "gss-ntlmssp: gss_unwrap", "#ff7f0e", "6,3"),
]


def load(path):
    with open(path) as f:
        report = json.load(f)
    values = {}
    for b in report["benchmarks"]:
        if b.get("error_occurred") or "bytes_per_second" not in b:
            continue
        name = b.get("run_name", b["name"])
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                values[name] = b["bytes_per_second"] / 1e6
        else:
            values.setdefault(name, b["bytes_per_second"] / 1e6)
    return values


def main():
    values = load(sys.argv[1])
    width, height = 900, 560
    left, right, top, bottom = 70, 320, 40, 60
    pw, ph = width - left - right, height - top - bottom
    ymax = max([v for k, v in values.items() if k.split("/")[0] in {s[0] for s in SERIES}] + [1])
    ymax = math.ceil(ymax / 100) * 100

    def x(n):
        return left + pw * (math.log2(n) - 4) / (math.log2(SIZES[-1]) - 4)

    def y(v):
        return top + ph * (1 - v / ymax)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="22" font-size="15">NTLM seal throughput against message size '
           f'(MB/s, one core, medians)</text>']
    for i in range(0, 11):
        v = ymax * i / 10
        svg.append(f'<line x1="{left}" y1="{y(v):.1f}" x2="{left + pw}" y2="{y(v):.1f}" '
                   f'stroke="#e0e0e0"/>')
        svg.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.0f}</text>')
    for n in SIZES:
        svg.append(f'<line x1="{x(n):.1f}" y1="{top}" x2="{x(n):.1f}" y2="{top + ph}" '
                   f'stroke="#f0f0f0"/>')
        svg.append(f'<text x="{x(n):.1f}" y="{top + ph + 18}" text-anchor="middle">{n}</text>')
    svg.append(f'<text x="{left + pw / 2}" y="{height - 15}" text-anchor="middle">'
               f'message size, bytes (log scale)</text>')
    svg.append(f'<text x="18" y="{top + ph / 2}" transform="rotate(-90 18 {top + ph / 2})" '
               f'text-anchor="middle">MB/s</text>')
    svg.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" '
               f'stroke="#808080"/>')
    for idx, (name, label, color, dash) in enumerate(SERIES):
        pts = [(x(n), y(values[f"{name}/{n}"])) for n in SIZES if f"{name}/{n}" in values]
        if pts:
            d = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            svg.append(f'<polyline points="{d}" fill="none" stroke="{color}" '
                       f'stroke-width="2"{dash_attr}/>')
            for px, py in pts:
                svg.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"/>')
        ly = top + 10 + idx * 22
        lx = left + pw + 20
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        svg.append(f'<line x1="{lx}" y1="{ly}" x2="{lx + 30}" y2="{ly}" stroke="{color}" '
                   f'stroke-width="2"{dash_attr}/>')
        svg.append(f'<text x="{lx + 38}" y="{ly + 4}">{label}</text>')
    svg.append("</svg>")
    with open(sys.argv[2], "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
