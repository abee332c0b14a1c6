#!/usr/bin/env bash
# run_example.sh NAME [--valgrind] PROGRAM [ARGS...] -- runs an example host (examples/c,
# examples/cpp) against a fresh database in the state before 034 (fresh_db.sh NAME; its conninfo
# is the program's first argument) and checks that it exits 0 and reports what the record says:
# the gates refuse the command, the dry run would apply, 034 applies (INSERT 0 2), applying again
# is a no-op, and verification passes.
#
# --valgrind runs the program under
#   valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
# so memory errors and definite leaks fail the test; "still reachable" blocks (libpq/OpenSSL
# keep some until exit) do not.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[[ $# -ge 2 ]] || {
    echo "usage: $0 NAME [--valgrind] PROGRAM [ARGS...]" >&2
    exit 2
}
name=$1
shift
runner=()
if [[ $1 == --valgrind ]]; then
    runner=(valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
        --track-origins=yes --quiet)
    shift
fi
program=$1
shift

conninfo=$(bash "$here/fresh_db.sh" "${name}_$$")
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
"${runner[@]}" "$program" "$conninfo" "$@" >"$out"
rc=$?
set -e
cat "$out"
if ((rc != 0)); then
    echo "FAIL: $(basename "$program") exited $rc" >&2
    exit 1
fi

status=0
expect() { # label pattern
    if ! grep -qE "$2" "$out"; then
        echo "FAIL: expected $1 (pattern: $2)" >&2
        status=1
    fi
}
expect "offline explain of the rollback command in dry_run mode" \
    '^explain \(offline\): .*"command":"dot_iu_auto_instantiate_rollback_by_actor".*"mode":"dry_run"'
expect "the live verdict REFUSED (both configs false)" \
    '^explain \(live\): .*"verdict":"would be REFUSED: iu_core.composer_enabled=false'
expect "the dry run to report would_apply" '^apply 034 \(dry run\): .*"outcome":"would_apply"'
expect "034 applied with INSERT 0 2" '^apply 034: .*"outcome":"applied".*"insert_status":"INSERT 0 2"'
expect "re-applying to be a no-op" '^apply 034 \(again\): .*"outcome":"already_applied"'
expect "verification to pass" '^verify: .*"ok":true'
exit $status
