#!/usr/bin/env bash
# cli_interrupts.sh CLI EXAMPLES_DIR
#
# Interrupts, waits and visibility (issue 13), on a database of the CTest fixture's throwaway
# PostgreSQL at 033 with 034 pending:
#   - another session holds the catalog locked; `iucore apply 034` waits, visible in
#     pg_stat_activity as "iucore apply"; SIGINT (and, the second time, SIGTERM) cancels it on
#     the server: exit 130 (143), "cancelled: nothing was committed", and once the lock is
#     released the catalog still has the 033 row count, the ledger has no 034 row and no
#     backend named "iucore apply" remains;
#   - the same lock with --lock-timeout 1s: exit 3 within a few seconds, naming the pid of the
#     session that holds the lock.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

database="iucore_cli_interrupts_$$"
databases+=("$database")
names() { grep -qF -- "$1" "$work/err"; }
not_names() { ! grep -qF -- "$1" "$work/err"; }
sql() { psql -X -At -v ON_ERROR_STOP=on -d "$conninfo" -c "$1"; }

conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$database")
psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$substrate" >/dev/null
"$cli" --definition "$definition" render seed 033 | psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" >/dev/null
figure() { # figure VERSION NAME: a figure the definition derives
    "$cli" --definition "$definition" --json pins |
        python3 -c 'import json,sys; f={x["version"]: x for x in json.load(sys.stdin)["figures"]}; print(f[sys.argv[1]][sys.argv[2]])' "$1" "$2"
}
rows_before=$(figure 033 catalog_rows)
ledger_rows_034() {
    sql "SELECT CASE WHEN to_regclass('public.iucore_migration_ledger') IS NULL THEN 0
                ELSE (SELECT count(*) FROM public.iucore_migration_ledger WHERE migration_id = '034')
                END" 2>/dev/null || sql "SELECT 0"
}
waiting_appliers() {
    sql "SELECT count(*) FROM pg_stat_activity
          WHERE application_name = 'iucore apply' AND pid <> pg_backend_pid()
            AND wait_event_type IS DISTINCT FROM 'Client'"
}

# hold_lock SECONDS: another session holds the catalog ACCESS EXCLUSIVE; its pid in $holder_pid.
hold_lock() {
    rm -f "$work/holder"
    psql -X -At -v ON_ERROR_STOP=on -d "$conninfo" >"$work/holder" 2>&1 <<SQL &
BEGIN;
LOCK TABLE public.dot_iu_command_catalog IN ACCESS EXCLUSIVE MODE;
SELECT 'pid=' || pg_backend_pid();
\o /dev/null
SELECT pg_sleep($1);
COMMIT;
SQL
    holder_job=$!
    for _ in $(seq 100); do
        grep -q '^pid=' "$work/holder" 2>/dev/null && break
        sleep 0.1
    done
    holder_pid=$(sed -n 's/^pid=//p' "$work/holder")
}
wait_until_waiting() { # up to 10 s for the applier to show up, waiting on its lock
    for _ in $(seq 100); do
        [[ $(waiting_appliers) == 1 ]] && return 0
        sleep 0.1
    done
    return 1
}

for signal in INT TERM; do
    [[ $signal == INT ]] && expected_exit=130 || expected_exit=143
    hold_lock 8
    rc=0
    "$cli" apply 034 --definition "$definition" --db "$conninfo" >"$work/out" 2>"$work/err" &
    applier=$!
    check "SIG$signal: the waiting apply is visible as \"iucore apply\" in pg_stat_activity" \
        wait_until_waiting
    kill -s "$signal" "$applier"
    wait "$applier" || rc=$?
    check "SIG$signal: exit $expected_exit (got $rc)" equals "$rc" "$expected_exit"
    check "SIG$signal: says nothing was committed" names "cancelled: nothing was committed"
    # Release the lock: a backend that had gone on waiting would now commit 034.
    sql "SELECT pg_cancel_backend($holder_pid)" >/dev/null
    wait "$holder_job" || true
    sleep 1
    check "SIG$signal: after the lock is released the catalog still has $rows_before rows" \
        equals "$(sql "SELECT count(*) FROM public.dot_iu_command_catalog")" "$rows_before"
    check "SIG$signal: the ledger has no 034 row" equals "$(ledger_rows_034)" 0
    check "SIG$signal: no backend named \"iucore apply\" remains" equals "$(waiting_appliers)" 0
done

hold_lock 10
started=$SECONDS
rc=0
"$cli" apply 034 --definition "$definition" --db "$conninfo" --lock-timeout 1s \
    >"$work/out" 2>"$work/err" || rc=$?
took=$((SECONDS - started))
check "--lock-timeout 1s: exit 3 (got $rc)" equals "$rc" 3
check "--lock-timeout 1s: gave up within 5 s (took ${took} s)" test "$took" -le 5
check "--lock-timeout 1s: names the blocking backend pid $holder_pid" names "pid $holder_pid"
check "--lock-timeout 1s: the catalog is unchanged" \
    equals "$(sql "SELECT count(*) FROM public.dot_iu_command_catalog")" "$rows_before"
sql "SELECT pg_cancel_backend($holder_pid)" >/dev/null
wait "$holder_job" 2>/dev/null || true

# Progress: a wait past a second shows on stderr when stderr is a terminal (script(1) gives the
# CLI one), and nothing extra when piped or with --json.
hold_lock 10
rc=0
script -qec "$(printf '%q ' "$cli" apply 034 --definition "$definition" --db "$conninfo" \
    --lock-timeout 2s)" /dev/null >"$work/err" 2>&1 || rc=$?
check "on a terminal, a wait past a second shows progress" names "iucore apply: waiting on the server"
rc=0
"$cli" apply 034 --definition "$definition" --db "$conninfo" --lock-timeout 2s \
    >"$work/out" 2>"$work/err" || rc=$?
check "piped, no progress is shown" not_names "waiting on the server"
sql "SELECT pg_cancel_backend($holder_pid)" >/dev/null
wait "$holder_job" 2>/dev/null || true

printf '\n%d passed, %d failed\n' "$passes" "$failures"
((failures == 0))
