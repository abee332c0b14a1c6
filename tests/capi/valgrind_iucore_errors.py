"""valgrind_iucore_errors.py VALGRIND.xml -- exit 1 when a valgrind error record is iucore's.

Reads valgrind's XML output (--xml=yes --xml-file=...). A record is iucore's when any frame of
any of its stacks (the error's, and the allocation's or free's) is in libiucore (the object file)
or in an iucore function. Of those, a memory error (every kind that is not a leak) or a
definitely lost block fails; possibly lost, indirectly lost and still reachable blocks do not
(the C example and valgrind's own --errors-for-leak-kinds=definite draw the same line). Every
other record (the interpreter's) is counted, by kind, and shown only as a summary.
"""

import collections
import sys
import xml.etree.ElementTree as ET

FAILING_LEAKS = {"Leak_DefinitelyLost"}


def frames(error):
    for stack in error.iter("stack"):
        for frame in stack.iter("frame"):
            yield {child.tag: (child.text or "") for child in frame}


def is_iucore(frame):
    obj = frame.get("obj", "").rsplit("/", 1)[-1]
    return obj.startswith("libiucore") or "iucore" in frame.get("fn", "")


def describe(error):
    kind = error.findtext("kind")
    what = error.findtext("what") or error.findtext("xwhat/text") or ""
    lines = [f"{kind}: {what}"]
    for frame in frames(error):
        where = frame.get("file", "")
        if where:
            where = f" ({where}:{frame.get('line', '?')})"
        obj = frame.get("obj", "").rsplit("/", 1)[-1]
        lines.append(f"    {frame.get('fn', '???')} in {obj}{where}")
    return "\n".join(lines)


def main(path):
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        print(f"FAIL: no complete valgrind XML in {path}: {e}")
        return 1
    ours, others = [], collections.Counter()
    for error in root.iter("error"):
        kind = error.findtext("kind") or "?"
        if any(is_iucore(f) for f in frames(error)):
            if not kind.startswith("Leak_") or kind in FAILING_LEAKS:
                ours.append(error)
            else:
                others[kind + " (through iucore, not failing)"] += 1
        else:
            others[kind] += 1
    states = [state.text for state in root.iter("state")]  # RUNNING, then FINISHED at exit
    if not states or states[-1] != "FINISHED":
        print(f"FAIL: {path} is incomplete: the program did not run to its end under valgrind")
        return 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(others.items())) or "none"
    print(f"valgrind: {len(ours)} records in iucore; other records (not iucore's): {summary}")
    for error in ours:
        print("FAIL: " + describe(error))
    return 1 if ours else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: valgrind_iucore_errors.py VALGRIND.xml")
    sys.exit(main(sys.argv[1]))
