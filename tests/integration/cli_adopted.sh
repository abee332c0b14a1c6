#!/usr/bin/env bash
# cli_adopted.sh CLI EXAMPLES_DIR
#
# Issue 15, points 2, 7 and 8, through the CLI on the CTest fixture's throwaway PostgreSQL:
#   mapped schema: a database whose catalog names its columns differently and has extra columns
#     (id serial, created_at default now()), and whose run log is run_id, cmd, actor,
#     started_at (no args, mode, outcome, result or duration); a definition mapping them
#     seeds, applies, verifies and runs; the run logs into the columns that exist; the extra
#     columns are untouched; explain says once what cannot be logged; rollback's guard reads
#     the mapped command column; without a mapped id column the run's id is null;
#   who ran it: --actor, else $IUCORE_ACTOR, else the session's current_user; an argument
#     named actor is never taken as the actor;
#   encoding: with PGCLIENTENCODING=LATIN1 and client_encoding=LATIN1 in the conninfo, an
#     argument 'café' is stored as café (read back by psql in UTF8), and a result with é parses.
# Expected figures come from the definition (`pins --json`), not typed here.
#
# Prints one PASS/FAIL line per assertion; exits 1 when any failed.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR PGCLIENTENCODING

mapped_db="iucore_cli_adopted_mapped_$$"
plain_db="iucore_cli_adopted_plain_$$"
databases+=("$mapped_db" "$plain_db")

json_field() { # json_field KEY: the member KEY of the JSON report in $work/out
    python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print("null" if v is None else v)' "$work/out" "$1"
}
figure() { # figure VERSION NAME: a figure the definition derives
    "$cli" --definition "$definition" --json pins |
        python3 -c 'import json,sys; f={x["version"]: x for x in json.load(sys.stdin)["figures"]}; print(f[sys.argv[1]][sys.argv[2]])' "$1" "$2"
}

# --- a database written without iucore in mind ---------------------------------------------------
mapped=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$mapped_db")
psql -X -q -v ON_ERROR_STOP=on -d "$mapped" -f "$substrate" >/dev/null
psql_in "$mapped" "
CREATE TABLE public.ops_catalog (
    id serial,
    cmd_name text PRIMARY KEY,
    kind text NOT NULL,
    writes boolean NOT NULL,
    undoable boolean NOT NULL,
    targets text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE public.ops_runs (
    run_id bigserial PRIMARY KEY,
    cmd text NOT NULL,
    actor text,
    started_at timestamptz);" >/dev/null

# The example definition, its schema mapped onto those tables.
mapped_definition=$work/mapped.json
python3 - "$definition" "$mapped_definition" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["schema"]["catalog"] = {
    "table": "public.ops_catalog",
    "columns": {"command_name": "cmd_name", "category": "kind", "mutating": "writes",
                "reversible": "undoable", "target_functions": "targets"},
}
d["schema"]["run_log"] = {
    "table": "public.ops_runs",
    "command_column": "cmd",
    "columns": {"id": "run_id", "actor": "actor", "args": None, "mode": None, "outcome": None,
                "result": None, "duration_ms": None, "started_at": "started_at"},
}
json.dump(d, open(sys.argv[2], "w"), indent=2)
EOF
# The same mapping without an id column: the run's id cannot be reported.
no_id_definition=$work/no_id.json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["schema"]["run_log"]["columns"]["id"]=None; json.dump(d, open(sys.argv[2], "w"))' \
    "$mapped_definition" "$no_id_definition"

rows_033=$(figure 033 catalog_rows)
rows_034=$(figure 034 catalog_rows)

"$cli" --definition "$mapped_definition" render seed 033 |
    psql -X -q -v ON_ERROR_STOP=on -d "$mapped" >/dev/null
check "mapped: the seed wrote the 033 rows into the mapped columns" \
    equals "$(psql_in "$mapped" "SELECT count(*) FROM public.ops_catalog")" "$rows_033"
# The table's own columns, as the seed left them: nothing iucore does may touch them.
extra_of_033_rows() {
    psql_in "$mapped" "SELECT string_agg(cmd_name || '=' || id || '@' || created_at, ',' ORDER BY cmd_name)
                         FROM public.ops_catalog WHERE id <= $last_033_id"
}
last_033_id=$(psql_in "$mapped" "SELECT max(id) FROM public.ops_catalog")
extra_before=$(extra_of_033_rows)

iucore --definition "$mapped_definition" --db "$mapped" verify 033
check "mapped: verify 033 holds (exit $rc)" equals "$rc" 0
iucore --definition "$mapped_definition" --db "$mapped" apply 034
check "mapped: apply 034 (exit $rc)" equals "$rc" 0
check "mapped: 034's rows went in" \
    equals "$(psql_in "$mapped" "SELECT count(*) FROM public.ops_catalog")" "$rows_034"
iucore --definition "$mapped_definition" --db "$mapped" verify
check "mapped: verify holds after apply (exit $rc)" equals "$rc" 0
iucore --definition "$mapped_definition" --db "$mapped" diff
check "mapped: diff is clean, the extra columns ignored (exit $rc)" equals "$rc" 0

# explain names each column the run log lacks, once.
iucore --definition "$mapped_definition" --db "$mapped" explain dot_iu_collection_list
check "mapped: explain (exit $rc)" equals "$rc" 0
for column in args mode outcome result duration_ms; do
    check "mapped: explain says once that $column is not logged" \
        equals "$(grep -cF "run log: no $column column; $column not logged" "$work/out")" 1
done
check "mapped: explain does not claim the logged columns are missing" \
    equals "$(grep -cE 'run log: no (id|actor|started_at) column' "$work/out" || true)" 0

# A governed run logs into the columns that exist.
iucore --definition "$mapped_definition" --db "$mapped" --json --actor mapper run dot_iu_collection_list
check "mapped: the run is ok (exit $rc)" equals "$(json_field outcome)" ok
run_id=$(json_field run_id)
check "mapped: the run log's row is the run's id, with cmd, actor and started_at" \
    equals "$(psql_in "$mapped" "SELECT cmd || '|' || actor || '|' || (started_at IS NOT NULL) FROM public.ops_runs WHERE run_id = $run_id")" \
    "dot_iu_collection_list|mapper|true"
# A refused run is logged too (no outcome column: the row says who and what, not how).
iucore --definition "$mapped_definition" --db "$mapped" --json run \
    dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=true
check "mapped: a gated run is refused (exit $rc)" equals "$rc:$(json_field outcome)" 1:refused
refused_id=$(json_field run_id)
check "mapped: the refused run is logged under the mapped command column" \
    equals "$(psql_in "$mapped" "SELECT cmd FROM public.ops_runs WHERE run_id = $refused_id")" \
    dot_iu_auto_instantiate_rollback_by_actor
check "mapped: extra catalog columns of the 033 rows untouched by apply and runs" \
    equals "$(extra_of_033_rows)" "$extra_before"
check "mapped: 034's rows got their extra columns from the table's defaults" \
    equals "$(psql_in "$mapped" "SELECT count(*) FROM public.ops_catalog WHERE id > $last_033_id AND created_at IS NOT NULL")" \
    "$((rows_034 - rows_033))"

# Rollback's guard reads the mapped command column.
iucore --definition "$mapped_definition" --db "$mapped" rollback 034
check "mapped: rollback refused while a 034 command has runs (exit $rc)" equals "$rc" 1
check "mapped: the refusal names the mapped run log and column" \
    grep -qF "public.ops_runs.cmd" "$work/out" "$work/err"

# Without an id column the run's id is null, in JSON and in text.
iucore --definition "$no_id_definition" --db "$mapped" --json run dot_iu_collection_list
check "no id column: the run is ok (exit $rc)" equals "$rc:$(json_field outcome)" 0:ok
check "no id column: run_id is null" equals "$(json_field run_id)" null
iucore --definition "$no_id_definition" --db "$mapped" run dot_iu_collection_list
check "no id column: the text report says the id is not logged" \
    grep -qF "run log   id not logged, outcome ok" "$work/out"

# --- who ran it -------------------------------------------------------------------------------
plain=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$plain_db")
psql -X -q -v ON_ERROR_STOP=on -d "$plain" -f "$substrate" >/dev/null
"$cli" --definition "$definition" render seed 033 | psql -X -q -v ON_ERROR_STOP=on -d "$plain" >/dev/null
session_user=$(psql_in "$plain" "SELECT current_user")
actor_of() { # actor_of: the actor of the run in $work/out
    psql_in "$plain" "SELECT actor FROM public.dot_iu_command_run WHERE id = $(json_field run_id)"
}
IUCORE_ACTOR=from-env iucore --definition "$definition" --db "$plain" --json --actor from-option \
    run dot_iu_collection_list
check "actor: --actor wins over \$IUCORE_ACTOR" equals "$(actor_of)" from-option
iucore --definition "$definition" --db "$plain" --json run dot_iu_collection_list --actor after-verb
check "actor: --actor is global, accepted after the verb" equals "$(actor_of)" after-verb
IUCORE_ACTOR=from-env iucore --definition "$definition" --db "$plain" --json run dot_iu_collection_list
check "actor: \$IUCORE_ACTOR wins over current_user" equals "$(actor_of)" from-env
IUCORE_ACTOR= iucore --definition "$definition" --db "$plain" --json run dot_iu_collection_list
check "actor: an empty \$IUCORE_ACTOR means the session's current_user" \
    equals "$(actor_of)" "$session_user"
iucore --definition "$definition" --db "$plain" --json run \
    dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=true
check "actor: an argument named actor is not the actor (current_user is)" \
    equals "$(actor_of)" "$session_user"
iucore --definition "$definition" --db "$plain" --json run \
    dot_iu_collection_create collection_key=k title=t actor=someone-else
check "actor: nor is it for an ok run (the argument is logged as an argument)" \
    equals "$(actor_of):$(psql_in "$plain" "SELECT args->>'actor' FROM public.dot_iu_command_run WHERE id = $(json_field run_id)")" \
    "$session_user:someone-else"

# --- encoding ---------------------------------------------------------------------------------
# A row written in UTF8 by psql, which a governed run reads back in its result.
psql_in "$plain" "INSERT INTO public.iu_collection (collection_key, title) VALUES ('k-é', 'crème brûlée')" >/dev/null
run_latin1() { # run_latin1 HOW ARGS...: iucore --json run ARGS, asked for LATIN1 by HOW
    local how=$1
    shift
    if [[ $how == environment ]]; then
        PGCLIENTENCODING=LATIN1 iucore --definition "$definition" --db "$plain" --json run "$@"
    else
        iucore --definition "$definition" --db "$plain client_encoding=LATIN1" --json run "$@"
    fi
}
for how in environment conninfo; do
    run_latin1 "$how" dot_iu_collection_create collection_key=café title=thé
    check "encoding ($how): the run is ok and its result with é parses (exit $rc)" \
        equals "$rc:$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["outcome"], r["result"]["would_create"], r["unreadable"])' "$work/out")" \
        "0:ok café None"
    check "encoding ($how): the argument is stored as café" \
        equals "$(psql_in "$plain" "SELECT args->>'collection_key' FROM public.dot_iu_command_run WHERE id = $(json_field run_id)")" \
        café
    run_latin1 "$how" dot_iu_collection_list
    check "encoding ($how): a result read from the database in UTF8 parses, é intact (exit $rc)" \
        equals "$rc:$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["outcome"], [c["title"] for c in r["result"] if c["collection_key"] == "k-é"])' "$work/out")" \
        "0:ok ['crème brûlée']"
done

# A committed run whose result cannot be read (nested deeper than iucore reads) is still the
# run it was: ok, with its id, and the report says what could not be read.
psql_in "$plain" "CREATE OR REPLACE FUNCTION public.fn_iu_collection_list() RETURNS jsonb
                  LANGUAGE sql AS \$\$ SELECT (repeat('[', 100) || repeat(']', 100))::jsonb \$\$" >/dev/null
iucore --definition "$definition" --db "$plain" --json run dot_iu_collection_list
check "unreadable result: the committed run is reported ok (exit $rc)" \
    equals "$rc:$(json_field outcome):$(json_field result)" "0:ok:null"
check "unreadable result: the report says what could not be read" \
    grep -qF '"unreadable":"the result: not valid JSON' "$work/out"
check "unreadable result: the report's run id is the logged row, outcome ok" \
    equals "$(psql_in "$plain" "SELECT outcome FROM public.dot_iu_command_run WHERE id = $(json_field run_id)")" ok
iucore --definition "$definition" --db "$plain" run dot_iu_collection_list
check "unreadable result: the text report says it too (exit $rc)" \
    grep -qF "(committed; could not read: the result: not valid JSON" "$work/out"

printf '%d passed, %d failed\n' "$passes" "$failures"
((failures == 0))
