"""Shared set-up for the benchmarks: a Django connection to the benchmark database and timers.

The benchmark database is a full demo city in bench/tmp/ (built by bench/run.sh), never the
database `make demo` serves, so a benchmark run leaves the demo alone. A benchmark that builds
a city of its own instead (bench/cockpit.py, bench/outreach_dashboard.py) takes the options of
`city_options`, runs inside `city_database` and builds with `build_city`; it logs in with
`bench_user` (and `logged_in_client` for pages).
"""

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import contextmanager
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


def cpu_ms(fn, repeat: int) -> float:
    """CPU time of this process per call of `fn()` (SQLite runs in-process, so its work is
    included): what a call costs whatever the machine's load."""
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return round((time.process_time() - start) * 1000 / repeat, 3)


# --- a benchmark over a demo city of its own -----------------------------------------------------


def city_options(parser, *, repeat: int, what: str) -> None:
    """The options of a benchmark that builds a demo city (or reuses a kept one)."""
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--repeat", type=int, default=repeat)
    parser.add_argument("--naive-repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database built")
    parser.add_argument("--reuse", metavar="DIR", help=f"time {what} on a kept database")


@contextmanager
def city_database(args, prefix: str, *, pages: bool = False):
    """Django set up on a SQLite database of its own: in --reuse's directory, or in a fresh
    temporary JICENG_DATA_DIR (removed afterwards unless --keep); `pages`: to be requested
    through `logged_in_client`. Yields the first facts of the run's result: scale, seed,
    backend, CPUs and the load average before."""
    data_dir = args.reuse or tempfile.mkdtemp(prefix=prefix)
    os.environ["JICENG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    load = os.getloadavg()
    try:
        import django

        django.setup()
        if pages:
            _serve_pages()
        yield {
            "scale": args.scale,
            "seed": args.seed,
            "backend": "sqlite",
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load],
        }
    finally:
        if args.keep or args.reuse:
            print(f"kept {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def build_city(args, *, only: str | None = None):
    """Migrate and build the demo city at --scale and --seed (with the demo extension `only`
    alone, if given): (the build's result, its wall time in seconds)."""
    from django.core.management import call_command

    from jiceng.demo import build, extensions

    call_command("migrate", verbosity=0)
    if only is not None:
        mine = [e for e in extensions.registered() if e.key == only]
        extensions._registry.clear()
        for e in mine:
            extensions.register(e)
    started = time.perf_counter()
    result = build.build(seed=args.seed, scale=args.scale, progress=build.Progress(), parallel=None)
    return result, round(time.perf_counter() - started, 1)


def note(**data) -> None:
    """A line of JSON on stderr, at once (progress of a long run)."""
    print(json.dumps(data, ensure_ascii=False), file=sys.stderr, flush=True)


def bench_user(username: str, role: str, org):
    """A user holding `role` over `org`, past the first-login password change (so that pages
    answer them, not the change-password form)."""
    from django.utils import timezone

    from jiceng.accounts.models import RoleAssignment, User

    user, _created = User.objects.get_or_create(username=username)
    User.objects.filter(pk=user.pk).update(
        password_changed_at=timezone.now(), must_change_password=False
    )
    RoleAssignment.objects.get_or_create(user=user, role=role, org=org)
    return User.objects.get(pk=user.pk)


def _serve_pages() -> None:
    """Pages for the test client: any host, static URLs without collectstatic's manifest (as
    the tests do). Before anything reads the static files storage."""
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


def logged_in_client(user):
    """Django's test client logged in as `user` (in a `city_database(..., pages=True)`)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client
