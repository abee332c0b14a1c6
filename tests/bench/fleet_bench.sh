#!/usr/bin/env bash
# fleet_bench.sh [CLI] [COUNT]: apply 034 to COUNT databases (default 200) three ways, each on
# databases fresh at 033 (copies of one template): a loop of `psql -f` over the rendered
# migration, a loop of single `iucore apply` processes, and one `iucore apply --fleet`; then
# `iucore status --fleet` of them all. Prints each total, the ratios, and iucore's round trips
# per database (from the fleet's own JSON report). Run it on a throwaway PostgreSQL:
#   cmake/pg_throwaway.sh run -- tests/bench/fleet_bench.sh build/ci/examples/cli/iucore
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cli=${1:-build/ci/examples/cli/iucore}
count=${2:-200}
: "${IUCORE_TEST_CONNINFO:?run under cmake/pg_throwaway.sh run --}"
definition=examples/definition/iu_core.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
admin=$IUCORE_TEST_CONNINFO
conninfo_of() { sed "s/dbname=[^ ]*/dbname=$1/" <<<"$admin"; }

psql -X -q -d "$admin" -c "CREATE DATABASE fleet_template"
psql -X -q -v ON_ERROR_STOP=on -d "$(conninfo_of fleet_template)" -f examples/substrate/033_substrate.sql >/dev/null
"$cli" --definition "$definition" render seed 033 | psql -X -q -v ON_ERROR_STOP=on -d "$(conninfo_of fleet_template)" >/dev/null
"$cli" --definition "$definition" render forward 034 >"$work/034.sql"

fresh_fleet() { # COUNT databases fleet_1..N at 033, listed in $work/fleet
    local i
    : >"$work/fleet"
    for i in $(seq "$count"); do
        PGOPTIONS='-c client_min_messages=warning' psql -X -q -d "$admin" \
            -c "DROP DATABASE IF EXISTS fleet_$i" -c "CREATE DATABASE fleet_$i TEMPLATE fleet_template"
        conninfo_of "fleet_$i" >>"$work/fleet"
    done
}
seconds_of() { # seconds_of COMMAND...: wall seconds of the command
    local start end
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    echo "$end - $start" | bc -l
}
psql_loop() {
    local c
    while IFS= read -r c; do psql -X -q -v ON_ERROR_STOP=on -d "$c" -f "$work/034.sql" >/dev/null; done <"$work/fleet"
}
iucore_loop() {
    local c
    while IFS= read -r c; do "$cli" --definition "$definition" --db "$c" apply 034 >/dev/null; done <"$work/fleet"
}
fleet_apply() { "$cli" --definition "$definition" --fleet "$work/fleet" --json apply 034 >"$work/fleet.json"; }
fleet_status() { "$cli" --definition "$definition" --fleet "$work/fleet" --json status >/dev/null; }

fresh_fleet
t_psql=$(seconds_of psql_loop)
fresh_fleet
t_loop=$(seconds_of iucore_loop)
fresh_fleet
t_fleet=$(seconds_of fleet_apply)
t_status=$(seconds_of fleet_status)
round_trips=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
t = [x["report"]["round_trips"] for x in r["targets"]]
print("%.2f (max %d), %d of %d ok" % (sum(t) / len(t), max(t), r["succeeded"], len(t)))' "$work/fleet.json")
printf 'apply 034 to %d databases:\n' "$count"
printf '  psql -f loop          %8.2f s\n' "$t_psql"
printf '  iucore apply loop     %8.2f s\n' "$t_loop"
printf '  iucore --fleet        %8.2f s   (%.1fx faster than the psql loop, %.1fx than the iucore loop)\n' \
    "$t_fleet" "$(echo "$t_psql / $t_fleet" | bc -l)" "$(echo "$t_loop / $t_fleet" | bc -l)"
printf '  round trips per database in the fleet: %s\n' "$round_trips"
printf 'status of %d databases (--fleet): %.2f s\n' "$count" "$t_status"
