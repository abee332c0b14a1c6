#!/usr/bin/env bash
# apply_chain.sh CLI EXAMPLES_DIR
#
# Issue 16, point 3, through the CLI: a walk along the chain of migrations, on a database at the
# example's baseline and a copy of the example definition with a second migration promoted
# (fn_iu_instance_archive, the way an operator adds one):
#   refused before connecting: --to unknown, MIGRATION and --to together, a chain --dry-run,
#     rollback without MIGRATION or --to, a fleet apply without MIGRATION;
#   apply --to the first migration applies it alone; apply without an id applies the rest in
#     order, each in its own transaction; again, every one is already applied;
#   rollback --to is refused at the latest migration while a run references its row (the walk
#     stops there, nothing rolled back), goes one step back once the run is gone, then back to
#     the baseline, then has nothing to do;
#   a walk stopped by a failing preflight keeps the steps before it and none of the failing one;
#   --json reports apply_chain / rollback_chain with one step per migration.
# Expected figures come from the definitions (`pins --json`), not typed here.
#
# Prints one PASS/FAIL line per assertion; exits 1 when any failed.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

json_field() { # json_field PYTHON-EXPRESSION: over the JSON report r in $work/out
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/out" "$1"
}
state_of() { # state_of CONNINFO MIGRATION: its state in status --json (with the copy)
    "$cli" --definition "$copy" --db "$1" --json status |
        python3 -c 'import json,sys; print(*[m["state"] for m in json.load(sys.stdin)["migrations"] if m["migration"] == sys.argv[1]])' "$2"
}
catalog_rows() { psql_in "$1" "SELECT count(*) FROM public.dot_iu_command_catalog"; }

db=$(fresh_at_baseline apply_chain)
baseline=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["baseline"]["version"])' "$definition")
first=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["migrations"][0]["id"])' "$definition")
copy=$work/chain.json
cp "$definition" "$copy"
iucore --definition "$copy" --db "$db" promote fn_iu_instance_archive \
    --command dot_iu_instance_archive --category lifecycle --mutating
expect_rc 0 "promote a second migration into a copy of the definition"
second=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["migrations"][-1]["id"])' "$copy")
check "  the copy has two migrations ($first, $second)" test "$first" != "$second"
rows_base=$(figure_of "$copy" "$baseline" catalog_rows)
rows_first=$(figure_of "$copy" "$first" catalog_rows)
rows_second=$(figure_of "$copy" "$second" catalog_rows)

# --- refused before connecting ------------------------------------------------------------------
unreachable="host=/nonexistent/iucore-no-server dbname=x connect_timeout=1"
iucore --definition "$copy" --db "$unreachable" apply --to 999
expect_rc 2 "apply --to an unknown migration"
iucore --definition "$copy" --db "$unreachable" apply "$first" --to "$second"
expect_rc 2 "apply MIGRATION --to together"
iucore --definition "$copy" --db "$unreachable" apply --dry-run
expect_rc 2 "apply --dry-run without MIGRATION (a chain cannot be dry-run step by step)"
iucore --definition "$copy" --db "$unreachable" rollback
expect_rc 2 "rollback without MIGRATION or --to"
iucore --definition "$copy" --db "$unreachable" rollback "$second" --to "$baseline"
expect_rc 2 "rollback MIGRATION --to together"
iucore --definition "$copy" --db "$unreachable" rollback --to 999
expect_rc 2 "rollback --to an unknown version"
iucore --definition "$copy" --db "$unreachable" --db "$unreachable" apply
expect_rc 2 "a fleet apply without MIGRATION"
check "  nothing changed" equals "$(catalog_rows "$db")" "$rows_base"

# --- apply along the chain ----------------------------------------------------------------------
iucore --definition "$copy" --db "$db" apply --to "$first"
expect_rc 0 "apply --to $first"
check "  $first applied, $second pending" equals "$(state_of "$db" "$first") $(state_of "$db" "$second")" \
    "applied pending"
check "  the catalog has $first's rows" equals "$(catalog_rows "$db")" "$rows_first"
iucore --definition "$copy" --db "$db" apply
expect_rc 0 "apply (every migration)"
expect_out "apply up to $second: $first already applied, $second applied" "  it says what each step did"
check "  both applied" equals "$(state_of "$db" "$first") $(state_of "$db" "$second")" "applied applied"
check "  the catalog has $second's rows" equals "$(catalog_rows "$db")" "$rows_second"
iucore --definition "$copy" --db "$db" --json apply
expect_rc 0 "apply again, --json"
check "  an apply_chain report, one step per migration, each already applied" \
    equals "$(json_field 'r["operation"], [s["outcome"] for s in r["steps"]], r["ok"]')" \
    "('apply_chain', ['already_applied', 'already_applied'], True)"

# --- rollback along the chain -------------------------------------------------------------------
iucore --definition "$copy" --db "$db" --actor chain-test run dot_iu_instance_archive \
    instance_key=k-1 actor=chain-test
expect_rc 0 "a run of $second's command"
iucore --definition "$copy" --db "$db" rollback --to "$baseline"
expect_rc 1 "rollback --to $baseline while a run references $second's row"
expect_out "rollback: STOPPED at $second" "  the walk stops at $second"
check "  nothing was rolled back" equals "$(catalog_rows "$db")" "$rows_second"
psql_in "$db" "DELETE FROM public.dot_iu_command_run WHERE command_name = 'dot_iu_instance_archive'" >/dev/null
iucore --definition "$copy" --db "$db" rollback --to "$first"
expect_rc 0 "rollback --to $first once the run is gone"
check "  $second is pending again, $first applied" \
    equals "$(state_of "$db" "$first") $(state_of "$db" "$second")" "applied pending"
check "  the catalog has $first's rows" equals "$(catalog_rows "$db")" "$rows_first"
iucore --definition "$copy" --db "$db" --json rollback --to "$baseline"
expect_rc 0 "rollback --to $baseline, --json"
check "  a rollback_chain report: $first rolled back" \
    equals "$(json_field 'r["operation"], [s["migration"] for s in r["steps"]]')" \
    "('rollback_chain', ['$first'])"
check "  the catalog has the baseline's rows" equals "$(catalog_rows "$db")" "$rows_base"
iucore --definition "$copy" --db "$db" rollback --to "$baseline"
expect_rc 0 "rollback --to $baseline again"
expect_out "rollback back to $baseline: nothing to do" "  nothing to do"

# --- a walk stopped by a failing preflight -------------------------------------------------------
psql_in "$db" "DROP FUNCTION public.fn_iu_instance_archive(text, text)" >/dev/null
iucore --definition "$copy" --db "$db" apply
expect_rc 1 "apply when $second's required function is gone"
expect_out "apply: STOPPED at $second" "  the walk stops at $second"
check "  $first applied and recorded, $second pending" \
    equals "$(state_of "$db" "$first") $(state_of "$db" "$second")" "applied pending"
check "  the catalog has $first's rows, none of $second's" equals "$(catalog_rows "$db")" "$rows_first"

echo "== $passes passed, $failures failed"
((failures == 0))
