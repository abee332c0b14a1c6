#!/usr/bin/env bash
# apply_start_state.sh CLI EXAMPLES_DIR
#
# Issue 15, points 3 and 4, through the iucore CLI and real psql, on fresh databases of the
# throwaway cluster of the CTest fixture `postgres` (IUCORE_PG_THROWAWAY, IUCORE_PG_STATE,
# IUCORE_TEST_CONNINFO):
# - apply checks where it starts: a database at 033 written differently (one row's category
#   changed, one row missing, one row extra) is refused by `iucore apply 034` (exit 1, the rows
#   named, nothing changed) and by `psql -f` of `iucore render forward 034`, with the same
#   words; the example's own 033 database, and one with a row of 034 already there and equal,
#   still apply.
# - resolution by identity: a target function moved to another schema, or with other argument
#   types, fails preflight (apply and psql), verify and run, each naming the function and what
#   exists under its name instead.
# Every row, category and function is taken from the example definition. The databases are
# dropped at exit (set IUCORE_KEEP_TEST_DB=1 to keep them).
#
# Prints one PASS/FAIL line per assertion; exits 1 when any assertion failed, 2 on bad usage.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

# iucore ARGS...: the CLI with the example definition, stdout and stderr in $work/out.
iucore_options=(--definition "$definition")
combined_output=1

sql_value() { psql -X -At -v ON_ERROR_STOP=on -d "$1" -c "$2"; }
# psql_file CONNINFO FILE: the file as the record ran it; psql_rc gets the exit, $work/out the output.
psql_rc=0
psql_file() {
    psql_rc=0
    psql -X -v ON_ERROR_STOP=on -d "$1" -f "$2" >"$work/out" 2>&1 || psql_rc=$?
}
# state CONNINFO: the catalog, row for row, and the ledger (its rows, or that it is absent).
state() {
    sql_value "$1" "SELECT string_agg(format('%s|%s|%s|%s|%s', command_name, category, mutating,
                      reversible, target_functions), E'\n' ORDER BY command_name)
                      FROM public.dot_iu_command_catalog"
    if [[ $(sql_value "$1" "SELECT to_regclass('public.iucore_migration_ledger') IS NULL") == t ]]; then
        echo "no ledger"
    else
        sql_value "$1" "SELECT count(*) || ' ledger rows' FROM public.iucore_migration_ledger"
    fi
}
catalog_rows() { sql_value "$1" "SELECT count(*) FROM public.dot_iu_command_catalog"; }
# The refusal's own words, from the CLI's or psql's output: "REFUSED: …changed".
refusal() { grep -o 'REFUSED: migration .*nothing was changed' "$work/out" | head -n 1; }

# A fresh database at the state 034 starts from: the substrate and the rendered 033 seed.
new_database() { # new_database LABEL: prints its conninfo
    local name="iucore_start_$$_$1" conninfo
    databases+=("$name")
    conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$name")
    psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$substrate" >/dev/null
    psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$work/seed_033.sql" >/dev/null
    printf '%s\n' "$conninfo"
}

# --- What the definition says --------------------------------------------------------------
"$cli" --definition "$definition" render seed 033 >"$work/seed_033.sql"
"$cli" --definition "$definition" render forward 034 >"$work/forward_034.sql"
# Figures of the definition: the rows of 033 (the baseline), 034's rows and a target's signature.
from_definition() { python3 - "$definition" "$@" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = sorted(d["baseline"]["catalog"], key=lambda r: r["command_name"])
m034 = next(m for m in d["migrations"] if m["id"] == "034")
what = sys.argv[2]
if what == "previous":
    print(d["baseline"]["version"])
elif what == "row":                       # row N FIELD of the 033 catalog
    print(rows[int(sys.argv[3])][sys.argv[4]])
elif what == "other_category":            # a category of the definition other than row N's
    print(next(c for c in d["categories"] if c != rows[int(sys.argv[3])]["category"]))
elif what == "new_row":                   # 034's row N FIELD
    r = m034["adds"][int(sys.argv[3])][sys.argv[4]]
    print(json.dumps(r) if isinstance(r, (bool, list)) else r)
elif what == "identity":                  # the catalog's schema.fn(types) of 034's row N's target
    fn = m034["adds"][int(sys.argv[3])]["target_functions"][0]
    sig = next(s for s in d["signatures"] if s["name"] == fn)
    schema = d["schema"]["catalog"]["table"].split(".")[0]
    print("%s.%s(%s)" % (schema, fn, ",".join(p["type"] for p in sig["parameters"])))
elif what == "target":
    print(m034["adds"][int(sys.argv[3])]["target_functions"][0])
EOF
}
previous=$(from_definition previous)
changed=$(from_definition row 0 command_name)
changed_category=$(from_definition row 0 category)
other_category=$(from_definition other_category 0)
missing=$(from_definition row 1 command_name)
readonly extra=dot_iu_not_in_the_definition
rows_before=$("$cli" --definition "$definition" --json pins |
    python3 -c 'import json,sys; print({f["version"]: f for f in json.load(sys.stdin)["figures"]}[sys.argv[1]]["catalog_rows"])' "$previous")
rows_after=$("$cli" --definition "$definition" --json pins |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["figures"][-1]["catalog_rows"])')

# --- A database at 033 written differently: refused by iucore and by psql --------------------
echo "== a catalog that is not the one 034 starts from"
db=$(new_database written_differently)
sql_value "$db" "UPDATE public.dot_iu_command_catalog SET category = '$other_category'
                  WHERE command_name = '$changed';
                 DELETE FROM public.dot_iu_command_catalog WHERE command_name = '$missing';
                 INSERT INTO public.dot_iu_command_catalog
                      (command_name, category, mutating, reversible, target_functions)
                      SELECT '$extra', category, mutating, reversible, target_functions
                        FROM public.dot_iu_command_catalog WHERE command_name = '$changed'" \
    >/dev/null
check "the written-differently database has as many rows as 033 ($rows_before)" equals \
    "$(catalog_rows "$db")" "$rows_before"
state "$db" >"$work/state.before"

iucore --db "$db" apply 034
expect_rc 1 "iucore apply 034 on a catalog written differently is refused"
expect_out "REFUSED: migration 034 starts from the catalog at $previous" "the refusal says why"
expect_out "differs from it in 3 rows" "the refusal counts the differing rows"
expect_out "$missing (missing)" "the refusal names the missing row"
expect_out "$extra (unexpected)" "the refusal names the unexpected row"
expect_out "$changed (category: expected '$changed_category', found '$other_category')" \
    "the refusal names the changed row and its field"
cli_refusal=$(refusal)
state "$db" >"$work/state.after"
check "the refused apply changed nothing (catalog row for row, no ledger)" \
    cmp -s "$work/state.before" "$work/state.after"

iucore --db "$db" apply 034 --dry-run
expect_rc 1 "iucore apply 034 --dry-run is refused too"
iucore --db "$db" --json apply 034
expect_rc 1 "iucore --json apply 034 is refused"
expect_out "$missing (missing)" "the JSON error names the missing row"

psql_file "$db" "$work/forward_034.sql"
if [[ $psql_rc != 0 ]]; then pass "psql -f forward 034 fails on it (exit $psql_rc)"; else fail "psql -f forward 034 succeeded on a catalog written differently"; fi
check "psql refuses with the same words as iucore" equals "$(refusal)" "$cli_refusal"
if out_has "INSERT 0"; then fail "psql inserted before the refusal"; else pass "psql stopped before the insert"; fi
state "$db" >"$work/state.after"
check "psql changed nothing either" cmp -s "$work/state.before" "$work/state.after"

# Only the extra row: the count of 033 + 1, and still refused.
db=$(new_database one_extra)
sql_value "$db" "INSERT INTO public.dot_iu_command_catalog
                      (command_name, category, mutating, reversible, target_functions)
                      SELECT '$extra', category, mutating, reversible, target_functions
                        FROM public.dot_iu_command_catalog WHERE command_name = '$changed'" \
    >/dev/null
iucore --db "$db" apply 034
expect_rc 1 "iucore apply 034 with one unexpected row is refused"
expect_out "differs from it in 1 rows: $extra (unexpected)" "the refusal names it alone"
check "nothing was inserted" equals "$(catalog_rows "$db")" "$((rows_before + 1))"

# --- The example's own 033 database, and one with a row of 034 already there, equal ----------
echo "== the catalog 034 starts from"
db=$(new_database own)
iucore --db "$db" apply 034
expect_rc 0 "iucore apply 034 on the example's own 033 database"
expect_out "INSERT 0 $((rows_after - rows_before))" "it inserts 034's rows"
check "the catalog has $rows_after rows" equals "$(catalog_rows "$db")" "$rows_after"

db=$(new_database own_psql)
psql_file "$db" "$work/forward_034.sql"
if [[ $psql_rc == 0 ]]; then pass "psql -f forward 034 on the example's own 033 database"; else fail "psql -f forward 034 on the 033 database: exit $psql_rc"; fi

db=$(new_database partial)
sql_value "$db" "INSERT INTO public.dot_iu_command_catalog
                      (command_name, category, mutating, reversible, target_functions)
                 VALUES ('$(from_definition new_row 0 command_name)',
                         '$(from_definition new_row 0 category)',
                         $(from_definition new_row 0 mutating), $(from_definition new_row 0 reversible),
                         ARRAY['$(from_definition new_row 0 target_functions | python3 -c 'import json,sys; print("'"'"','"'"'".join(json.load(sys.stdin)))')']::text[])" \
    >/dev/null
iucore --db "$db" apply 034
expect_rc 0 "iucore apply 034 with one of 034's rows already there, equal"
expect_out "INSERT 0 $((rows_after - rows_before - 1))" "it inserts only the other"

# --- Resolution by identity --------------------------------------------------------------------
echo "== target functions resolved by identity"
target=$(from_definition target 1)
identity=$(from_definition identity 1)
readonly elsewhere=iucore_elsewhere
moved_identity="$elsewhere.${identity#*.}"
command_1=$(from_definition new_row 1 command_name)

# Moved to another schema, at 033: the preflight names it and where it is.
db=$(new_database moved)
sql_value "$db" "CREATE SCHEMA $elsewhere; ALTER FUNCTION $identity SET SCHEMA $elsewhere" >/dev/null
state "$db" >"$work/state.before"
iucore --db "$db" apply 034
expect_rc 1 "iucore apply 034 with $target moved to $elsewhere"
expect_out "034 preflight" "the preflight refuses it"
expect_out "$identity (found $moved_identity)" "it names the function and what exists instead"
psql_file "$db" "$work/forward_034.sql"
if [[ $psql_rc != 0 ]]; then pass "psql -f forward 034 fails too (exit $psql_rc)"; else fail "psql -f forward 034 succeeded with $target moved"; fi
expect_out "$identity (found $moved_identity)" "psql's preflight names it the same way"
state "$db" >"$work/state.after"
check "nothing changed" cmp -s "$work/state.before" "$work/state.after"

# Moved after 034: verify and run name it.
db=$(new_database moved_later)
iucore --db "$db" apply 034
expect_rc 0 "iucore apply 034 (then the function moves)"
iucore --db "$db" verify
expect_rc 0 "verify holds while $target is where the definition says"
sql_value "$db" "CREATE SCHEMA $elsewhere; ALTER FUNCTION $identity SET SCHEMA $elsewhere" >/dev/null
iucore --db "$db" verify
expect_rc 1 "verify with $target moved to $elsewhere fails"
expect_out "$identity not found; found $moved_identity" "verify names the function and where it is"
iucore --db "$db" run "$command_1" actor=operator dry_run=true --actor operator
expect_rc 1 "run $command_1 with its target moved fails"
expect_out "target function $identity not found; found $moved_identity" \
    "run names the function and where it is"

# Other argument types under the same name: verify and run name what exists.
sql_value "$db" "ALTER FUNCTION $moved_identity SET SCHEMA ${identity%%.*}" >/dev/null
iucore --db "$db" verify
expect_rc 0 "verify holds again with $target moved back"
sql_value "$db" "ALTER FUNCTION $identity RENAME TO iucore_renamed_away;
                 CREATE FUNCTION ${identity%%(*}(actor text) RETURNS jsonb LANGUAGE sql
                     AS \$\$ SELECT '{}'::jsonb \$\$" >/dev/null
iucore --db "$db" verify
expect_rc 1 "verify with $target's argument types changed fails"
expect_out "$identity not found; found ${identity%%(*}(text)" \
    "verify names the function and the signature that exists"
iucore --db "$db" run "$command_1" actor=operator dry_run=true --actor operator
expect_rc 1 "run $command_1 with its target's argument types changed fails"
expect_out "target function $identity not found; found ${identity%%(*}(text)" \
    "run names the function and the signature that exists"

printf '\n%d passed, %d failed\n' "$passes" "$failures"
((failures == 0))
