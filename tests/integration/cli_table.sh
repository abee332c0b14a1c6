#!/usr/bin/env bash
# cli_table.sh CLI EXAMPLES_DIR
#
# The CLI does exactly what it is asked (issue 13): every verb × every way people type options.
# For each verb, on a database of the CTest fixture's throwaway PostgreSQL:
#   accepted: global options before the verb, after it, between the verb and its arguments, as
#             --opt=value, and with --json (stdout must be JSON); each must do the verb's work on
#             the database given with --db (PGDATABASE points at a decoy that must stay untouched);
#   refused:  an unknown option, an extra positional, and each of those with --json: exit 2,
#             the offending word named, the database unchanged (catalog, ledger and run log
#             compared before and after); the same lines against an unreachable server still
#             exit 2, so nothing was connected.
# Expected catalog sizes come from the definition (`pins --json`), not typed here.
#
# Prints one PASS/FAIL line per assertion; exits 1 when any failed.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

database="iucore_cli_table_$$"
decoy="iucore_cli_table_decoy_$$"
databases+=("$database" "$decoy")

names() { grep -qF -- "$1" "$work/out" "$work/err"; }
is_json() { python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$work/out"; }
json_error_exit_2() {
    python3 -c 'import json,sys; e=json.load(open(sys.argv[1])); sys.exit(0 if e["exit"]==2 and e["error"] and e["message"] else 1)' "$work/out"
}

# The database's whole governed state: catalog, ledger and run log, each as a digest.
state_of() {
    local table digest out=""
    for table in public.dot_iu_command_catalog public.iucore_migration_ledger \
        public.dot_iu_command_run; do
        digest=$(psql_in "$1" "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), ''))
                                 FROM $table x" 2>/dev/null || echo absent)
        out+="$table=$digest "
    done
    echo "$out"
}
catalog_rows() { psql_in "$conninfo" "SELECT count(*) FROM public.dot_iu_command_catalog"; }

# --- two databases at 033: the one every line names with --db, and the decoy of PGDATABASE ----
setup_at_033() {
    psql -X -q -v ON_ERROR_STOP=on -d "$1" -f "$substrate" >/dev/null
    "$cli" --definition "$definition" render seed 033 |
        psql -X -q -v ON_ERROR_STOP=on -d "$1" >/dev/null
}
conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$database")
decoy_conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$decoy")
setup_at_033 "$conninfo"
setup_at_033 "$decoy_conninfo"
decoy_before=$(state_of "$decoy_conninfo")
export PGDATABASE=$decoy

figure() { # figure VERSION NAME: a figure the definition derives
    "$cli" --definition "$definition" --json pins |
        python3 -c 'import json,sys; f={x["version"]: x for x in json.load(sys.stdin)["figures"]}; print(f[sys.argv[1]][sys.argv[2]])' "$1" "$2"
}
rows_before=$(figure 033 catalog_rows)
rows_after=$(figure 034 catalog_rows)

# --- the states a verb starts from (reached with the plainest line) ---------------------------
clear_runs() { psql_in "$conninfo" "DELETE FROM public.dot_iu_command_run" >/dev/null; }
at_033() {
    clear_runs
    [[ $(catalog_rows) == "$rows_before" ]] ||
        "$cli" --definition "$definition" --db "$conninfo" rollback 034 >/dev/null
}
at_034() {
    clear_runs
    "$cli" --definition "$definition" --db "$conninfo" apply 034 >/dev/null
}
fresh_promote_copy() {
    at_034
    mkdir -p "$work/promote"
    cp "$definition" "$work/promote/iu_core.json"
}

# --- the table: verb | its words | exit when accepted | starting state | what proves the work --
# Each "proves" function runs after an accepted line, with $work/out holding its stdout.
rows_are() { equals "$(catalog_rows)" "$1"; }
proves_render() { grep -q "034" "$work/out"; }
proves_applied() { rows_are "$rows_after"; }
proves_rolled_back() { rows_are "$rows_before"; }
proves_dry_run() { rows_are "$rows_before"; }
proves_nothing_changed() { equals "$(state_of "$conninfo")" "$start_state"; }
proves_run_logged() {
    equals "$(psql_in "$conninfo" "SELECT count(*) FROM public.dot_iu_command_run")" 1
}
proves_promoted() { grep -qE '"id" *: *"035"' "$work/promote/iu_core.json"; }
proves_demo() { grep -q "every step came out as the record says" "$work/out"; }

readonly explain_line="dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=true"
readonly promote_line="fn_iu_instance_archive --command dot_iu_instance_archive --category lifecycle --mutating"
table=(
    "render|render forward 034|0|at_033|proves_render"
    "apply|apply 034|0|at_033|proves_applied"
    "apply --dry-run|apply 034 --dry-run|0|at_033|proves_dry_run"
    "verify|verify 034|0|at_034|proves_nothing_changed"
    "rollback|rollback 034|0|at_034|proves_rolled_back"
    "prove|prove 034|0|at_034|proves_applied"
    "status|status|0|at_034|proves_nothing_changed"
    "diff|diff|0|at_034|proves_nothing_changed"
    "surface|surface|0|at_034|proves_nothing_changed"
    "snapshot|snapshot|0|at_034|proves_nothing_changed"
    "gates|gates|0|at_034|proves_nothing_changed"
    "pins|pins|0|at_034|proves_nothing_changed"
    "explain|explain $explain_line|0|at_034|proves_nothing_changed"
    "run|run $explain_line|1|at_034|proves_run_logged"
    "promote|promote $promote_line|0|fresh_promote_copy|proves_promoted"
    "demo|demo|0|at_034|proves_demo"
)

unreachable="host=/nonexistent-iucore-socket-dir port=1 connect_timeout=2"
for row in "${table[@]}"; do
    IFS='|' read -r label words ok_rc prepare proves <<<"$row"
    read -r -a argv <<<"$words"
    verb=${argv[0]}
    rest=("${argv[@]:1}")
    def=$definition
    [[ $verb == promote ]] && def=$work/promote/iu_core.json

    accepted=(
        "before|--db|$conninfo|--definition|$def|${argv[*]}"
        "after|${argv[*]}|--db|$conninfo|--definition|$def"
        "between|$verb|--definition|$def|--db|$conninfo|${rest[*]}"
        "equals|${argv[*]}|--db=$conninfo|--definition=$def"
        "json|${argv[*]}|--db|$conninfo|--json|--definition|$def"
    )
    for form in "${accepted[@]}"; do
        IFS='|' read -r -a parts <<<"$form"
        how=${parts[0]}
        line=()
        for p in "${parts[@]:1}"; do
            # a part holding the verb's words splits on spaces; conninfos stay whole
            if [[ $p == "${argv[*]}" || $p == "${rest[*]}" ]]; then
                [[ -n $p ]] && read -r -a more <<<"$p" && line+=("${more[@]}")
            else line+=("$p"); fi
        done
        "$prepare"
        start_state=$(state_of "$conninfo")
        iucore "${line[@]}"
        check "$label, options $how: exit $ok_rc (got $rc)" equals "$rc" "$ok_rc"
        check "$label, options $how: did the verb's work on --db" "$proves"
        if [[ $how == json && $verb != demo ]]; then
            check "$label --json: stdout is JSON" is_json
        fi
    done

    "$prepare"
    refused=(
        "unknown option|--frobnicate|${argv[*]} --frobnicate"
        "extra positional|stray-word|${argv[*]} stray-word"
    )
    for form in "${refused[@]}"; do
        IFS='|' read -r how needle words_line <<<"$form"
        read -r -a line <<<"$words_line"
        for json in "" --json; do
            before=$(state_of "$conninfo")
            [[ $verb == promote ]] && cp "$def" "$work/promote/before.json"
            iucore "${line[@]}" --db "$conninfo" --definition "$def" $json
            check "$label, $how${json:+ $json}: exit 2 (got $rc)" equals "$rc" 2
            check "$label, $how${json:+ $json}: names \"$needle\"" names "$needle"
            check "$label, $how${json:+ $json}: catalog, ledger and run log unchanged" \
                equals "$(state_of "$conninfo")" "$before"
            if [[ $verb == promote ]]; then
                check "$label, $how: definition file unchanged" \
                    cmp -s "$def" "$work/promote/before.json"
            fi
            if [[ -n $json ]]; then
                check "$label, $how --json: the error is JSON on stdout, exit 2" json_error_exit_2
            fi
            iucore "${line[@]}" --db "$unreachable" --definition "$def" $json
            check "$label, $how${json:+ $json}: refused before connecting (exit 2 with an unreachable --db, got $rc)" \
                equals "$rc" 2
        done
    done
done

# --- a missing value, help anywhere, version, did-you-mean ------------------------------------
iucore apply 034 --definition "$definition" --db
check "a missing option value: exit 2" equals "$rc" 2
check "a missing option value is named" names "--db"
iucore apply --help
check "apply --help: exit 0" equals "$rc" 0
check "apply --help shows apply's usage" names "iucore apply"
iucore --definition "$definition" -h rollback
check "-h before the verb: exit 0" equals "$rc" 0
iucore --version
check "--version: exit 0" equals "$rc" 0
check "--version names the libpq version" names "libpq"
check "--version names the C ABI version" names "C ABI"
iucore aply 034 --definition "$definition"
check "a mistyped verb: exit 2" equals "$rc" 2
check "a mistyped verb gets did you mean" names 'did you mean "apply"'
iucore --json aply 034
check "a mistyped verb with --json: JSON error on stdout" json_error_exit_2
iucore apply 034 --db "$conninfo" --lock-timeout 10
check "a duration without a unit: exit 2" equals "$rc" 2
check "a duration without a unit is named" names '--lock-timeout "10"'

# --- the definition: never implicit ------------------------------------------------------------
mkdir -p "$work/empty/below"
rc=0
(cd "$work/empty/below" && "$cli" --db "$conninfo" apply 034 >"$work/out" 2>"$work/err") || rc=$?
check "no definition anywhere: exit 2" equals "$rc" 2
check "no definition anywhere: says where it looked" names "$work/empty/iucore.json"
cp "$definition" "$work/empty/iucore.json"
rc=0
(cd "$work/empty/below" && "$cli" render forward 034 >"$work/out" 2>"$work/err") || rc=$?
check "iucore.json in a parent directory is found" equals "$rc" 0
rc=0
IUCORE_DEFINITION=$definition "$cli" render forward 034 >"$work/out" 2>"$work/err" || rc=$?
check "\$IUCORE_DEFINITION is used" equals "$rc" 0

check "the decoy database of PGDATABASE was never touched" \
    equals "$(state_of "$decoy_conninfo")" "$decoy_before"

printf '\n%d passed, %d failed\n' "$passes" "$failures"
((failures == 0))
