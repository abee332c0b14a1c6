"""The iucore ctypes module against libiucore.so.1 (and the throwaway PostgreSQL)."""

import ctypes
import json
import os
import pathlib
import re
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

import iucore

from tests.support import (
    DEFINITION,
    EXAMPLES,
    FROM_EVENT_ARGS,
    ROLLBACK_ARGS,
    fresh_database,
    psql,
    require_live,
)


class LibraryTest(unittest.TestCase):
    def test_version_matches_module_and_project(self):
        self.assertEqual(iucore.version(), iucore.__version__)
        self.assertEqual(iucore.abi_version(), iucore.ABI_VERSION)
        expected = os.environ.get("IUCORE_PROJECT_VERSION")
        if expected:
            self.assertEqual(iucore.__version__, expected, "bump iucore.__version__ too")

    def test_library_comes_from_IUCORE_LIBRARY(self):
        lib = iucore.load_library()
        if os.environ.get("IUCORE_LIBRARY"):
            expected = pathlib.Path(os.environ["IUCORE_LIBRARY"]).resolve()
            self.assertEqual(pathlib.Path(lib._name).resolve(), expected)

    def test_every_function_has_a_prototype(self):
        lib = iucore.load_library()
        for name in iucore._PROTOTYPES:
            fn = getattr(lib, name)
            self.assertIsNotNone(fn.argtypes, name)

    def test_prototypes_cover_the_header(self):
        header = EXAMPLES.parent / "capi" / "iucore.h"
        if not header.exists():
            self.skipTest("not in the source tree")
        text = " ".join(header.read_text().split())
        declared = set(re.findall(r"IUCORE_API [^;(]*?\b(iucore_\w+)\s*\(", text))
        self.assertEqual(declared, set(iucore._PROTOTYPES))
        # The argument count of each prototype matches the header's declaration.
        for name in declared:
            declaration = r"IUCORE_API [^;(]*?\b" + name + r"\s*\(([^)]*)\)"
            params = re.search(declaration, text).group(1).strip()
            count = 0 if params in ("", "void") else params.count(",") + 1
            self.assertEqual(len(iucore._PROTOTYPES[name][1]), count, name)

    def test_version_mismatch_is_refused(self):
        saved = iucore.__version__
        try:
            iucore.__version__ = "0.0.1"
            with self.assertRaises(iucore.LibraryError) as caught:
                iucore.load_library(force=True)
            self.assertIsNone(caught.exception.code)
            self.assertIn("needs iucore 0.0.1", caught.exception.message)
        finally:
            iucore.__version__ = saved
            iucore.load_library(force=True)

    def test_abi_mismatch_is_refused(self):
        saved = iucore.ABI_VERSION
        try:
            iucore.ABI_VERSION = saved + 1
            with self.assertRaises(iucore.LibraryError) as caught:
                iucore.load_library(force=True)
            self.assertIn(f"(ABI {saved + 1})", caught.exception.message)
        finally:
            iucore.ABI_VERSION = saved
            iucore.load_library(force=True)

    def test_missing_library_is_an_error(self):
        with self.assertRaises(iucore.LibraryError):
            iucore.load_library(path="/nonexistent/libiucore.so.1")
        iucore.load_library(force=True)


class DefinitionTest(unittest.TestCase):
    def setUp(self):
        self.definition = iucore.Definition.from_file(DEFINITION)

    def tearDown(self):
        self.definition.close()

    def test_figures_are_those_of_the_catalog_and_registry(self):
        # The record's own figures are pinned once, in test_record.py.
        definition = self.definition.to_json()
        self.assertEqual(self.definition.figures()["version"], definition["migrations"][-1]["id"])
        # An entry is registered from its "since" migration (else the baseline) on.
        versions = [definition["baseline"]["version"]] + [m["id"] for m in definition["migrations"]]
        for version in ("033", None):
            with self.subTest(version=version):
                at = versions.index(version or versions[-1])
                registry = [
                    e["command"]
                    for e in definition["registry"]
                    if versions.index(e.get("since", versions[0])) <= at
                ]
                figures = self.definition.figures(version)
                catalog = self.definition.catalog(version)
                names = {row["command_name"] for row in catalog}
                targets = {fn for row in catalog for fn in row["target_functions"]}
                self.assertEqual(figures["catalog_rows"], len(catalog))
                self.assertEqual(figures["distinct_targets"], len(targets))
                self.assertEqual(figures["governed_commands"], len([c for c in registry if c in names]))
                self.assertEqual(figures["registry_entries"], len(registry))
                surface = dict(figures["surface"])
                self.assertEqual(surface.pop("total"), sum(surface.values()))

    def test_registry_and_catalog(self):
        definition = self.definition.to_json()
        self.assertEqual(self.definition.registry, [e["command"] for e in definition["registry"]])
        baseline = [row["command_name"] for row in definition["baseline"]["catalog"]]
        before = [row["command_name"] for row in self.definition.catalog("033")]
        self.assertEqual(before, baseline)
        added = [row["command_name"] for m in definition["migrations"] for row in m["adds"]]
        latest = [row["command_name"] for row in self.definition.catalog()]
        self.assertEqual(latest, baseline + added)

    def test_load_from_json_round_trips(self):
        text = json.dumps(self.definition.to_json())
        with iucore.Definition.from_json(text, "copy.json") as copy:
            self.assertEqual(copy.to_json(), self.definition.to_json())

    def test_render(self):
        forward = self.definition.render_forward("034")
        self.assertEqual(forward["file"], "034_auto_instantiate_dot_registration.sql")
        self.assertIn("ON CONFLICT", forward["sql"])
        self.assertIn("command_name", self.definition.render_rollback("034")["sql"])
        latest, before = self.definition.render_seed(), self.definition.render_seed("033")
        self.assertNotEqual(latest["sql"], before["sql"])

    def test_pins(self):
        report = self.definition.pins()
        self.assertEqual([f["version"] for f in report["figures"]], ["033", "034"])

    def test_explain_offline_the_records_usage(self):
        plan = self.definition.explain("dot_iu_auto_instantiate_from_event", FROM_EVENT_ARGS)
        self.assertTrue(plan["governed"])
        self.assertEqual(plan["mode"], "dry_run")
        self.assertIsNone(plan["decision"])
        self.assertEqual([g["config"] for g in plan["gates"]], ["iu_core.composer_enabled"])
        plan = self.definition.explain("dot_iu_auto_instantiate_rollback_by_actor", ROLLBACK_ARGS)
        self.assertEqual(plan["mode"], "dry_run")
        self.assertIn("gates not evaluated", plan["verdict"])

    def test_unknown_command_names_the_nearest(self):
        with self.assertRaises(iucore.IucoreError) as caught:
            self.definition.explain("dot_iu_auto_instantiate_from_evnt", FROM_EVENT_ARGS)
        self.assertEqual(caught.exception.code, iucore.E_INVALID_ARGUMENT)
        self.assertIn('did you mean "dot_iu_auto_instantiate_from_event"', caught.exception.message)

    def test_shared_between_threads(self):
        results = []

        def work():
            for _ in range(20):
                results.append(self.definition.explain("dot_iu_ping")["governed"])

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results, [False] * 80)


class ErrorTest(unittest.TestCase):
    """Bad input reaches the library and comes back as IucoreError with the right code."""

    def test_malformed_json_definition(self):
        with self.assertRaises(iucore.IucoreError) as caught:
            iucore.Definition.from_json('{"format": ', "broken.json")
        self.assertEqual(caught.exception.code, iucore.E_JSON)
        self.assertIn("broken.json", caught.exception.message)

    def test_invalid_definition(self):
        with self.assertRaises(iucore.IucoreError) as caught:
            iucore.Definition.from_json({"format": "iucore-definition/1"})
        self.assertEqual(caught.exception.code, iucore.E_DEFINITION)

    def test_malformed_args_json(self):
        with iucore.Definition.from_file(DEFINITION) as d:
            with self.assertRaises(iucore.IucoreError) as caught:
                d.explain("dot_iu_auto_instantiate_rollback_by_actor", '["actor=operator"')
            self.assertEqual(caught.exception.code, iucore.E_JSON)
            with self.assertRaises(iucore.IucoreError) as caught:
                d.explain("dot_iu_auto_instantiate_rollback_by_actor", '{"actor": "x"}')
            self.assertEqual(caught.exception.code, iucore.E_JSON)

    def test_invalid_utf8(self):
        with iucore.Definition.from_file(DEFINITION) as d:
            with self.assertRaises(iucore.IucoreError) as caught:
                d.explain(b"dot_iu_\xff", [])
            self.assertEqual(caught.exception.code, iucore.E_INVALID_UTF8)
            with self.assertRaises(iucore.IucoreError) as caught:
                d.explain("dot_iu_ping_\ud800", [])  # a lone surrogate, passed through as bytes
            self.assertEqual(caught.exception.code, iucore.E_INVALID_UTF8)
        with self.assertRaises(iucore.IucoreError) as caught:
            iucore.Definition.from_file(b"/tmp/\xc0\xafiu_core.json")
        self.assertEqual(caught.exception.code, iucore.E_INVALID_UTF8)

    def test_closed_handle(self):
        d = iucore.Definition.from_file(DEFINITION)
        d.close()
        self.assertIsNone(d.handle)
        with self.assertRaises(iucore.IucoreError) as caught:
            d.figures()
        self.assertEqual(caught.exception.code, iucore.E_BAD_HANDLE)
        d.close()  # closing twice is harmless

    def test_wrong_kind_of_handle(self):
        lib = iucore.load_library()
        with iucore.Definition.from_file(DEFINITION) as d:
            out = ctypes.c_void_p()
            # The definition handle where the session handle goes.
            status = lib.iucore_gates(ctypes.byref(out), d.handle, d.handle)
            self.assertEqual(status, iucore.E_BAD_HANDLE)
            self.assertEqual(lib.iucore_last_error_code(), iucore.E_BAD_HANDLE)
            self.assertIn(b"session", lib.iucore_last_error_message())
            self.assertIsNone(out.value)

    def test_null_pointer(self):
        lib = iucore.load_library()
        with iucore.Definition.from_file(DEFINITION) as d:
            self.assertEqual(lib.iucore_figures(None, d.handle, None), iucore.E_NULL_POINTER)
            out = ctypes.c_void_p()
            status = lib.iucore_render_forward(ctypes.byref(out), d.handle, None)
            self.assertEqual(status, iucore.E_NULL_POINTER)

    def test_missing_file(self):
        with self.assertRaises(iucore.IucoreError) as caught:
            iucore.Definition.from_file("/nonexistent/iu_core.json")
        self.assertEqual(caught.exception.code, iucore.E_DEFINITION)

    def test_connection_failure(self):
        with self.assertRaises(iucore.DatabaseConnectionError) as caught:
            iucore.Session("host=/nonexistent/socket/dir port=1 connect_timeout=2")
        self.assertEqual(caught.exception.code, iucore.E_CONNECTION)

    def test_typed_errors_carry_code_name_and_path(self):
        with iucore.Definition.from_file(DEFINITION) as d:
            with self.assertRaises(iucore.InvalidArgumentError) as caught:
                d.figures("999")
            self.assertEqual(caught.exception.code, iucore.E_INVALID_ARGUMENT)
            self.assertIsNone(caught.exception.sqlstate)
            self.assertIsNone(caught.exception.path)
            with self.assertRaises(iucore.JsonError) as caught:
                d.explain("dot_iu_ping", '["a=1", 2]')
            self.assertEqual(caught.exception.path, "args_json[1]")
            self.assertIsInstance(caught.exception, iucore.IucoreError)
        for code, cls in [
            (iucore.E_REFUSED, iucore.RefusedError),
            (iucore.E_CHECK_FAILED, iucore.CheckFailedError),
            (iucore.E_DRIFT, iucore.DriftError),
            (iucore.E_DATABASE, iucore.DatabaseError),
            (iucore.E_IO, iucore.FileError),
        ]:
            self.assertIs(iucore.IucoreError.for_code(code), cls)
            expected = "IUCORE_E_" + iucore.ERROR_NAMES[code].upper()
            self.assertEqual(iucore.status_name(code), expected)
        self.assertEqual(iucore.status_name(0), "IUCORE_OK")

    def test_long_inputs_are_cut_in_messages(self):
        huge = "v" * (1 << 20)
        with iucore.Definition.from_file(DEFINITION) as d:
            with self.assertRaises(iucore.InvalidArgumentError) as caught:
                d.figures(huge)
        self.assertLess(len(caught.exception.message), 1000)
        self.assertIn(f"({len(huge)} bytes in all)", caught.exception.message)


@require_live
class LiveTest(unittest.TestCase):
    def setUp(self):
        self.conninfo = fresh_database("py_live")
        self.definition = iucore.Definition.from_file(DEFINITION)
        self.session = iucore.Session(self.conninfo)

    def tearDown(self):
        self.session.close()
        self.definition.close()

    def test_gates_both_configs_false(self):
        report = self.session.gates(self.definition)
        evaluated = {e["key"]: e["value"] for e in report["evaluated"]}
        self.assertEqual(
            evaluated,
            {"iu_core.composer_enabled": False, "iu_core.auto_instantiate_enabled": False},
        )
        self.assertTrue(all(not g["open"] for g in report["gates"]))

    def test_explain_live_refused(self):
        command = "dot_iu_auto_instantiate_from_event"
        plan = self.session.explain(self.definition, command, FROM_EVENT_ARGS)
        self.assertFalse(plan["decision"]["allowed"])
        self.assertTrue(plan["verdict"].startswith("would be REFUSED"), plan["verdict"])
        live = [a for a in FROM_EVENT_ARGS if not a.startswith("emit_mode=")] + ["emit_mode=live"]
        plan = self.session.explain(self.definition, command, live)
        self.assertEqual(plan["mode"], "live")
        self.assertIn("iu_core.auto_instantiate_enabled", plan["verdict"])

    def test_apply_verify_and_a_refused_run_logged(self):
        dry = self.session.apply(self.definition, "034", dry_run=True)
        self.assertEqual(dry["outcome"], "would_apply")
        applied = self.session.apply(self.definition, "034", applied_by="python")
        self.assertEqual((applied["outcome"], applied["inserted"]), ("applied", 2))
        self.assertEqual(self.session.apply(self.definition, "034")["outcome"], "already_applied")
        self.assertTrue(self.session.verify(self.definition)["ok"])
        self.assertTrue(self.session.diff(self.definition)["diff"]["equal"])
        self.assertTrue(self.session.surface(self.definition)["ok"])

        before = int(psql(self.conninfo, "SELECT count(*) FROM public.dot_iu_command_run"))
        report = self.session.run(
            self.definition, "dot_iu_auto_instantiate_from_event", FROM_EVENT_ARGS, actor="python"
        )
        self.assertEqual(report["outcome"], "refused")
        self.assertGreater(report["run_id"], 0)
        row = psql(
            self.conninfo,
            "SELECT command_name || '|' || outcome || '|' || actor FROM public.dot_iu_command_run "
            f"WHERE id = {int(report['run_id'])}",
        )
        self.assertEqual(row, "dot_iu_auto_instantiate_from_event|refused|python")
        after = int(psql(self.conninfo, "SELECT count(*) FROM public.dot_iu_command_run"))
        self.assertEqual(after, before + 1)

        # The logged run now makes the rollback guard refuse: a failure of the call.
        with self.assertRaises(iucore.IucoreError) as caught:
            self.session.rollback(self.definition, "034")
        self.assertEqual(caught.exception.code, iucore.E_REFUSED)
        rows = psql(self.conninfo, "SELECT count(*) FROM public.dot_iu_command_catalog")
        self.assertEqual(int(rows), self.definition.figures()["catalog_rows"])

    def test_options_json_shape(self):
        lib = iucore.load_library()
        out = ctypes.c_void_p()
        s, d = self.session.handle, self.definition.handle
        status = lib.iucore_apply(ctypes.byref(out), s, d, b"034", b'{"dry_run": "yes"}')
        self.assertEqual(status, iucore.E_JSON)
        self.assertIn(b"options_json.dry_run", lib.iucore_last_error_message())

    def test_status_snapshot_prove(self):
        self.assertFalse(self.session.status(self.definition)["ledger_exists"])
        snapshot = self.session.snapshot(self.definition)
        with iucore.Definition.from_json(snapshot, "snapshot") as live:
            self.assertEqual(len(live.catalog()), self.definition.figures("033")["catalog_rows"])
        proof = iucore.prove(fresh_database("py_prove"), self.definition, "034")
        self.assertTrue(proof["ok"])
        after = self.definition.figures("034")["catalog_rows"]
        before = self.definition.figures("033")["catalog_rows"]
        self.assertEqual([s["catalog_rows"] for s in proof["steps"]], [after, before, after])

    def test_promote_writes_a_definition(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = pathlib.Path(tmp) / "promoted.json"
            report = self.session.promote(
                self.definition, "fn_iu_ping", "dot_iu_ping", "inspect", write_path=path
            )
            self.assertEqual(report["migration"]["id"], "035")
            with iucore.Definition.from_file(path) as promoted:
                governed = self.definition.figures()["governed_commands"]
                self.assertEqual(promoted.figures()["governed_commands"], governed + 1)

    def test_reports_carry_their_format(self):
        for report in (
            self.session.status(self.definition),
            self.session.gates(self.definition),
            self.session.apply(self.definition, "034", dry_run=True),
            self.definition.pins(),
        ):
            self.assertEqual(next(iter(report)), "format")  # first
            self.assertEqual(report["format"], iucore.REPORT_FORMAT)
        self.assertNotIn("format", self.definition.figures())  # a value, not a report

    def test_database_error_carries_its_sqlstate(self):
        psql(self.conninfo, "DROP TABLE public.dot_iu_command_catalog CASCADE")
        with self.assertRaises(iucore.DatabaseError) as caught:
            self.session.diff(self.definition)
        self.assertEqual(caught.exception.sqlstate, "42P01")
        self.assertIn("dot_iu_command_catalog", caught.exception.message)

    def test_database_error_carries_the_servers_detail_and_hint(self):
        # An operator's trigger refusing inserts into the catalog, as 034's apply makes them.
        psql(
            self.conninfo,
            "CREATE FUNCTION public.catalog_frozen() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'the catalog is frozen' USING ERRCODE = 'P0001', "
            "DETAIL = 'change freeze until Friday', HINT = 'ask the release manager'; END $$",
        )
        psql(
            self.conninfo,
            "CREATE TRIGGER catalog_frozen BEFORE INSERT ON public.dot_iu_command_catalog "
            "FOR EACH ROW EXECUTE FUNCTION public.catalog_frozen()",
        )
        with self.assertRaises(iucore.DatabaseError) as caught:
            self.session.apply(self.definition, "034")
        self.assertEqual(caught.exception.sqlstate, "P0001")
        self.assertIn("the catalog is frozen", caught.exception.message)
        self.assertEqual(caught.exception.detail, "change freeze until Friday")
        self.assertEqual(caught.exception.hint, "ask the release manager")
        self.assertFalse(self.session.status(self.definition)["ledger_exists"])  # nothing committed

    def test_missing_requirement_is_check_failed(self):
        psql(
            self.conninfo,
            "DROP FUNCTION public.fn_iu_auto_instantiate_rollback_by_actor(text, boolean)",
        )
        with self.assertRaises(iucore.CheckFailedError) as caught:
            self.session.apply(self.definition, "034")
        self.assertIn("fn_iu_auto_instantiate_rollback_by_actor", caught.exception.message)

    def hold_catalog_lock(self, name):
        """psql in the background holding an ACCESS EXCLUSIVE lock on the catalog table."""
        exe = shutil.which("psql") or "psql"
        holder = subprocess.Popen(
            [exe, "-X", "-q", "-d", f"{self.conninfo} application_name={name}", "-c",
             "BEGIN; LOCK TABLE public.dot_iu_command_catalog IN ACCESS EXCLUSIVE MODE; "
             "SELECT pg_sleep(60); COMMIT;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        self.addCleanup(holder.wait)
        self.addCleanup(
            psql,
            self.conninfo,
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            f"WHERE application_name = '{name}'",
        )
        for _ in range(200):
            if psql(self.conninfo, "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a "
                    f"USING (pid) WHERE a.application_name = '{name}' AND l.granted "
                    "AND l.mode = 'AccessExclusiveLock'") == "1":
                return holder
            time.sleep(0.05)
        self.fail("the lock holder never got its lock")

    def test_lock_timeout_and_cancel(self):
        self.hold_catalog_lock("py_holder")
        with iucore.Session(self.conninfo, lock_timeout_ms=300) as s:
            started = time.monotonic()
            with self.assertRaises(iucore.DatabaseError) as caught:
                s.apply(self.definition, "034")
            self.assertLess(time.monotonic() - started, 10)
            self.assertEqual(caught.exception.sqlstate, "55P03")
        timer = threading.Timer(1.0, self.session.cancel)
        timer.start()
        with self.assertRaises(iucore.DatabaseError) as caught:
            self.session.apply(self.definition, "034")
        timer.join()
        self.assertEqual(caught.exception.sqlstate, "57014")
        self.assertFalse(self.session.status(self.definition)["ledger_exists"])  # nothing committed

    def test_dead_session_until_reset(self):
        with iucore.Session(self.conninfo, application_name="py_reset") as s:
            s.status(self.definition)
            psql(self.conninfo, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                 "WHERE application_name = 'py_reset'")
            for _ in range(2):
                with self.assertRaises(iucore.DatabaseConnectionError):
                    s.status(self.definition)
            s.reset()
            self.assertIn("migrations", s.status(self.definition))

    def test_closed_session(self):
        self.session.close()
        with self.assertRaises(iucore.IucoreError) as caught:
            self.session.gates(self.definition)
        self.assertEqual(caught.exception.code, iucore.E_BAD_HANDLE)


if __name__ == "__main__":
    unittest.main()
