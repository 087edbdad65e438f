#!/usr/bin/env python3
"""Every public or open type has a doc comment (the house rule; swift-format's
AllPublicDeclarationsHaveDocumentation, which asks it of every public member too, is off).

Usage: check_type_docs.py DIR...   Prints each undocumented type; exits 1 if there is one."""
import pathlib
import re
import sys

DECLARATION = re.compile(r"^\s*(?:@[\w().:, ]+\s+)*(?:public|open)\s+(?:final\s+|indirect\s+)*(struct|enum|class|protocol|actor|typealias)\s+(\w+)")
ATTRIBUTE = re.compile(r"^\s*@\w")

def is_plain_comment(line):
    stripped = line.strip()
    return stripped.startswith("//") and not stripped.startswith("///")

def undocumented(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines):
        match = DECLARATION.match(line)
        if not match:
            continue
        previous = number - 1
        while previous >= 0 and (ATTRIBUTE.match(lines[previous]) or is_plain_comment(lines[previous])):
            previous -= 1
        if previous < 0 or not lines[previous].strip().startswith("///"):
            yield number + 1, match.group(1), match.group(2)

def main(roots):
    missing = []
    for root in roots:
        for path in sorted(pathlib.Path(root).rglob("*.swift")):
            missing += [(path, *found) for found in undocumented(path)]
    for path, line, kind, name in missing:
        print(f"{path}:{line}: public {kind} {name} has no doc comment")
    return 1 if missing else 0

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["Sources"]))
