#!/usr/bin/python3
"""Checks the matrix and profile reports against their schemas.

  check_reports.py HARNESS_BIN SOURCE_DIR WORK_DIR

Runs `matrix --deterministic` and `profile vectors/transcripts/recorded` with
--json and --junit, validates the JSON against docs/schemas/matrix.schema.json
(python3-jsonschema, Draft 2020-12) and the JUnit XML with a real XML parser
(xml.etree) and against docs/schemas/junit.xsd (xmllint), and cross-checks the
counts between the two reports and the table's closing line. The --html page
of the same run, as written (no browser: tests/scripts/check_html.py runs it in
Chromium): it parses as HTML (xmllint --html), loads nothing from outside
(no src=, no <link>), and its groups, rows, column heads and refusal counts
agree with the JSON (check_html.py's checks). Exit 0 when all hold; 77 (skip)
outside CI when a checker is missing.
"""
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_html  # noqa: E402  the page's parser and checks, shared

CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def fail(msg):
    print("check_reports: FAIL: " + msg)
    sys.exit(1)


def check_page_as_written(name, hpath, report):
    lint = subprocess.run(["xmllint", "--html", "--huge", "--noout", hpath], capture_output=True,
                          text=True, timeout=120)
    # libxml2 parses HTML 4: an HTML5 element is "invalid" to it, nothing else may be.
    errors = [line for line in lint.stderr.splitlines() if "parser error" in line and
              not any("Tag %s invalid" % t in line for t in ("section", "search"))]
    if errors:
        fail("%s HTML does not parse cleanly: %s" % (name, "\n".join(errors[:5])))
    page = open(hpath, encoding="utf-8").read()
    for outside in (" src=", "<link", "@import", "url("):
        if outside in page:
            fail("%s HTML loads something from outside (%r): it must be one file" % (name, outside))
    parsed = check_html.Dom()
    parsed.feed(page)
    check_html.check_heads(name + " HTML", parsed, report)
    check_html.check_table(name + " HTML", parsed, report, "")


def main():
    harness, source, work = sys.argv[1], sys.argv[2], sys.argv[3]
    try:
        import jsonschema  # noqa: F401
    except ImportError:
        if CI:
            fail("python3-jsonschema is not installed (scripts/setup.sh installs it)")
        print("check_reports: skip: python3-jsonschema missing")
        sys.exit(77)
    if not shutil.which("xmllint"):
        if CI:
            fail("xmllint (libxml2-utils) is not installed")
        print("check_reports: skip: xmllint missing")
        sys.exit(77)
    import jsonschema

    os.makedirs(work, exist_ok=True)
    schema = json.load(open(os.path.join(source, "docs/schemas/matrix.schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    xsd = os.path.join(source, "docs/schemas/junit.xsd")

    runs = {
        "matrix": [harness, "matrix", "--deterministic", "--color", "never"],
        "profile": [harness, "profile", os.path.join(source, "vectors/transcripts/recorded"),
                    "--color", "never"],
    }
    for name, cmd in runs.items():
        jpath = os.path.join(work, name + ".json")
        xpath = os.path.join(work, name + ".junit.xml")
        hpath = os.path.join(work, name + ".html")
        proc = subprocess.run(cmd + ["--json", jpath, "--junit", xpath, "--html", hpath],
                              capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            fail("%s exited %d: %s" % (name, proc.returncode, proc.stderr[-2000:]))
        report = json.load(open(jpath))
        errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
        if errors:
            fail("%s JSON does not match the schema: %s at %s"
                 % (name, errors[0].message, list(errors[0].path)))
        # A real XML parser, then the XSD.
        root = ET.parse(xpath).getroot()
        if root.tag != "testsuites":
            fail("%s JUnit root is <%s>" % (name, root.tag))
        lint = subprocess.run(["xmllint", "--noout", "--schema", xsd, xpath],
                              capture_output=True, text=True, timeout=120)
        if lint.returncode != 0:
            fail("%s JUnit does not match junit.xsd: %s" % (name, lint.stderr[-2000:]))
        cases = root.findall("./testsuite/testcase")
        cells = sum(len(r["cells"]) for r in report["rows"])
        if len(cases) != cells or int(root.get("tests")) != cells:
            fail("%s: %d testcases / tests=%s for %d cells"
                 % (name, len(cases), root.get("tests"), cells))
        if report["summary"]["cells"] != cells:
            fail("%s: summary.cells %d != %d" % (name, report["summary"]["cells"], cells))
        if len(report["columns"]) == 0 or any(len(r["cells"]) != len(report["columns"])
                                              for r in report["rows"]):
            fail("%s: every row must have one cell per column" % name)
        if name == "matrix":
            if len(report["columns"]) != 16:
                fail("matrix: %d columns, expected the 16 NtlmMinServerSec combinations"
                     % len(report["columns"]))
            if len(report["rows"]) < 40:
                fail("matrix: %d variations, the catalogue must have at least 40"
                     % len(report["rows"]))
            failures = len(root.findall("./testsuite/testcase/failure"))
            failures += len(root.findall("./testsuite/testcase/error"))
            if failures != report["summary"]["failed"] or int(root.get("failures")) + int(
                    root.get("errors")) != failures:
                fail("matrix: JUnit failures disagree with the JSON summary")
            closing = proc.stdout.strip().splitlines()[-1]
            expected = "%d passed, %d failed" % (report["summary"]["passed"],
                                                  report["summary"]["failed"])
            if closing != expected:
                fail("matrix: closing line %r, JSON says %r" % (closing, expected))
        else:
            if len(report["columns"]) != 96:
                fail("profile: %d columns, expected 16 values x levels 0..5"
                     % len(report["columns"]))
        check_page_as_written(name, hpath, report)
        print("check_reports: %s ok: %d rows x %d columns, JSON, JUnit and HTML valid"
              % (name, len(report["rows"]), len(report["columns"])))


if __name__ == "__main__":
    main()
