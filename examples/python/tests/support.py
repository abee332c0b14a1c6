"""Shared helpers of the Python host's tests (run by CTest: capi.python).

Live tests need the tests' throwaway PostgreSQL: CTest sets IUCORE_FRESH_DB (tests/capi/
fresh_db.sh, which creates a database in the state before 034) and the PG* environment. Outside
CTest they are skipped, unless IUCORE_REQUIRE_LIVE=1 makes a missing server a failure.
"""

import os
import pathlib
import re
import shutil
import subprocess
import unittest

EXAMPLES = pathlib.Path(__file__).resolve().parents[2]
DEFINITION = str(EXAMPLES / "definition" / "iu_core.json")

FROM_EVENT_ARGS = [
    "event_id=6f1f1f1e-0000-4000-8000-000000000001",
    "event_type=template.instance_auto_composed",
    "template_collection_id=6f1f1f1e-0000-4000-8000-000000000002",
    "instance_key_suffix=demo-001",
    "emit_mode=dry_run",
    "actor=operator",
    "note=trial run",
]
ROLLBACK_ARGS = ["actor=operator", "dry_run=true"]

_counter = 0


def live_available():
    return bool(os.environ.get("IUCORE_FRESH_DB"))


def require_live(test):
    """Skips a live test outside CTest; under CTest (IUCORE_REQUIRE_LIVE=1) never skips."""
    if live_available() or os.environ.get("IUCORE_REQUIRE_LIVE") == "1":
        return test
    return unittest.skip("no throwaway PostgreSQL (run under CTest)")(test)


def tool_environment():
    """The environment for the shells and PostgreSQL tools the tests start: ours, without a
    sanitizer runtime in LD_PRELOAD. Under the asan preset CTest preloads ASan (and UBSan) into
    this interpreter, for the instrumented libiucore it loads; the tools are not instrumented,
    and createdb with ASan preloaded hangs at exit (in p11-kit's destructor)."""
    env = dict(os.environ)
    kept = [
        entry
        for entry in env.get("LD_PRELOAD", "").replace(" ", ":").split(":")
        if entry and not re.match(r"lib(asan|ubsan|clang_rt\.asan)\b", os.path.basename(entry))
    ]
    if kept:
        env["LD_PRELOAD"] = ":".join(kept)
    else:
        env.pop("LD_PRELOAD", None)
    return env


def fresh_database(name):
    """A new database in the state before 034; returns its conninfo."""
    global _counter
    _counter += 1
    script = os.environ["IUCORE_FRESH_DB"]
    result = subprocess.run(
        ["bash", script, f"{name}_{os.getpid()}_{_counter}"],
        env=tool_environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def psql(conninfo, sql):
    """One value from a query, through psql (to check what the library wrote)."""
    exe = shutil.which("psql") or "psql"
    result = subprocess.run(
        [exe, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=on", "-d", conninfo, "-c", sql],
        env=tool_environment(),
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()
