"""Annual statistics at full scale: taking the city's snapshot and building its tables, beside
the naive way (rows through Python; a query per organisation) in the same run.

    .venv/bin/python bench/annual_statistics.py [--scale 1] [--keep]

Builds the demo city's organisations and members (the statistics read nothing else, so the
other apps' demo extensions are skipped) into a fresh SQLite database in a temporary
JICENG_DATA_DIR — or, with JICENG_BENCH_DATA pointing at a directory that holds a built city
(bench/tmp after `make bench`), reuses that one and removes its snapshots afterwards. Prints
one JSON line and writes bench/results/statistics.json.
"""

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/ holds modules named like others' (settings.py): keep it off the import path, and load
# common.py by its file name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]


def _common():
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_common", ROOT / "bench" / "common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _seconds(fn):
    start = time.perf_counter()
    value = fn()
    return round(time.perf_counter() - start, 3), value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    reuse = os.environ.get("JICENG_BENCH_DATA")
    args.reuse = reuse if reuse and (Path(reuse) / "jiceng.sqlite3").exists() else None
    args.seed = 2017
    common = _common()
    with common.city_database(args, "jiceng-stats-bench-") as out:
        result = {"database": "sqlite", "scale": args.scale, "load_before": out["loadavg_before"]}
        if not args.reuse:
            # orgs and members only: the statistics read nothing else
            _build, result["demo_build_s"] = common.build_city(args, only="")
        result.update(measure())
        common.save("statistics", result)
    return 0


def naive_snapshot(snapshot, like) -> int:
    """The naive copy: the same rows through Python (values, no model instances, so no
    decryption of personal data), then bulk_create."""
    from datetime import date

    from django.db.models import Q

    from jiceng.core.fields import prefix_range
    from jiceng.members.models import Member
    from jiceng.reports.models import SnapshotMember

    day = like.reference_date  # the same rows as `like` (the platform's snapshot)
    on_rolls = Q(leave_status="") | Q(left_on__gt=day)
    members = (
        Member.objects.filter(join_date__lte=day, **prefix_range("org__path", like.root_path))
        .filter(on_rolls | Q(left_on__gte=date(like.year, 1, 1), left_on__lte=day))
        .values_list(
            "pk",
            "org__path",
            "sex",
            "ethnicity",
            "birth_date",
            "education",
            "occupation",
            "join_date",
            "membership",
            "standing",
            "leave_status",
            "left_on",
        )
    )
    rows = []
    for pk, path, sex, eth, born, edu, occ, joined, ms, st, leave, left_on in members.iterator(
        chunk_size=5000
    ):
        rows.append(
            SnapshotMember(
                snapshot=snapshot,
                member_id=pk,
                org_path=path,
                sex=sex,
                ethnicity=eth,
                birth_year=born.year,
                education=edu,
                occupation=occ,
                join_year=joined.year,
                membership=ms,
                standing=st,
                leave_route="" if leave == "" or (left_on and left_on > day) else leave,
            )
        )
    SnapshotMember.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def naive_sex_table(city, day) -> dict:
    """The naive table: one query per organisation for its own members, summed up to the
    city's children in Python."""
    from django.db.models import Q

    from jiceng.members.models import Member
    from jiceng.orgs.models import SEGMENT, Organization

    cells = defaultdict(Counter)
    width = len(city.path) + SEGMENT
    for org in Organization.objects.subtree(city).only("pk", "path"):
        for sex in ("1", "2"):
            n = (
                Member.objects.filter(org=org, sex=sex, join_date__lte=day)
                .filter(Q(leave_status="") | Q(left_on__gt=day))
                .count()
            )
            cells[org.path[:width]][sex] += n
    return cells


def naive_quality(user, city) -> int:
    """Data quality the naive way: the 16 counts per organisation, one query each."""
    from django.db.models import Count
    from django.utils import timezone

    from jiceng.members.items import ITEMS
    from jiceng.members.models import Member
    from jiceng.orgs.models import Organization

    today = timezone.localdate()
    aggregates = {f"m_{k}": Count("id", filter=fn(today)) for k, _l, fn in ITEMS}
    total = 0
    for org in Organization.objects.subtree(city).only("pk"):
        row = (
            Member.objects.restrict(user)
            .on_rolls()
            .filter(org=org)
            .aggregate(n=Count("id"), **aggregates)
        )
        total += row["n"]
    return total


def measure() -> dict:
    from django.db import connection
    from django.utils import timezone

    from jiceng.accounts.models import User
    from jiceng.members.models import Member
    from jiceng.orgs.models import Organization
    from jiceng.reports import quality, tables
    from jiceng.reports.models import Snapshot, SnapshotOrg
    from jiceng.reports.services import snapshot_start_system

    city = Organization.objects.get(parent__isnull=True)
    year = timezone.localdate().year - 1
    Snapshot.objects.filter(org=city, year__in=(year, year - 1)).delete()
    out = {
        "members": Member.objects.count(),
        "orgs": Organization.objects.count(),
    }
    out["snapshot_s"], snap = _seconds(lambda: snapshot_start_system(org=city, year=year))
    assert snap.is_done, snap.failure
    out["snapshot_rows"] = snap.members + snap.leavers
    naive = Snapshot.objects.create(
        org=city,
        year=year - 1,
        reference_date=snap.reference_date.replace(year=year - 1),
        root_path=city.path,
        root_name=city.name,
        status="done",
    )
    out["naive_snapshot_s"], naive_rows = _seconds(lambda: naive_snapshot(naive, snap))
    assert naive_rows == out["snapshot_rows"], (naive_rows, out["snapshot_rows"])
    out["snapshot_ratio"] = round(out["naive_snapshot_s"] / out["snapshot_s"], 1)

    per_table = {}
    for key in tables.BY_KEY:
        per_table[key], _t = _seconds(lambda key=key: tables.compare(snap, tables.build(snap, key)))
    out["tables_s"] = per_table
    # Kept once computed (SnapshotTable): the second read of every table with its comparison.
    out["all_tables_kept_s"], _k = _seconds(
        lambda: [tables.compare(snap, tables.build(snap, key)) for key in tables.BY_KEY]
    )
    out["all_tables_with_comparison_s"] = round(sum(per_table.values()), 3)
    # The naive per-organisation loops take a query per organisation: they run over the
    # largest county (about a tenth of the city), and the platform's way over the same county.
    county = max(
        Organization.objects.filter(parent=city).select_related("stats"),
        key=lambda o: o.stats.counts.get("members", 0),
    )
    node = SnapshotOrg.objects.get(snapshot=snap, org_id=county.pk)
    out["naive_scope"] = {"org": county.name, "orgs": Organization.objects.subtree(county).count()}
    out["sex_table_s"], table = _seconds(lambda: tables.build(snap, "sex", node))
    out["naive_sex_table_s"], cells = _seconds(lambda: naive_sex_table(county, snap.reference_date))
    assert sum(c["1"] + c["2"] for c in cells.values()) == table.total.cells[0]
    out["sex_table_ratio"] = round(out["naive_sex_table_s"] / out["sex_table_s"], 1)

    admin = User.objects.filter(username="admin").first()
    if admin is not None:
        out["city_quality_s"], _q = _seconds(lambda: quality.completeness(admin, city))
        out["quality_s"], (whole, _rows) = _seconds(lambda: quality.completeness(admin, county))
        out["naive_quality_s"], n = _seconds(lambda: naive_quality(admin, county))
        assert n == whole.total
        out["quality_ratio"] = round(out["naive_quality_s"] / out["quality_s"], 1)
    try:  # SQLite's dbstat table, where compiled in: the bytes the two snapshots' rows take
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                "('reports_snapshotmember', 'snapmember_path')"
            )
            size = cursor.fetchone()[0]
        out["snapshot_storage_mb_two_snapshots"] = round((size or 0) / 1e6, 1)
    except Exception:  # noqa: BLE001 - a figure we can do without
        pass
    Snapshot.objects.filter(pk__in=[snap.pk, naive.pk]).delete()
    return out


if __name__ == "__main__":
    raise SystemExit(main())
