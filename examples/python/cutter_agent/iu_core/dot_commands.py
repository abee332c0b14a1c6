"""DOT commands of iu-core: the operator's 34 dot_iu_* commands, 26 governed by the catalog.

A host over iucore (libiucore.so.1 through ctypes). The registry, the catalog rows, the target
signatures and the gates come from the iucore definition: ``REGISTRY`` and ``GOVERNED`` are read
through the library. What this docstring repeats is pinned to it: the figures above and the list
of commands below are pin sites of the definition (``iucore pins --check`` reads the figures and
counts the listed entries), and the tests compare both with the library's.

usage:
    python -m cutter_agent.iu_core.dot_commands [OPTIONS] explain COMMAND key=value...
    python -m cutter_agent.iu_core.dot_commands [OPTIONS] run COMMAND key=value...
    python -m cutter_agent.iu_core.dot_commands [OPTIONS] gates
    python -m cutter_agent.iu_core.dot_commands [OPTIONS] list

    explain  the plan: catalog row, target signature, bound arguments, SQL, the gates of the
             mode; with a database, the live configs and the verdict (offline without one)
    run      a governed run: gates checked, function called, run-log row written; a refused
             run is logged and exits 1
    gates    every config, its value, and which commands each gate holds in each mode
    list     every registered command, and whether it is governed

options:
    --definition PATH   the definition (default: $IUCORE_DEFINITION, else the example one)
    --db CONNINFO       libpq conninfo (default: $IUCORE_DB, else the PG* environment; explain
                        is offline when neither $IUCORE_DB, --db, $PGHOST nor $PGSERVICE is set)
    --actor NAME        who a run is logged as (default: $IUCORE_ACTOR, else the session's
                        current_user; an argument of the command is never the actor)
    --json              print the library's JSON reports

commands:
    dot_iu_collection_list dot_iu_collection_get dot_iu_collection_create
    dot_iu_collection_archive dot_iu_template_list dot_iu_template_get dot_iu_template_publish
    dot_iu_template_retire dot_iu_event_list dot_iu_event_get dot_iu_event_replay
    dot_iu_route_list dot_iu_route_enable dot_iu_route_disable dot_iu_config_get
    dot_iu_config_set dot_iu_lifecycle_status dot_iu_lifecycle_advance dot_iu_lifecycle_revert
    dot_iu_lifecycle_purge dot_iu_inspect_surface dot_iu_inspect_command_runs
    dot_iu_inspect_instance dot_iu_inspect_thresholds dot_iu_auto_instantiate_from_event
    dot_iu_auto_instantiate_rollback_by_actor dot_iu_help dot_iu_version dot_iu_ping
    dot_iu_event_type_list dot_iu_config_list dot_iu_instance_list dot_iu_command_run_tail
    dot_iu_surface_diff

exit codes: 0 done; 1 refused; 2 usage or definition error; 3 database or connection error.

Example (the record's operator usage):
    python -m cutter_agent.iu_core.dot_commands explain \\
        dot_iu_auto_instantiate_from_event \\
        event_id=<uuid> event_type=template.instance_auto_composed \\
        template_collection_id=<uuid> instance_key_suffix=demo-001 \\
        emit_mode=dry_run actor=operator note='trial run'
"""

import json
import os
import pathlib
import sys

import iucore

DONE, REFUSED, USAGE, DATABASE = 0, 1, 2, 3

_EXIT_FOR = {
    iucore.E_REFUSED: REFUSED,
    iucore.E_CHECK_FAILED: REFUSED,
    iucore.E_DRIFT: REFUSED,
    iucore.E_DATABASE: DATABASE,
    iucore.E_CONNECTION: DATABASE,
}


def default_definition_path():
    """$IUCORE_DEFINITION, else the example definition beside this package (examples/ in the
    source tree, share/iucore/ when installed)."""
    explicit = os.environ.get("IUCORE_DEFINITION")
    if explicit:
        return explicit
    return str(pathlib.Path(__file__).resolve().parents[3] / "definition" / "iu_core.json")


def load_definition(path=None):
    return iucore.Definition.from_file(path or default_definition_path())


_cache = {}


def _registry_and_governed():
    if "registry" not in _cache:
        with load_definition() as definition:
            registry = definition.registry
            rows = {row["command_name"] for row in definition.catalog()}
        _cache["registry"] = registry
        _cache["governed"] = [command for command in registry if command in rows]
    return _cache["registry"], _cache["governed"]


def __getattr__(name):
    """``REGISTRY`` (every command name) and ``GOVERNED`` (those with a catalog row), read from
    the definition through the library on first use."""
    if name == "REGISTRY":
        return list(_registry_and_governed()[0])
    if name == "GOVERNED":
        return list(_registry_and_governed()[1])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---- text output -----------------------------------------------------------------------------


def _text_plan(plan):
    lines = [f"command   {plan['command']} ({'governed' if plan['governed'] else 'NOT governed'})"]
    row = plan.get("catalog_row")
    if row:
        lines.append(
            f"catalog   category={row['category']} mutating={'t' if row['mutating'] else 'f'} "
            f"reversible={'t' if row['reversible'] else 'f'} "
            f"target_functions={{{','.join(row['target_functions'])}}}"
        )
    lines.append(f"target    {plan['target']}")
    lines.append(f"mode      {plan['mode']}")
    given = {a["name"]: a["value"] for a in plan["arguments"]}
    for spec in plan["parameters"]:
        notes = "required" if spec["required"] else "optional"
        if spec["allowed"]:
            notes += "; one of " + " ".join(spec["allowed"])
        if spec["selects_mode"]:
            notes += "; selects the mode"
        value = given.get(spec["name"], "(default)")
        lines.append(f"argument  {spec['name']} {spec['type']} = {value}  ({notes})")
    lines.append(f"sql       {plan['sql']}")
    for i, param in enumerate(plan["params"], 1):
        lines.append(f"          ${i} = {param}")
    if not plan["gates"]:
        lines.append("gates     none hold this command in this mode")
    for gate in plan["gates"]:
        lines.append(f"gate      requires {gate['config']}=true")
    for evaluation in (plan.get("decision") or {}).get("evaluations", []):
        key, raw, reason = evaluation["key"], evaluation.get("raw"), evaluation["reason"]
        lines.append(f"config    {key}={raw} ({reason})")
    lines.append(f"verdict   {plan['verdict']}")
    lines.append(f"reverse   {plan['reverse']}")
    lines.append(f"note      {plan['not_simulated']}")
    return "\n".join(lines) + "\n"


def _text_run(report):
    lines = [
        f"command   {report['command']}",
        f"mode      {report['mode']}",
        f"outcome   {report['outcome']}",
        f"message   {report['message']}",
        f"run_id    {'not logged' if report['run_id'] is None else report['run_id']}",
    ]
    if report.get("unreadable"):
        lines.append(f"unread    {report['unreadable']}")
    if report.get("result") is not None:
        lines.append(f"result    {json.dumps(report['result'])}")
    return "\n".join(lines) + "\n"


def _text_gates(report):
    lines = []
    for config in report["configs"]:
        lines.append(f"config    {config['key']} = {config.get('value')} ({config.get('type')})")
    for gate in report["gates"]:
        state = "open" if gate["open"] else "closed"
        lines.append(
            f"gate      {gate['config']} ({state}) holds {', '.join(gate['commands'])} "
            f"in {', '.join(gate['modes'])}"
        )
    return "\n".join(lines) + "\n"


# ---- the command line ------------------------------------------------------------------------


class _Usage(Exception):
    pass


def _take_option(args, option):
    """The value of OPTION NAME among args (both removed), or None when absent."""
    if option not in args:
        return None
    i = args.index(option)
    if i + 1 >= len(args):
        raise _Usage(f"{option} needs a value")
    value = args[i + 1]
    del args[i : i + 2]
    return value


def _database_given(options):
    environment = os.environ.get("PGHOST") or os.environ.get("PGSERVICE")
    return options["db"] is not None or bool(environment)


def _session(options):
    return iucore.Session(options["db"] or "")


def _emit(options, report, text):
    sys.stdout.write(json.dumps(report) + "\n" if options["json"] else text(report))


def _explain(options, definition, args):
    if not args:
        raise _Usage("explain: expected a COMMAND and key=value arguments")
    if _database_given(options):
        with _session(options) as session:
            plan = definition.explain(args[0], args[1:], session=session)
    else:
        plan = definition.explain(args[0], args[1:])
    _emit(options, plan, _text_plan)
    return DONE


def _run(options, definition, args):
    args = list(args)
    # --actor is accepted after the verb too, as iucore(1) accepts its global options anywhere.
    actor = _take_option(args, "--actor") or options["actor"]
    if not args:
        raise _Usage("run: expected a COMMAND and key=value arguments")
    with _session(options) as session:
        # Who ran it: --actor, else $IUCORE_ACTOR (read here, as iucore(1) reads it); None lets
        # the library log the session's current_user.
        report = session.run(
            definition, args[0], args[1:], actor=actor or os.environ.get("IUCORE_ACTOR") or None
        )
    _emit(options, report, _text_run)
    return DONE if report["outcome"] == "ok" else REFUSED


def _gates(options, definition, args):
    if args:
        raise _Usage("gates: takes no arguments")
    with _session(options) as session:
        report = session.gates(definition)
    _emit(options, report, _text_gates)
    return DONE


def _list(options, definition, args):
    if args:
        raise _Usage("list: takes no arguments")
    governed = {row["command_name"] for row in definition.catalog()}
    commands = [{"command": c, "governed": c in governed} for c in definition.registry]
    def text(cs):
        marks = {True: "", False: "  (not governed)"}
        return "".join(c["command"] + marks[c["governed"]] + "\n" for c in cs)

    _emit(options, commands, text)
    return DONE


VERBS = {"explain": _explain, "run": _run, "gates": _gates, "list": _list}


def main(argv=None):
    args = list(sys.argv[1:] if argv is None else argv)
    options = {"json": False, "db": os.environ.get("IUCORE_DB"), "definition": None, "actor": None}
    try:
        while args and args[0].startswith("--"):
            option = args.pop(0)
            if option in ("-h", "--help"):
                sys.stdout.write(__doc__)
                return DONE
            if option == "--json":
                options["json"] = True
            elif option in ("--db", "--definition", "--actor") and args:
                options[option[2:]] = args.pop(0)
            else:
                raise _Usage(f'unknown or incomplete option "{option}"')
        if not args:
            raise _Usage("expected a verb: " + ", ".join(VERBS))
        verb = VERBS.get(args[0])
        if verb is None:
            raise _Usage(f'unknown verb "{args[0]}" (expected one of: {", ".join(VERBS)})')
        with load_definition(options["definition"]) as definition:
            return verb(options, definition, args[1:])
    except _Usage as e:
        sys.stderr.write(f"dot_commands: {e} (see --help)\n")
        return USAGE
    except iucore.IucoreError as e:
        code = _EXIT_FOR.get(e.code, USAGE)
        if options["json"]:
            sys.stdout.write(
                json.dumps({"error": e.name, "code": e.code, "message": e.message, "exit": code})
                + "\n"
            )
        else:
            sys.stderr.write(f"dot_commands: {e.message}\n")
        return code


if __name__ == "__main__":
    sys.exit(main())
