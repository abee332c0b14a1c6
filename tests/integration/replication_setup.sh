# Sourced by the replication tests (standby.sh, failover.sh) after cli_test_setup.sh: a primary of
# their own (cmake/pg_throwaway.sh) at 034 and a streaming standby made with pg_basebackup -R, each
# on its own Unix socket; both stopped and removed at exit.
#   start_primary              $primary (conninfo), $primary_socket, $port
#   start_standby [SETTINGS]   $standby (conninfo), $standby_dir; SETTINGS appended to its config
# shellcheck shell=bash disable=SC2034
bindir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
primary_dir=$(mktemp -d /tmp/iucore-primary.XXXXXX)
standby_dir=$(mktemp -d /tmp/iucore-standby.XXXXXX)
rmdir "$primary_dir"
as_pg() { if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }
stop_clusters() {
    [[ -f $standby_dir/data/postmaster.pid ]] &&
        as_pg "$bindir/pg_ctl" -D "$standby_dir/data" -m immediate -s stop >/dev/null 2>&1
    rm -rf "$standby_dir"
    "$IUCORE_PG_THROWAWAY" stop "$primary_dir" >/dev/null 2>&1 || true
}
trap 'stop_clusters; cleanup' EXIT

start_primary() {
    "$IUCORE_PG_THROWAWAY" start "$primary_dir" >/dev/null
    primary=$(cat "$primary_dir/conninfo")
    primary_socket=$(readlink -f "$primary_dir")
    port=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' "$primary_dir/conninfo")
    psql -X -q -v ON_ERROR_STOP=on -d "$primary" -f "$substrate" >/dev/null
    "$cli" --definition "$definition" render seed 033 |
        psql -X -q -v ON_ERROR_STOP=on -d "$primary" >/dev/null
    "$cli" --definition "$definition" --db "$primary" apply 034 >/dev/null
}

start_standby() {
    [[ $(id -u) -eq 0 ]] && chown postgres: "$standby_dir"
    chmod 0755 "$standby_dir"
    as_pg "$bindir/pg_basebackup" -D "$standby_dir/data" -R -X stream -c fast \
        -h "$primary_socket" -p "$port" -U postgres >/dev/null
    printf '%s\n' "unix_socket_directories = '$standby_dir'" "port = $port" "hot_standby = on" \
        "logging_collector = off" "${@}" >>"$standby_dir/data/postgresql.conf"
    as_pg "$bindir/pg_ctl" -D "$standby_dir/data" -l "$standby_dir/server.log" -w -t 30 -s start
    standby="host=$standby_dir port=$port user=postgres dbname=iucore_test"
    local _
    for _ in $(seq 100); do
        psql -X -At -d "$standby" -c "SELECT 1" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    return 1
}
