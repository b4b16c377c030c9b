#!/usr/bin/env python3
"""Lint: no lambda with by-value captures inside a co_await expression.

g++ 12 destroys the captures of a lambda temporary created inside a co_await expression twice
(shown by tests/lint/README.md's reproducer: a captured shared_ptr's count goes negative). That
corrupted the heap once already. Capture by reference or `this` only, or declare the lambda as a
named local before the co_await.

Usage: coawait_lambda_captures.py SRC_DIR...   (exit 1 and a list of offences if any)
"""
import pathlib
import re
import sys

LAMBDA = re.compile(r"\[([^\[\]]*)\]\s*(\(|\{|mutable|->)")


def statements_with_co_await(text):
    """Yields (line number, statement text) for each statement containing co_await."""
    for m in re.finditer(r"co_await\b", text):
        start = m.start()
        # The statement ends at the first ';' at bracket depth 0 after co_await.
        depth = 0
        i = start
        while i < len(text):
            c = text[i]
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth < 0:
                    break
            elif c == ";" and depth == 0:
                break
            i += 1
        yield text.count("\n", 0, start) + 1, text[start:i]


def bad_captures(capture_list):
    bad = []
    for item in (c.strip() for c in capture_list.split(",")):
        if not item or item in ("&", "this", "*this") or item.startswith("&"):
            continue
        bad.append(item)
    return bad


def strip_comments_and_strings(text):
    text = re.sub(r"//[^\n]*", lambda m: " " * len(m.group(0)), text)
    text = re.sub(r"/\*.*?\*/", lambda m: re.sub(r"[^\n]", " ", m.group(0)), text, flags=re.S)
    text = re.sub(r'"(\\.|[^"\\\n])*"', lambda m: '"' + " " * (len(m.group(0)) - 2) + '"', text)
    return text


def main(dirs):
    offences = []
    for d in dirs:
        for path in sorted(pathlib.Path(d).rglob("*.[ch]pp")):
            text = strip_comments_and_strings(path.read_text(errors="replace"))
            for line, stmt in statements_with_co_await(text):
                for lam in LAMBDA.finditer(stmt):
                    before = stmt[:lam.start()].rstrip()
                    if before and before[-1] not in "(,={":
                        continue  # an index or a subscript, not a lambda introducer
                    bad = bad_captures(lam.group(1))
                    if bad:
                        offences.append(f"{path}:{line}: lambda captures {', '.join(bad)} by value "
                                        "inside co_await (g++ 12 destroys them twice)")
    for o in offences:
        print(o)
    return 1 if offences else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
