#!/usr/bin/env bash
# profile_write_floor.sh IUCORE_CLI -- why a governed run cannot come within 1.15x of the raw
# call: it profiles, on a throwaway PostgreSQL, the raw read-only call the benchmark uses as its
# baseline against the same call plus the run-log row written by hand in one statement (the
# floor of any governed run: a write transaction). Both run under pgbench -M prepared (parsed and
# planned once, like iucore's prepared governed statement), while `perf record -a` samples every
# CPU; the report gives transactions per second and the server's CPU time per call (samples in
# processes named postgres / calls), then the server's top symbols for each (share of the
# server's samples).
#
# Needs root (or perf_event_paranoid <= 0) for perf -a. Reports only; exits non-zero only when a
# step fails.
set -euo pipefail
[[ $# -eq 1 ]] || {
    echo "usage: $0 IUCORE_CLI" >&2
    exit 2
}
cli=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
bindir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
work=$(mktemp -d)
state=$work/state
trap 'bash "$root/cmake/pg_throwaway.sh" stop "$state" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

bash "$root/cmake/pg_throwaway.sh" start "$state" >/dev/null
conninfo=$(bash "$root/cmake/pg_throwaway.sh" createdb "$state" profile)
definition=$root/examples/definition/iu_core.json
"$bindir/psql" -X -q -v ON_ERROR_STOP=on -d "$conninfo" \
    -f "$root/examples/substrate/033_substrate.sql" >/dev/null
"$cli" --definition "$definition" render seed 033 |
    "$bindir/psql" -X -q -v ON_ERROR_STOP=on -d "$conninfo" >/dev/null
"$cli" --db "$conninfo" --definition "$definition" apply 034 >/dev/null
"$bindir/psql" -X -q -v ON_ERROR_STOP=on -d "$conninfo" \
    -c "UPDATE public.iu_core_config SET config_value = 'true' WHERE config_key LIKE 'iu_core.%_enabled'"

# The benchmark's call (tests/bench/bench.cpp: bench_run), with literal arguments for pgbench.
call="public.fn_iu_auto_instantiate_from_event('6f1c1b9e-9a6e-4c55-9a53-2b0f3c0d7a11'::uuid,
  'template.instance_auto_composed', '0b4e7f52-3f0d-4a47-8f0e-5d7f2c9a1e33'::uuid, 'bench-001',
  'dry_run', 'bench', 'bench')"
echo "SELECT $call;" >"$work/raw.sql"
echo "WITH called AS (SELECT to_jsonb($call) AS result)
INSERT INTO public.dot_iu_command_run (command_name, actor, args, mode, outcome, result)
SELECT 'dot_iu_auto_instantiate_from_event', 'bench', '{\"event_id\": \"x\"}', 'dry_run', 'ok',
       result FROM called RETURNING id;" >"$work/logged.sql"

seconds=4
for name in raw logged; do
    "$bindir/pgbench" -n -M prepared -f "$work/$name.sql" -T $((seconds + 2)) -d "$conninfo" \
        >"$work/$name.pgbench" 2>&1 &
    sleep 1
    perf record -q -a -e cpu-clock -o "$work/$name.data" -- sleep "$seconds" 2>/dev/null
    wait
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$work/$name.pgbench")
    share=$(perf report -i "$work/$name.data" --sort comm --stdio 2>/dev/null |
        awk '$2 == "postgres" { sub("%", "", $1); print $1 }')
    cpus=$(nproc)
    echo "== $name: $tps calls/s; server CPU per call:" \
        "$(awk -v s="$share" -v t="$tps" -v c="$cpus" -v d="$seconds" \
            'BEGIN { printf "%.1f µs", s / 100 * c * d * 1e6 / (t * d) }')" \
        "(postgres = $share% of $cpus CPUs × ${seconds} s)"
    perf report -i "$work/$name.data" --comm postgres --percentage relative --no-children \
        --sort symbol --stdio 2>/dev/null | awk '/^ +[0-9]/ && n++ < 12 { print $1, $2, $3 }'
done
