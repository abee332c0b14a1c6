#!/usr/bin/env python3
"""One mutant of tests/mutation/mutants: read, checked against a source tree, applied.

A mutant file is

    file: src/engine/lifecycle.cpp
    breaks: what the mutant breaks, in one line
    --- original
    the exact text to replace (one or more lines)
    --- mutant
    its replacement
    --- end

usage: mutant.py describe MUTANT            prints "FILE<TAB>BREAKS"
       mutant.py check MUTANT TREE          exit 0 when the original occurs exactly once in
                                            TREE/FILE; 3 STALE (not found), 4 AMBIGUOUS
       mutant.py apply MUTANT TREE          check, then write the replacement in place
"""

import pathlib
import sys

STALE, AMBIGUOUS, MALFORMED = 3, 4, 5


def parse(path):
    text = pathlib.Path(path).read_text()
    head, sep, rest = text.partition("\n--- original\n")
    original, sep2, rest = rest.partition("\n--- mutant\n")
    replacement, sep3, _ = rest.partition("\n--- end")
    if not (sep and sep2 and sep3):
        raise ValueError(f"{path}: expected --- original / --- mutant / --- end sections")
    fields = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    if not fields.get("file") or not fields.get("breaks"):
        raise ValueError(f"{path}: expected 'file:' and 'breaks:' lines")
    if original == replacement:
        raise ValueError(f"{path}: the replacement equals the original")
    return fields["file"], fields["breaks"], original, replacement


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    verb, mutant = argv[1], argv[2]
    try:
        target, breaks, original, replacement = parse(mutant)
    except (OSError, ValueError) as e:
        print(f"MALFORMED {e}")
        return MALFORMED
    if verb == "describe":
        print(f"{target}\t{breaks}")
        return 0
    path = pathlib.Path(argv[3]) / target
    try:
        source = path.read_text()
    except OSError as e:
        print(f"STALE {target}: {e.strerror}")
        return STALE
    found = source.count(original)
    if found == 0:
        print(f"STALE {target}: the original snippet is no longer there")
        return STALE
    if found > 1:
        print(f"AMBIGUOUS {target}: the original snippet occurs {found} times")
        return AMBIGUOUS
    if verb == "apply":
        path.write_text(source.replace(original, replacement))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
