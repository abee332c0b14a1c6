#!/usr/bin/env bash
# fleet.sh CLI EXAMPLES_DIR
#
# Fleets (issue 18): apply, status, verify and diff over many databases of the CTest fixture's
# throwaway PostgreSQL at once. One broken target never stops the others, the report has one
# row per target and the exit code is 0 only when every target succeeded; a failing canary
# stops the fleet before any other target is touched. Expected sizes come from the definition.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

rc=0
iucore() {
    rc=0
    "$cli" --definition "$definition" "$@" >"$work/out" 2>"$work/err" || rc=$?
}
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what" "$work/out" "$work/err"; fi
}
equals() { [[ $1 == "$2" ]]; }
json() { # json EXPRESSION: evaluated over the JSON report in $work/out as `r`
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
        "$work/out" "$1"
}
figure() {
    "$cli" --definition "$definition" --json pins |
        python3 -c 'import json,sys; f={x["version"]: x for x in json.load(sys.stdin)["figures"]}; print(f[sys.argv[1]][sys.argv[2]])' "$1" "$2"
}
rows_before=$(figure 033 catalog_rows)
rows_after=$(figure 034 catalog_rows)
rows_of() { psql -X -At -d "$1" -c "SELECT count(*) FROM public.dot_iu_command_catalog"; }

# new_fleet NAME COUNT: COUNT databases at 033; their conninfos in $work/NAME (one per line).
new_fleet() {
    local i conninfo
    : >"$work/$1"
    for i in $(seq "$2"); do
        databases+=("iucore_fleet_${1}_${i}_$$")
        conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "iucore_fleet_${1}_${i}_$$")
        psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$substrate" >/dev/null
        "$cli" --definition "$definition" render seed 033 |
            psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" >/dev/null
        printf '%s\n' "$conninfo" >>"$work/$1"
    done
}
broken="$(sed 's/dbname=[^ ]*/dbname=iucore_fleet_no_such_database/' <<<"$IUCORE_TEST_CONNINFO")"

# --- 12 targets and a broken one in the middle, 4 at a time -----------------------------------
new_fleet main 12
{
    echo "# a fleet file: comments and blank lines are skipped"
    head -n 6 "$work/main"
    echo
    echo "$broken"
    tail -n 6 "$work/main"
} >"$work/main.fleet"
iucore apply 034 --fleet "$work/main.fleet" --parallel 4 --json
check "fleet apply with one broken target: exit 3 (got $rc)" equals "$rc" 3
check "one row per target (13)" equals "$(json 'len(r["targets"])')" 13
check "12 applied, 1 error" equals "$(json '(r["succeeded"], r["errors"])')" "(12, 1)"
check "the broken target is the error, named" equals \
    "$(json '[t["outcome"] for t in r["targets"] if "no_such_database" in t["target"]]')" \
    "['error']"
check "every good target went from 033 to 034" equals \
    "$(json 'sorted({(t["version_before"], t["version_after"]) for t in r["targets"] if t["outcome"] == "ok"})')" \
    "[('033', '034')]"
all_at() { # all_at ROWS FILE: every database of FILE has ROWS catalog rows
    local conninfo
    while IFS= read -r conninfo; do
        [[ $(rows_of "$conninfo") == "$1" ]] || return 1
    done <"$2"
}
check "all 12 good targets have $rows_after catalog rows" all_at "$rows_after" "$work/main"

iucore apply 034 --fleet "$work/main.fleet" --json
check "again: still exit 3 for the broken target" equals "$rc" 3
check "again: the 12 are already applied (034 → 034)" equals \
    "$(json 'sorted({(t["report"]["outcome"], t["version_after"]) for t in r["targets"] if t["outcome"] == "ok"})')" \
    "[('already_applied', '034')]"

# Repeated --db, text output, status, verify and diff.
mapfile -t first_two < <(head -n 2 "$work/main")
iucore status --db "${first_two[0]}" --db "${first_two[1]}"
check "status of two --db: exit 0" equals "$rc" 0
check "status prints one row per target and a summary" grep -q "fleet status: 2 targets, 2 ok" "$work/out"
for verb in status verify diff; do
    iucore "$verb" --fleet "$work/main" --json
    check "fleet $verb over the 12: exit 0 (got $rc)" equals "$rc" 0
    check "fleet $verb over the 12: 12 ok" equals "$(json 'r["succeeded"]')" 12
done
psql -X -q -d "$(sed -n 3p "$work/main")" \
    -c "UPDATE public.dot_iu_command_catalog SET reversible = NOT reversible
         WHERE command_name = (SELECT min(command_name) FROM public.dot_iu_command_catalog)"
iucore diff --fleet "$work/main" --json
check "fleet diff with one target changed: exit 1 (got $rc)" equals "$rc" 1
check "fleet diff: exactly that target failed" equals "$(json '[i for i, t in enumerate(r["targets"]) if t["outcome"] != "ok"]')" "[2]"

# --- canaries -----------------------------------------------------------------------------------
new_fleet canary 5
{
    echo "$broken"
    cat "$work/canary"
} >"$work/canary.fleet"
iucore apply 034 --fleet "$work/canary.fleet" --canary 1 --json
check "a failing canary: exit 3 (got $rc)" equals "$rc" 3
check "a failing canary: the other 5 are skipped" equals "$(json 'r["skipped"]')" 5
check "a failing canary: no other target was touched ($rows_before rows each)" \
    all_at "$rows_before" "$work/canary"
iucore apply 034 --fleet "$work/canary" --canary 2
check "passing canaries: exit 0 (got $rc)" equals "$rc" 0
check "passing canaries: all 5 applied" all_at "$rows_after" "$work/canary"

# --- usage ---------------------------------------------------------------------------------------
iucore rollback 034 --fleet "$work/canary"
check "a fleet of a verb that takes one database: exit 2" equals "$rc" 2
iucore apply 034 --parallel 4 --db "${first_two[0]}"
check "--parallel without a fleet: exit 2" equals "$rc" 2
printf 'not a conninfo\n' >"$work/bad.fleet"
iucore status --fleet "$work/bad.fleet"
check "a bad fleet file line: exit 2, naming the line" grep -q "bad.fleet:1" "$work/err"

printf '\n%d passed, %d failed\n' "$passes" "$failures"
((failures == 0))
