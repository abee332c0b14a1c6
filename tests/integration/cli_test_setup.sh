# Sourced by the CLI test scripts: their arguments (the iucore CLI and the examples directory),
# the paths they derive, and the throwaway-PostgreSQL environment CTest's fixture provides.
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
