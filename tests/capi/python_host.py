"""python_host.py CONNINFO -- a representative Python host of libiucore.so.1, for valgrind.

Run by tests/capi/run_python_valgrind.sh (CTest: capi.python.valgrind) against a fresh database
in the state before 034. It goes through every group of the C ABI from Python, over the ctypes
module (examples/python/iucore) and the operator's command line (cutter_agent dot_commands), the
way a host does: definitions, offline explain, a session, gates, live explain, apply, verify,
status, diff, surface, governed runs (refused, ok, not governed), the rollback guard, snapshot,
promote, prove, and failures of each kind (which must free what they allocated too). Every check
is an assert; the last line printed is "python host: N checks passed" only when all held.
"""

import contextlib
import io
import os
import sys
import tempfile

import iucore
from cutter_agent.iu_core import dot_commands
from tests.support import FROM_EVENT_ARGS  # the record's usage, placeholders filled in

DEFINITION = os.environ["IUCORE_EXAMPLE_DEFINITION"]
FROM_EVENT = "dot_iu_auto_instantiate_from_event"
ROLLBACK = "dot_iu_auto_instantiate_rollback_by_actor"

checks = 0


def check(condition, what):
    global checks
    assert condition, what
    checks += 1


def fails(code, call, *args, **kwargs):
    """The call raises IucoreError with this code."""
    try:
        call(*args, **kwargs)
    except iucore.IucoreError as e:
        check(e.code == code, f"{call.__name__}: expected {code}, got {e.code} {e.message}")
        return e
    raise AssertionError(f"{call.__name__} did not fail")


def cli(*argv):
    """dot_commands.main in this process: (exit code, stdout)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = dot_commands.main(list(argv))
    return code, out.getvalue()


def offline(d):
    check(iucore.version() == iucore.__version__, "version")
    check(d.figures()["catalog_rows"] == 26, "figures")
    check(d.figures("033")["catalog_rows"] == 24, "figures 033")
    check(len(d.catalog()) == 26, "catalog")
    check(FROM_EVENT in d.registry, "registry")
    check("INSERT" in d.render_forward("034")["sql"], "render forward")
    check("DELETE" in d.render_rollback("034")["sql"], "render rollback")
    check(d.render_seed("033")["sql"], "render seed")
    check(len(d.pins()["figures"]) == 2, "pins")
    plan = d.explain(ROLLBACK, ["actor=operator", "dry_run=true"])
    check(plan["mode"] == "dry_run" and plan["decision"] is None, "explain offline")
    with iucore.Definition.from_json(d.to_json(), "copy") as copy:
        check(copy.figures() == d.figures(), "definition from JSON")
    # Failures: each allocates a message (and sometimes a partial result) inside the library.
    fails(iucore.E_INVALID_ARGUMENT, d.explain, FROM_EVENT + "x", FROM_EVENT_ARGS)
    fails(iucore.E_INVALID_ARGUMENT, d.explain, ROLLBACK, ["actor=operator", "dry_rn=true"])
    fails(iucore.E_INVALID_ARGUMENT, d.figures, "999")
    fails(iucore.E_JSON, d.explain, ROLLBACK, '["actor=operator"')
    fails(iucore.E_INVALID_UTF8, d.explain, b"dot_iu_\xed\xa0\x80")
    fails(iucore.E_JSON, iucore.Definition.from_json, '{"format": ', "broken.json")
    fails(iucore.E_DEFINITION, iucore.Definition.from_json, '{"format": "iucore-definition/1"}')
    fails(iucore.E_DEFINITION, iucore.Definition.from_file, "/nonexistent/iu_core.json")
    fails(iucore.E_CONNECTION, iucore.Session, "host=/nonexistent/socket/dir port=1")


def live(d, conninfo):
    with iucore.Session(conninfo) as s:
        check(all(not e["value"] for e in s.gates(d)["evaluated"]), "gates closed")
        plan = s.explain(d, FROM_EVENT, FROM_EVENT_ARGS)
        check(plan["decision"]["allowed"] is False, "explain live refused")
        check(s.apply(d, "034", dry_run=True)["outcome"] == "would_apply", "dry run")
        check(s.apply(d, "034", applied_by="python-host")["outcome"] == "applied", "apply")
        check(s.apply(d, "034")["outcome"] == "already_applied", "apply again")
        check(s.verify(d)["ok"], "verify")
        check(s.status(d)["ledger_exists"], "status")
        check(s.diff(d)["diff"]["equal"], "diff")
        check(s.surface(d)["ok"], "surface")
        run = s.run(d, FROM_EVENT, FROM_EVENT_ARGS, actor="python-host")
        check(run["outcome"] == "refused" and run["run_id"] > 0, "refused run logged")
        check(s.run(d, "dot_iu_collection_list", [])["outcome"] == "ok", "ungated run")
        check(s.run(d, "dot_iu_ping")["outcome"] == "refused", "ungoverned run")
        fails(iucore.E_INVALID_ARGUMENT, s.run, d, "dot_iu_ping", ["x=1"])
        fails(iucore.E_REFUSED, s.rollback, d, "034")  # the run-log guard
        fails(iucore.E_JSON, s.promote, d, "fn_iu_ping", "dot_iu_ping", None)
        with iucore.Definition.from_json(s.snapshot(d), "snapshot") as snapshot:
            check(len(snapshot.catalog()) == 26, "snapshot")
        promoted = s.promote(d, "fn_iu_ping", "dot_iu_ping", "inspect")
        check(promoted["migration"]["id"] == "035", "promote")
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "promoted.json")
            s.promote(d, "fn_iu_ping", "dot_iu_ping", "inspect", write_path=path)
            with iucore.Definition.from_file(path) as written:
                check(written.figures()["version"] == "035", "promoted file")
    closed = iucore.Session(conninfo)
    closed.close()
    fails(iucore.E_BAD_HANDLE, closed.gates, d)


def command_line(conninfo, registry):
    code, out = cli("--db", conninfo, "gates")
    check(code == dot_commands.DONE and "iu_core.composer_enabled" in out, "dot_commands gates")
    code, out = cli("--db", conninfo, "explain", FROM_EVENT, *FROM_EVENT_ARGS)
    check(code == dot_commands.DONE and "REFUSED" in out, "dot_commands explain")
    code, out = cli("--db", conninfo, "--json", "run", FROM_EVENT, *FROM_EVENT_ARGS)
    check(code == dot_commands.REFUSED and '"outcome": "refused"' in out, "dot_commands run")
    code, _ = cli("--db", conninfo, "run", "dot_iu_collection_list", "--actor", "python-host")
    check(code == dot_commands.DONE, "dot_commands run ok")
    code, out = cli("--definition", DEFINITION, "list")
    listed = [line.split()[0] for line in out.splitlines()]
    check(code == dot_commands.DONE and listed == registry, "dot_commands list")
    code, _ = cli("--db", conninfo, "explain", FROM_EVENT + "x")
    check(code == dot_commands.USAGE, "dot_commands unknown command")


def main():
    conninfo = sys.argv[1]
    with iucore.Definition.from_file(DEFINITION) as d:
        offline(d)
        live(d, conninfo)
        command_line(conninfo, d.registry)
        # prove opens its own connections; on a database where 034 is applied and a run holds
        # the rows, it is refused at the rollback step.
        fails(iucore.E_REFUSED, iucore.prove, conninfo, d, "034")
    print(f"python host: {checks} checks passed")


if __name__ == "__main__":
    main()
