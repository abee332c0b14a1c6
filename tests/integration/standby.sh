#!/usr/bin/env bash
# standby.sh CLI EXAMPLES_DIR
#
# A primary and a hot standby (issue 18): a primary of its own (cmake/pg_throwaway.sh) at 034,
# a streaming standby made with `pg_basebackup -R`. Against the standby, read verbs work and say
# that it is a read-only hot standby and how far its replay lags; write verbs exit 3 before
# sending anything (the standby's own statement log stays empty of them). With a multi-host
# conninfo (standby first, target_session_attrs=read-write), apply reaches the primary.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR

# shellcheck source=replication_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/replication_setup.sh"
start_primary
start_standby "log_statement = 'all'" "log_min_messages = warning"
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what" "$work/out" "$work/err"; fi
}
equals() { [[ $1 == "$2" ]]; }
check "the standby is in recovery" equals \
    "$(psql -X -At -d "$standby" -c "SELECT pg_is_in_recovery()")" t

rc=0
iucore() {
    rc=0
    "$cli" --definition "$definition" "$@" >"$work/out" 2>"$work/err" || rc=$?
}
for verb in status verify diff surface gates snapshot; do
    iucore "$verb" --db "$standby"
    check "$verb on the standby: exit 0 (got $rc)" equals "$rc" 0
    check "$verb on the standby says it is a read-only hot standby and its lag" \
        grep -qE "is a read-only hot standby; (replay lags [0-9.]+ s|replay lag unknown)" "$work/err"
done
iucore explain dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=true --db "$standby"
check "explain with the standby: exit 0 (got $rc)" equals "$rc" 0

statements_before=$(grep -c "statement:" "$standby_dir/server.log" || true)
for line in "apply 034" "rollback 034" "prove 034" \
    "run dot_iu_auto_instantiate_rollback_by_actor actor=operator dry_run=true"; do
    read -r -a words <<<"$line"
    iucore "${words[@]}" --db "$standby"
    check "${words[0]} on the standby: exit 3 (got $rc)" equals "$rc" 3
    check "${words[0]} on the standby: says it is a read-only hot standby" \
        grep -q "read-only hot standby" "$work/err"
done
check "no write verb sent a statement to the standby" equals \
    "$(grep -c "statement:" "$standby_dir/server.log" || true)" "$statements_before"

# Multi-host: the standby listed first, the primary second; read-write finds the primary.
multi="host=$standby_dir,$primary_socket port=$port,$port user=postgres dbname=iucore_test target_session_attrs=read-write"
iucore rollback 034 --db "$multi"
check "rollback through the multi-host conninfo reaches the primary: exit 0 (got $rc)" equals "$rc" 0
iucore apply 034 --db "$multi"
check "apply through the multi-host conninfo: exit 0 (got $rc)" equals "$rc" 0
check "the primary has the 034 catalog" equals \
    "$(psql -X -At -d "$primary" -c "SELECT count(*) FROM public.dot_iu_command_catalog")" \
    "$("$cli" --definition "$definition" --json pins | python3 -c 'import json,sys; print(json.load(sys.stdin)["figures"][-1]["catalog_rows"])')"

printf '\n%d passed, %d failed\n' "$passes" "$failures"
((failures == 0))
