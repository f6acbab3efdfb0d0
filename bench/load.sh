#!/usr/bin/env bash
# Member list under load: wrk, 16 connections, 10 s per scenario, against gunicorn with 2
# workers (as `jiceng serve` runs it) on the benchmark city; each indexed scenario beside its
# naive twin (bench/naive.py) in the same run. Writes bench/results/load.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
PORT="${JICENG_BENCH_PORT:-8765}"
DURATION="${JICENG_BENCH_DURATION:-10s}"
export JICENG_DATA_DIR="${JICENG_BENCH_DATA:-$ROOT/bench/tmp}"
export PYTHONPATH="$ROOT/bench:$ROOT"
export DJANGO_SETTINGS_MODULE=settings
export JICENG_ALLOWED_HOSTS=127.0.0.1

read -r COOKIE COUNTY < <(cd bench && "$PY" session.py)
"$PY" -m django collectstatic --noinput -v0
"$PY" -m gunicorn jiceng.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 --threads "${JICENG_BENCH_THREADS:-4}" \
    --log-level warning &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/accounts/login/" && break; sleep 0.2; done

declare -a NAMES=(list list_fragment api_list filtered search naive_filtered naive_search)
declare -A URLS=(
    [list]="/members/"
    [list_fragment]="/members/"
    [api_list]="/api/members/?limit=25"
    [filtered]="/members/?org=$COUNTY&education=20"
    [search]="/members/?q=zs"
    [naive_filtered]="/bench/naive/members/?org=$COUNTY&education=20"
    [naive_search]="/bench/naive/members/?q=zs"
)
OUT="$ROOT/bench/results/load.json"
mkdir -p "$(dirname "$OUT")"
{
    echo "{\"bench\": \"load\", \"at\": \"$(date +%FT%T)\", \"connections\": 16, \"duration\": \"$DURATION\", \"gunicorn\": \"2 workers x ${JICENG_BENCH_THREADS:-4} threads\", \"scenarios\": {"
    sep=""
    for name in "${NAMES[@]}"; do
        url="http://127.0.0.1:$PORT${URLS[$name]}"
        extra="X-Bench: 1"
        [ "$name" = list_fragment ] && extra="HX-Request: true"
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $COOKIE" -H "$extra" "$url")
        [ "$code" = 200 ] || { echo "load: $url answered $code" >&2; exit 1; }
        line=$(wrk -t2 -c16 -d"$DURATION" -H "Cookie: $COOKIE" -H "$extra" -s bench/wrk_report.lua "$url" | tail -n 1)
        echo "load: $name ${URLS[$name]} $line" >&2
        printf '%s"%s": {"url": "%s", "result": %s}\n' "$sep" "$name" "${URLS[$name]}" "$line"
        sep=","
    done
    echo "}}"
} > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cat "$OUT"
