"""Compliance of organisational life: the whole city and one county, set-based, beside a loop
over the branches, in the same run; and the demo year of activity's build time.

    .venv/bin/python bench/activities_compliance.py [--scale 1] [--data-dir DIR] [--keep]
    DATABASE_URL=postgres://jiceng@127.0.0.1:54329/jiceng_activities_bench \
        .venv/bin/python bench/activities_compliance.py --scale 1

Without --data-dir it migrates a fresh database (a temporary SQLite file, or the PostgreSQL
database named by DATABASE_URL, emptied first) and builds the demo city at --scale with only the
organisational-life extension (and the dues one with --with-dues): the build's "activities"
phase is the time of the year of meetings and attendance. Then, as of the build date:

- city:    activities.compliance.provide(city path) — every finding of the city (the set-based
           queries and the Python that turns their rows into findings);
- county:  the same for the county with the most branches;
- loop:    the naive baseline, one branch at a time (compliance.branch_loop) over that county,
           and extrapolated to the city by the number of branches.

Prints one JSON line and writes bench/results/activities_compliance_<backend>.json.
"""

import sys
from pathlib import Path

# This directory is sys.path[0]: keep its modules (bench/statistics.py) from shadowing the
# standard library's (Django's SQLite backend imports `statistics`).
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = HERE.parent


CPU = {}  # label → median CPU seconds of this process (the load-independent part on SQLite)
SERVER = {"pid": None}  # PostgreSQL: the backend's process id, to read its CPU time


def server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend (same machine; parallel workers
    are not counted), or 0 on SQLite."""
    pid = SERVER["pid"]
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def median_s(fn, repeat: int, label: str = "") -> tuple[float, object]:
    samples, cpu, server, result = [], [], [], None
    for _ in range(repeat):
        started, cpu_started, server_started = (
            time.perf_counter(),
            time.process_time(),
            server_cpu(),
        )
        result = fn()
        samples.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        server.append(server_cpu() - server_started)
    if label:
        CPU[label] = round(statistics.median(cpu), 4)
        if SERVER["pid"] is not None:
            CPU[label.replace("_cpu_s", "_server_cpu_s")] = round(statistics.median(server), 4)
    return round(statistics.median(samples), 4), result


def _cpu_of(extensions, key: str) -> dict:
    """Wrap an extension's build to measure the CPU time it takes in this process and its
    forked children: on a loaded machine the wall time says more about the neighbours."""
    import dataclasses
    import resource

    ext = extensions._registry[key]
    spent = {"s": 0.0}

    def cpu() -> float:
        me = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    def timed_build(ctx, phase):
        before = cpu()
        try:
            return ext.build(ctx, phase)
        finally:
            spent["s"] = cpu() - before

    extensions._registry[key] = dataclasses.replace(ext, build=timed_build)
    return spent


def _loop(compliance, paths: list[str], as_of) -> list:
    """compliance.branch_loop over these organisations only (the naive baseline)."""
    out = []
    for org_path in paths:
        out.extend(f for f in compliance.provide(org_path, as_of) if f.org_path == org_path)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--data-dir", help="use the database already built there")
    parser.add_argument("--with-dues", action="store_true", help="build the dues year too")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--check-kept",
        action="store_true",
        help="compare the kept state (activities.life) with a recomputation from the records",
    )
    parser.add_argument(
        "--loop-branches",
        type=int,
        default=0,
        help="time the naive loop over only this many of the county's branches (0: all)",
    )
    args = parser.parse_args()

    data_dir = args.data_dir or tempfile.mkdtemp(prefix="jiceng-activities-bench-")
    os.environ["JICENG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    load = os.getloadavg()
    try:
        import django

        django.setup()
        from django.db import connection

        from jiceng.activities import compliance
        from jiceng.activities.models import Attendance, Meeting
        from jiceng.demo import build, extensions
        from jiceng.orgs.models import BRANCH_KINDS, Organization

        line = {
            "bench": "activities_compliance",
            "backend": connection.vendor,
            "scale": None if args.data_dir else args.scale,
            "cpus": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load],
            "python": platform.python_version(),
        }
        if not args.data_dir:
            from django.core.management import call_command

            if connection.vendor == "postgresql":
                if "bench" not in connection.settings_dict["NAME"]:
                    raise SystemExit("refusing to empty a database whose name lacks 'bench'")
                with connection.cursor() as cursor:
                    cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            call_command("migrate", verbosity=0)
            keep = {"activities", "dues"} if args.with_dues else {"activities"}
            for key in list(extensions._registry):
                if key not in keep:
                    extensions._registry.pop(key)
            cpu = _cpu_of(extensions, "activities")
            started = time.perf_counter()
            result = build.build(seed=args.seed, scale=args.scale, progress=build.Progress())
            line["activities_build_cpu_s"] = round(cpu["s"], 1)
            line["build_s"] = round(time.perf_counter() - started, 1)
            line["activities_build_s"] = round(result.timings.get("activities", 0), 1)
            if args.with_dues:
                line["dues_build_s"] = round(result.timings.get("dues", 0), 1)
            line["as_of"] = result.as_of.isoformat()
        from django.utils import timezone

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                SERVER["pid"] = cursor.fetchone()[0]
        as_of = timezone.localdate()
        line["meetings"] = Meeting.objects.count()
        line["attendance"] = Attendance.objects.count()
        city = Organization.objects.filter(parent__isnull=True).order_by("path").first()
        counties = Organization.objects.filter(parent=city).order_by("path")
        branches = {
            c.pk: Organization.objects.filter(
                path__startswith=c.path, kind__in=BRANCH_KINDS
            ).count()
            for c in counties
        }
        county = max(counties, key=lambda c: branches[c.pk])
        all_branches = sum(branches.values())
        line["branches"] = all_branches
        line["county"] = {"name": county.name, "branches": branches[county.pk]}

        list(compliance.provide(city.path, as_of))  # warm: imports, URL resolver, page cache
        city_s, every = median_s(
            lambda: list(compliance.provide(city.path, as_of)), args.repeat, "city_cpu_s"
        )
        county_s, mine = median_s(
            lambda: list(compliance.provide(county.path, as_of)), args.repeat, "county_cpu_s"
        )
        # The missing meetings alone: read from the kept state (what provide() does as of
        # today) against counted from the meetings (a GROUP BY per required kind, what it
        # did before the state was kept and still does for a date in the past).
        from jiceng.core import ruleset

        params = ruleset.snapshot(on=as_of)
        orgs = compliance.required_orgs(city.path)
        for label, counted in (("kept", False), ("counted", True)):
            took, rows = median_s(
                lambda c=counted: list(
                    compliance.meeting_findings(city.path, as_of, params, orgs, from_meetings=c)
                ),
                args.repeat,
                f"city_meetings_{label}_cpu_s",
            )
            line[f"city_meetings_{label}_s"] = took
            line[f"city_meetings_{label}_findings"] = len(rows)
        line["city_meetings_ratio"] = round(
            line["city_meetings_counted_s"] / line["city_meetings_kept_s"], 1
        )
        if args.check_kept:
            from jiceng.activities import life

            took, diffs = median_s(life.check, 1, "check_orgs_cpu_s")
            line["check_orgs"] = {"s": took, "differences": len(diffs)}
            took, diffs = median_s(life.check_members, 1, "check_members_cpu_s")
            line["check_members"] = {"s": took, "differences": len(diffs)}

        from datetime import date

        from jiceng.core import figures

        scope = figures.Scope(city.pk, city.path, city.name, date(as_of.year, 1, 1), as_of)
        figure_ms = {}
        for figure in figures.registered("activities"):
            took, _value = median_s(
                lambda f=figure: f.compute(
                    figures.Scope(scope.org_id, scope.path, scope.name, scope.start, scope.end)
                ),
                args.repeat,
            )
            figure_ms[figure.key] = {"ms": round(took * 1000, 1), "value": str(_value.value)}
        line["city_figures"] = figure_ms
        looped_paths = [row[1] for row in compliance.required_orgs(county.path)]
        if args.loop_branches:
            looped_paths = looped_paths[: args.loop_branches]
        loop_s, looped = median_s(lambda: _loop(compliance, looped_paths, as_of), 1)
        loop_s = round(loop_s * len(compliance.required_orgs(county.path)) / len(looped_paths), 4)
        by_rule: dict[str, int] = {}
        for f in every:
            by_rule[f.rule] = by_rule.get(f.rule, 0) + 1
        line.update(
            city_s=city_s,
            city_findings=len(every),
            findings_by_rule=dict(sorted(by_rule.items())),
            county_s=county_s,
            county_findings=len(mine),
            county_loop_s=loop_s,
            county_loop_findings=len(looped),
            county_loop_orgs_timed=len(looped_paths),
            county_loop_ratio=round(loop_s / county_s, 1) if county_s else None,
            city_loop_extrapolated_s=round(loop_s * all_branches / max(1, branches[county.pk]), 1),
            targets={"city_s": 1.0, "county_s": 0.2},
        )
        line["city_loop_ratio"] = round(line["city_loop_extrapolated_s"] / city_s, 1)
        line.update(CPU)
        line["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        results = ROOT / "bench" / "results"
        results.mkdir(parents=True, exist_ok=True)
        out = results / f"activities_compliance_{connection.vendor}.json"
        out.write_text(json.dumps(line, ensure_ascii=False, indent=2) + "\n")
        print(json.dumps(line, ensure_ascii=False))
    finally:
        if not args.keep and not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
        elif not args.data_dir:
            print(f"kept {data_dir}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
