#!/usr/bin/env bash
# ledger_adopt.sh CLI EXAMPLES_DIR
#
# Issue 15, point 5, through the CLI, each case on a database of its own (the example's 033
# substrate and seed):
#   checksum scope: renaming the definition does not drift an applied migration; changing a
#     row of it does;
#   render forward --with-ledger: a migration applied by psql is recorded (status: applied;
#     apply: already applied); running the file again fails and changes nothing;
#   applied (unrecorded): the plain forward file applied by psql shows as such, not pending;
#   baseline: records it once the catalog is the definition's; refused (exit 1, nothing
#     written) when it is not; says so when already recorded;
#   repair: accepts an intentional change with who, when and why; refused without --reason
#     (exit 2) and when the live catalog does not hold the change (exit 1, ledger unchanged).
# Expected figures come from the definition (`pins --json`), not typed here.
#
# Prints one PASS/FAIL line per assertion; exits 1 when any failed.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

figure() { figure_of "$definition" "$1" "$2"; } # figure VERSION NAME
state_of() { # state_of CONNINFO [DEFINITION]: the state of 034 in status --json
    "$cli" --definition "${2:-$definition}" --db "$1" --json status |
        python3 -c 'import json,sys; print(*[m["state"] for m in json.load(sys.stdin)["migrations"] if m["migration"] == "034"])'
}
ledger_of() { # ledger_of CONNINFO: 034's ledger row (checksum and repair columns), or nothing
    psql_in "$1" "SELECT checksum || '|' || coalesce(repaired_by, '-') || '|' || (repaired_at IS NOT NULL) || '|' || coalesce(repair_reason, '-') FROM public.iucore_migration_ledger WHERE migration_id = '034'" 2>/dev/null || true
}
catalog_rows() { psql_in "$1" "SELECT count(*) FROM public.dot_iu_command_catalog"; }
fresh_033() { fresh_at_baseline "ledger_adopt_$1"; } # fresh_033 NAME: a database at 033
edited() { # edited PYTHON-STATEMENT FILE: a copy of the example definition, edited (d)
    python3 - "$definition" "$2" "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"), indent=2)
EOF
}
rows_033=$(figure 033 catalog_rows)
rows_034=$(figure 034 catalog_rows)
moved_row=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["migrations"][0]["adds"][0]["command_name"])' "$definition")

# --- the checksum covers what the migration does, not the definition's name -----------------------
db=$(fresh_033 scope)
IUCORE_ACTOR=ledger-adopt-apply iucore --definition "$definition" --db "$db" apply 034
expect_rc 0 "apply 034"
check "  its ledger row is by \$IUCORE_ACTOR, as runs are" equals \
    "$(psql_in "$db" "SELECT applied_by FROM public.iucore_migration_ledger WHERE migration_id = '034'")" ledger-adopt-apply
renamed=$work/renamed.json
edited 'd["name"] = "renamed project"' "$renamed"
check "renamed definition: 034 is still applied, not drifted" equals "$(state_of "$db" "$renamed")" applied
iucore --definition "$renamed" --db "$db" apply 034
expect_rc 0 "renamed definition: apply 034 says already applied"
expect_out "already applied" "  and says so"
changed=$work/changed.json
edited 'd["migrations"][0]["adds"][0]["category"] = "lifecycle"' "$changed"
check "a 034 row changed in the definition: 034 drifted" equals "$(state_of "$db" "$changed")" drifted

# --- render forward --with-ledger, applied by psql ---------------------------------------------------
db=$(fresh_033 with_ledger)
"$cli" --definition "$definition" render forward 034 --with-ledger >"$work/with_ledger.sql"
psql -X -q -v ON_ERROR_STOP=on -d "$db" -f "$work/with_ledger.sql" >/dev/null 2>&1
check "psql -f the --with-ledger file: the rows are in" equals "$(catalog_rows "$db")" "$rows_034"
check "  status: 034 applied" equals "$(state_of "$db")" applied
iucore --definition "$definition" --db "$db" apply 034
expect_out "already applied" "  apply 034: already applied"
ledger_before=$(ledger_of "$db")
rc=0
psql -X -q -v ON_ERROR_STOP=on -d "$db" -f "$work/with_ledger.sql" >"$work/out" 2>&1 || rc=$?
check "  the file run again fails (exit $rc)" test "$rc" -ne 0
check "  and changes nothing" equals "$(catalog_rows "$db"):$(ledger_of "$db")" "$rows_034:$ledger_before"
iucore --definition "$definition" render rollback 034 --with-ledger
expect_rc 2 "render rollback --with-ledger is a usage error"

# --- applied (unrecorded), then baseline --------------------------------------------------------------
db=$(fresh_033 unrecorded)
"$cli" --definition "$definition" render forward 034 | psql -X -q -v ON_ERROR_STOP=on -d "$db" >/dev/null
check "psql -f the plain forward file: status says applied (unrecorded)" \
    equals "$(state_of "$db")" "applied (unrecorded)"
iucore --definition "$definition" --db "$db" status
expect_out "applied (unrecorded)" "  in the text report too"
expect_out "iucore baseline 034 records it" "  which says what records it"
iucore --definition "$definition" --db "$db" --db "$db" status
expect_rc 0 "status as a fleet of two"
expect_out "at 034, 0 pending, 1 applied (unrecorded)" "  each target is at 034, its migration counted as unrecorded"
iucore --definition "$definition" --db "$db" --actor ledger-adopt-test baseline 034
expect_rc 0 "baseline 034"
expect_out "recorded 034 as applied" "  says what it recorded"
check "  the row is by --actor" equals \
    "$(psql_in "$db" "SELECT applied_by FROM public.iucore_migration_ledger WHERE migration_id = '034'")" ledger-adopt-test
check "  status: 034 applied" equals "$(state_of "$db")" applied
check "  the ledger row is apply's (same checksum as the definition's)" \
    equals "$(ledger_of "$db" | cut -d'|' -f1)" \
    "$("$cli" --definition "$definition" --json render forward 034 | python3 -c 'import json,sys; print(json.load(sys.stdin)["checksum"])')"
check "  the row says it was a baseline" \
    equals "$(psql_in "$db" "SELECT report->>'baseline' FROM public.iucore_migration_ledger WHERE migration_id = '034'")" true
iucore --definition "$definition" --db "$db" baseline 034
expect_rc 0 "baseline 034 again"
expect_out "recorded already" "  says it is recorded already"

db=$(fresh_033 not_applied)
iucore --definition "$definition" --db "$db" baseline 034
expect_rc 1 "baseline 034 when 034 is not applied is refused"
expect_out "REFUSED: the catalog is not what the definition has at 034" "  it says why"
check "  nothing was written (no ledger table, $rows_033 rows)" \
    equals "$(psql_in "$db" "SELECT to_regclass('public.iucore_migration_ledger') IS NULL"):$(catalog_rows "$db")" \
    "t:$rows_033"

# --- repair ---------------------------------------------------------------------------------------------
db=$(fresh_033 repair)
iucore --definition "$definition" --db "$db" apply 034
ledger_applied=$(ledger_of "$db")
iucore --definition "$changed" --db "$db" repair 034 --reason "moved"
expect_rc 1 "repair while the live catalog does not hold the change is refused"
check "  the ledger is unchanged" equals "$(ledger_of "$db")" "$ledger_applied"
iucore --definition "$changed" --db "$db" apply 034
expect_rc 1 "apply with the changed definition stops on drift"
iucore --definition "$changed" --db "$db" repair 034
expect_rc 2 "repair without --reason is a usage error"
iucore --definition "$changed" --db "$db" repair 034 --reason "   "
expect_rc 2 "repair with a blank --reason is a usage error"
# The intentional change, made live by hand, as an operator would.
psql_in "$db" "UPDATE public.dot_iu_command_catalog SET category = 'lifecycle' WHERE command_name = '$moved_row'" >/dev/null
iucore --definition "$changed" --db "$db" --actor operator-7 repair 034 --reason "moved to lifecycle"
expect_rc 0 "repair 034 once the catalog holds the change"
check "  status with the changed definition: applied" equals "$(state_of "$db" "$changed")" applied
check "  the ledger row: the new checksum, who, when and why" \
    equals "$(ledger_of "$db" | cut -d'|' -f2-)" "operator-7|true|moved to lifecycle"
check "  the checksum is the changed definition's" \
    equals "$(ledger_of "$db" | cut -d'|' -f1)" \
    "$("$cli" --definition "$changed" --json render forward 034 | python3 -c 'import json,sys; print(json.load(sys.stdin)["checksum"])')"
iucore --definition "$changed" --db "$db" repair 034 --reason "again"
expect_rc 0 "repair when nothing drifted"
expect_out "nothing to repair" "  says there is nothing to repair"

echo "== $passes passed, $failures failed"
((failures == 0))
