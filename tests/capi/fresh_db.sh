#!/usr/bin/env bash
# fresh_db.sh NAME -- creates database NAME on the tests' throwaway PostgreSQL in the state
# before migration 034 (the 033 substrate, then the seed of version 033 rendered by the CLI) and
# prints its conninfo.
#
# Environment (set by CTest, see tests/capi/capi.cmake): IUCORE_PG_THROWAWAY, IUCORE_PG_STATE
# (from iucore_add_pg_test), IUCORE_CLI (the iucore executable), IUCORE_EXAMPLE_DEFINITION,
# IUCORE_EXAMPLE_SUBSTRATE.
set -euo pipefail
[[ $# -eq 1 ]] || {
    echo "usage: $0 NAME" >&2
    exit 2
}
: "${IUCORE_PG_THROWAWAY:?not set (run under CTest)}" "${IUCORE_PG_STATE:?not set}"
: "${IUCORE_CLI:?not set}" "${IUCORE_EXAMPLE_DEFINITION:?not set}"
: "${IUCORE_EXAMPLE_SUBSTRATE:?not set}"

psql=$(command -v psql || true)
if [[ -z $psql ]]; then
    psql=$(printf '%s\n' /usr/lib/postgresql/*/bin/psql | sort -V | tail -n 1)
fi
[[ -x $psql ]] || {
    echo "$0: psql not found" >&2
    exit 1
}

conninfo=$(bash "$IUCORE_PG_THROWAWAY" createdb "$IUCORE_PG_STATE" "$1")
"$psql" -X -q -v ON_ERROR_STOP=on -d "$conninfo" -f "$IUCORE_EXAMPLE_SUBSTRATE" >/dev/null
"$IUCORE_CLI" --definition "$IUCORE_EXAMPLE_DEFINITION" render seed 033 |
    "$psql" -X -q -v ON_ERROR_STOP=on -d "$conninfo" >/dev/null
printf '%s\n' "$conninfo"
