#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests. It runs crash-safe (fsync, full_page_writes and
# synchronous_commit on, PostgreSQL's defaults) because `jiceng migrate`, `serve` and `worker`
# refuse a database that is not (jiceng/core/durability.py).
#
#   bash scripts/pg.sh start    # initdb if needed, start, create role+db `jiceng`; prints the URL
#   bash scripts/pg.sh stop
#   bash scripts/pg.sh status
#   bash scripts/pg.sh url      # postgres://jiceng@127.0.0.1:54329/jiceng
#
# Data dir var/pg (JICENG_PG_DIR overrides), port 54329 (JICENG_PG_PORT).
# As root the server runs as the `postgres` user (initdb refuses root);
# otherwise as the current user. The role `jiceng` is a superuser so that
# pytest-django can create and drop test_jiceng.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${JICENG_PG_PORT:-54329}"
SOCKDIR=/tmp
URL="postgres://jiceng@127.0.0.1:$PORT/jiceng"

log() { echo "pg: $*" >&2; }
die() { log "$*"; exit 1; }

find_bindir() {
    local d
    d="$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)"
    if [ -n "$d" ]; then
        dirname "$d"
    elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v pg_ctl)"
    fi
}

BINDIR="$(find_bindir)"
if [ -z "$BINDIR" ] && [ "${1:-}" = start ]; then
    bash "$ROOT/scripts/system-deps.sh" postgresql >&2
    BINDIR="$(find_bindir)"
fi

if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user (apt-get install -y postgresql creates it)"
    RUN_AS=(runuser -u postgres --)
else
    RUN_AS=()
fi

# Run a PostgreSQL binary as the cluster's owner, from a directory it can read
# (initdb/pg_ctl fail when they cannot read their working directory).
pgrun() {
    local bin="$1"
    shift
    (cd / && "${RUN_AS[@]}" "$BINDIR/$bin" "$@")
}

# var/pg by default; as root, postgres must be able to reach it. If some parent
# directory (say /root) is closed to it, use a directory under /tmp instead.
choose_datadir() {
    if [ -n "${JICENG_PG_DIR:-}" ]; then
        echo "$JICENG_PG_DIR"
        return
    fi
    mkdir -p "$ROOT/var"
    if [ ${#RUN_AS[@]} -gt 0 ]; then
        chmod a+rx "$ROOT/var"
        if ! (cd / && "${RUN_AS[@]}" test -x "$ROOT/var"); then
            echo "/tmp/jiceng-pg-$(printf %s "$ROOT" | md5sum | cut -c1-8)"
            return
        fi
    fi
    echo "$ROOT/var/pg"
}

running() {
    [ -n "$BINDIR" ] && [ -f "$DATA/PG_VERSION" ] && pgrun pg_ctl -D "$DATA" status >/dev/null 2>&1
}

# The port the cluster in $DATA actually listens on (4th line of postmaster.pid), if it runs.
running_port() {
    sed -n 4p "$DATA/postmaster.pid" 2>/dev/null || true
}

# When the cluster already runs, on a port other than the one asked for, use its port: the
# printed URL must be the one that connects.
use_running_port() {
    local actual
    actual="$(running_port)"
    if [ -n "$actual" ] && [ "$actual" != "$PORT" ]; then
        log "the cluster in $DATA runs on port $actual, not $PORT; using $actual"
        PORT="$actual"
        URL="postgres://jiceng@127.0.0.1:$PORT/jiceng"
    fi
}

psql_admin() {
    "$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres
}

start() {
    [ -n "$BINDIR" ] || die "PostgreSQL server binaries not found (apt-get install -y postgresql)"
    if running; then
        use_running_port
        log "already running ($DATA, port $PORT)"
        echo "$URL"
        return
    fi
    mkdir -p "$DATA"
    if [ ${#RUN_AS[@]} -gt 0 ]; then
        chown -R postgres: "$DATA"
    fi
    chmod 700 "$DATA"
    if [ ! -f "$DATA/PG_VERSION" ]; then
        local loc=C
        if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then loc=C.UTF-8; fi
        log "initdb $DATA (locale $loc)"
        if ! pgrun initdb -D "$DATA" --username=postgres --auth=trust --encoding=UTF8 \
            --locale="$loc" >"$DATA.initdb.log" 2>&1; then
            if [ "$loc" != C ]; then
                log "initdb with locale $loc failed; retrying with locale C"
                find "$DATA" -mindepth 1 -delete
                pgrun initdb -D "$DATA" --username=postgres --auth=trust --encoding=UTF8 \
                    --locale=C >"$DATA.initdb.log" 2>&1 || { cat "$DATA.initdb.log" >&2; die "initdb failed"; }
            else
                cat "$DATA.initdb.log" >&2
                die "initdb failed"
            fi
        fi
    fi
    log "starting on 127.0.0.1:$PORT"
    # -l: the server's output goes to a file, never to our stdout (a pipe
    # reader such as `make test | tee` would otherwise wait for the server).
    if ! pgrun pg_ctl -D "$DATA" -l "$DATA/server.log" -w -t 60 \
        -o "-p $PORT -k $SOCKDIR -c listen_addresses=127.0.0.1" \
        start >/dev/null; then
        tail -n 30 "$DATA/server.log" >&2 || true
        die "pg_ctl start failed (is port $PORT taken?)"
    fi
    psql_admin <<'SQL'
SELECT 'CREATE ROLE jiceng LOGIN SUPERUSER'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'jiceng') \gexec
SELECT 'CREATE DATABASE jiceng OWNER jiceng'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'jiceng') \gexec
SQL
    echo "$URL"
}

stop() {
    if running; then
        pgrun pg_ctl -D "$DATA" -m fast -w -t 60 stop >/dev/null
        log "stopped"
    else
        log "not running"
    fi
}

DATA="$(choose_datadir)"

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) if running; then use_running_port; log "running ($DATA, port $PORT)"; else log "not running"; exit 3; fi ;;
    url) if running; then use_running_port; fi; echo "$URL" ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
