#!/usr/bin/env bash
# pg_throwaway.sh -- a throwaway PostgreSQL cluster for tests.
#
#   pg_throwaway.sh start    STATEDIR        initdb + start; writes STATEDIR/env, STATEDIR/conninfo
#   pg_throwaway.sh stop     STATEDIR        immediate stop + remove STATEDIR (never fails if gone)
#   pg_throwaway.sh createdb STATEDIR NAME   create another database, print its conninfo
#   pg_throwaway.sh run -- CMD [ARGS...]     start in a fresh temp dir, run CMD with PG* and
#                                            IUCORE_TEST_CONNINFO exported, stop + remove
#                                            (also on failure / SIGINT / SIGTERM); exit code is CMD's
#
# The server listens only on a Unix socket inside STATEDIR (no TCP), so the port only names the
# socket; several clusters may use the same port in different state dirs.
#
# Environment:
#   PG_BINDIR         PostgreSQL bin dir (default: highest /usr/lib/postgresql/*/bin)
#   PGTHROWAWAY_PORT  port (socket name suffix), default 5432
#
# As root, initdb/postgres refuse to run, so the cluster is owned by and run as the `postgres`
# user (via runuser). If STATEDIR's parent is not traversable by postgres, the real directory is
# created under /tmp and STATEDIR becomes a symlink to it (stop removes both).
#
# STATEDIR layout: data/ (PGDATA), server.log, env (KEY=VALUE lines, unquoted), conninfo,
# .s.PGSQL.<port> (socket), .pg_throwaway (marker: stop only deletes directories carrying it).
set -euo pipefail

readonly PROG=${0##*/}
readonly MARKER=.pg_throwaway
readonly DBNAME=iucore_test
readonly SUPERUSER=postgres
readonly SUN_PATH_MAX=107 # sizeof(sockaddr_un.sun_path) - 1 on Linux

die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }

usage() {
    cat >&2 <<EOF
usage: $PROG start STATEDIR
       $PROG stop STATEDIR
       $PROG createdb STATEDIR NAME
       $PROG run -- CMD [ARGS...]
EOF
    exit 2
}

is_root() { [[ $(id -u) -eq 0 ]]; }

find_bindir() {
    local dir
    if [[ -n ${PG_BINDIR:-} ]]; then
        dir=$PG_BINDIR
    else
        dir=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
    fi
    [[ -x $dir/initdb && -x $dir/postgres && -x $dir/pg_ctl ]] ||
        die "no PostgreSQL server binaries in '$dir' (install the postgresql package or set PG_BINDIR)"
    printf '%s\n' "$dir"
}

# Absolute path without resolving symlinks.
abspath() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "$1" ;;
    esac
}

# Run a server-side command: as postgres when we are root (from / so cwd is accessible).
as_pg() {
    if is_root; then
        (cd / && runuser -u "$SUPERUSER" -- "$@")
    else
        "$@"
    fi
}

# Quote a libpq conninfo value if needed.
ci_quote() {
    local v=$1
    if [[ -z $v || $v =~ [[:space:]\'\\] ]]; then
        v=${v//\\/\\\\}
        v=${v//\'/\\\'}
        v="'$v'"
    fi
    printf '%s' "$v"
}

# Read KEY from STATEDIR/env.
env_get() {
    local file=$1/env key=$2 line
    [[ -r $file ]] || die "no cluster state in '$1' (missing $file; run '$PROG start' first)"
    while IFS= read -r line; do
        if [[ ${line%%=*} == "$key" ]]; then
            printf '%s\n' "${line#*=}"
            return 0
        fi
    done <"$file"
    die "$key missing from $file"
}

conninfo_for() { # host port dbname
    printf 'host=%s port=%s user=%s dbname=%s\n' "$(ci_quote "$1")" "$2" "$SUPERUSER" \
        "$(ci_quote "$3")"
}

ensure_pg_user() {
    getent passwd "$SUPERUSER" >/dev/null && return 0
    warn "creating system user '$SUPERUSER'"
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$SUPERUSER" || die "could not create user '$SUPERUSER'"
}

# Can the postgres user reach (search) directory $1?
pg_can_traverse() { (cd / && runuser -u "$SUPERUSER" -- test -x "$1" -a -d "$1") 2>/dev/null; }

cmd_start() {
    [[ $# -eq 1 ]] || usage
    local state port bindir realdir sock parent
    state=$(abspath "$1")
    state=${state%/}
    port=${PGTHROWAWAY_PORT:-5432}
    { [[ $port =~ ^[0-9]+$ ]] && ((port >= 1 && port <= 65535)); } ||
        die "PGTHROWAWAY_PORT must be a port number, got '$port'"

    sock="$state/.s.PGSQL.$port"
    if ((${#sock} > SUN_PATH_MAX)); then
        die "Unix socket path '$sock' is ${#sock} bytes, over the limit of $SUN_PATH_MAX bytes" \
            "(sizeof sun_path - 1); use a shorter STATEDIR"
    fi

    bindir=$(find_bindir)

    # Create STATEDIR (an existing one must be empty or a stale throwaway cluster: refuse others).
    if [[ -e $state || -L $state ]]; then
        if [[ -e $state/$MARKER ]]; then
            warn "stale cluster in '$state': stopping and removing it"
            cmd_stop "$state"
        elif [[ -d $state && ! -L $state && -z $(ls -A "$state") ]]; then
            :
        else
            die "'$state' exists and is not an empty directory or a throwaway cluster"
        fi
    fi

    realdir=$state
    if is_root; then
        ensure_pg_user
        parent=$(dirname "$state")
        mkdir -p "$parent"
        if ! pg_can_traverse "$parent"; then
            # The postgres user cannot reach STATEDIR: keep the real directory under /tmp and
            # point STATEDIR at it (root, the client, can follow the link).
            [[ -d $state ]] && rmdir "$state"
            realdir=$(mktemp -d /tmp/pg_throwaway.XXXXXX)
            ln -s "$realdir" "$state"
            if (("${#realdir}" + ${#port} + 10 > SUN_PATH_MAX)); then
                die "socket path under '$realdir' is over the limit of $SUN_PATH_MAX bytes"
            fi
        fi
    fi
    mkdir -p "$realdir"
    : >"$realdir/$MARKER"
    chmod 0755 "$realdir"
    if is_root; then
        chown "$SUPERUSER:" "$realdir"
        pg_can_traverse "$realdir" || die "user '$SUPERUSER' cannot access '$realdir'"
    fi

    local data=$realdir/data log=$realdir/server.log
    if ! as_pg "$bindir/initdb" -D "$data" -A trust -U "$SUPERUSER" --no-sync -E UTF8 \
        --locale=C >"$realdir/initdb.log" 2>&1; then
        cat "$realdir/initdb.log" >&2
        die "initdb failed (log above, state left in '$state')"
    fi

    # Server settings: Unix socket only, private socket dir, durability off (throwaway data).
    local sq_dir=${realdir//\'/\'\'}
    cat >>"$data/postgresql.conf" <<EOF

# --- pg_throwaway.sh ---
listen_addresses = ''
unix_socket_directories = '$sq_dir'
port = $port
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
logging_collector = off
EOF

    # pg_ctl -w notices a postmaster that dies during startup; pg_isready then confirms that
    # the socket the clients will use accepts connections. 30 s in total.
    local deadline=$((SECONDS + 30)) started=0
    if as_pg "$bindir/pg_ctl" -D "$data" -l "$log" -w -t 30 -s start; then
        while ((SECONDS <= deadline)); do
            if "$bindir/pg_isready" -q -h "$state" -p "$port" -U "$SUPERUSER" -d postgres; then
                started=1
                break
            fi
            sleep 0.05
        done
    fi
    if ((!started)); then
        {
            echo "---- $log ----"
            cat "$log" 2>/dev/null || true
            echo "---- end of $log ----"
        } >&2
        cmd_stop "$state" >/dev/null 2>&1 || true
        die "server in '$state' failed to start or was not ready within 30 s (server.log above)"
    fi

    if ! "$bindir/createdb" -h "$state" -p "$port" -U "$SUPERUSER" "$DBNAME"; then
        die "could not create database $DBNAME"
    fi

    printf 'PGHOST=%s\nPGPORT=%s\nPGUSER=%s\nPGDATABASE=%s\n' \
        "$state" "$port" "$SUPERUSER" "$DBNAME" >"$realdir/env"
    conninfo_for "$state" "$port" "$DBNAME" >"$realdir/conninfo"
}

cmd_stop() {
    [[ $# -eq 1 ]] || usage
    local state realdir bindir data pid
    state=$(abspath "$1")
    state=${state%/}
    [[ -e $state || -L $state ]] || return 0

    realdir=$state
    [[ -L $state ]] && realdir=$(readlink -f "$state" || true)
    if [[ -z $realdir || ! -d $realdir ]]; then
        [[ -L $state ]] && rm -f "$state" # dangling link
        return 0
    fi
    if [[ ! -e $realdir/$MARKER ]]; then
        if [[ -z $(ls -A "$realdir") ]]; then
            rmdir "$realdir" 2>/dev/null || true
            [[ -L $state ]] && rm -f "$state"
            return 0
        fi
        warn "'$state' is not a pg_throwaway state dir (no $MARKER); not removing it"
        return 1
    fi

    data=$realdir/data
    if [[ -f $data/postmaster.pid ]]; then
        bindir=$(find_bindir 2>/dev/null) || bindir=
        if [[ -n $bindir ]]; then
            as_pg "$bindir/pg_ctl" -D "$data" -m immediate -s stop >/dev/null 2>&1 || true
        fi
        # Fallback: the postmaster recorded in the pid file, if still alive and ours.
        pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
        if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
            [[ $(readlink "/proc/$pid/cwd" 2>/dev/null || true) == "$(readlink -f "$data")" ]]; then
            kill -KILL "$pid" 2>/dev/null || true
            local i
            for ((i = 0; i < 100; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.05
            done
        fi
    fi
    rm -rf -- "$realdir"
    [[ -L $state ]] && rm -f -- "$state"
    return 0
}

cmd_createdb() {
    [[ $# -eq 2 ]] || usage
    local state name host port bindir
    state=$(abspath "$1")
    state=${state%/}
    name=$2
    host=$(env_get "$state" PGHOST)
    port=$(env_get "$state" PGPORT)
    bindir=$(find_bindir)
    "$bindir/createdb" -h "$host" -p "$port" -U "$SUPERUSER" -- "$name" ||
        die "could not create database '$name'"
    conninfo_for "$host" "$port" "$name"
}

RUN_STATE=
RUN_CHILD=
run_cleanup() {
    if [[ -n $RUN_STATE ]]; then
        cmd_stop "$RUN_STATE" || true
        RUN_STATE=
    fi
}
run_on_signal() { # signal-name exit-code
    trap - INT TERM
    if [[ -n $RUN_CHILD ]] && kill -0 "$RUN_CHILD" 2>/dev/null; then
        # Async children of a non-interactive shell ignore SIGINT: send TERM to the command.
        kill -TERM "$RUN_CHILD" 2>/dev/null || true
        wait "$RUN_CHILD" 2>/dev/null || true
    fi
    run_cleanup
    exit "$2"
}

cmd_run() {
    [[ ${1:-} == -- ]] && shift
    [[ $# -ge 1 ]] || usage
    trap run_cleanup EXIT
    trap 'run_on_signal INT 130' INT
    trap 'run_on_signal TERM 143' TERM
    RUN_STATE=$(mktemp -d "${TMPDIR:-/tmp}/pg_throwaway.XXXXXX")
    cmd_start "$RUN_STATE"

    local key
    for key in PGHOST PGPORT PGUSER PGDATABASE; do
        export "$key=$(env_get "$RUN_STATE" "$key")"
    done
    IUCORE_TEST_CONNINFO=$(<"$RUN_STATE/conninfo")
    export IUCORE_TEST_CONNINFO
    export IUCORE_PG_STATE=$RUN_STATE

    # Run in the background and wait, so that signals are handled promptly; keep our stdin.
    local rc=0
    "$@" <&0 &
    RUN_CHILD=$!
    wait "$RUN_CHILD" || rc=$?
    RUN_CHILD=
    run_cleanup
    trap - EXIT INT TERM
    return "$rc"
}

main() {
    [[ $# -ge 1 ]] || usage
    local cmd=$1
    shift
    case $cmd in
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    createdb) cmd_createdb "$@" ;;
    run) cmd_run "$@" ;;
    -h | --help | help) usage ;;
    *) usage ;;
    esac
}

main "$@"
