#!/usr/bin/env python3
"""Checks that no function in crypto/, ssp/ or harness/ is longer than 120 lines.

A function's length is counted from the line of its opening brace to the line
of its closing brace (lambdas and local classes count towards the function
that holds them). Comments, string and character literals (raw strings too)
and preprocessor lines are ignored when braces are matched. Usage:
  check-function-length.py [ROOT] [--limit N] [--top K]
Exit 1 when a function is over the limit (each one is listed), else 0.
"""
import os
import re
import sys

LIMIT = 120
DIRS = ("crypto", "ssp", "harness")
NOT_FUNCTION = re.compile(r"\b(namespace|class|struct|union|enum|extern)\b")
CONTROL = re.compile(r"^\s*(if|for|while|switch|catch|do|else|try)\b")


def strip(text):
    """Blanks comments, literals and preprocessor lines, keeping newlines."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c == "#":
            # A preprocessor line, with its backslash continuations.
            while i < n:
                if text[i] == "\n" and text[i - 1] != "\\":
                    break
                out.append("\n" if text[i] == "\n" else " ")
                i += 1
            continue
        if c == "\n":
            at_line_start = True
            out.append(c)
            i += 1
            continue
        if not c.isspace():
            at_line_start = False
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out.append(" ")
                i += 1
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.extend("\n" if ch == "\n" else " " for ch in text[i:end])
            i = end
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            open_paren = text.find("(", i + 2)
            delim = text[i + 2:open_paren]
            end = text.find(")" + delim + '"', open_paren)
            end = n if end < 0 else end + len(delim) + 2
            out.extend("\n" if ch == "\n" else " " for ch in text[i:end])
            i = end
        elif c in "\"'":
            if c == "'" and i > 0 and text[i - 1].isalnum():
                out.append(" ")  # digit separator (1'000)
                i += 1
                continue
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.extend(" " for _ in text[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(text):
    """Yields (first_line, last_line, header) of every outermost function body."""
    code = strip(text)
    stack = []  # (kind, start_line, header)
    header_start = 0
    line = 1
    last_closed_function_at = None  # depth at which a function body just closed
    for i, c in enumerate(code):
        if c == "\n":
            line += 1
        elif c == "{":
            header = code[header_start:i]
            inside = any(kind in ("function", "data") for kind, _, _ in stack)
            if inside:
                kind = "inner"
            else:
                h = " ".join(header.split())
                if (h == "" or h.startswith(",")) and last_closed_function_at == len(stack):
                    kind = "function"  # the body after a member initializer such as x_{y}
                elif NOT_FUNCTION.search(h) and "(" not in h.split("{")[0].split(":")[0]:
                    kind = "scope"
                elif "(" in h and not CONTROL.match(h):
                    kind = "function"
                elif "=" in h or h == "" or h.endswith(","):
                    kind = "data"
                else:
                    kind = "scope"
            stack.append((kind, line, header))
            header_start = i + 1
            last_closed_function_at = None
        elif c == "}":
            if stack:
                kind, start, header = stack.pop()
                last_closed_function_at = len(stack) if kind == "function" else None
                if kind == "function":
                    yield start, line, " ".join(header.split())[-80:]
            header_start = i + 1
        elif c == ";":
            header_start = i + 1
            last_closed_function_at = None


def main(argv):
    root = "."
    limit = LIMIT
    top = 0
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--limit":
            limit = int(args.pop(0))
        elif a == "--top":
            top = int(args.pop(0))
        else:
            root = a
    found = []
    for d in DIRS:
        for dirpath, _, files in os.walk(os.path.join(root, d)):
            for f in sorted(files):
                if not f.endswith((".cc", ".h")):
                    continue
                path = os.path.join(dirpath, f)
                with open(path, encoding="utf-8", errors="replace") as fh:
                    text = fh.read()
                for start, end, header in functions(text):
                    found.append((end - start + 1, os.path.relpath(path, root), start, header))
    found.sort(reverse=True)
    for length, path, start, header in found[:top]:
        print(f"{length:4d} {path}:{start} {header}")
    over = [x for x in found if x[0] > limit]
    for length, path, start, header in over:
        print(f"function-length: {path}:{start}: {length} lines (limit {limit}): {header}")
    if not over:
        longest = found[0] if found else (0, "-", 0, "")
        print(f"function-length: ok ({len(found)} functions, longest {longest[0]} lines at "
              f"{longest[1]}:{longest[2]})")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
