#!/usr/bin/env python3
"""Self-test of scripts/check-function-length.py: a 121-line function in a
scratch tree is reported (exit 1) and a 120-line one is not (exit 0); braces in
comments, strings, raw strings and member initializers do not confuse it."""
import os
import subprocess
import sys
import tempfile

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                      "check-function-length.py")


def body(lines):
    # A function whose braces span exactly `lines` lines.
    inner = "\n".join(f"  x += {i};  // }} {{ not a brace" for i in range(lines - 2))
    return f"int F(int x) {{\n{inner}\n}}\n"


def run(tree_text):
    with tempfile.TemporaryDirectory() as root:
        os.makedirs(os.path.join(root, "ssp"))
        with open(os.path.join(root, "ssp", "f.cc"), "w") as f:
            f.write(tree_text)
        r = subprocess.run([sys.executable, SCRIPT, root], capture_output=True, text=True)
        return r.returncode, r.stdout


def main():
    failures = []
    decoys = ('const char* kText = "}}}{";\nconst char* kRaw = R"x( } )x";\n'
              "struct S {\n  S() : a_{1}, b_(2) {\n    a_ += b_;\n  }\n  int a_, b_;\n};\n")
    rc, out = run(decoys + body(120))
    if rc != 0 or "longest 120 lines" not in out:
        failures.append(f"120 lines: rc {rc}, {out!r}")
    rc, out = run(decoys + body(121))
    if rc != 1 or "121 lines (limit 120)" not in out:
        failures.append(f"121 lines: rc {rc}, {out!r}")
    for f in failures:
        print("FAIL:", f)
    print("check_function_length_test:", "failed" if failures else "ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
