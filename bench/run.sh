#!/usr/bin/env bash
# All benchmarks, each beside its baseline in the same process (see bench/README.md).
#   bash bench/run.sh            build the benchmark city if missing, then run everything
#   JICENG_BENCH_REBUILD=1 ...   rebuild the benchmark city first
# Results land in bench/results/*.json; the benchmark city lives in bench/tmp/ (git-ignored).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
export JICENG_DATA_DIR="${JICENG_BENCH_DATA:-$ROOT/bench/tmp}"
unset DATABASE_URL
mkdir -p bench/results "$JICENG_DATA_DIR"

echo "== demo build (full scale, fresh temporary SQLite)"
"$PY" bench/demo_build.py | tee bench/results/demo_build.json

if [ "${JICENG_BENCH_REBUILD:-0}" = 1 ] || [ ! -s "$JICENG_DATA_DIR/jiceng.sqlite3" ]; then
    echo "== building the benchmark city in $JICENG_DATA_DIR"
    rm -f "$JICENG_DATA_DIR"/jiceng.sqlite3*
    "$ROOT/.venv/bin/jiceng" migrate -v0
    "$ROOT/.venv/bin/jiceng" demo >/dev/null
fi

echo "== subtree summary"
(cd bench && "$PY" summary.py)
echo "== member search"
(cd bench && "$PY" search.py)
echo "== member list under load"
bash bench/load.sh

# Import/export of the city's members (.xlsx) beside django-import-export and the raw-insert
# floor, on each database: its own fresh database and demo city (a throwaway PostgreSQL
# cluster from scripts/pg.sh on a free port). The baseline needs the bench extra and openpyxl
# (what django-import-export reads .xlsx with).
"$PY" -c 'import import_export, openpyxl' 2>/dev/null ||
    "$PY" -m pip install -q --disable-pip-version-check 'django-import-export[xlsx]==4.4.3'
for db in sqlite postgres; do
    echo "== import/export ($db)"
    "$PY" bench/import_export.py --db "$db"
done
