#!/usr/bin/env bash
# apply_processes.sh CLI EXAMPLES_DIR
#
# Appliers in separate processes (issue 19): 8 `iucore apply 034` processes in flight at once
# (held at a lock until all 8 wait) on one database where 034 is pending, on the throwaway cluster of the CTest fixture `postgres`.
# Exactly one applies, the other seven report it already applied, none fails; the catalog ends
# at the definition's row count after 034 and the ledger holds one row of 034. The tests of
# concurrent appliers in lifecycle/concurrency use threads of one process: only this one fails
# when the advisory lock's key differs between processes.
#
# Every figure comes from the definition (`iucore --json pins`). Options go before the verb.
# Prints one PASS/FAIL line per assertion; exits 1 when any assertion failed, 2 on bad usage.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

readonly appliers=8
database="iucore_apply_processes_$$"
databases+=("$database")

sql_value() { psql -X -At -v ON_ERROR_STOP=on -d "$conninfo" -c "$1"; }
catalog_rows() { sql_value "SELECT count(*) FROM public.dot_iu_command_catalog"; }
ledger_rows() { # ledger rows of 034 (0 without a ledger table)
    if [[ $(sql_value "SELECT to_regclass('public.iucore_migration_ledger') IS NULL") == t ]]; then
        echo 0
    else
        sql_value "SELECT count(*) FROM public.iucore_migration_ledger WHERE migration_id = '034'"
    fi
}
check_equal() { # check_equal DESCRIPTION ACTUAL EXPECTED
    if [[ $2 == "$3" ]]; then pass "$1 ($2)"; else fail "$1: $2, expected $3" /dev/null; fi
}

# The figures before and after 034, from the definition.
"$cli" --definition "$definition" --json pins >"$work/figures.json"
figure() { # figure VERSION NAME
    python3 - "$work/figures.json" "$1" "$2" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
print(next(f for f in report["figures"] if f["version"] == sys.argv[2])[sys.argv[3]])
EOF
}
rows_before=$(figure 033 catalog_rows)
rows_after=$(figure 034 catalog_rows)

# --- A fresh database before 034 ---------------------------------------------------------------
conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$database")
psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$substrate" >/dev/null
"$cli" --definition "$definition" render seed 033 |
    psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" >/dev/null
check_equal "before: the baseline's catalog rows" "$(catalog_rows)" "$rows_before"
check_equal "before: no ledger row of 034" "$(ledger_rows)" 0

# --- 8 processes, all in flight at once ---------------------------------------------------------
# However slow the machine, the processes must overlap: a psql session holds the catalog in
# EXCLUSIVE mode (reads go on, inserts wait) until all 8 are waiting on a lock. With one lock
# key for every process, one holds the advisory lock and waits at its insert, and the other
# seven wait on the advisory lock; with a key per process all 8 would wait at the insert.
mkfifo "$work/holder"
psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" <"$work/holder" >/dev/null 2>&1 &
holder=$!
exec 7>"$work/holder"
echo "BEGIN; LOCK TABLE public.dot_iu_command_catalog IN EXCLUSIVE MODE;" >&7
wait_for() { # wait_for SQL VALUE: until the query says VALUE (at most 120 s)
    local i
    for ((i = 0; i < 1200; i++)); do
        [[ $(sql_value "$1") == "$2" ]] && return 0
        sleep 0.1
    done
    return 1
}
held="SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
       WHERE c.relname = 'dot_iu_command_catalog' AND l.mode = 'ExclusiveLock' AND l.granted"
wait_for "$held" 1 || fail "the holder took the catalog's lock" /dev/null

pids=()
for i in $(seq 1 "$appliers"); do
    (
        rc=0
        "$cli" --definition "$definition" --db "$conninfo" --lock-timeout 5min --json apply 034 \
            >"$work/applier.$i.out" 2>"$work/applier.$i.err" || rc=$?
        echo "$rc" >"$work/applier.$i.rc"
    ) &
    pids+=($!)
done
waiting="SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
          AND application_name = 'iucore apply' AND wait_event_type = 'Lock'"
if wait_for "$waiting" "$appliers"; then
    pass "all $appliers appliers are in flight at once, each waiting on a lock"
else
    fail "all $appliers appliers waiting on a lock: $(sql_value "$waiting") are" /dev/null
fi
check_equal "appliers waiting on the advisory lock (the other one waits at its insert)" \
    "$(sql_value "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")" \
    $((appliers - 1))
echo "COMMIT;" >&7
exec 7>&-
wait "$holder" || true
for pid in "${pids[@]}"; do wait "$pid"; done

applied=0 already=0 failed=0
for i in $(seq 1 "$appliers"); do
    outcome=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("outcome", "?"))' \
        "$work/applier.$i.out" 2>/dev/null || echo "unreadable")
    rc=$(cat "$work/applier.$i.rc")
    case "$rc:$outcome" in
    0:applied) applied=$((applied + 1)) ;;
    0:already_applied) already=$((already + 1)) ;;
    *)
        failed=$((failed + 1))
        fail "applier $i: exit $rc, outcome $outcome" "$work/applier.$i.out" "$work/applier.$i.err"
        ;;
    esac
done
echo "apply_processes: $appliers processes, $applied applied, $already already applied, $failed failed"
check_equal "processes that applied 034" "$applied" 1
check_equal "processes that found 034 already applied" "$already" $((appliers - 1))
check_equal "processes that failed" "$failed" 0
check_equal "after: the catalog rows after 034" "$(catalog_rows)" "$rows_after"
check_equal "after: ledger rows of 034" "$(ledger_rows)" 1

echo "== $passes passed, $failures failed"
((failures == 0))
