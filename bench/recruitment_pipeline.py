"""Membership development: the demo pipeline's build time, the findings of the whole city
(set-based) beside a loop over the branches, and the dashboard's counts, in the same run.

    .venv/bin/python bench/recruitment_pipeline.py [--scale 1] [--data-dir DIR] [--keep]

Without --data-dir it migrates a fresh temporary SQLite database and builds the demo city at
--scale with only the recruitment extension (its "recruitment" phase is the pipeline's build
time). Then, as of today:

- city:   recruitment.findings.provide(city path): every due, overdue and exception finding;
- loop:   the naive baseline: for each branch, its open records (one query per branch) run
          through the same rules, plus the branch's exceptions (one more query);
- counts: the dashboard's people per stage at city scope (one GROUP BY).

Prints one JSON line and writes bench/results/recruitment_pipeline_<backend>.json.
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

ROOT = HERE.parent


def median_s(fn, repeat: int) -> tuple[float, object]:
    samples, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples), 4), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2017)
    parser.add_argument("--data-dir")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="jiceng-recruitment-bench-")
    os.environ["JICENG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, str(ROOT))
    load = os.getloadavg()
    try:
        import django

        django.setup()
        from django.db import connection
        from django.utils import timezone

        from jiceng.core import ruleset
        from jiceng.demo import build, extensions
        from jiceng.orgs.models import BRANCH_KINDS, Organization
        from jiceng.recruitment import findings, rules, selectors
        from jiceng.recruitment.models import OPEN_STAGES, DevelopmentRecord, RuleException

        line = {"bench": "recruitment_pipeline", "backend": connection.vendor}
        line["loadavg_before"] = [round(x, 2) for x in load]
        if not args.data_dir:
            from django.core.management import call_command

            call_command("migrate", verbosity=0)
            for key in list(extensions._registry):
                if key != "recruitment":
                    extensions._registry.pop(key)
            started = time.perf_counter()
            result = build.build(seed=args.seed, scale=args.scale, progress=build.Progress())
            line["scale"] = args.scale
            line["build_s"] = round(time.perf_counter() - started, 1)
            line["recruitment_build_s"] = round(result.timings.get("recruitment", 0), 2)
            line["built"] = result.extensions["recruitment"]
        as_of = timezone.localdate()
        city = Organization.objects.filter(parent__isnull=True).order_by("path").first()
        branches = list(
            Organization.objects.filter(kind__in=BRANCH_KINDS).values_list("id", "path")
        )
        line["branches"] = len(branches)
        line["records"] = DevelopmentRecord.objects.count()

        def naive():
            params = ruleset.snapshot(on=as_of)
            out = 0
            for pk, _path in branches:
                for r in DevelopmentRecord.objects.filter(org_id=pk, stage__in=OPEN_STAGES):
                    for due in rules.next_due(r, params):
                        if rules.urgency(due, as_of, params["DEV-REMIND.days"]):
                            out += 1
                out += RuleException.objects.filter(record__org_id=pk).count()
            return out

        list(findings.provide(city.path, as_of))  # warm
        city_s, found = median_s(lambda: list(findings.provide(city.path, as_of)), args.repeat)
        loop_s, looped = median_s(naive, 1)

        class Everyone:
            is_authenticated = is_active = is_superuser = True

        counts_s, counts = median_s(
            lambda: selectors.stage_counts(Everyone(), city.path), args.repeat
        )
        line.update(
            city_findings_s=city_s,
            city_findings=len(found),
            loop_s=loop_s,
            loop_findings=looped,
            loop_ratio=round(loop_s / city_s, 1) if city_s else None,
            stage_counts_s=counts_s,
            stage_counts=dict(counts),
        )
        line["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
        results = ROOT / "bench" / "results"
        results.mkdir(parents=True, exist_ok=True)
        out = results / f"recruitment_pipeline_{connection.vendor}.json"
        out.write_text(json.dumps(line, ensure_ascii=False, indent=2, default=str) + "\n")
        print(json.dumps(line, ensure_ascii=False, default=str))
    finally:
        if not args.keep and not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
