# Sourced by the CLI test scripts: their arguments (the iucore CLI and the examples directory),
# the paths they derive, the throwaway-PostgreSQL environment CTest's fixture provides, a work
# directory ($work) and the databases a script creates ($databases), both removed at exit
# (IUCORE_KEEP_TEST_DB=1 keeps the databases), and the PASS/FAIL tally.
# shellcheck shell=bash disable=SC2034
if (($# != 2)); then
    echo "usage: ${0##*/} IUCORE_CLI EXAMPLES_DIR" >&2
    exit 2
fi
readonly cli=$1
readonly examples=$2
readonly definition=$examples/definition/iu_core.json
readonly substrate=$examples/substrate/033_substrate.sql
: "${IUCORE_PG_THROWAWAY:?run through ctest (fixture postgres): IUCORE_PG_THROWAWAY is not set}"
: "${IUCORE_PG_STATE:?run through ctest (fixture postgres): IUCORE_PG_STATE is not set}"
: "${IUCORE_TEST_CONNINFO:?run through ctest (fixture postgres): IUCORE_TEST_CONNINFO is not set}"
[[ -x $cli ]] || {
    echo "${0##*/}: $cli is not executable" >&2
    exit 2
}

work=$(mktemp -d "${TMPDIR:-/tmp}/${0##*/}.XXXXXX")
databases=() # each name a script creates is added here, to be dropped at exit
cleanup() {
    local db
    if [[ -z ${IUCORE_KEEP_TEST_DB:-} || ${IUCORE_KEEP_TEST_DB} == 0 ]]; then
        for db in "${databases[@]}"; do
            psql -X -q -d "$IUCORE_TEST_CONNINFO" \
                -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
        done
    fi
    rm -rf -- "$work"
}
trap cleanup EXIT

failures=0
passes=0
pass() {
    printf 'PASS  %s\n' "$1"
    passes=$((passes + 1))
}
# fail DESCRIPTION [FILE...]: the files (by default $work/out, the output of the last step) are
# shown, indented.
fail() {
    printf 'FAIL  %s\n' "$1"
    shift
    local f
    (($# > 0)) || set -- "$work/out"
    for f in "$@"; do
        [[ -s $f ]] && sed 's/^/      | /' "$f" | tail -n 25
    done
    failures=$((failures + 1))
}

# iucore ARGS...: the CLI, $iucore_options first; rc gets its exit status, $work/out its stdout
# and $work/err its stderr (both in $work/out when combined_output=1).
iucore_options=()
combined_output=0
rc=0
iucore() {
    rc=0
    if ((combined_output)); then
        "$cli" "${iucore_options[@]}" "$@" >"$work/out" 2>&1 || rc=$?
    else
        "$cli" "${iucore_options[@]}" "$@" >"$work/out" 2>"$work/err" || rc=$?
    fi
}
# figure_of DEFINITION VERSION NAME: a figure the definition derives (pins --json); a dotted
# NAME reads into it (surface.table: the table count of the surface)
figure_of() {
    "$cli" --definition "$1" --json pins |
        python3 -c '
import json, sys
f = {x["version"]: x for x in json.load(sys.stdin)["figures"]}[sys.argv[1]]
for part in sys.argv[2].split("."):
    f = f[part]
print(f)' "$2" "$3"
}
# fresh_at_baseline NAME: a new database with the example's substrate and its baseline's seed;
# prints its conninfo (the name gets the script's pid and is dropped at exit)
fresh_at_baseline() {
    local name="iucore_${1}_$$" conninfo
    databases+=("$name")
    conninfo=$("$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$name")
    psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$substrate" >/dev/null
    "$cli" --definition "$definition" render seed \
        "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["baseline"]["version"])' "$definition")" |
        psql -X -q -v ON_ERROR_STOP=on -d "$conninfo" >/dev/null
    echo "$conninfo"
}
# psql_in CONNINFO SQL: one statement's rows, unaligned, in UTF8 whatever the caller's environment
psql_in() { PGCLIENTENCODING=UTF8 psql -X -At -v ON_ERROR_STOP=on -d "$1" -c "$2"; }
# check DESCRIPTION COMMAND...: PASS when the command succeeds, else FAIL showing the output.
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what" "$work/out" "$work/err"; fi
}
equals() { [[ $1 == "$2" ]]; }
# out_has NEEDLE: the last step's output holds it; expect_rc N DESCRIPTION and
# expect_out NEEDLE DESCRIPTION: PASS or FAIL on the exit status or the output.
out_has() { grep -qF -- "$1" "$work/out"; }
expect_rc() { # expect_rc N DESCRIPTION
    if [[ $rc == "$1" ]]; then pass "$2 (exit $rc)"; else fail "$2: exit $rc, expected $1"; fi
}
expect_out() { # expect_out NEEDLE DESCRIPTION
    if out_has "$1"; then pass "$2"; else fail "$2: output lacks \"$1\""; fi
}
