#!/usr/bin/env bash
# failover.sh CLI EXAMPLES_DIR
#
# Failover under load (issue 18): a primary with a synchronous streaming standby
# (synchronous_commit = on, synchronous_standby_names = '*'); 8 clients make governed runs in a
# loop through one multi-host conninfo (primary, standby; target_session_attrs=read-write). Mid
# load the standby is promoted and the old primary stopped at once. Then:
#   - every run acknowledged to a client (exit 0 with its run id) is in the new primary's run
#     log: 0 lost;
#   - no run is logged twice (each run carries a unique actor);
#   - every client made acknowledged runs after the failover, through the same conninfo;
# and the window in which runs were refused is printed.
set -euo pipefail

# shellcheck source=cli_test_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/cli_test_setup.sh" "$@"
unset IUCORE_DEFINITION IUCORE_ACTOR
# shellcheck source=replication_setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/replication_setup.sh"
check() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what" "$work/out" "$work/err"; fi
}
equals() { [[ $1 == "$2" ]]; }

start_primary
psql -X -q -v ON_ERROR_STOP=on -d "$primary" -c "UPDATE public.iu_core_config
    SET config_value = 'true' WHERE config_key = 'iu_core.composer_enabled'"
start_standby
# Synchronous from here on, on the primary only (the standby, once promoted, has no standby).
psql -X -q -v ON_ERROR_STOP=on -d "$primary" >/dev/null <<'SQL'
ALTER SYSTEM SET synchronous_commit = on;
ALTER SYSTEM SET synchronous_standby_names = '*';
SELECT pg_reload_conf();
SQL
for _ in $(seq 100); do
    [[ $(psql -X -At -d "$primary" -c "SELECT sync_state FROM pg_stat_replication") == sync ]] && break
    sleep 0.1
done
check "the standby replicates synchronously" equals \
    "$(psql -X -At -d "$primary" -c "SELECT sync_state FROM pg_stat_replication")" sync

multi="host=$primary_socket,$standby_dir port=$port,$port user=postgres dbname=iucore_test target_session_attrs=read-write connect_timeout=2"
now_ms() { date +%s%3N; }
client() { # client N: governed runs until $work/stop exists; acknowledged ones to $work/acked.N
    local n=$1 seq=0 out
    while [[ ! -e $work/stop ]]; do
        seq=$((seq + 1))
        if out=$("$cli" --definition "$definition" --db "$multi" --statement-timeout 10s --json \
            --actor "client-$n-$seq" \
            run dot_iu_auto_instantiate_rollback_by_actor "actor=client-$n-$seq" dry_run=true \
            2>/dev/null); then
            printf '%s %s %s\n' "$(now_ms)" "client-$n-$seq" \
                "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["run_id"])' "$out")" \
                >>"$work/acked.$n"
        else
            printf '%s\n' "$(now_ms)" >>"$work/refused.$n"
        fi
    done
}
clients=()
for n in $(seq 8); do
    : >"$work/acked.$n"
    : >"$work/refused.$n"
    client "$n" &
    clients+=($!)
done
sleep 3
failover_at=$(now_ms)
as_pg "$bindir/pg_ctl" -D "$standby_dir/data" -w -s promote
"$IUCORE_PG_THROWAWAY" stop "$primary_dir" >/dev/null 2>&1
sleep 4
touch "$work/stop"
wait "${clients[@]}"

cat "$work"/acked.* >"$work/acked"
acked=$(wc -l <"$work/acked")
new_primary="$standby"
check "the promoted standby is the primary now" equals \
    "$(psql -X -At -d "$new_primary" -c "SELECT pg_is_in_recovery()")" f
awk '{print $2}' "$work/acked" | sort >"$work/acked.actors"
psql -X -At -d "$new_primary" -c "SELECT actor FROM public.dot_iu_command_run WHERE actor LIKE 'client-%'" |
    sort >"$work/logged.actors"
lost=$(comm -23 "$work/acked.actors" "$work/logged.actors" | wc -l)
twice=$(uniq -d "$work/logged.actors" | wc -l)
check "$acked runs were acknowledged" test "$acked" -gt 0
check "every acknowledged run is in the new primary's run log ($lost lost)" equals "$lost" 0
check "no run is logged twice ($twice twice)" equals "$twice" 0
after=0
for n in $(seq 8); do
    if awk -v t="$failover_at" '$1 > t {found=1} END {exit !found}' "$work/acked.$n"; then
        after=$((after + 1))
    fi
done
check "all 8 clients made acknowledged runs after the failover ($after of 8)" equals "$after" 8
last_before=$(awk -v t="$failover_at" '$1 <= t {m = $1 > m ? $1 : m} END {printf "%.0f\n", m}' "$work/acked")
first_after=$(awk -v t="$failover_at" '$1 > t && (m == 0 || $1 < m) {m = $1} END {printf "%.0f\n", m}' "$work/acked")
refused=$(cat "$work"/refused.* | wc -l)
printf 'failover: %d runs acknowledged, 0 lost, %d refused during the switch; no acknowledged run for %d ms\n' \
    "$acked" "$refused" "$((first_after - last_before))"

printf '\n%d passed, %d failed\n' "$passes" "$failures"
((failures == 0))
