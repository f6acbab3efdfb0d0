#!/usr/bin/env bash
# The whole check, as `make test` and CI run it (after `make venv sysdeps`):
# lint, format, translations, Django checks, migrations, then the test suite
# on SQLite and again on a throwaway PostgreSQL (scripts/pg.sh), which is
# stopped however the run ends.
#
# Extra arguments go to both pytest runs, e.g. `bash scripts/test.sh -x -k org`.
# JICENG_TEST_PG=0 skips the PostgreSQL run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="$ROOT/.venv/bin"
[ -x "$BIN/jiceng" ] || { echo "test: $BIN/jiceng is missing; run 'make venv' first" >&2; exit 1; }

# The checks below must not depend on a developer's environment.
unset DATABASE_URL
export PYTHONDONTWRITEBYTECODE=1
export JICENG_CONN_MAX_AGE=0  # the live-server thread must not hold the test database open

START=$SECONDS
step() {
    printf '\n==> %s   [%ss]\n' "$*" "$((SECONDS - START))"
}

run_pytest() {
    local rc=0
    # The slowest tests are listed at the end, to keep an eye on the CI's 30 minutes.
    "$BIN/pytest" --durations=15 "$@" || rc=$?
    if [ "$rc" -eq 5 ]; then
        echo "test: pytest collected no tests" >&2
    fi
    return "$rc"
}

step "ruff check ."
"$BIN/ruff" check .

step "ruff format --check ."
"$BIN/ruff" format --check .

step "jiceng compilemessages"
"$BIN/jiceng" compilemessages --ignore=.venv --ignore=var --ignore=node_modules

step "jiceng check"
"$BIN/jiceng" check

step "jiceng makemigrations --check --dry-run"
"$BIN/jiceng" makemigrations --check --dry-run

if [ "${JICENG_TEST_PG:-1}" = 0 ]; then
    step "pytest (SQLite)"
    run_pytest "$@"
else
    # SQLite and PostgreSQL run side by side (each pytest uses one core), split so that they
    # take about as long: the authorization sweep runs on SQLite only and the browser tests
    # on PostgreSQL only (both drive the same views through the same scope code).
    # A free port, so a cluster another checkout left running cannot collide with this one.
    JICENG_PG_PORT="${JICENG_PG_PORT:-$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
    export JICENG_PG_PORT
    step "PostgreSQL: scripts/pg.sh start (port $JICENG_PG_PORT)"
    trap 'echo; echo "==> PostgreSQL: scripts/pg.sh stop"; bash "$ROOT/scripts/pg.sh" stop || true' EXIT
    PG_URL="$(bash scripts/pg.sh start)"
    PG_LOG="$(mktemp)"
    step "pytest (PostgreSQL, DATABASE_URL=$PG_URL) in the background, log: $PG_LOG"
    ( DATABASE_URL="$PG_URL" run_pytest -m "not sweep" "$@" >"$PG_LOG" 2>&1 ) &
    PG_PID=$!

    step "pytest (SQLite)"
    SQLITE_RC=0
    run_pytest -m "not browser" "$@" || SQLITE_RC=$?

    step "pytest (PostgreSQL): waiting for it"
    PG_RC=0
    wait "$PG_PID" || PG_RC=$?
    cat "$PG_LOG"
    rm -f "$PG_LOG"
    if [ "$SQLITE_RC" -ne 0 ] || [ "$PG_RC" -ne 0 ]; then
        echo "test: pytest failed (SQLite: $SQLITE_RC, PostgreSQL: $PG_RC)" >&2
        exit 1
    fi
fi

printf '\n==> all checks passed   [%ss]\n' "$((SECONDS - START))"
