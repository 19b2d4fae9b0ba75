#!/usr/bin/python3
"""Opens the matrix HTML report in headless Chromium (Debian's chromium).

  check_html.py HARNESS_BIN WORK_DIR

Writes `matrix --deterministic --html`, loads it in headless Chromium with
the fragment #click=<cell id>, which makes the page click that cell through
the same handler a mouse click runs, and reads the DOM after the scripts ran
(--dump-dom): the table must have one cell per variation and policy, the
clicked cell must be selected, and the detail section must show that cell's
exchange as `decode` renders it (NEGOTIATE, CHALLENGE, AUTHENTICATE). Exit 0
when all hold; 77 (skip) outside CI when Chromium is missing.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from html.parser import HTMLParser

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def fail(msg):
    print("check_html: FAIL: " + msg)
    sys.exit(1)


class Dom(HTMLParser):
    """Collects the matrix cells and the detail section's text."""

    def __init__(self):
        super().__init__()
        self.cells = {}
        self.selected = []
        self.detail_open = None
        self.detail_in_view = None
        self.in_detail = 0
        self.detail_text = []
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "td" and "cell" in classes:
            self.cells[a.get("id")] = classes
            if "selected" in classes:
                self.selected.append(a.get("id"))
        if tag == "th" and "row" in classes:
            self.rows += 1
        if tag == "section" and a.get("id") == "detail":
            self.in_detail = 1
            self.detail_open = a.get("data-open")
            self.detail_in_view = a.get("data-in-view")
        elif self.in_detail:
            self.in_detail += 1

    def handle_endtag(self, tag):
        if self.in_detail:
            self.in_detail -= 1

    def handle_data(self, data):
        if self.in_detail:
            self.detail_text.append(data)


def main():
    harness, work = sys.argv[1], sys.argv[2]
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        if CI:
            fail("chromium is not installed (scripts/setup.sh installs it)")
        print("check_html: skip: chromium missing")
        sys.exit(77)
    os.makedirs(work, exist_ok=True)
    page = os.path.join(work, "matrix.html")
    jpath = os.path.join(work, "matrix-for-html.json")
    proc = subprocess.run([harness, "matrix", "--deterministic", "--color", "never", "--html", page,
                           "--json", jpath], capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        fail("matrix exited %d: %s" % (proc.returncode, proc.stderr[-2000:]))
    report = json.load(open(jpath))
    rows, cols = len(report["rows"]), len(report["columns"])
    # A cell in the middle of the table: the windows-modern row under 0x20000030.
    row = next(i for i, r in enumerate(report["rows"]) if r["name"] == "windows-modern")
    col = next(i for i, c in enumerate(report["columns"]) if c["min_server_sec"] == "0x20000030")
    target = "c-%d-%d" % (row, col)
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                              "--no-first-run", "--user-data-dir=" + profile,
                              "--virtual-time-budget=10000", "--dump-dom",
                              "file://" + os.path.abspath(page) + "#click=" + target],
                             capture_output=True, text=True, timeout=180)
    if dom.returncode != 0 or "<table" not in dom.stdout:
        fail("chromium exited %d without a DOM: %s" % (dom.returncode, dom.stderr[-2000:]))
    parsed = Dom()
    parsed.feed(dom.stdout)
    if parsed.rows != rows or len(parsed.cells) != rows * cols:
        fail("rendered %d rows / %d cells, expected %d x %d"
             % (parsed.rows, len(parsed.cells), rows, cols))
    if parsed.selected != [target] or parsed.detail_open != target:
        fail("clicking %s did not open it (selected %s, detail open %s)"
             % (target, parsed.selected, parsed.detail_open))
    if parsed.detail_in_view != "1":
        fail("the opened exchange is out of sight (data-in-view %r): it must show in the window"
             % parsed.detail_in_view)
    text = "".join(parsed.detail_text)
    for needle in ("windows-modern under SC-8", "NEGOTIATE", "CHALLENGE", "AUTHENTICATE",
                   "0x20000030", "observed accept", "logon"):
        if needle not in text:
            fail("the opened exchange lacks %r" % needle)
    colours = {c for classes in parsed.cells.values() for c in classes if c in ("ok", "refused",
                                                                               "diff")}
    if not {"ok", "refused"} <= colours:
        fail("the matrix is not coloured (classes seen: %s)" % sorted(colours))
    print("check_html: ok: %d x %d cells rendered in %s, %s opened its exchange (%d characters)"
          % (rows, cols, os.path.basename(browser), target, len(text)))


if __name__ == "__main__":
    main()
