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
