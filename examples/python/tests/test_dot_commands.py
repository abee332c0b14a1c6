"""cutter_agent.iu_core.dot_commands: the record's operator usage, run as written."""

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import unittest
from unittest import mock

import iucore
from cutter_agent.iu_core import dot_commands

from tests.support import (
    DEFINITION,
    EXAMPLES,
    FROM_EVENT_ARGS,
    fresh_database,
    psql,
    require_live,
)

# The record's usage, with the <uuid> placeholders filled in.
FROM_EVENT = ["dot_iu_auto_instantiate_from_event", *FROM_EVENT_ARGS]
MODULE = "cutter_agent.iu_core.dot_commands"
ROLLBACK_BY_ACTOR = ["dot_iu_auto_instantiate_rollback_by_actor", "actor=operator", "dry_run=true"]


def offline_environment():
    """No database: IUCORE_DB, PGHOST and PGSERVICE removed."""
    env = {k: v for k, v in os.environ.items() if k not in ("IUCORE_DB", "PGHOST", "PGSERVICE")}
    return mock.patch.dict(os.environ, env, clear=True)


def call(*argv):
    """main(argv) -> (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = dot_commands.main(list(argv))
    return code, out.getvalue(), err.getvalue()


class FiguresTest(unittest.TestCase):
    def test_registry_is_read_from_the_definition(self):
        with iucore.Definition.from_file(DEFINITION) as d:
            figures = d.figures()
            self.assertEqual(dot_commands.REGISTRY, d.registry)
        self.assertEqual(len(dot_commands.REGISTRY), figures["registry_entries"])
        self.assertEqual(len(dot_commands.GOVERNED), figures["governed_commands"])
        self.assertIn("dot_iu_auto_instantiate_from_event", dot_commands.GOVERNED)
        self.assertNotIn("dot_iu_ping", dot_commands.GOVERNED)

    def test_docstring_figures_match_the_computed_ones(self):
        doc = dot_commands.__doc__
        commands = re.findall(r"(\d+) dot_iu_\* commands", doc)
        governed = re.findall(r"(\d+) governed", doc)
        self.assertEqual(commands, [str(len(dot_commands.REGISTRY))])
        self.assertEqual(governed, [str(len(dot_commands.GOVERNED))])

    def test_docstring_lists_every_registered_command_in_order(self):
        # The registry's entries, one per name: a pin site that counts them (iucore pins
        # --check), and here the names themselves.
        doc = dot_commands.__doc__
        listing = doc[doc.index("\ncommands:\n") :].split("\n\n")[0]
        self.assertEqual(re.findall(r"\bdot_iu_\w+", listing), dot_commands.REGISTRY)

    def test_the_definition_pins_agree_with_this_tree(self):
        # iucore pins --check over the example's sites, through the library.
        with iucore.Definition.from_file(DEFINITION) as d:
            report = d.pins(check=True)
            sites = len(d.to_json()["pins"])
        self.assertGreater(sites, 0)
        self.assertEqual(report["checked_sites"], sites)
        self.assertEqual(report["mismatches"], [])
        self.assertTrue(report["ok"])

    def test_unknown_attribute(self):
        with self.assertRaises(AttributeError):
            dot_commands.NOT_THERE  # noqa: B018


class OfflineTest(unittest.TestCase):
    def test_explain_from_event_as_written(self):
        with offline_environment():
            code, out, err = call("explain", *FROM_EVENT)
        self.assertEqual(code, 0, err)
        self.assertIn("command   dot_iu_auto_instantiate_from_event (governed)", out)
        self.assertIn("mode      dry_run", out)
        self.assertIn("gate      requires iu_core.composer_enabled=true", out)
        self.assertIn("verdict   gates not evaluated (no database given)", out)
        self.assertIn("note text = trial run", out)

    def test_explain_rollback_by_actor_as_written_json(self):
        with offline_environment():
            code, out, _ = call("--json", "explain", *ROLLBACK_BY_ACTOR)
        self.assertEqual(code, 0)
        plan = json.loads(out)
        self.assertEqual(plan["command"], "dot_iu_auto_instantiate_rollback_by_actor")
        self.assertEqual(plan["mode"], "dry_run")
        self.assertEqual(plan["params"], ["operator", "true"])

    def test_list(self):
        code, out, _ = call("--json", "list")
        self.assertEqual(code, 0)
        commands = json.loads(out)
        with iucore.Definition.from_file(DEFINITION) as d:
            figures = d.figures()
            self.assertEqual([c["command"] for c in commands], d.registry)
        self.assertEqual(len(commands), figures["registry_entries"])
        self.assertEqual(sum(c["governed"] for c in commands), figures["governed_commands"])

    def test_usage_errors_exit_2(self):
        self.assertEqual(call()[0], 2)
        self.assertEqual(call("frobnicate")[0], 2)
        self.assertEqual(call("--nope", "list")[0], 2)
        self.assertEqual(call("explain")[0], 2)
        with offline_environment():
            code, _, err = call("explain", ROLLBACK_BY_ACTOR[0], "dry_rn=true")
        self.assertEqual(code, 2)
        self.assertIn('did you mean "dry_run"', err)

    def test_bad_definition_exits_2(self):
        code, out, _ = call("--json", "--definition", "/nonexistent.json", "list")
        self.assertEqual(code, 2)
        self.assertEqual(json.loads(out)["error"], "definition")

    def test_unreachable_database_exits_3(self):
        db = "host=/nonexistent/socket/dir port=1 connect_timeout=2"
        self.assertEqual(call("--db", db, "gates")[0], 3)
        self.assertEqual(call("--db", db, "explain", *ROLLBACK_BY_ACTOR)[0], 3)

    def test_module_runs_with_python_m(self):
        env = dict(os.environ)
        for key in ("IUCORE_DB", "PGHOST", "PGSERVICE"):
            env.pop(key, None)
        result = subprocess.run(
            [sys.executable, "-m", MODULE, "explain", *ROLLBACK_BY_ACTOR],
            cwd=str(EXAMPLES / "python"),
            env=env,
            capture_output=True,
            text=True,
        )
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("verdict   gates not evaluated", result.stdout)


@require_live
class LiveTest(unittest.TestCase):
    def setUp(self):
        self.conninfo = fresh_database("py_dot")
        self.environment = mock.patch.dict(os.environ, {"IUCORE_DB": self.conninfo})
        self.environment.start()
        with iucore.Definition.from_file(DEFINITION) as d, iucore.Session(self.conninfo) as s:
            s.apply(d, "034")

    def tearDown(self):
        self.environment.stop()

    def test_explain_live_refused(self):
        code, out, err = call("explain", *FROM_EVENT)
        self.assertEqual(code, 0, err)
        self.assertIn("verdict   would be REFUSED: iu_core.composer_enabled=false", out)
        self.assertIn("config    iu_core.composer_enabled=false", out)

    def test_run_refused_exits_1_and_is_logged(self):
        env = {k: v for k, v in os.environ.items() if k != "IUCORE_ACTOR"}
        with mock.patch.dict(os.environ, env, clear=True):
            code, out, err = call("--json", "run", *ROLLBACK_BY_ACTOR)
        self.assertEqual(code, 1, err)
        report = json.loads(out)
        self.assertEqual(report["outcome"], "refused")
        actor = psql(
            self.conninfo,
            "SELECT actor || '|' || outcome FROM public.dot_iu_command_run "
            f"WHERE id = {int(report['run_id'])}",
        )
        # The actor= argument is the function's, not the actor: the session's current_user is.
        user = psql(self.conninfo, "SELECT current_user")
        self.assertEqual(actor, f"{user}|refused")

    def test_run_actor_from_environment_then_option(self):
        def logged_actor(*argv):
            code, out, err = call("--json", *argv)
            self.assertEqual(code, 0, err)
            run_id = int(json.loads(out)["run_id"])
            return psql(
                self.conninfo, f"SELECT actor FROM public.dot_iu_command_run WHERE id = {run_id}"
            )

        with mock.patch.dict(os.environ, {"IUCORE_ACTOR": "from-env"}):
            self.assertEqual(logged_actor("run", "dot_iu_collection_list"), "from-env")
            self.assertEqual(
                logged_actor("--actor", "from-option", "run", "dot_iu_collection_list"),
                "from-option",
            )

    def test_run_ok_with_actor_option(self):
        code, out, err = call("run", "dot_iu_collection_list", "--actor", "someone")
        self.assertEqual(code, 0, err)
        self.assertIn("outcome   ok", out)
        self.assertEqual(
            psql(
                self.conninfo,
                "SELECT actor FROM public.dot_iu_command_run ORDER BY id DESC LIMIT 1",
            ),
            "someone",
        )

    def test_gates(self):
        code, out, err = call("gates")
        self.assertEqual(code, 0, err)
        self.assertIn("gate      iu_core.composer_enabled (closed)", out)
        self.assertIn("gate      iu_core.auto_instantiate_enabled (closed)", out)

    def test_run_through_python_m_as_written(self):
        result = subprocess.run(
            [sys.executable, "-m", MODULE, "run", *FROM_EVENT],
            cwd=str(EXAMPLES / "python"),
            env=dict(os.environ),
            capture_output=True,
            text=True,
        )
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("outcome   refused", result.stdout)
        self.assertIn("REFUSED: iu_core.composer_enabled=false", result.stdout)


if __name__ == "__main__":
    unittest.main()
