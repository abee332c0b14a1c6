#!/usr/bin/env bash
# psql_replay.sh CLI EXAMPLES_DIR
#
# Replays reference/migration-034-record.md through real `psql -v ON_ERROR_STOP=on -f`, with
# every SQL file rendered by the iucore CLI, then drives the CLI verbs against their exit codes.
# Each part runs in its own fresh database on the throwaway cluster of the CTest fixture
# `postgres` (IUCORE_PG_THROWAWAY, IUCORE_PG_STATE, IUCORE_TEST_CONNINFO); the databases are
# dropped at exit (set IUCORE_KEEP_TEST_DB=1 to keep them).
#
# Prints one PASS/FAIL line per assertion; exits 1 when any assertion failed, 2 on bad usage.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"

# A fresh database; prints its conninfo.
new_database() {
    local name="iucore_replay_$$_$1"
    databases+=("$name")
    "$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$name"
}

# psql_file CONNINFO FILE OUT: runs FILE as the record did; sets psql_rc; OUT gets stdout+stderr,
# and OUT.norm the same with runs of whitespace squeezed and lines trimmed (psql's alignment).
psql_rc=0
psql_file() {
    psql_rc=0
    psql -X -v ON_ERROR_STOP=on -d "$1" -f "$2" >"$3" 2>&1 || psql_rc=$?
    sed -E 's/[[:space:]]+/ /g; s/^ //; s/ $//' "$3" >"$3.norm"
}

# One value from a query.
sql_value() { psql -X -At -v ON_ERROR_STOP=on -d "$1" -c "$2"; }

catalog_rows() { sql_value "$1" "SELECT count(*) FROM public.dot_iu_command_catalog"; }

# has_line FILE LINE: FILE (normalised) holds exactly LINE.
has_line() { grep -Fxq -- "$2" "$1"; }
has_text() { grep -Fq -- "$2" "$1"; }

expect_count() { # DESCRIPTION CONNINFO N
    local n
    n=$(catalog_rows "$2")
    if [[ $n == "$3" ]]; then pass "$1 (catalog has $n rows)"; else fail "$1: catalog has $n rows, expected $3"; fi
}

# cli_run ARGS...: the CLI with the example definition; sets cli_rc; stdout/stderr in files.
cli_rc=0
cli_out=$work/cli.out
cli_err=$work/cli.err
cli_run() {
    cli_rc=0
    "$cli" --definition "$definition" "$@" >"$cli_out" 2>"$cli_err" || cli_rc=$?
}

expect_exit() { # DESCRIPTION CODE
    if [[ $cli_rc == "$2" ]]; then
        pass "$1 (exit $cli_rc)"
    else
        fail "$1: exit $cli_rc, expected $2" "$cli_out" "$cli_err"
    fi
}

# render WHAT... > FILE, asserting exit 0.
render_to() {
    local file=$1
    shift
    cli_run render "$@"
    if [[ $cli_rc == 0 ]]; then
        cp "$cli_out" "$file"
        pass "iucore render $* -> ${file##*/}"
    else
        fail "iucore render $*: exit $cli_rc" "$cli_err"
        : >"$file"
    fi
}

readonly rows_present='034_new_rows | {dot_iu_auto_instantiate_from_event,dot_iu_auto_instantiate_rollback_by_actor}'
readonly insert_run="INSERT INTO public.dot_iu_command_run (command_name, outcome) VALUES ('dot_iu_auto_instantiate_from_event', 'ok')"

# A database at the state 034 was applied to: substrate, then the rendered 033 seed (24 rows).
baseline() { # CONNINFO LABEL
    psql_file "$1" "$substrate" "$work/$2.substrate.out"
    if [[ $psql_rc == 0 ]]; then pass "$2: 033 substrate loads"; else fail "$2: 033 substrate: psql exit $psql_rc" "$work/$2.substrate.out"; fi
    psql_file "$1" "$work/seed_033.sql" "$work/$2.seed033.out"
    if [[ $psql_rc == 0 ]] && has_line "$work/$2.seed033.out.norm" "INSERT 0 24"; then
        pass "$2: seed 033 gives INSERT 0 24"
    else
        fail "$2: seed 033 (psql exit $psql_rc)" "$work/$2.seed033.out"
    fi
}

echo "== rendering with $cli"
render_to "$work/forward_034.sql" forward 034
render_to "$work/rollback_034.sql" rollback 034
render_to "$work/seed_033.sql" seed 033
render_to "$work/seed.sql" seed

echo "== psql replay of the record"
db=$(new_database psql)
baseline "$db" psql

psql_file "$db" "$work/forward_034.sql" "$work/forward.out"
f=$work/forward.out.norm
if [[ $psql_rc == 0 ]]; then pass "forward 034 under ON_ERROR_STOP succeeds"; else fail "forward 034: psql exit $psql_rc" "$work/forward.out"; fi
for line in "BEGIN" "DO" "INSERT 0 2" "034_catalog | 26 | t" "034_targets | 24 | t" "$rows_present" "COMMIT"; do
    if has_line "$f" "$line"; then pass "forward 034 prints '$line'"; else fail "forward 034 does not print '$line'" "$work/forward.out"; fi
done
for header in "check | catalog_rows | expected_26" "check | distinct_target_functions | all_resolvable" "check | rows_present"; do
    if has_line "$f" "$header"; then pass "forward 034 prints the header '$header'"; else fail "forward 034 lacks the header '$header'" "$work/forward.out"; fi
done
expect_count "after forward 034" "$db" 26

psql_file "$db" "$work/forward_034.sql" "$work/forward2.out"
if [[ $psql_rc == 0 ]] && has_line "$work/forward2.out.norm" "INSERT 0 0" &&
    has_line "$work/forward2.out.norm" "034_catalog | 26 | t"; then
    pass "forward 034 re-applied: INSERT 0 0, still 26"
else
    fail "forward 034 re-applied (psql exit $psql_rc)" "$work/forward2.out"
fi

psql_file "$db" "$work/seed.sql" "$work/seed.out"
if [[ $psql_rc == 0 ]] && has_line "$work/seed.out.norm" "INSERT 0 0"; then
    pass "latest seed re-applied: INSERT 0 0 (SSOT matches live row for row)"
else
    fail "latest seed re-applied (psql exit $psql_rc)" "$work/seed.out"
fi

sql_value "$db" "$insert_run" >/dev/null
psql_file "$db" "$work/rollback_034.sql" "$work/rollback_refused.out"
if [[ $psql_rc != 0 ]] && has_text "$work/rollback_refused.out" "REFUSED" &&
    has_text "$work/rollback_refused.out" "dot_iu_auto_instantiate_from_event (1 runs)"; then
    pass "rollback 034 with a run: psql fails with REFUSED naming the command (exit $psql_rc)"
else
    fail "rollback 034 with a run: psql exit $psql_rc, expected a REFUSED failure" "$work/rollback_refused.out"
fi
if has_line "$work/rollback_refused.out.norm" "DELETE 2"; then fail "refused rollback printed DELETE 2" "$work/rollback_refused.out"; else pass "refused rollback deleted nothing"; fi
expect_count "after the refused rollback" "$db" 26

sql_value "$db" "DELETE FROM public.dot_iu_command_run" >/dev/null
psql_file "$db" "$work/rollback_034.sql" "$work/rollback.out"
if [[ $psql_rc == 0 ]] && has_line "$work/rollback.out.norm" "DELETE 2" &&
    has_line "$work/rollback.out.norm" "034_rollback_catalog | 24 | t"; then
    pass "rollback 034 without runs: DELETE 2, 034_rollback_catalog | 24 | t"
else
    fail "rollback 034 without runs (psql exit $psql_rc)" "$work/rollback.out"
fi
expect_count "after the rollback" "$db" 24

psql_file "$db" "$work/forward_034.sql" "$work/forward3.out"
if [[ $psql_rc == 0 ]] && has_line "$work/forward3.out.norm" "INSERT 0 2"; then
    pass "forward 034 again: INSERT 0 2 (26 -> 24 -> 26)"
else
    fail "forward 034 again (psql exit $psql_rc)" "$work/forward3.out"
fi
expect_count "after forward 034 again" "$db" 26

echo "== preflight: substrate without fn_iu_auto_instantiate_from_event"
db=$(new_database preflight)
baseline "$db" preflight
sql_value "$db" "DROP FUNCTION public.fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text)" >/dev/null
psql_file "$db" "$work/forward_034.sql" "$work/preflight.out"
if [[ $psql_rc != 0 ]]; then pass "forward 034 fails without the 033 function (exit $psql_rc)"; else fail "forward 034 succeeded without the 033 function" "$work/preflight.out"; fi
# The preflight's own message, not a side error (a text[] || 'literal' once raised 22P02).
if has_text "$work/preflight.out" "034 preflight: migration 033 substrate missing" &&
    has_text "$work/preflight.out" "fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text)"; then
    pass "the failure is the preflight naming the missing function"
else
    fail "the failure is not '034 preflight: migration 033 substrate missing fn_iu_auto_instantiate_from_event(…)'" "$work/preflight.out"
fi
expect_count "after the failed forward 034" "$db" 24

echo "== the CLI"
db=$(new_database cli)
baseline "$db" cli

cli_run --db "$db" apply 034
expect_exit "iucore apply 034" 0
if has_text "$cli_out" "INSERT 0 2"; then pass "apply 034 prints INSERT 0 2"; else fail "apply 034 does not print INSERT 0 2" "$cli_out"; fi
expect_count "after iucore apply 034" "$db" 26

cli_run --db "$db" apply 034
expect_exit "iucore apply 034 again" 0
if has_text "$cli_out" "already applied"; then pass "apply 034 again says already applied"; else fail "apply 034 again does not say already applied" "$cli_out"; fi

cli_run --db "$db" --json apply 034
expect_exit "iucore --json apply 034" 0
if python3 -c 'import json,sys; r=json.load(sys.stdin); sys.exit(0 if r["outcome"]=="already_applied" and r["inserted"]==0 else 1)' <"$cli_out"; then
    pass "apply --json reports outcome already_applied"
else
    fail "apply --json does not report already_applied" "$cli_out"
fi

sql_value "$db" "$insert_run" >/dev/null
cli_run --db "$db" rollback 034
expect_exit "iucore rollback 034 with a run" 1
if has_text "$cli_err" "REFUSED"; then pass "rollback with a run: REFUSED on stderr"; else fail "rollback with a run: no REFUSED on stderr" "$cli_err"; fi
expect_count "after the refused CLI rollback" "$db" 26

cli_run --db "$db" prove 034
expect_exit "iucore prove 034 with a run" 1
sql_value "$db" "DELETE FROM public.dot_iu_command_run" >/dev/null

cli_run --db "$db" prove 034
expect_exit "iucore prove 034" 0
if has_text "$cli_out" "26 → 24 → 26"; then pass "prove prints 26 → 24 → 26"; else fail "prove does not print 26 → 24 → 26" "$cli_out"; fi
expect_count "after prove" "$db" 26

cli_run --db "$db" surface
expect_exit "iucore surface" 0
if grep -Eq '(^|[^0-9])181([^0-9]|$)' "$cli_out"; then pass "surface reports 181"; else fail "surface does not report 181" "$cli_out"; fi

cli_run --db "$db" diff
expect_exit "iucore diff" 0

cli_run --db "$db" status
expect_exit "iucore status" 0
if grep -Eq '^ *034 +\| +applied ' "$cli_out"; then pass "status shows 034 applied"; else fail "status does not show 034 applied" "$cli_out"; fi

cli_run --db "$db" verify
expect_exit "iucore verify" 0

cli_run --db "$db" snapshot
expect_exit "iucore snapshot" 0
if python3 -m json.tool "$cli_out" >/dev/null 2>&1; then pass "snapshot prints valid JSON"; else fail "snapshot output is not valid JSON" "$cli_out"; fi

cli_run pins
expect_exit "iucore pins" 0

cli_run --db "$db" rollback 034
expect_exit "iucore rollback 034 without runs" 0
expect_count "after iucore rollback 034" "$db" 24
cli_run --db "$db" verify
expect_exit "iucore verify at 033 state (034 checks fail)" 1
cli_run --db "$db" verify 033
expect_exit "iucore verify 033" 0
cli_run --db "$db" apply 034 --dry-run
expect_exit "iucore apply 034 --dry-run" 0
expect_count "after the dry run" "$db" 24

cli_run render forward 099
expect_exit "iucore render forward 099 (unknown migration)" 2

cli_run --db "host=$IUCORE_PG_STATE port=${PGPORT:-5432} user=postgres dbname=iucore_no_such_database connect_timeout=5" status
expect_exit "iucore status with a bad --db" 3

echo "== $passes passed, $failures failed"
((failures == 0))
