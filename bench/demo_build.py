"""Time `jiceng demo` at full scale into a throw-away SQLite database.

    .venv/bin/python bench/demo_build.py [--scale 1] [--seed 2017] [--serial] [--keep]

Migrates a fresh database in a temporary JICENG_DATA_DIR, builds the demo city with a progress
bar per phase on stderr, and prints one JSON line with the time of every phase, the counts and
a few shares of the generated members. --serial generates the members in this process
instead of a forked child; --keep leaves the temporary directory (and database) in place.
"""

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--serial", action="store_true", help="no forked member generator")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="jiceng-demo-bench-")
    os.environ["JICENG_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)  # always the embedded SQLite
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    load = os.getloadavg()
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from jiceng.demo import build
        from jiceng.members.models import Member

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrated = time.perf_counter()
        result = build.build(
            seed=args.seed,
            scale=args.scale,
            progress=build.Progress(),
            parallel=False if args.serial else None,
        )
        finished = time.perf_counter()
        summary = build.summary()
        n = summary["members"] or 1
        members = Member.objects.all()
        shares = {
            "male": members.filter(sex="1").count() / n,
            "minority": members.exclude(ethnicity="01").count() / n,
            "probationary": summary["probationary"] / n,
            "retired": members.filter(occupation="08").count() / n,
            "mobile": members.filter(is_mobile=True).count() / n,
            "lost_contact": members.filter(is_lost_contact=True).count() / n,
            "suspended": members.filter(standing="suspended").count() / n,
        }
        connection.close()
        db = Path(data_dir) / "jiceng.sqlite3"
        line = {
            "bench": "demo_build",
            "scale": args.scale,
            "seed": args.seed,
            "backend": "sqlite",
            "parallel": not args.serial and build.can_fork(),
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load],
            "python": platform.python_version(),
            "migrate_s": round(migrated - started, 2),
            "phases_s": {k: round(v, 2) for k, v in result.timings.items()},
            "build_s": round(finished - migrated, 2),
            "orgs": result.orgs,
            "grassroots": summary["grassroots"],
            "members": summary["members"],
            "status_changes": result.status_changes,
            "kinds": summary["kinds"],
            "shares": {k: round(v, 4) for k, v in shares.items()},
            "db_mb": round(db.stat().st_size / 2**20, 1) if db.exists() else None,
        }
        print(json.dumps(line, ensure_ascii=False), flush=True)
    finally:
        if args.keep:
            print(f"kept {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
