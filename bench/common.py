"""Shared set-up for the benchmarks: a Django connection to the benchmark database and timers.

The benchmark database is a full demo city in bench/tmp/ (built by bench/run.sh), never the
database `make demo` serves, so a benchmark run leaves the demo alone.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA = Path(os.environ.get("JICENG_BENCH_DATA", ROOT / "bench" / "tmp"))
RESULTS = ROOT / "bench" / "results"


def setup_django() -> None:
    os.environ["JICENG_DATA_DIR"] = str(BENCH_DATA)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def timed(fn, *, repeat: int = 20, warmup: int = 2) -> dict:
    """Median and p95 wall time in ms of `fn()` over `repeat` runs after `warmup` runs."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "median_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 3),
        "runs": repeat,
    }


def save(name: str, result: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"bench": name, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **result}
    (RESULTS / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(result, ensure_ascii=False))
