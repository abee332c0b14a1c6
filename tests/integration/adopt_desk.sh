#!/usr/bin/env bash
# adopt_desk.sh CLI EXAMPLES_DIR
#
# Issue 15, points 1 and 10: a database written without iucore in mind (examples/adopted/desk.sql:
# schema desk, its own column names, extra catalog columns, a run log without args or outcome,
# no config table, commands named desk_*) adopted end to end through the CLI, as the README's
# "Adopting an existing database" says:
#   init → promote two functions into one new migration → apply → verify → a run → rollback
#   refused while the run exists → rollback after it is gone → prove → diff clean;
# init's refusals before connecting, its errors naming what is missing, never overwriting; and
# init on the first example's database at 033, whose rows, signatures and configs must equal
# the hand-written example definition's.
# Expected figures are read from the database (psql) or the definitions (`pins --json`).
#
# Prints one PASS/FAIL line per assertion; exits 1 when any failed.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

desk_sql=$examples/adopted/desk.sql
desk_db="iucore_adopt_desk_$$"
example_db="iucore_adopt_example_$$"
databases+=("$desk_db" "$example_db")

json_of() { # json_of PYTHON-EXPRESSION FILE: the expression over the JSON document d
    python3 -c 'import json,sys; d=json.load(open(sys.argv[2])); v=eval(sys.argv[1]); print("null" if v is None else v)' "$1" "$2"
}
figure() { figure_of "$@"; } # figure DEFINITION VERSION NAME

desk=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$desk_db")
psql -X -q -v ON_ERROR_STOP=on -d "$desk" -f "$desk_sql" >/dev/null
rows_before=$(psql_in "$desk" "SELECT count(*) FROM desk.operator_command")

tables=(--catalog desk.operator_command --run-log desk.operator_log)
mapping=("${tables[@]}" --column catalog.command_name=name --column catalog.category=area
    --column catalog.mutating=changes_data --column catalog.reversible=can_undo
    --column catalog.target_functions=calls --column run_log.id=log_id
    --column run_log.actor=who --column run_log.started_at=ran_at
    --column run_log.duration_ms=took_ms)
version=100
next=$(printf '%03d' $((10#$version + 1)))
desk_json=$work/desk.json

# --- init: refused before connecting (the --db given cannot be reached: exit 3 if it were) ------
unreachable="host=/nonexistent/iucore-no-server dbname=x connect_timeout=1"
iucore --db "$unreachable" init "${mapping[@]}" --output "$desk_json"
expect_rc 2 "init without --as-version is a usage error"
check "  it names --as-version" grep -qF -- "--as-version" "$work/err"
iucore --db "$unreachable" init --as-version "$version" --column catalog.kind=area --output "$desk_json"
expect_rc 2 "init --column with an unknown key"
check "  it lists the keys it knows" grep -qF "catalog.category" "$work/err"
iucore --db "$unreachable" init --as-version "$version" --column catalog.category --output "$desk_json"
expect_rc 2 "init --column without ="
iucore --db "$unreachable" init --as-version "1 0" --output "$desk_json"
expect_rc 2 "init --as-version with a space"
iucore --db "$unreachable" --definition "$definition" init --as-version "$version" --output "$desk_json"
expect_rc 2 "init with --definition (it writes one; it reads none)"
iucore --db "$unreachable" init --as-version "$version" --frobnicate --output "$desk_json"
expect_rc 2 "init with an unknown option"
iucore --db "$unreachable" init --as-version "$version" stray-word --output "$desk_json"
expect_rc 2 "init with a stray positional"
echo "not a definition" >"$work/taken.json"
iucore --db "$unreachable" init --as-version "$version" --output "$work/taken.json"
expect_rc 2 "init --output over an existing file"
check "  the file is untouched" equals "$(cat "$work/taken.json")" "not a definition"
check "  nothing was written where init would write" test ! -e "$desk_json"

# --- init: what the database lacks is named --------------------------------------------------------
iucore --db "$desk" init --as-version "$version" --catalog desk.operator_command \
    --run-log desk.operator_log --output "$desk_json"
expect_rc 2 "init without the catalog's column mapping"
check "  it names the column, the --column to give, and the table's columns" \
    grep -qF 'has no column named "command_name"; map it with --column catalog.command_name=COLUMN; its columns: entry_id integer, name text' "$work/err"
iucore --db "$desk" init --as-version "$version" "${mapping[@]:${#tables[@]}}" \
    --catalog desk.no_such_table --run-log desk.operator_log --output "$desk_json"
expect_rc 2 "init with a catalog table that does not exist"
check "  it names the table" grep -qF "desk.no_such_table does not exist" "$work/err"
iucore --db "$desk" init --as-version "$version" "${mapping[@]}" --column catalog.mutating=area \
    --output "$desk_json"
expect_rc 2 "init mapping mutating onto a text column"
check "  it names the column, its type and what is needed" \
    grep -qF "desk.operator_command.area is text; iucore's mutating needs a boolean" "$work/err"
check "  nothing was written" test ! -e "$desk_json"

# --- init: the definition, checked against the database it was read from -------------------------
iucore --db "$desk" --json init --as-version "$version" "${mapping[@]}" --output "$desk_json"
expect_rc 0 "init writes the desk's definition"
check "  its report says verify, diff and surface hold" \
    equals "$(json_of '(d["ok"], d["verify"]["ok"], d["diff"]["diff"]["missing"], d["surface"]["ok"], d["output"])' "$work/out")" \
    "(True, True, [], True, '$desk_json')"
check "  it notes what the run log cannot log, and the missing config table" \
    equals "$(json_of '[n for n in d["notes"] if "not logged" in n or "no config table" in n]' "$work/out")" \
    "['run log: no args column; args not logged', 'run log: no mode column; mode not logged', 'run log: no outcome column; outcome not logged', 'run log: no result column; result not logged', 'no config table public.iu_core_config: no configs, no gates, none counted in the surface (--configs names one)']"
check "  the catalog rows are the database's" \
    equals "$(figure "$desk_json" "$version" catalog_rows)" "$rows_before"
check "  the schema maps the desk's names; no config table; commands named desk_" \
    equals "$(json_of '(d["schema"]["command_prefix"], d["schema"]["catalog"]["columns"]["category"], d["schema"]["run_log"]["command_column"], d["schema"]["run_log"]["columns"]["actor"], d["schema"]["run_log"]["columns"]["args"], d["schema"]["configs"], d["schema"]["ledger"]["table"])' "$desk_json")" \
    "('desk_', 'area', 'name', 'who', None, None, 'desk.iucore_migration_ledger')"
check "  a target's signature is read from pg_catalog (names, types, defaults)" \
    equals "$(json_of '[s for s in d["signatures"] if s["name"] == "ticket_detail"]' "$desk_json")" \
    "[{'name': 'ticket_detail', 'parameters': [{'name': 'p_ticket_id', 'type': 'integer'}], 'returns': 'jsonb'}]"
schema_of_signature() { # schema_of_signature NAME: its "schema" in the desk's definition, or null
    json_of "[s.get(\"schema\") for s in d[\"signatures\"] if s[\"name\"] == \"$1\"][0]" "$desk_json"
}
check "  a target outside the catalog's schema keeps its schema (found on the search_path)" \
    equals "$(schema_of_signature queue_stats):$(schema_of_signature list_open)" "public:null"
before_rerun=$(sha256sum <"$desk_json")
iucore --db "$desk" init --as-version "$version" "${mapping[@]}" --output "$desk_json"
expect_rc 2 "init never overwrites its own output"
check "  the definition is unchanged" equals "$(sha256sum <"$desk_json")" "$before_rerun"

iucore_options=(--db "$desk" --definition "$desk_json")
for verb in verify diff surface status; do
    iucore "$verb"
    expect_rc 0 "$verb with the new definition, before anything else"
done

# --- promote two functions into one new migration --------------------------------------------------
iucore --json promote close_ticket --command desk_ticket_close --category tickets --mutating \
    --reversible
expect_rc 0 "promote close_ticket"
check "  into a new migration numbered after $version" \
    equals "$(json_of 'd["migration"]["id"]' "$work/out")" "$next"
iucore promote reopen_ticket --command desk_ticket_reopen --category tickets --mutating \
    --migration "$next"
expect_rc 0 "promote reopen_ticket into the same migration"
check "  migration $next adds both, requiring both signatures" \
    equals "$(json_of '[(m["id"], [r["command_name"] for r in m["adds"]], m["requires"]["functions"]) for m in d["migrations"]]' "$desk_json")" \
    "[('$next', ['desk_ticket_close', 'desk_ticket_reopen'], ['close_ticket(integer,text)', 'reopen_ticket(integer)'])]"
rows_after=$(figure "$desk_json" "$next" catalog_rows)
check "  the definition expects $next to add two rows" equals "$rows_after" "$((rows_before + 2))"

# --- apply, verify, surface, a run -----------------------------------------------------------------
extra_columns() {
    psql_in "$desk" "SELECT string_agg(name || ':' || entry_id || ':' || coalesce(notes, '-') || ':' || added_at, ',' ORDER BY name) FROM desk.operator_command"
}
extra_before=$(extra_columns)
iucore apply "$next"
expect_rc 0 "apply $next"
check "  the catalog holds the definition's rows" \
    equals "$(psql_in "$desk" "SELECT count(*) FROM desk.operator_command")" "$rows_after"
check "  the new rows got the table's own defaults in its extra columns" \
    equals "$(psql_in "$desk" "SELECT count(*) FROM desk.operator_command WHERE name IN ('desk_ticket_close', 'desk_ticket_reopen') AND entry_id IS NOT NULL AND added_at IS NOT NULL AND notes IS NULL")" 2
check "  the old rows' extra columns are untouched" \
    equals "$(psql_in "$desk" "SELECT string_agg(name || ':' || entry_id || ':' || coalesce(notes, '-') || ':' || added_at, ',' ORDER BY name) FROM desk.operator_command WHERE name NOT IN ('desk_ticket_close', 'desk_ticket_reopen')")" \
    "$extra_before"
check "  iucore's ledger is in the desk schema" \
    equals "$(psql_in "$desk" "SELECT to_regclass('desk.iucore_migration_ledger') IS NOT NULL")" t
for verb in verify surface diff; do
    iucore "$verb"
    expect_rc 0 "$verb after apply (the ledger table is not counted as the desk's)"
done

iucore --json --actor alice run desk_ticket_close p_ticket_id=1 p_note=fixed
expect_rc 0 "run desk_ticket_close"
log_id=$(json_of 'd["run_id"]' "$work/out")
check "  the ticket is closed" \
    equals "$(psql_in "$desk" "SELECT status || ':' || closed_note FROM desk.ticket WHERE ticket_id = 1")" \
    closed:fixed
check "  the run is logged in the desk's columns: name, who, ran_at, took_ms" \
    equals "$(psql_in "$desk" "SELECT name || '|' || who || '|' || (ran_at IS NOT NULL) || '|' || (took_ms IS NOT NULL) FROM desk.operator_log WHERE log_id = $log_id")" \
    "desk_ticket_close|alice|true|true"

iucore --json run desk_queue_stats
check "run desk_queue_stats calls public.queue_stats (exit $rc)" \
    equals "$rc:$(json_of 'sorted(d["result"])' "$work/out")" "0:['closed', 'open']"
psql_in "$desk" "DELETE FROM desk.operator_log WHERE name = 'desk_queue_stats'" >/dev/null

# --- rollback: refused while the run exists, done once it is gone ---------------------------------
iucore rollback "$next"
expect_rc 1 "rollback $next while a run references its rows"
check "  the refusal names the desk's run log and column" \
    grep -qF "desk.operator_log.name still references desk_ticket_close" "$work/out" "$work/err"
check "  nothing was deleted" \
    equals "$(psql_in "$desk" "SELECT count(*) FROM desk.operator_command")" "$rows_after"
psql_in "$desk" "DELETE FROM desk.operator_log WHERE log_id = $log_id" >/dev/null
iucore rollback "$next"
expect_rc 0 "rollback $next once the run is gone"
check "  the catalog is back to the rows init read" \
    equals "$(psql_in "$desk" "SELECT count(*) FROM desk.operator_command")" "$rows_before"
iucore prove "$next"
expect_rc 0 "prove $next: apply, rollback, re-apply"
iucore diff
expect_rc 0 "diff is clean after prove"
iucore --json status
check "  status: $next applied" \
    equals "$(json_of '[(m["migration"], m["state"]) for m in d["migrations"]]' "$work/out")" \
    "[('$next', 'applied')]"
iucore_options=()

# --- init on the first example's database: what was written by hand, read back --------------------
example=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$example_db")
psql -X -q -v ON_ERROR_STOP=on -d "$example" -f "$substrate" >/dev/null
"$cli" --definition "$definition" render seed 033 | psql -X -q -v ON_ERROR_STOP=on -d "$example" >/dev/null
example_json=$work/example.json
iucore --db "$example" init --as-version 033 --output "$example_json"
expect_rc 0 "init on the first example's database at 033 (default names)"
for name in catalog_rows distinct_targets surface.table surface.view surface.function surface.trigger surface.config; do
    check "  $name at 033 equals the example definition's" \
        equals "$(figure "$example_json" 033 "$name")" "$(figure "$definition" 033 "$name")"
done
same_as_example() { # same_as_example PYTHON-EXPRESSION: equal over both definitions (e, read)
    python3 - "$definition" "$example_json" "$1" <<'EOF'
import json, sys
def plain(x):  # the example marks its own fixtures; init cannot know them
    if isinstance(x, dict): return {k: plain(v) for k, v in x.items() if k != "fixture"}
    if isinstance(x, list): return [plain(v) for v in x]
    return x
e = plain(json.load(open(sys.argv[1])))
d = plain(json.load(open(sys.argv[2])))
wanted, got = eval(sys.argv[3])
sys.exit(0 if wanted == got else 1)
EOF
}
check "  the baseline rows equal the example's" \
    same_as_example '(sorted(e["baseline"]["catalog"], key=lambda r: r["command_name"]), sorted(d["baseline"]["catalog"], key=lambda r: r["command_name"]))'
check "  every signature read equals the example's" \
    same_as_example '({s["name"]: s for s in e["signatures"] if s["name"] in {x["name"] for x in d["signatures"]}}, {s["name"]: s for s in d["signatures"]})'
check "  as many signatures as the baseline's distinct targets" \
    equals "$(json_of 'len(d["signatures"])' "$example_json")" "$(figure "$definition" 033 distinct_targets)"
check "  the configs equal the example's" \
    same_as_example '(sorted(e["configs"], key=lambda c: c["key"]), sorted(d["configs"], key=lambda c: c["key"]))'


# --- init --gate: the gates a database cannot tell, checked, written and enforced ---------------
says() { # says REGEX DESCRIPTION: the last step's stdout or stderr matches
    if cat "$work/out" "$work/err" 2>/dev/null | grep -qE -- "$1"; then pass "$2"; else
        fail "$2: the output does not match /$1/" "$work/out" "$work/err"
    fi
}
check "  no --gate, no gates" equals "$(json_of 'len(d["gates"])' "$example_json")" 0
config_of() { # config_of TYPE VALUE: the first config of that type and value the database has
    json_of "next(c[\"key\"] for c in d[\"configs\"] if c[\"type\"] == \"$1\" and c.get(\"value\") $2)" "$example_json"
}
closed=$(config_of boolean '== "false"')
opened=$(config_of boolean '== "true"')
not_boolean=$(config_of integer 'is not None')
gated=$(json_of '",".join(sorted(r["command_name"] for r in d["baseline"]["catalog"])[:2])' "$example_json")
first_gated=${gated%%,*}
gated_json=$work/example-gated.json
iucore --db "$unreachable" init --as-version 033 --gate "$closed=sometimes" --output "$gated_json"
expect_rc 2 "init --gate with an unknown mode (before connecting)"
says 'sometimes.*CONFIG=MODE' "  it names the mode and the form"
iucore --db "$unreachable" init --as-version 033 --gate "=live" --output "$gated_json"
expect_rc 2 "init --gate without a config"
iucore --db "$unreachable" init --as-version 033 --gate "$closed=live:" --output "$gated_json"
expect_rc 2 "init --gate with an empty command list"
iucore --db "$example" init --as-version 033 --gate "no.such_config=live" --output "$gated_json"
expect_rc 2 "init --gate naming a config the database lacks"
says "no such config; the boolean configs: .*$closed" "  it lists the boolean configs"
iucore --db "$example" init --as-version 033 --gate "$not_boolean=live" --output "$gated_json"
expect_rc 2 "init --gate naming a config that is not boolean"
says "$not_boolean: the config is integer, not boolean" "  it says the config's type"
iucore --db "$example" init --as-version 033 --gate "$closed=live:no_such_command" --output "$gated_json"
expect_rc 2 "init --gate naming a command the catalog lacks"
says '"no_such_command" is not a command of the catalog' "  it names the command"
check "  nothing was written" test ! -e "$gated_json"
iucore --db "$desk" init --as-version "$version" "${mapping[@]}" --gate "$closed=live" --output "$gated_json"
expect_rc 2 "init --gate on a database without a config table"
says 'the database has no config table' "  it says there is no config table"

iucore --db "$example" init --as-version 033 --gate "$closed=dry_run,live:$gated" \
    --gate "$opened=live" --output "$gated_json"
expect_rc 0 "init with two gates"
check "  two gates written" equals "$(json_of 'len(d["gates"])' "$gated_json")" 2
check "  the first: the closed config, both modes, the two commands given" \
    equals "$(json_of '"%s %s %s" % (d["gates"][0]["config"], ",".join(d["gates"][0]["modes"]), ",".join(d["gates"][0]["commands"]))' "$gated_json")" \
    "$closed dry_run,live $gated"
check "  the second, without commands, holds every catalog command" \
    equals "$(json_of 'len(d["gates"][1]["commands"])' "$gated_json")" "$(figure "$gated_json" 033 catalog_rows)"
mapfile -t first_arguments < <(python3 - "$gated_json" "$first_gated" <<'EOF'
import json, sys  # a value of its type for every required parameter of the command's function
d = json.load(open(sys.argv[1]))
target = next(r for r in d["baseline"]["catalog"] if r["command_name"] == sys.argv[2])["target_functions"][0]
values = {"uuid": "00000000-0000-0000-0000-000000000000", "boolean": "true"}
for p in next(s for s in d["signatures"] if s["name"] == target)["parameters"]:
    if "default" not in p:
        print(p["name"] + "=" + values.get(p["type"], "1"))
EOF
)
runs_before=$(psql_in "$example" "SELECT count(*) FROM public.dot_iu_command_run")
iucore --db "$example" --definition "$gated_json" run "$first_gated" "${first_arguments[@]}"
expect_rc 1 "run $first_gated: refused by the gate init wrote"
says "REFUSED: $closed=false" "  it names the closed config"
check "  the refusal is logged" equals \
    "$(psql_in "$example" "SELECT count(*) - $runs_before FROM public.dot_iu_command_run")" 1
iucore --db "$example" --definition "$gated_json" gates
expect_rc 0 "gates reads both from the database"
says "$closed" "  it shows the closed config"

echo "== $passes passed, $failures failed"
((failures == 0))
