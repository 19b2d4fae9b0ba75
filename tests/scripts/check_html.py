#!/usr/bin/python3
"""Opens the matrix and profile HTML reports in headless Chromium (Debian's chromium).

  check_html.py HARNESS_BIN SOURCE_DIR WORK_DIR

Writes `matrix --deterministic --html` (twice: the bytes must not change) and
`profile --html` of the shared sample transcripts (SOURCE_DIR/vectors/
transcripts/*.json), each with --json, loads each page in headless Chromium
and reads the DOM after the page's scripts ran (--dump-dom). The page's
fragment drives the same handlers a person does: #click=<cell id> clicks a
cell, #filter=TEXT types TEXT into the filter box. Checked against the JSON
report of the same run (never against numbers written here):
  - one row per variation/transcript and one cell per policy column;
  - the rows grouped by the JSON rows' "group" (the baseline, or the
    recording's client), each group's header naming it with its row count;
  - per group and for the whole table, the refusals in each column equal the
    JSON cells whose result is "reject" (or carry a harness error);
  - column heads carry the hex value and the preset name; every cell is
    keyboard-focusable (tabindex 0) and the filter box has a label;
  - the clicked cell is selected, its exchange opens in sight and the cell
    stays in sight above it (also the table's last cell, far below);
  - typing a filter hides exactly the rows whose name, deviation, description
    and statuses lack the text, hides emptied groups, and recounts groups,
    totals and the "shown" figure over the rows left.
Exit 0 when all hold; 77 (skip) outside CI when Chromium is missing.
"""
import glob
import json
import os
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
    """The table's groups, rows, counts and cells, and the detail section."""

    def __init__(self):
        super().__init__()
        self.cells = {}
        self.selected = []
        self.detail_open = None
        self.detail_in_view = None
        self.cell_in_view = None
        self.in_detail = 0
        self.detail_text = []
        self.groups = []  # {"name", "head_hidden", "n", "counts", "rows"}
        self.totals = {"n": None, "counts": []}
        self.heads = []
        self.shown = None
        self.target = None  # the list a <td class="count"> appends to
        self.text_into = None  # (dict, key) the next text goes to
        self.row = None
        self.in_head = False
        self.unfocusable = []  # cells a keyboard cannot reach (no tabindex="0")
        self.filter_labelled = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "tbody" and "group" in classes:
            self.groups.append({"name": a.get("data-group"), "rows": [], "counts": []})
        elif tag == "tr" and "group-head" in classes:
            self.groups[-1]["head_hidden"] = "hidden" in a
            self.target = self.groups[-1]["counts"]
        elif tag == "tr" and "totals" in classes:
            self.target = self.totals["counts"]
        elif tag == "tr" and "item" in classes:
            self.row = {"hidden": "hidden" in a, "text": a.get("data-text"), "cells": []}
            self.groups[-1]["rows"].append(self.row)
            self.target = None
        elif tag == "thead":
            self.in_head = True
        elif tag == "th" and self.in_head and a.get("title"):
            self.heads.append("")
            self.text_into = ("heads", len(self.heads) - 1)
        elif tag == "th" and "row" in classes and self.row is not None:
            self.text_into = ("row", "name")
        elif tag == "span" and "n" in classes and self.target is not None:
            owner = self.totals if self.target is self.totals["counts"] else self.groups[-1]
            self.text_into = (owner, "n")
        elif tag == "span" and a.get("id") == "shown":
            self.text_into = ("shown", None)
        elif tag == "td" and "count" in classes and self.target is not None:
            self.text_into = ("count", None)
        elif tag == "td" and "cell" in classes:
            self.cells[a.get("id")] = classes
            if a.get("tabindex") != "0":
                self.unfocusable.append(a.get("id"))
            self.row["cells"].append(a.get("id"))
            if "selected" in classes:
                self.selected.append(a.get("id"))
        if tag == "label" and a.get("for") == "filter":
            self.filter_labelled = True
        if tag == "section" and a.get("id") == "detail":
            self.in_detail = 1
            self.detail_open = a.get("data-open")
            self.detail_in_view = a.get("data-in-view")
            self.cell_in_view = a.get("data-cell-in-view")
        elif self.in_detail:
            self.in_detail += 1

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head = False
        if tag == "th" and self.text_into and self.text_into[0] == "heads":
            self.text_into = None
        if self.in_detail:
            self.in_detail -= 1

    def handle_data(self, data):
        if self.in_detail:
            self.detail_text.append(data)
        into, self.text_into = self.text_into, None
        if into is None:
            return
        kind, key = into
        if kind == "heads":
            self.heads[key] += data + " "
            self.text_into = into  # the head's spans follow
        elif kind == "row":
            self.row["name"] = data
        elif kind == "shown":
            self.shown = int(data)
        elif kind == "count":
            self.target.append(int(data))
        else:
            kind[key] = int(data)


def refused(cell):
    return cell["observed"]["result"] == "reject" or "harness_error" in cell


def row_text(row):
    """What the filter box matches, from the JSON row: name, deviation,
    description and every cell's status name."""
    statuses = {c["observed"]["status"] for c in row["cells"]}
    return " ".join([row["name"], row.get("deviation", ""), row["description"]] +
                    sorted(statuses)).lower()


def refusal_counts(rows, columns):
    return [sum(1 for r in rows if refused(r["cells"][i])) for i in range(columns)]


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(cmd[:2]), proc.returncode, proc.stderr[-2000:]))


def load(browser, page, fragment):
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                              "--no-first-run", "--user-data-dir=" + profile,
                              "--virtual-time-budget=10000", "--dump-dom",
                              "file://" + os.path.abspath(page) + "#" + fragment],
                             capture_output=True, text=True, timeout=180)
    if dom.returncode != 0 or "<table" not in dom.stdout:
        fail("chromium exited %d without a DOM: %s" % (dom.returncode, dom.stderr[-2000:]))
    parsed = Dom()
    parsed.feed(dom.stdout)
    return parsed


def check_table(what, parsed, report, query):
    """Groups, rows and counts of `parsed` against the JSON report, the rows
    whose text lacks `query` hidden. Returns (rows shown, rows hidden)."""
    cols = len(report["columns"])
    by_name = {r["name"]: r for r in report["rows"]}
    if parsed.unfocusable or not parsed.filter_labelled:
        fail("%s: keyboard: cells without tabindex=0 %s, filter box labelled %s"
             % (what, parsed.unfocusable[:5], parsed.filter_labelled))
    groups = []
    for r in report["rows"]:
        if r["group"] not in groups:
            groups.append(r["group"])
    if [g["name"] for g in parsed.groups] != groups:
        fail("%s: groups %s, the JSON rows' groups are %s"
             % (what, [g["name"] for g in parsed.groups], groups))
    if len(parsed.cells) != len(report["rows"]) * cols:
        fail("%s: %d cells, expected %d x %d" % (what, len(parsed.cells), len(report["rows"]), cols))
    all_shown = []
    for g in parsed.groups:
        expected_rows = [r["name"] for r in report["rows"] if r["group"] == g["name"]]
        if [r["name"] for r in g["rows"]] != expected_rows:
            fail("%s: group %s holds %s, expected %s"
                 % (what, g["name"], [r["name"] for r in g["rows"]], expected_rows))
        shown = []
        for r in g["rows"]:
            match = query.lower() in row_text(by_name[r["name"]])
            if r["hidden"] == match:
                fail("%s: filter %r: row %s is %s" % (what, query, r["name"],
                                                     "hidden" if match else "shown"))
            if match:
                shown.append(by_name[r["name"]])
        if g["n"] != len(shown) or g["head_hidden"] != (not shown):
            fail("%s: filter %r: group %s says %s rows (header hidden %s), %d shown"
                 % (what, query, g["name"], g["n"], g["head_hidden"], len(shown)))
        if g["counts"] != refusal_counts(shown, cols):
            fail("%s: filter %r: group %s refusals %s, the JSON gives %s"
                 % (what, query, g["name"], g["counts"], refusal_counts(shown, cols)))
        all_shown += shown
    if parsed.totals["counts"] != refusal_counts(all_shown, cols):
        fail("%s: filter %r: total refusals %s, the JSON gives %s"
             % (what, query, parsed.totals["counts"], refusal_counts(all_shown, cols)))
    if parsed.totals["n"] != len(all_shown) or parsed.shown != len(all_shown):
        fail("%s: filter %r: totals say %s rows, the filter line %s, %d shown"
             % (what, query, parsed.totals["n"], parsed.shown, len(all_shown)))
    return len(all_shown), len(report["rows"]) - len(all_shown)


def check_heads(what, parsed, report):
    if len(parsed.heads) != len(report["columns"]):
        fail("%s: %d column heads, expected %d" % (what, len(parsed.heads), len(report["columns"])))
    for head, c in zip(parsed.heads, report["columns"]):
        words = head.split()
        if c["label"] not in words or c["min_server_sec"] not in words or \
                (c["preset"] and c["preset"] not in words):
            fail("%s: column head %r lacks %s / %s / preset %s"
                 % (what, head, c["label"], c["min_server_sec"], c["preset"]))


def check_click(what, parsed, target, needles):
    if parsed.selected != [target] or parsed.detail_open != target:
        fail("%s: clicking %s did not open it (selected %s, detail open %s)"
             % (what, target, parsed.selected, parsed.detail_open))
    if parsed.detail_in_view != "1" or parsed.cell_in_view != "1":
        fail("%s: %s: the opened exchange (data-in-view %r) or the cell above it (data-cell-in-view"
             " %r) is out of sight: both must show in the window"
             % (what, target, parsed.detail_in_view, parsed.cell_in_view))
    text = "".join(parsed.detail_text)
    for needle in needles:
        if needle not in text:
            fail("%s: the opened exchange lacks %r" % (what, needle))
    colours = {c for classes in parsed.cells.values() for c in classes
               if c in ("ok", "refused", "diff")}
    if not {"ok", "refused"} <= colours:
        fail("%s: the table is not coloured (classes seen: %s)" % (what, sorted(colours)))
    return len(text)


def check_page(what, browser, page, report, target, needles, query):
    parsed = load(browser, page, "click=" + target)
    check_heads(what, parsed, report)
    check_table(what, parsed, report, "")
    chars = check_click(what, parsed, target, needles)
    # The last cell of the table: far below the first screen, it must be
    # scrolled into sight above the panel.
    last = "c-%d-%d" % (len(report["rows"]) - 1, len(report["columns"]) - 1)
    check_click(what, load(browser, page, "click=" + last), last, (report["rows"][-1]["name"],))
    filtered = load(browser, page, "filter=%s&click=%s" % (query, target))
    shown, hidden = check_table(what, filtered, report, query)
    if not shown or not hidden:
        fail("%s: filter %r must hide some rows and keep some (%d shown, %d hidden)"
             % (what, query, shown, hidden))
    print("check_html: ok: %s: %d rows in %d groups x %d columns; %s opened its exchange (%d "
          "characters); filter %r kept %d rows, counts match the JSON"
          % (what, len(report["rows"]), len(parsed.groups), len(report["columns"]), target, chars,
             query, shown))


def main():
    harness, source, work = sys.argv[1], sys.argv[2], sys.argv[3]
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        if CI:
            fail("chromium is not installed (scripts/setup.sh installs it)")
        print("check_html: skip: chromium missing")
        sys.exit(77)
    os.makedirs(work, exist_ok=True)
    page = os.path.join(work, "matrix.html")
    jpath = os.path.join(work, "matrix-for-html.json")
    run([harness, "matrix", "--deterministic", "--color", "never", "--html", page, "--json", jpath])
    again = os.path.join(work, "matrix-again.html")
    run([harness, "matrix", "--deterministic", "--color", "never", "--html", again])
    if open(page, "rb").read() != open(again, "rb").read():
        fail("matrix --deterministic --html wrote different bytes on a second run")
    report = json.load(open(jpath))
    # A cell in the middle of the table: the windows-modern row under 0x20000030.
    row = next(i for i, r in enumerate(report["rows"]) if r["name"] == "windows-modern")
    col = next(i for i, c in enumerate(report["columns"]) if c["min_server_sec"] == "0x20000030")
    check_page("matrix", browser, page, report, "c-%d-%d" % (row, col),
               ("windows-modern under SC-8", "NEGOTIATE", "CHALLENGE", "AUTHENTICATE",
                "0x20000030", "observed accept", "logon"), "skew")

    samples = sorted(glob.glob(os.path.join(source, "vectors", "transcripts", "*.json")))
    ppage = os.path.join(work, "profile.html")
    ppath = os.path.join(work, "profile-for-html.json")
    run([harness, "profile"] + samples + ["--color", "never", "--html", ppage, "--json", ppath])
    preport = json.load(open(ppath))
    check_page("profile", browser, ppage, preport, "c-0-0",
               (preport["rows"][0]["name"] + " under", "NEGOTIATE", "AUTHENTICATE"), "impacket")


if __name__ == "__main__":
    main()
