#!/usr/bin/env bash
# cli_commands.sh CLI EXAMPLES_DIR
#
# Governed DOT commands through the iucore CLI (issue 4), on a fresh database of the throwaway
# cluster of the CTest fixture `postgres` (IUCORE_PG_THROWAWAY, IUCORE_PG_STATE,
# IUCORE_TEST_CONNINFO): the record's two operator usage lines through `explain` (with a
# database and offline), `run` refused / dry run / live run / reversal with their run-log rows,
# `gates`, bad arguments (exit 2, nothing logged), `promote` → render → pins → apply → prove
# of migration 035 on a copy of the example definition, then two functions promoted into one
# new migration 036 (`--migration`) and applied, and `--migration 034` refused once applied. The database is dropped at exit (set
# IUCORE_KEEP_TEST_DB=1 to keep it).
#
# Prints one PASS/FAIL line per assertion; exits 1 when any assertion failed, 2 on bad usage.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

database="iucore_cli_commands_$$"
databases+=("$database")
# iucore ARGS...: stdout and stderr both in $work/out.
combined_output=1

sql_value() { psql -X -At -v ON_ERROR_STOP=on -d "$conninfo" -c "$1"; }
run_log_rows() { sql_value "SELECT count(*) FROM public.dot_iu_command_run"; }
instances() { sql_value "SELECT count(*) FROM public.iu_instance"; }
catalog_rows() { sql_value "SELECT count(*) FROM public.dot_iu_command_catalog"; }
last_run() { # outcome|mode|actor of the newest run-log row
    sql_value "SELECT outcome || '|' || coalesce(mode, '') || '|' || coalesce(actor, '')
                 FROM public.dot_iu_command_run ORDER BY id DESC LIMIT 1"
}
set_gates() { # set_gates COMPOSER AUTO_INSTANTIATE
    sql_value "UPDATE public.iu_core_config SET config_value = '$1'
                WHERE config_key = 'iu_core.composer_enabled';
               UPDATE public.iu_core_config SET config_value = '$2'
                WHERE config_key = 'iu_core.auto_instantiate_enabled';" >/dev/null
}

# --- A fresh database at 034 -------------------------------------------------------------------
conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$database")
psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$substrate" >/dev/null
"$cli" --definition "$definition" render seed |
    psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" >/dev/null
rows_seeded=$("$cli" --definition "$definition" --json pins |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["figures"][-1]["catalog_rows"])')
check "seeded at 034: as many catalog rows as the definition derives ($rows_seeded)" equals \
    "$(catalog_rows)" "$rows_seeded"
# The seed holds 034's rows but the ledger does not know it: record 034 there (a no-op insert),
# since a later migration requires 034 applied.
iucore --definition "$definition" --db "$conninfo" apply 034
expect_rc 0 "apply 034 on the seeded database"
expect_out "INSERT 0 0" "apply 034 inserts nothing over the seed"

# --- The record's operator usage lines --------------------------------------------------------
readonly event_id=6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11
readonly collection_id=0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33
usage1() { # usage1 EMIT_MODE: the first usage line's arguments
    printf '%s\n' dot_iu_auto_instantiate_from_event \
        "event_id=$event_id" event_type=template.instance_auto_composed \
        "template_collection_id=$collection_id" instance_key_suffix=demo-001 \
        "emit_mode=$1" actor=operator "note=trial run"
}
mapfile -t line1 < <(usage1 dry_run)
mapfile -t line1_live < <(usage1 live)
line2=(dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=true)
readonly signature1='fn_iu_auto_instantiate_from_event(uuid,text,uuid,text,text,text,text) → jsonb'
readonly signature2='fn_iu_auto_instantiate_rollback_by_actor(text,boolean) → jsonb'

iucore --definition "$definition" --db "$conninfo" explain "${line1[@]}"
expect_rc 0 "explain (usage line 1) with the database"
expect_out "$signature1" "explain shows the target signature"
expect_out "emit_mode" "explain lists emit_mode"
expect_out "would be REFUSED: iu_core.composer_enabled=false" "explain predicts the refusal"

iucore --definition "$definition" --db "$conninfo" explain "${line2[@]}"
expect_rc 0 "explain (usage line 2) with the database"
expect_out "$signature2" "explain shows the rollback's signature"
expect_out "would be REFUSED: iu_core.composer_enabled=false" "explain predicts its refusal"

# Offline: no --db and no PGHOST/PGSERVICE (PGPORT points nowhere, should anything connect).
rc=0
env -u PGHOST -u PGSERVICE PGPORT=1 "$cli" --definition "$definition" explain "${line1[@]}" \
    >"$work/out" 2>&1 || rc=$?
expect_rc 0 "explain (usage line 1) offline"
expect_out "$signature1" "offline explain shows the target signature"
expect_out "gates not evaluated (no database given)" "offline explain evaluates no gate"
rc=0
env -u PGHOST -u PGSERVICE PGPORT=1 "$cli" --definition "$definition" explain "${line2[@]}" \
    >"$work/out" 2>&1 || rc=$?
expect_rc 0 "explain (usage line 2) offline"
expect_out "$signature2" "offline explain shows the rollback's signature"

# --- run: refused while the gates are closed --------------------------------------------------
before=$(run_log_rows)
iucore --definition "$definition" --db "$conninfo" run "${line1[@]}" --actor operator
expect_rc 1 "run with both gates closed is refused"
expect_out "REFUSED: iu_core.composer_enabled=false" "the refusal names the closed gate"
check "the refusal wrote one run-log row" equals "$(run_log_rows)" $((before + 1))
check "the run-log row is refused, dry_run, by operator" equals "$(last_run)" \
    "refused|dry_run|operator"
check "the refused run logged its arguments as jsonb" equals "$(sql_value \
    "SELECT args->>'note' || '|' || (args->>'event_id') FROM public.dot_iu_command_run
      ORDER BY id DESC LIMIT 1")" "trial run|$event_id"

# --- run: dry run, live run and its reversal with both gates open -----------------------------
set_gates true true
iucore --definition "$definition" --db "$conninfo" run "${line1[@]}" --actor operator
expect_rc 0 "dry run with both gates open"
expect_out '"mode": "dry_run"' "the dry run returns the function's result"
check "the dry run created no instance" equals "$(instances)" 0
check "the dry run is logged ok" equals "$(last_run)" "ok|dry_run|operator"

iucore --definition "$definition" --db "$conninfo" run "${line1_live[@]}" --actor operator
expect_rc 0 "live run with both gates open"
check "the live run created one instance" equals "$(instances)" 1
check "the live run is logged ok" equals "$(last_run)" "ok|live|operator"

iucore --definition "$definition" --db "$conninfo" run \
    dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=false --actor operator
expect_rc 0 "run dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=false"
check "the reversal removed the instance (1 → 0)" equals "$(instances)" 0
check "the reversal is logged ok, live" equals "$(last_run)" "ok|live|operator"

# --- gates --------------------------------------------------------------------------------------
iucore --definition "$definition" --db "$conninfo" gates
expect_rc 0 "gates"
expect_out "iu_core.composer_enabled=true" "gates evaluates the composer gate"
expect_out "iu_core.auto_instantiate_enabled=true" "gates evaluates the auto-instantiate gate"
expect_out "iu_core.retention_days" "gates lists every config"

# --- bad arguments: exit 2, the token quoted, nothing logged ---------------------------------
bad_run() { # bad_run DESCRIPTION NEEDLE TOKEN_INDEX TOKEN | bad_run DESCRIPTION NEEDLE - ARGS...
    local what=$1 needle=$2 index=$3
    shift 3
    local args=("${line1[@]}")
    if [[ $index == - ]]; then args=("$@"); elif [[ $index == + ]]; then
        args+=("$1")
    else args[index]=$1; fi
    local logged
    logged=$(run_log_rows)
    iucore --definition "$definition" --db "$conninfo" run "${args[@]}" --actor operator
    expect_rc 2 "bad argument ($what)"
    expect_out "$needle" "bad argument ($what) quotes it"
    check "bad argument ($what) logged nothing" equals "$(run_log_rows)" "$logged"
}
bad_run "empty uuid" '"event_id="' 1 "event_id="
bad_run "bad uuid" '"event_id=nope"' 1 "event_id=nope"
bad_run "unknown key" 'did you mean "emit_mode"' 5 "emit_mod=dry_run"
bad_run "value not allowed" 'expected one of dry_run, live' 5 "emit_mode=maybe"
bad_run "repeated key" '"actor=x"' + "actor=x"
bad_run "no '='" '"trial" is not key=value' + "trial"
bad_run "missing keys" "missing required argument(s): event_id, event_type" - \
    dot_iu_auto_instantiate_from_event emit_mode=dry_run
bad_run "bad boolean" '"dry_run=maybe"' - \
    dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=maybe
check "no instance was created by a bad argument" equals "$(instances)" 0

# --- promote → render → pins → apply → prove ---------------------------------------------------
copy=$work/definition/iu_core.json
mkdir -p "$work/definition"
cp "$definition" "$copy"
example_sum=$(sha256sum <"$definition")

iucore --definition "$copy" --db "$conninfo" promote fn_iu_does_not_exist \
    --command dot_iu_does_not_exist --category lifecycle
expect_rc 2 "promote a function that does not exist"
expect_out 'fn_iu_does_not_exist' "the error names the function"
check "the failed promote left the definition unchanged" cmp -s "$definition" "$copy"

iucore --definition "$copy" --db "$conninfo" promote fn_iu_instance_archive \
    --command dot_iu_auto_instantiate_from_event --category collection --mutating
expect_rc 2 "promote an already governed command"
expect_out 'already governed' "the error says it is already governed"

iucore --definition "$copy" --db "$conninfo" promote fn_iu_instance_archive \
    --command dot_iu_instance_archive --category lifecycle --mutating
expect_rc 0 "promote fn_iu_instance_archive as dot_iu_instance_archive"
check "the copy now has migration 035" grep -qE '"id" *: *"035"' "$copy"
check "the example definition itself is unchanged" equals "$(sha256sum <"$definition")" \
    "$example_sum"
check "promote changed nothing in the database" equals "$(catalog_rows)" "$rows_seeded"

iucore --definition "$copy" render forward 035
expect_rc 0 "render forward 035"
expect_out "to_regprocedure('public.fn_iu_instance_archive(text,text)')" \
    "the forward SQL has the preflight for fn_iu_instance_archive"
expect_out "'dot_iu_instance_archive', 'lifecycle', true, false" "the forward SQL adds the row"

# Every expected figure below comes from the definitions (`pins --json`): 035 adds one row.
figure() { figure_of "$@"; } # figure DEFINITION VERSION NAME
rows_034=$(figure "$definition" 034 catalog_rows)
rows_035=$(figure "$copy" 035 catalog_rows)
iucore --definition "$copy" pins
expect_rc 0 "pins"
expect_out "version 035: catalog_rows $rows_035," "pins shows the 035 figures"
check "035 adds exactly the promoted row ($rows_034 + 1 = $rows_035)" equals "$rows_035" \
    "$((rows_034 + 1))"
check "the registry grows by the promoted entry" equals "$(figure "$copy" 035 registry_entries)" \
    "$(($(figure "$definition" 034 registry_entries) + 1))"

iucore --definition "$copy" --db "$conninfo" apply 035
expect_rc 0 "apply 035"
check "the catalog has $rows_035 rows after apply 035" equals "$(catalog_rows)" "$rows_035"

iucore --definition "$copy" --db "$conninfo" prove 035
expect_rc 0 "prove 035"
expect_out "$rows_035 → $rows_034 → $rows_035" "prove 035 prints $rows_035 → $rows_034 → $rows_035"
check "the catalog has $rows_035 rows after the proof" equals "$(catalog_rows)" "$rows_035"

# --- A server error: its DETAIL and HINT as psql shows them, and in the JSON error ----------
# An operator's trigger refuses deletes from the catalog: rollback 035 fails on the server.
sql_value "CREATE FUNCTION public.catalog_frozen() RETURNS trigger LANGUAGE plpgsql AS \$\$
             BEGIN RAISE EXCEPTION 'the catalog is frozen' USING ERRCODE = 'P0001',
               DETAIL = 'change freeze until Friday', HINT = 'ask the release manager'; END \$\$;
           CREATE TRIGGER catalog_frozen BEFORE DELETE ON public.dot_iu_command_catalog
             FOR EACH ROW EXECUTE FUNCTION public.catalog_frozen();" >/dev/null
iucore --definition "$copy" --db "$conninfo" rollback 035
expect_rc 3 "rollback 035 refused by the server's trigger"
expect_out "the catalog is frozen (SQLSTATE P0001)" "the server's message and SQLSTATE"
expect_out "DETAIL: change freeze until Friday" "the server's DETAIL, as psql prints it"
expect_out "HINT: ask the release manager" "the server's HINT, as psql prints it"
iucore --definition "$copy" --db "$conninfo" --json rollback 035
expect_rc 3 "rollback 035 --json refused by the server's trigger"
check "the JSON error carries sqlstate, detail and hint" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert (e["sqlstate"], e["detail"], e["hint"], e["exit"]) == (
    "P0001", "change freeze until Friday", "ask the release manager", 3), e
' "$work/out"
check "nothing was rolled back: still $rows_035 catalog rows" equals "$(catalog_rows)" "$rows_035"
iucore --definition "$copy" --db "$conninfo" --json rollback 099
expect_rc 2 "rollback of an unknown migration"
check "an error that is not the server's has null sqlstate, detail and hint" python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
assert (e["sqlstate"], e["detail"], e["hint"]) == (None, None, None), e
' "$work/out"
sql_value "DROP TRIGGER catalog_frozen ON public.dot_iu_command_catalog;
           DROP FUNCTION public.catalog_frozen()" >/dev/null

# --- promote two functions into one new migration, apply it; an applied one takes no more ---
sql_value "CREATE FUNCTION public.fn_iu_widget_count(collection_id uuid) RETURNS jsonb
             LANGUAGE sql AS \$\$ SELECT jsonb_build_object('collection', collection_id) \$\$;
           CREATE FUNCTION public.fn_iu_widget_reset(collection_id uuid, actor text) RETURNS jsonb
             LANGUAGE sql AS \$\$ SELECT jsonb_build_object('reset', collection_id, 'by', actor) \$\$;" \
    >/dev/null
json_of() { # json_of FILE EXPRESSION: EXPRESSION over the JSON document d of FILE
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}
migrations_before=$(json_of "$copy" 'len(d["migrations"])')
iucore --definition "$copy" --db "$conninfo" promote fn_iu_widget_count \
    --command dot_iu_widget_count --category inspect
expect_rc 0 "promote fn_iu_widget_count into a new migration"
new_id=$(json_of "$copy" 'd["migrations"][-1]["id"]')
check "the new migration is numbered after 035, as wide: $new_id" equals "$new_id" 036
iucore --definition "$copy" --db "$conninfo" --json promote fn_iu_widget_reset \
    --command dot_iu_widget_reset --category lifecycle --mutating --migration "$new_id"
expect_rc 0 "promote fn_iu_widget_reset --migration $new_id"
cp "$work/out" "$work/promoted.json"
check "one migration more, not two" equals "$(json_of "$copy" 'len(d["migrations"])')" \
    "$((migrations_before + 1))"
check "$new_id registers both commands" equals \
    "$(json_of "$copy" '" ".join(r["command_name"] for r in d["migrations"][-1]["adds"])')" \
    "dot_iu_widget_count dot_iu_widget_reset"
rows_036=$(json_of "$work/promoted.json" 'd["expectations"]["rows_after"]')
added_036=$(json_of "$work/promoted.json" 'd["expectations"]["rows_added"]')
new_rows=$(json_of "$work/promoted.json" '",".join(d["expectations"]["new_rows"])')
check "the expectations of $new_id are the definition's figures ($rows_036 rows)" equals \
    "$rows_036" "$(figure "$copy" "$new_id" catalog_rows)"
check "the registry at $new_id has both entries" equals \
    "$(figure "$copy" "$new_id" registry_entries)" "$(($(figure "$copy" 035 registry_entries) + 2))"
iucore --definition "$copy" --db "$conninfo" apply "$new_id"
expect_rc 0 "apply $new_id"
check "the catalog has the expected $rows_036 rows after apply $new_id" equals "$(catalog_rows)" \
    "$rows_036"
check "the $added_036 expected new rows ($new_rows) are live" equals "$(sql_value \
    "SELECT count(*) FROM public.dot_iu_command_catalog
      WHERE command_name = ANY (string_to_array('$new_rows', ','))")" "$added_036"

copy_sum=$(sha256sum <"$copy")
iucore --definition "$copy" --db "$conninfo" promote fn_iu_widget_count \
    --command dot_iu_widget_total --category inspect --migration 034
expect_rc 1 "promote --migration 034 after 034 is applied is refused"
expect_out "migration 034 is already applied" "the refusal names the applied migration"
check "the refused promote wrote nothing" equals "$(sha256sum <"$copy")" "$copy_sum"
check "the refused promote changed nothing in the database" equals "$(catalog_rows)" "$rows_036"
iucore --definition "$copy" --db "$conninfo" promote fn_iu_widget_count \
    --command dot_iu_widget_total --category inspect --migration 099
expect_rc 2 "promote --migration of a migration the definition does not have"
expect_out '"099": not a migration of the definition' "the error names the unknown migration"
check "the failed promote wrote nothing" equals "$(sha256sum <"$copy")" "$copy_sum"

printf '\n%d passed, %d failed\n' "$passes" "$failures"
((failures == 0))
