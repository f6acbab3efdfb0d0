"""Import and export of the demo city's members as .xlsx, beside django-import-export and the
raw-insert floor, on one database per run.

    .venv/bin/python bench/import_export.py [--db sqlite|postgres] [--baseline-rows N]
                                            [--profile-rows N] [--scale F] [--keep]

Every figure of a run comes from the same data, in this order:

1. build     a fresh database (its own JICENG_DATA_DIR; for PostgreSQL a throwaway cluster from
             scripts/pg.sh on a free port, fsync off like the test suite's) and the demo city
             (seed 2017): 13,133 organisations, 322,000 members.
2. export    every member the city admin sees, unmasked, to .xlsx with the project's exporter
             (transfer.export.export_members, what the member list's download calls): timed.
3. strip     remember every member's values, then delete the members and their status history
             (clearing the organisations' secretaries) and rebuild the rollups: the organisations
             only, as before a first import.
4. import    the project's import of that file, as `jiceng import` does it: check_upload +
             read_sheets (read), then import_sheets (check, then write in one transaction),
             the phases timed from import_sheets' progress calls. Verified: every row imported,
             jiceng.orgs.rollups.check() == [], every member's values as before the strip.
5. floor     the rows the importer wrote, already validated, INSERTed raw into the emptied
             member table in one transaction (jiceng.core.bulk.Inserter: executemany on SQLite,
             COPY on PostgreSQL), the same chunks as the importer; then a full rollup rebuild
             (what a plain django-import-export load would still need) is timed.
6. baseline  django-import-export 4 with its defaults, as a typical project would write it: a
             ModelResource for Member with the template's Chinese headers, a ForeignKeyWidget on
             the branch's name, label → code widgets for the choice columns, 是/否 booleans, and
             before_save_instance deriving what the model needs (membership, search keys). The
             file is read with its own XLSX format (openpyxl) in full; import_data(dry_run=False)
             runs on the first --baseline-rows rows (default 32,200 = 10 %: the whole file takes
             6-11 minutes) into the emptied member table, and is extrapolated linearly.
7. profile   (--profile-rows N, off by default) cProfile of the project's import of an N-row
             export; the top functions go to bench/results/import_profile_<db>.txt.

Each step runs in its own child process, so each reports its own peak memory (ru_maxrss);
this parent only starts them and reads their results. Prints a table and writes
bench/results/import_export_<db>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# This file's name would hide the `import_export` package (django-import-export) from the
# baseline: take bench/ off the path and load bench/common.py by its file name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]


def _load_common():
    import importlib.util

    spec = importlib.util.spec_from_file_location("common", BENCH / "common.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_common = _load_common()
RESULTS, save = _common.RESULTS, _common.save

STEPS = ("build", "export", "strip", "import", "floor", "baseline", "profile")
CHUNK = 10_000  # rows per Inserter.write, as members_import.write_members
TARGETS = {
    "import_total_s": 20.0,
    "export_s": 15.0,
    "peak_mb": 1536.0,
    "vs_baseline": {"sqlite": 15.0, "postgres": 30.0},
    "vs_floor": 2.0,
}


def peak_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


# ---- the parent: start a child per step, then report ------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayPostgres:
    """A PostgreSQL cluster of its own (scripts/pg.sh in `work`/pg, a free port), removed after."""

    def __init__(self, work: Path):
        self.env = dict(os.environ, JICENG_PG_PORT=str(free_port()), JICENG_PG_DIR=str(work / "pg"))
        self.url = None

    def _pg(self, action: str) -> str:
        done = subprocess.run(
            ["bash", str(ROOT / "scripts" / "pg.sh"), action],
            env=self.env,
            stdout=subprocess.PIPE,
            text=True,
            check=True,
        )
        return done.stdout.strip()

    def start(self) -> str:
        self.url = self._pg("start").splitlines()[-1]
        return self.url

    def stop(self) -> None:
        if self.url:
            self._pg("stop")


def run_child(step: str, args, env: dict, work: Path) -> dict:
    log(f"== {step}")
    load = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    cmd = [sys.executable, __file__, "--step", step, "--work", str(work), "--db", args.db]
    cmd += ["--scale", str(args.scale), "--baseline-rows", str(args.baseline_rows)]
    cmd += ["--profile-rows", str(args.profile_rows)]
    subprocess.run(cmd, env=env, check=True, cwd=ROOT)
    result = json.loads((work / f"{step}.json").read_text())
    result["step_wall_s"] = round(time.perf_counter() - started, 1)
    result["loadavg_before"] = load  # other work on the machine slows every figure
    return result


def orchestrate(args) -> int:
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix=f"jiceng-ie-{args.db}-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # as root, the cluster's `postgres` user must reach work/pg
    (work / "data").mkdir(exist_ok=True)
    env = dict(os.environ, JICENG_DATA_DIR=str(work / "data"))
    env["DJANGO_SETTINGS_MODULE"] = "jiceng.settings"
    env.pop("DATABASE_URL", None)
    pg = ThrowawayPostgres(work) if args.db == "postgres" else None
    results: dict = {}
    load_before = [round(x, 2) for x in os.getloadavg()]
    try:
        if pg is not None:
            env["DATABASE_URL"] = pg.start()
        steps = [s for s in STEPS if s != "profile" or args.profile_rows]
        if not args.baseline_rows:
            steps.remove("baseline")
        for step in steps:
            results[step] = run_child(step, args, env, work)
    finally:
        if pg is not None:
            pg.stop()
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    report(args, results, load_before)
    return 0


def _ratio(a, b):
    return round(a / b, 1) if a and b else None


def report(args, r: dict, load_before) -> None:
    db = args.db
    build, export, imp, floor = r["build"], r["export"], r["import"], r["floor"]
    base = r.get("baseline")
    n = imp["rows"]
    total = imp["total_s"]
    figures = {
        "import_total_s": total,
        "import_rows_per_s": round(n / total),
        "floor_s": floor["write_s"],
        "import_vs_floor": _ratio(total, floor["write_s"]),
        "import_write_vs_floor": _ratio(imp["write_s"], floor["write_s"]),
        "export_s": export["export_s"],
        "import_peak_mb": imp["peak_mb"],
        "export_peak_mb": export["peak_mb"],
    }
    if base:
        figures["baseline_rows_per_s"] = base["rows_per_s"]
        figures["baseline_full_estimate_s"] = base["full_estimate_s"]
        figures["baseline_vs_import"] = _ratio(base["full_estimate_s"], total)
    targets = {
        "import_total_s <= 20": total <= TARGETS["import_total_s"],
        "export_s <= 15": export["export_s"] <= TARGETS["export_s"],
        "peak_mb <= 1536 (import, export)": max(imp["peak_mb"], export["peak_mb"])
        <= TARGETS["peak_mb"],
        "import <= 2x floor": total <= TARGETS["vs_floor"] * floor["write_s"],
    }
    if base:
        need = TARGETS["vs_baseline"][db]
        targets[f">= {need:g}x django-import-export"] = base["full_estimate_s"] >= need * total

    lines = [
        f"import/export of {n:,} members, {db}"
        + (f" (scale {args.scale:g})" if args.scale != 1 else ""),
        f"  demo build (not a target)         {build['build_s']:8.1f} s",
        f"  export .xlsx ({export['file_mb']} MB)         {export['export_s']:8.1f} s"
        f"   peak {export['peak_mb']:.0f} MB",
        f"  import: read (check_upload+calamine){imp['read_s']:7.1f} s"
        f"   (of which check_upload {imp['upload_check_s']:.1f} s)",
        f"          check (header, orgs, rows) {imp['check_s']:8.1f} s"
        f"   (cells {imp['check_phases_s']['cells']:.1f}"
        f" · lookup+rules+derive {imp['check_phases_s']['rules']:.1f}"
        f" · setup {imp['check_phases_s']['setup']:.1f})",
        f"          write (one transaction)    {imp['write_s']:8.1f} s",
        f"          total                      {total:8.1f} s"
        f"   {n / total:,.0f} rows/s   peak {imp['peak_mb']:.0f} MB",
        f"  floor: raw {floor['method']} of the validated rows {floor['write_s']:5.1f} s"
        f"   {floor['rows_per_s']:,} rows/s   import/floor {figures['import_vs_floor']}x"
        f" (write phase/floor {figures['import_write_vs_floor']}x)",
    ]
    if base:
        lines += [
            f"  django-import-export, {base['rows']:,} of {n:,} rows (extrapolated):",
            f"          read full file ({base['reader']}) {base['read_s']:6.1f} s",
            f"          import_data {base['rows']:,} rows  {base['import_s']:8.1f} s"
            f"   {base['rows_per_s']:,} rows/s, {base['statements_per_row']} SQL statements/row",
            f"          import_data {n:,} rows (extrapolated) {base['import_full_s']:6.1f} s",
            f"          read + import_data         {base['full_estimate_s']:8.1f} s"
            f"   = {figures['baseline_vs_import']}x the project's import"
            f"   (+ rollup rebuild {floor['rollup_rebuild_s']:.1f} s it would still need)",
        ]
    lines.append(
        "  targets: " + ", ".join(f"{k}: {'met' if v else 'MISSED'}" for k, v in targets.items())
    )
    print("\n".join(lines), flush=True)
    save(
        f"import_export_{db}",
        {
            "backend": db,
            "scale": args.scale,
            "cpus": os.cpu_count(),
            "loadavg_before": load_before,
            "python": sys.version.split()[0],
            "figures": figures,
            "targets_met": targets,
            "steps": r,
        },
    )


# ---- the children: one step each --------------------------------------------------------------


def setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def admin_user():
    """The demo's city administrator, who holds the unmask permission (as a real export)."""
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="admin")


def step_build(args, work: Path) -> dict:
    from django.core.management import call_command

    from jiceng.core.progress import Progress
    from jiceng.demo import build
    from jiceng.members.models import Member
    from jiceng.orgs.models import Organization

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrated = time.perf_counter()
    result = build.build(seed=2017, scale=args.scale, progress=Progress(sys.stderr))
    finished = time.perf_counter()
    return {
        "migrate_s": round(migrated - started, 2),
        "build_s": round(finished - migrated, 2),
        "phases_s": {k: round(v, 2) for k, v in result.timings.items()},
        "orgs": Organization.objects.count(),
        "members": Member.objects.count(),
        "peak_mb": peak_mb(),
    }


def step_export(args, work: Path) -> dict:
    from jiceng.members import selectors
    from jiceng.transfer.export import export_members

    user = admin_user()
    queryset = selectors.members_visible_to(user)
    target = work / "members.xlsx"
    started = time.perf_counter()
    with open(target, "wb") as file:
        rows = export_members(user, queryset, unmasked=True, target=file)
    elapsed = time.perf_counter() - started
    out = {
        "rows": rows,
        "export_s": round(elapsed, 2),
        "rows_per_s": round(rows / elapsed),
        "file_mb": round(target.stat().st_size / 2**20, 1),
        "peak_mb": peak_mb(),
    }
    if args.profile_rows:  # a smaller file for the profile step (not timed)
        ids = list(queryset.order_by("id").values_list("id", flat=True)[: args.profile_rows])
        with open(work / "members-profile.xlsx", "wb") as file:
            out["profile_rows"] = export_members(
                user, queryset.filter(id__lte=ids[-1]), unmasked=True, target=file
            )
    return out


def compared_fields() -> tuple[str, ...]:
    """The member's values an import must reproduce: what the importer sets and derives."""
    from jiceng.transfer.members_import import DERIVED, FIELDS

    return tuple("org_id" if f == "org" else f for f in FIELDS) + DERIVED + ("leave_status",)


def member_values() -> dict[str, tuple]:
    from jiceng.members.models import Member

    fields = compared_fields()
    return {
        row[0]: row[1:]
        for row in Member.objects.order_by().values_list("id_number", *fields).iterator(10_000)
    }


def empty_member_table(*, rebuild: bool) -> None:
    """Delete every member (and what refers to one), outside any timing; PostgreSQL's table is
    vacuumed so the next load starts like one into a fresh table. With `rebuild` the rollups
    are recomputed (for the organisations only)."""
    from django.db import connection, transaction

    from jiceng.members.models import Member, StatusChange, UnmaskEvent
    from jiceng.orgs import rollups
    from jiceng.orgs.models import Organization

    qn = connection.ops.quote_name
    with transaction.atomic():
        Organization.objects.exclude(secretary=None).update(secretary=None)
        with connection.cursor() as cursor:
            for model in (UnmaskEvent, StatusChange, Member):
                cursor.execute(f"DELETE FROM {qn(model._meta.db_table)}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {qn(Member._meta.db_table)}")
    if rebuild:
        rollups.rebuild()


def step_strip(args, work: Path) -> dict:
    import pickle

    from jiceng.members.models import Member, StatusChange
    from jiceng.orgs import rollups

    values = member_values()
    with open(work / "members.pickle", "wb") as file:
        pickle.dump(values, file, protocol=pickle.HIGHEST_PROTOCOL)
    history = StatusChange.objects.count()
    started = time.perf_counter()
    empty_member_table(rebuild=True)
    return {
        "members_before": len(values),
        "status_changes_deleted": history,
        "strip_s": round(time.perf_counter() - started, 2),
        "members_after": Member.objects.count(),
        "rollups_ok": rollups.check() == [],
        "peak_mb": peak_mb(),
    }


def timed_import(path: Path) -> tuple[dict, object]:
    """The project's import of `path` as `jiceng import` runs it, timed by phase."""
    from jiceng.sheets.read import read_sheets
    from jiceng.sheets.safety import check_upload
    from jiceng.transfer.importing import import_sheets

    data = path.read_bytes()
    marks: list[tuple[float, str, int, int]] = []

    def progress(label, done, total):
        marks.append((time.perf_counter(), str(label), done, total))

    t0 = time.perf_counter()
    kind = check_upload(path.name, data, max_bytes=sys.maxsize)
    t1 = time.perf_counter()
    sheets = read_sheets(data, kind)
    t2 = time.perf_counter()
    outcome = import_sheets(sheets, actor=None, write=True, progress=progress)
    t3 = time.perf_counter()
    peak = peak_mb()
    # import_sheets reports (label, done, total): the member check every 5,000 rows while it
    # converts the cells, (n, n) when the whole-file lookups and the rules are done, and then
    # ("writing", 0, 1) before its transaction and ("writing", 1, 1) after the commit.
    write_label = marks[-1][1] if marks else None
    write_at = next((m[0] for m in marks if m[1] == write_label), t3)
    checking = [m for m in marks if m[1] != write_label and m[3] > 1]
    cells_from = checking[0][0] if checking else t2
    in_loop = [m for m in checking if m[2] < m[3]]
    cells_to = in_loop[-1][0] if in_loop else cells_from
    timings = {
        "upload_check_s": round(t1 - t0, 2),
        "read_s": round(t2 - t0, 2),
        "check_s": round(write_at - t2, 2),
        "check_phases_s": {
            "setup": round(cells_from - t2, 2),  # header match + OrgIndex (13,000 orgs)
            "cells": round(cells_to - cells_from, 2),  # ≈ up to the last 5,000-row report
            "rules": round(write_at - cells_to, 2),  # existing-ID lookup, rules, derive
        },
        "write_s": round(t3 - write_at, 2),
        "total_s": round(t3 - t0, 2),
        "peak_mb": peak,
    }
    return timings, outcome


def step_import(args, work: Path) -> dict:
    import pickle

    from jiceng.members.models import Member, StatusChange
    from jiceng.orgs import rollups

    timings, outcome = timed_import(work / "members.xlsx")
    if not outcome.ok or not outcome.written:
        for p in list(outcome.problems)[:20]:
            log("problem:", p.as_dict())
        raise SystemExit(f"the import failed: {len(outcome.problems)} problems")
    rows = Member.objects.count()
    started = time.perf_counter()
    drift = rollups.check()
    check_s = time.perf_counter() - started
    with open(work / "members.pickle", "rb") as file:
        before = pickle.load(file)
    after = member_values()
    fields = compared_fields()
    mismatches: dict[str, int] = {}
    for id_number, old in before.items():
        new = after.get(id_number)
        if new is None:
            mismatches["(missing)"] = mismatches.get("(missing)", 0) + 1
            continue
        for name, a, b in zip(fields, old, new, strict=True):
            if a != b:
                mismatches[name] = mismatches.get(name, 0) + 1
    if drift or rows != len(before):
        raise SystemExit(f"import check failed: {rows} members, {len(drift)} rollup differences")
    return {
        **timings,
        "rows": rows,
        "summary": outcome.summary,
        "status_changes_written": StatusChange.objects.count(),
        "rollups_check_s": round(check_s, 2),
        "rollups_ok": not drift,
        "round_trip_mismatches": mismatches,
    }


def step_floor(args, work: Path) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from jiceng.core.bulk import Inserter
    from jiceng.members.models import Member
    from jiceng.orgs import rollups
    from jiceng.transfer.members_import import INSERT_COLUMNS, _adapt

    # The rows exactly as the importer wrote them (its columns, its value adaptation).
    qn = connection.ops.quote_name
    meta = Member._meta
    columns = ", ".join(qn(meta.get_field(c).column) for c in INSERT_COLUMNS[:-2])
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {qn(meta.db_table)} ORDER BY id")
        fetched = cursor.fetchall()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [tuple(_adapt(v) for v in row) + (now, now) for row in fetched]
    del fetched
    empty_member_table(rebuild=False)
    started = time.perf_counter()
    with transaction.atomic():
        inserter = Inserter(Member, INSERT_COLUMNS)
        for i in range(0, len(rows), CHUNK):
            inserter.write(rows[i : i + CHUNK])
    elapsed = time.perf_counter() - started
    started = time.perf_counter()
    rollups.rebuild()
    rebuild_s = time.perf_counter() - started
    written = Member.objects.count()
    if written != len(rows):
        raise SystemExit(f"floor wrote {written} of {len(rows)} rows")
    return {
        "method": "COPY" if connection.vendor == "postgresql" else "executemany",
        "rows": written,
        "write_s": round(elapsed, 2),
        "rows_per_s": round(written / elapsed),
        "rollup_rebuild_s": round(rebuild_s, 2),
        "peak_mb": peak_mb(),
    }


def member_resource():
    """The resource a typical project writes for this sheet with django-import-export 4."""
    from import_export import fields, resources, widgets

    from jiceng.core.pinyin import name_pinyin
    from jiceng.members.models import Member, Membership
    from jiceng.orgs.models import Organization

    class ChoiceWidget(widgets.CharWidget):
        """The sheet holds a choice's name (男, 汉族, 大学本科); the model stores its code."""

        def __init__(self, field: str):
            super().__init__()
            choices = Member._meta.get_field(field).flatchoices
            self.codes = {str(label): value for value, label in choices}

        def clean(self, value, row=None, **kwargs):
            value = super().clean(value, row, **kwargs)
            return self.codes.get(value, value)

    class YesNoWidget(widgets.BooleanWidget):
        TRUE_VALUES = [*widgets.BooleanWidget.TRUE_VALUES, "是"]
        FALSE_VALUES = [*widgets.BooleanWidget.FALSE_VALUES, "否"]

        def clean(self, value, row=None, **kwargs):
            return bool(super().clean(value, row, **kwargs))

    def text(attribute, header):
        return fields.Field(attribute=attribute, column_name=header, widget=widgets.CharWidget())

    def code(attribute, header):
        return fields.Field(attribute=attribute, column_name=header, widget=ChoiceWidget(attribute))

    def day(attribute, header):
        return fields.Field(attribute=attribute, column_name=header, widget=widgets.DateWidget())

    def yes_no(attribute, header):
        return fields.Field(attribute=attribute, column_name=header, widget=YesNoWidget())

    class MemberResource(resources.ModelResource):
        name = text("name", "姓名")
        sex = code("sex", "性别")
        ethnicity = code("ethnicity", "民族")
        id_number = text("id_number", "公民身份号码")
        birth_date = day("birth_date", "出生日期")
        education = code("education", "学历")
        occupation = code("occupation", "人员类别")
        org = fields.Field(
            attribute="org",
            column_name="所在党支部",
            widget=widgets.ForeignKeyWidget(Organization, field="name"),
        )
        join_date = day("join_date", "加入党组织日期")
        full_member_date = day("full_member_date", "转为正式党员日期")
        job = text("job", "工作岗位")
        phone = text("phone", "联系电话")
        address = text("address", "家庭住址")
        standing = code("standing", "党籍状态")
        is_lost_contact = yes_no("is_lost_contact", "是否失联")
        lost_contact_since = day("lost_contact_since", "失联日期")
        is_mobile = yes_no("is_mobile", "是否流动")
        mobile_destination = text("mobile_destination", "外出流向")
        applied_on = day("applied_on", "申请入党日期")

        class Meta:
            model = Member
            fields = (
                "name",
                "sex",
                "ethnicity",
                "id_number",
                "birth_date",
                "education",
                "occupation",
                "org",
                "join_date",
                "full_member_date",
                "job",
                "phone",
                "address",
                "standing",
                "is_lost_contact",
                "lost_contact_since",
                "is_mobile",
                "mobile_destination",
                "applied_on",
            )
            import_id_fields = ("id_number",)

        def before_save_instance(self, instance, row, **kwargs):
            # What the member services derive and the model requires.
            instance.membership = (
                Membership.FULL if instance.full_member_date else Membership.PROBATIONARY
            )
            instance.name_pinyin, instance.name_initials = name_pinyin(instance.name)
            instance.phone_tail = instance.phone[-4:]
            instance.region_code = instance.org.region_code

    return MemberResource()


def step_baseline(args, work: Path) -> dict:
    import tablib
    from django.db import connection

    from jiceng.members.models import Member

    empty_member_table(rebuild=False)
    data = (work / "members.xlsx").read_bytes()
    started = time.perf_counter()
    try:
        import openpyxl  # noqa: F401  (what import-export's XLSX format reads with)
        from import_export.formats.base_formats import XLSX

        full = XLSX().create_dataset(data)
        reader = "import-export XLSX (openpyxl)"
    except ImportError:  # the bench extra without openpyxl: read as the project does
        from jiceng.sheets.read import read_sheets

        rows = read_sheets(data, "xlsx")[0].rows
        full = tablib.Dataset(*rows[1:], headers=rows[0])
        reader = "python-calamine (openpyxl is not installed)"
    read_s = time.perf_counter() - started
    total_rows = len(full)
    n = min(args.baseline_rows, total_rows)
    subset = tablib.Dataset(*full[:n], headers=full.headers)
    del full
    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    members = member_resource()
    started = time.perf_counter()
    with connection.execute_wrapper(count):
        result = members.import_data(subset, dry_run=False)
    elapsed = time.perf_counter() - started
    if result.has_errors() or result.has_validation_errors():
        for line in result.base_errors[:5]:
            log("error:", line.error)
        for row, errors in result.row_errors()[:5]:
            log("row", row, [e.error for e in errors])
        for invalid in result.invalid_rows[:5]:
            log("invalid row", invalid.number, invalid.error_dict)
        raise SystemExit("django-import-export reported errors")
    written = Member.objects.count()
    if written != n:
        raise SystemExit(f"django-import-export wrote {written} of {n} rows")
    import_full = elapsed * total_rows / n
    return {
        "reader": reader,
        "read_s": round(read_s, 2),
        "rows": n,
        "file_rows": total_rows,
        "import_s": round(elapsed, 2),
        "rows_per_s": round(n / elapsed),
        "statements_per_row": round(statements / n, 2),
        "totals": dict(result.totals),
        "import_full_s": round(import_full, 1),
        "full_estimate_s": round(read_s + import_full, 1),
        "extrapolated": f"import_data measured on {n} rows, scaled linearly to {total_rows}",
        "peak_mb": peak_mb(),
    }


def step_profile(args, work: Path) -> dict:
    import cProfile
    import io
    import pstats

    import jiceng.sheets.read  # noqa: F401  (module imports are not what is profiled)
    import jiceng.sheets.safety  # noqa: F401
    import jiceng.transfer.importing  # noqa: F401

    empty_member_table(rebuild=True)
    path = work / "members-profile.xlsx"
    profiler = cProfile.Profile()
    profiler.enable()
    timings, outcome = timed_import(path)
    profiler.disable()
    if not outcome.ok or not outcome.written:
        raise SystemExit("the profiled import failed")
    out = io.StringIO()
    out.write(
        f"cProfile of the project's import of {outcome.summary['members']['rows']:,} members, "
        f"{args.db} (times are inflated by the profiler)\n{json.dumps(timings)}\n\n"
    )
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(40)
    text = out.getvalue()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"import_profile_{args.db}.txt").write_text(text)
    print(text, file=sys.stderr)
    return {**timings, "rows": outcome.summary["members"]["rows"]}


def run_step(args) -> int:
    setup_django()
    work = Path(args.work)
    result = globals()[f"step_{args.step}"](args, work)
    (work / f"{args.step}.json").write_text(json.dumps(result, ensure_ascii=False, default=str))
    log(json.dumps(result, ensure_ascii=False, default=str))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--baseline-rows",
        type=int,
        default=32_200,
        help="rows django-import-export imports (extrapolated to the file; 0 = skip)",
    )
    parser.add_argument(
        "--profile-rows", type=int, default=0, help="cProfile the import of this many rows"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="demo city scale")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument("--work", help=argparse.SUPPRESS)
    parser.add_argument("--step", choices=STEPS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        return run_step(args)
    return orchestrate(args)


if __name__ == "__main__":
    sys.exit(main())
