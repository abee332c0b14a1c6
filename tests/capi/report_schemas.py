#!/usr/bin/env python3
"""report_schemas.py [--regenerate] SCHEMA_DIR -- every report of the C ABI against its schema.

Makes every report (a JSON object with an "operation") for real, through the iucore ctypes
module against a fresh database of the tests' throwaway PostgreSQL ($IUCORE_FRESH_DB), in
each of its outcomes (apply: would_apply, applied, already_applied, drift; run: refused, ok;
verify true and false; ...), and the CLI's fleet report ($IUCORE_CLI --fleet FILE --json: apply,
status, verify and diff; targets ok, failed, in error and skipped), and validates each against
SCHEMA_DIR/<operation>.json with the minimal validator below. A fleet target's "report" is its
verb's own report (without "format"), validated against that verb's schema. Fails when a report has a member its schema does not know, lacks a
required one, or has one of another type: a report change needs a schema change, reviewed as
the ABI baseline is (a removed, renamed or retyped member needs iucore-report/2).

--regenerate (or IUCORE_REGENERATE_SCHEMAS=1, e.g. `IUCORE_REGENERATE_SCHEMAS=1 ctest -R
capi.schemas`, which brings the database up) writes SCHEMA_DIR/<operation>.json inferred from the
same reports; review the diff before committing it.

The validator knows this subset of JSON Schema (draft 2020-12), and refuses any other keyword:
$schema, $id, title, description, type (a name or a list), const, enum, required, properties,
additionalProperties (false or a schema), items.
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile

import iucore

FORMAT = "iucore-report/1"
KNOWN = {
    "$schema",
    "$id",
    "title",
    "description",
    "type",
    "const",
    "enum",
    "required",
    "properties",
    "additionalProperties",
    "items",
}
# What capi/iucore.h documents beyond the samples' types: every outcome, and members that are
# values of another format.
DOCUMENTED = {
    "apply": {"outcome": ["applied", "already_applied", "would_apply", "drift"]},
    "run": {"outcome": ["ok", "refused", "error"]},
    "promote": {
        "definition": {
            "type": "object",
            "description": "the new definition (iucore-definition/1; iucore_definition_load_json)",
        }
    },
    "fleet": {"verb": {"enum": ["apply", "status", "verify", "diff"]}},
    "apply_chain": {"steps": {"type": "array", "items": {"type": "object", "description": "apply reports as apply.json describes them, without \"format\""}}},
    "rollback_chain": {"steps": {"type": "array", "items": {"type": "object", "description": "rollback reports as rollback.json describes them, without \"format\""}}},
}
# The same, for members of a report's array items: operation -> array member -> member -> schema.
DOCUMENTED_ITEMS = {
    "fleet": {
        "targets": {
            "outcome": {"enum": ["ok", "failed", "error", "skipped"]},
            "report": {
                "type": ["object", "null"],
                "description": "the verb's own report as <verb>.json describes it, without "
                "\"format\"; null when the target was not reached or was skipped",
            },
        }
    },
}
TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def check_schema(schema, where="#"):
    """The schema uses only the subset above; returns the problems."""
    problems = []
    if not isinstance(schema, dict):
        return [f"{where}: a schema must be an object"]
    for key in schema:
        if key not in KNOWN:
            problems.append(f"{where}: keyword {key!r} is not in the validator's subset")
    types = schema.get("type", [])
    for t in [types] if isinstance(types, str) else types:
        if t not in TYPES:
            problems.append(f"{where}: unknown type {t!r}")
    for name, sub in schema.get("properties", {}).items():
        problems += check_schema(sub, f"{where}/properties/{name}")
    if isinstance(schema.get("additionalProperties"), dict):
        problems += check_schema(schema["additionalProperties"], f"{where}/additionalProperties")
    if "items" in schema:
        problems += check_schema(schema["items"], f"{where}/items")
    return problems


def validate(value, schema, where="$"):
    """The errors of `value` against `schema` (the subset above), each with its JSON path."""
    errors = []
    if "type" in schema:
        types = [schema["type"]] if isinstance(schema["type"], str) else schema["type"]
        if not any(TYPES[t](value) for t in types):
            return [f"{where}: {json.dumps(value)[:80]} is not of type {'/'.join(types)}"]
    if "const" in schema and value != schema["const"]:
        errors.append(f"{where}: {json.dumps(value)[:80]} is not {json.dumps(schema['const'])}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {json.dumps(value)[:80]} is not one of {schema['enum']}")
    if isinstance(value, dict):
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: lacks the required member {name!r}")
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for name, member in value.items():
            if name in properties:
                errors += validate(member, properties[name], f"{where}.{name}")
            elif extra is False:
                errors.append(f"{where}: member {name!r} is not in the schema")
            elif isinstance(extra, dict):
                errors += validate(member, extra, f"{where}.{name}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            errors += validate(item, schema["items"], f"{where}[{i}]")
    return errors


def _type_of(value):
    for name in ("null", "boolean", "integer", "number", "string", "array", "object"):
        if TYPES[name](value):
            return name
    raise TypeError(type(value))


def infer(samples, top=False):
    """A schema every sample satisfies: the union of their types; objects closed, with the
    members present in every sample required; arrays by the union of their items."""
    types = sorted({_type_of(s) for s in samples})
    if "integer" in types and "number" in types:
        types.remove("integer")
    schema = {}
    concrete = [t for t in types if t != "null"]
    if not concrete:
        return {}  # only ever null in the samples: left open
    schema["type"] = types[0] if len(types) == 1 else types
    objects = [s for s in samples if isinstance(s, dict)]
    if objects:
        names = []
        for o in objects:
            names += [n for n in o if n not in names]
        schema["required"] = [n for n in names if all(n in o for o in objects)]
        schema["properties"] = {n: infer([o[n] for o in objects if n in o]) for n in names}
        schema["additionalProperties"] = False
        if top:
            operation = objects[0]["operation"]
            schema["properties"]["format"] = {"const": FORMAT}
            schema["properties"]["operation"] = {"const": operation}
            for name, values in DOCUMENTED.get(operation, {}).items():
                if isinstance(values, list):
                    schema["properties"][name] = {"enum": values}
                else:
                    schema["properties"][name] = values
            for array, members in DOCUMENTED_ITEMS.get(operation, {}).items():
                schema["properties"][array]["items"]["properties"].update(members)
    arrays = [s for s in samples if isinstance(s, list)]
    items = [i for a in arrays for i in a]
    if items:
        schema["items"] = infer(items)
    return schema


def fresh_database(name):
    result = subprocess.run(
        ["bash", os.environ["IUCORE_FRESH_DB"], f"{name}_{os.getpid()}"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.strip()


def psql(conninfo, sql):
    subprocess.run(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=on", "-d", conninfo, "-c", sql],
        check=True,
        capture_output=True,
    )


def real_reports():
    """Every report, in each of its outcomes, from a real database."""
    from_event = [
        "event_id=6f1f1f1e-0000-4000-8000-000000000001",
        "event_type=template.instance_auto_composed",
        "template_collection_id=6f1f1f1e-0000-4000-8000-000000000002",
        "instance_key_suffix=demo-001",
        "emit_mode=dry_run",
        "actor=operator",
        "note=trial run",
    ]
    reports = []
    definition = iucore.Definition.from_file(os.environ["IUCORE_EXAMPLE_DEFINITION"])
    reports.append(definition.pins(check=False))
    reports.append(definition.pins(check=True))
    with tempfile.TemporaryDirectory() as tmp:
        site = pathlib.Path(tmp, "doc.txt")
        site.write_text("the catalog has 1 catalog rows\n")
        text = definition.to_json()
        text["pins"] = [
            {"file": "doc.txt", "pattern": r"(\d+) catalog rows", "figure": "catalog_rows"}
        ]
        with iucore.Definition.from_json(text, "pinned.json") as pinned:
            reports.append(pinned.pins(check=True, base_dir=tmp))  # a mismatch
    db = fresh_database("schemas")
    with iucore.Session(db) as s:
        reports.append(s.status(definition))
        reports.append(s.verify(definition))  # 034's checks fail before it is applied
        reports.append(s.gates(definition))
        reports.append(s.apply(definition, "034", dry_run=True))
        reports.append(s.apply(definition, "034", applied_by="schemas"))
        reports.append(s.apply(definition, "034"))
        reports.append(s.verify(definition))
        reports.append(s.diff(definition))
        reports.append(s.surface(definition))
        reports.append(s.status(definition))
        reports.append(s.run(definition, "dot_iu_auto_instantiate_from_event", from_event))
        reports.append(s.run(definition, "dot_iu_collection_list", []))
        reports.append(s.run(definition, "dot_iu_ping", []))
        with tempfile.TemporaryDirectory() as tmp:
            written = pathlib.Path(tmp, "promoted.json")
            reports.append(
                s.promote(definition, "fn_iu_ping", "dot_iu_ping", "inspect", write_path=written)
            )
        reports.append(s.promote(definition, "fn_iu_ping", "dot_iu_ping", "inspect"))
    db = fresh_database("schemas_rollback")
    with iucore.Session(db) as s:
        s.apply(definition, "034")
        reports.append(s.rollback(definition, "034"))
        reports.append(s.diff(definition))  # 034's rows missing
        s.apply(definition, "034")
        psql(db, "UPDATE public.iucore_migration_ledger SET checksum = repeat('0', 64) "
                 "WHERE migration_id = '034'")
        reports.append(s.apply(definition, "034"))  # drift
        reports.append(s.status(definition))
    reports.append(iucore.prove(fresh_database("schemas_prove"), definition, "034"))
    definition.close()
    return reports + fleet_reports() + chain_reports()


def fleet_reports():
    """The CLI's fleet report for each verb a fleet takes, over two databases at 033 and one
    that cannot be reached (an error); apply with a canary that fails skips the rest."""
    cli, definition = os.environ["IUCORE_CLI"], os.environ["IUCORE_EXAMPLE_DEFINITION"]
    first, second = fresh_database("schemas_fleet_a"), fresh_database("schemas_fleet_b")
    unreachable = "host=/nonexistent/socket/dir port=1 dbname=none connect_timeout=2"
    reports = []
    with tempfile.TemporaryDirectory() as tmp:

        def fleet(verb_args, targets):
            listing = pathlib.Path(tmp, "fleet.txt")
            listing.write_text("".join(t + "\n" for t in targets))
            done = subprocess.run(
                [cli, "--definition", definition, *verb_args, "--fleet", str(listing), "--json"],
                capture_output=True,
                text=True,
            )
            if not done.stdout.strip():
                raise RuntimeError(f"iucore {' '.join(verb_args)} --fleet: {done.stderr}")
            return json.loads(done.stdout)

        everyone = [first, second, unreachable]
        reports.append(fleet(["status"], everyone))
        reports.append(fleet(["verify"], everyone))  # 034's checks fail before it is applied
        reports.append(fleet(["diff"], everyone))
        reports.append(fleet(["apply", "034", "--canary", "1"], [unreachable, first]))  # skipped
        reports.append(fleet(["apply", "034"], everyone))
        reports.append(fleet(["verify"], [first, second]))
    return reports


def chain_reports():
    """The CLI's walks along the chain on a database at the baseline: apply without a migration
    (every one applied), again (already applied), rollback --to the baseline, again (nothing to
    do), and a walk stopped by a failing preflight (the first migration's first required function
    dropped)."""
    cli, path = os.environ["IUCORE_CLI"], os.environ["IUCORE_EXAMPLE_DEFINITION"]
    definition = json.loads(pathlib.Path(path).read_text())
    baseline = definition["baseline"]["version"]
    required = definition["migrations"][0]["requires"]["functions"][0]

    def walk(db, *verb_args):
        done = subprocess.run(
            [cli, "--definition", path, "--db", db, *verb_args, "--json"],
            capture_output=True,
            text=True,
        )
        if not done.stdout.strip():
            raise RuntimeError(f"iucore {' '.join(verb_args)}: {done.stderr}")
        return json.loads(done.stdout)

    db = fresh_database("schemas_chain")
    reports = [walk(db, "apply"), walk(db, "apply")]
    reports += [walk(db, "rollback", "--to", baseline), walk(db, "rollback", "--to", baseline)]
    stopped = fresh_database("schemas_chain_stopped")
    psql(stopped, f"DROP FUNCTION public.{required}")
    reports.append(walk(stopped, "apply"))
    return reports


def validate_inner(reports, verb, schemas, where):
    """Reports nested in another (a walk's steps, a fleet's targets) against their verb's
    schema, less "format", which only the outermost report carries. `reports`: (path, report)."""
    path = schemas / f"{verb}.json"
    if not path.exists():
        return [f"{where}: no schema {path} for the reports it holds"]
    schema = json.loads(path.read_text())
    schema["required"] = [n for n in schema.get("required", []) if n != "format"]
    errors = []
    for at, inner in reports:
        errors += validate(inner, schema, at)
    return errors


def validate_steps(report, schemas):
    """Each step of a walk along the chain against its verb's schema."""
    steps = [(f"$.steps[{i}]", step) for i, step in enumerate(report.get("steps", []))]
    return validate_inner(steps, report.get("operation", "").removesuffix("_chain"), schemas, "$.steps")


def validate_fleet(report, schemas):
    """Each target's own report against its verb's schema."""
    targets = [
        (f"$.targets[{i}].report", t["report"])
        for i, t in enumerate(report.get("targets", []))
        if isinstance(t.get("report"), dict)
    ]
    return validate_inner(targets, report.get("verb"), schemas, "$.verb")


def main(argv):
    regenerate = argv[1:2] == ["--regenerate"] or os.environ.get("IUCORE_REGENERATE_SCHEMAS") == "1"
    if argv[1:2] == ["--regenerate"]:
        argv = argv[1:]
    if len(argv) != 2:
        print(__doc__.splitlines()[0], file=sys.stderr)
        return 2
    schemas = pathlib.Path(argv[1])
    by_operation = {}
    for report in real_reports():
        by_operation.setdefault(report.get("operation"), []).append(report)
    if None in by_operation:
        print("FAIL: a report without an operation", file=sys.stderr)
        return 1
    if regenerate:
        schemas.mkdir(parents=True, exist_ok=True)
        for operation, samples in sorted(by_operation.items()):
            schema = {
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$id": f"https://iucore.invalid/schemas/{FORMAT}/{operation}.json",
                "title": f"iucore {operation} report ({FORMAT})",
            }
            schema.update(infer(samples, top=True))
            path = schemas / f"{operation}.json"
            path.write_text(json.dumps(schema, indent=2) + "\n")
            print(f"wrote {path} from {len(samples)} reports")
        return 0
    failures = 0
    files = {p.stem: p for p in schemas.glob("*.json")}
    for operation, samples in sorted(by_operation.items()):
        if operation not in files:
            print(f"FAIL: no schema {schemas}/{operation}.json for the {operation} report")
            failures += 1
            continue
        schema = json.loads(files[operation].read_text())
        problems = check_schema(schema)
        if schema.get("properties", {}).get("format") != {"const": FORMAT}:
            problems.append(f'"format" is not {{"const": "{FORMAT}"}}')
        for problem in problems:
            print(f"FAIL: {files[operation]}: {problem}")
        failures += len(problems)
        for i, report in enumerate(samples):
            if report.get("format") != FORMAT:
                print(f"FAIL: {operation} report {i}: format {report.get('format')!r}")
                failures += 1
            errors = validate(report, schema)
            if operation == "fleet":
                errors += validate_fleet(report, schemas)
            if operation.endswith("_chain"):
                errors += validate_steps(report, schemas)
            for error in errors:
                print(f"FAIL: {operation} report {i}: {error}")
                failures += 1
        print(f"ok: {len(samples)} {operation} reports against {files[operation].name}")
    for stale in sorted(set(files) - set(by_operation)):
        print(f"FAIL: {files[stale]} names no report the library makes")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
