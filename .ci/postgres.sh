# Source this file: starts a throwaway PostgreSQL on a free loopback port and exports
# MEDIATOR_TEST_PG_URL; `pg_stop` (also run on EXIT) stops it and deletes its files.
# Runs the server binaries as the `postgres` user; installs them with apt-get if missing.
# `pg_start` runs with fsync=off (a test cluster: nothing in it outlives the run);
# `pg_start durable` keeps PostgreSQL's defaults, fsync and synchronous_commit on, as a team
# runs it (bench/api.py measures the API on one); extra `-c name=value` server settings may
# follow, e.g. `pg_start durable -c commit_delay=100`.

pg_bin_dir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] && { echo "$dir"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(readlink -f "$(command -v initdb)")"; return 0; }
    return 1
}

pg_start() {
    local bin durability="-c fsync=off"
    if [ "${1:-}" = durable ]; then
        durability=""
        shift
    fi
    if ! bin=$(pg_bin_dir); then
        echo "ci: PostgreSQL server binaries not found; installing with apt-get" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
        bin=$(pg_bin_dir) || { echo "ci: could not install PostgreSQL" >&2; return 1; }
    fi
    id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql postgres
    PG_TMP=$(mktemp -d /tmp/mediator-pg.XXXXXX)
    chown postgres "$PG_TMP"
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    runuser -u postgres -- "$bin/initdb" -D "$PG_TMP/data" -A trust -U postgres -E UTF8 >/dev/null
    runuser -u postgres -- "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=200 $durability $*" \
        start >/dev/null
    PG_BIN=$bin
    export MEDIATOR_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    echo "ci: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
}

pg_stop() {
    if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
        runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1 || true
        rm -rf "$PG_TMP"
    fi
}
