"""Taking a statistics snapshot (STAT-01): every write of the reports app.

`snapshot_take` checks and records the request (audited) and starts the copy: inline for a
small subtree, as a background task (`tasks.build_snapshot`, progress on the snapshot's page)
for a large one. `snapshot_build` copies the registry into the snapshot's rows with one
INSERT … SELECT per county-level child (set-based; the database does the work), in one
transaction: a snapshot is complete or has no rows.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, F, Q, Value, When
from django.db.models.functions import Cast, Coalesce, ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import scope
from jiceng.core.fields import prefix_range
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import SEGMENT, Organization, OrgStats, OrgStatus

from . import progress
from .models import Snapshot, SnapshotMember, SnapshotOrg, SnapshotStatus

logger = logging.getLogger(__name__)
INLINE_LIMIT = 20_000  # members: a larger subtree is taken by the background worker
FIRST_YEAR = 1950


def reference_date(year: int) -> date:
    return date(year, 12, 31)


def may_take(user, org: Organization) -> bool:
    return scope.can(user, scope.ADD, org)


def snapshot_take(*, actor, org: Organization, year: int) -> Snapshot:
    """Take the snapshot of `org`'s subtree for `year` (kept unchanged once taken)."""
    if not scope.can(actor, scope.VIEW, org):
        raise Organization.DoesNotExist
    if not may_take(actor, org):
        raise PermissionDenied(_("You may not take statistics for this organisation"))
    today = timezone.localdate()
    if not FIRST_YEAR <= year <= today.year:
        raise ValidationError(
            {
                "year": [
                    _("Choose a year from %(first)s to %(last)s.")
                    % {"first": FIRST_YEAR, "last": today.year}
                ]
            }
        )
    with transaction.atomic():
        existing = Snapshot.objects.filter(org=org, year=year).first()
        if existing is not None:
            raise ValidationError(
                {
                    "year": [
                        _(
                            "The snapshot of %(org)s for %(year)s was taken on %(on)s and is kept "
                            "unchanged."
                        )
                        % {"org": org.name, "year": year, "on": existing.created_at.date()}
                    ]
                }
            )
        snapshot = Snapshot.objects.create(
            org=org,
            year=year,
            reference_date=reference_date(year),
            root_path=org.path,
            root_name=org.name,
            taken_by=actor,
        )
        scope.ensure_in_scope(actor, scope.VIEW, snapshot)
        audit.record(
            "stats_snapshot",
            actor=actor,
            obj=snapshot,
            data={"org": org.pk, "year": year, "reference_date": str(snapshot.reference_date)},
        )
    _start(snapshot, org)
    snapshot.refresh_from_db()
    return snapshot


def snapshot_start_system(*, org: Organization, year: int) -> Snapshot:
    """A snapshot taken by the system (tests, the demo, the bench): no actor, no checks but
    the year's uniqueness; built inline."""
    snapshot = Snapshot.objects.create(
        org=org,
        year=year,
        reference_date=reference_date(year),
        root_path=org.path,
        root_name=org.name,
    )
    audit.record("stats_snapshot", actor=None, obj=snapshot, data={"org": org.pk, "year": year})
    return snapshot_build(snapshot.pk)


def snapshot_rerun(*, actor, snapshot: Snapshot) -> Snapshot:
    """Start again a snapshot whose copy failed or whose worker died (it has no rows)."""
    if not may_take(actor, snapshot.org):
        raise PermissionDenied(_("You may not take statistics for this organisation"))
    if snapshot.status == SnapshotStatus.DONE:
        raise ValidationError(_("This snapshot is complete and kept unchanged."))
    state = progress.read(snapshot.pk)
    if snapshot.status == SnapshotStatus.BUILDING and state and not state["stale"]:
        raise ValidationError(_("This snapshot is still being taken."))
    Snapshot.objects.filter(pk=snapshot.pk).update(status=SnapshotStatus.QUEUED, failure="")
    audit.record("stats_snapshot", actor=actor, obj=snapshot, data={"rerun": True})
    _start(snapshot, snapshot.org)
    snapshot.refresh_from_db()
    return snapshot


def _start(snapshot: Snapshot, org: Organization) -> None:
    """Inline for a small subtree; else queued for the worker (never from inside a
    transaction of the caller's: an inline backend would run it there)."""
    stats = OrgStats.objects.filter(org=org).values_list("counts", flat=True).first() or {}
    progress.report(snapshot.pk, _("queued"), 0, 1)
    if stats.get("members", 0) <= INLINE_LIMIT:
        snapshot_build(snapshot.pk)
        return
    from .tasks import build_snapshot

    build_snapshot.enqueue(snapshot.pk)


def snapshot_build(snapshot_id: int) -> Snapshot:
    """Copy the registry into the snapshot's rows; ends DONE or FAILED (with no rows)."""
    snapshot = Snapshot.objects.get(pk=snapshot_id)
    if snapshot.status == SnapshotStatus.DONE:
        return snapshot
    Snapshot.objects.filter(pk=snapshot_id).update(status=SnapshotStatus.BUILDING)
    try:
        with transaction.atomic():
            counts = _copy(snapshot)
            Snapshot.objects.filter(pk=snapshot_id).update(
                status=SnapshotStatus.DONE, finished_at=timezone.now(), failure="", **counts
            )
    except Exception as exc:  # the snapshot must end in a state its page can show
        logger.exception("taking snapshot %s failed", snapshot_id)
        Snapshot.objects.filter(pk=snapshot_id).update(
            status=SnapshotStatus.FAILED,
            failure=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
        )
    progress.clear(snapshot_id)
    snapshot.refresh_from_db()
    return snapshot


def _copy(snapshot: Snapshot) -> dict:
    SnapshotMember.objects.filter(snapshot=snapshot).delete()
    SnapshotOrg.objects.filter(snapshot=snapshot).delete()
    root = snapshot.root_path
    orgs = _insert_select(SnapshotOrg, _org_rows(snapshot, root))
    parts = list(
        Organization.objects.filter(**prefix_range("path", root), depth=len(root) // SEGMENT + 1)
        .order_by("path")
        .values_list("path", flat=True)
    )
    total = len(parts) + 1
    progress.report(snapshot.pk, _("members"), 0, total)
    # Members directly in the root, then one statement per child subtree (progress per part).
    _insert_select(SnapshotMember, _member_rows(snapshot, Q(org__path=root)))
    for done, part in enumerate(parts, start=1):
        progress.report(snapshot.pk, _("members"), done, total)
        _insert_select(SnapshotMember, _member_rows(snapshot, Q(**prefix_range("org__path", part))))
    rows = SnapshotMember.objects.filter(snapshot=snapshot)
    return {
        "orgs": orgs,
        "members": rows.filter(leave_route="").count(),
        "leavers": rows.exclude(leave_route="").count(),
    }


def _member_rows(snapshot: Snapshot, where: Q):
    """Members on the rolls at the reference date (joined by then, not left by then), and
    those who left during the year (with their route). Dimensions as the registry holds them
    now: the registry keeps no history of sex, education or occupation."""
    day = snapshot.reference_date
    year_start = date(snapshot.year, 1, 1)
    on_rolls = Q(leave_status=LeaveStatus.ON_ROLLS) | Q(left_on__gt=day)
    left_in_year = Q(left_on__gte=year_start, left_on__lte=day) & ~Q(
        leave_status=LeaveStatus.ON_ROLLS
    )
    return (
        Member.objects.filter(where, join_date__lte=day)
        .filter(on_rolls | left_in_year)
        .order_by()
        .annotate(
            c_snapshot=Cast(Value(snapshot.pk), BigIntegerField()),
            c_member=F("id"),
            c_path=F("org__path"),
            c_sex=F("sex"),
            c_ethnicity=F("ethnicity"),
            c_birth=ExtractYear("birth_date"),
            c_education=F("education"),
            c_occupation=F("occupation"),
            c_join=ExtractYear("join_date"),
            c_membership=F("membership"),
            c_standing=F("standing"),
            c_route=Case(When(on_rolls, then=Value("")), default=F("leave_status")),
        ),
        [
            "snapshot_id",
            "member_id",
            "org_path",
            "sex",
            "ethnicity",
            "birth_year",
            "education",
            "occupation",
            "join_year",
            "membership",
            "standing",
            "leave_route",
        ],
    )


def _org_rows(snapshot: Snapshot, root: str):
    day = snapshot.reference_date
    active = Q(status=OrgStatus.ACTIVE) | Q(dissolved_on__gt=day)
    founded = Q(founded_on__isnull=True) | Q(founded_on__lte=day)
    return (
        Organization.objects.filter(active, founded, **prefix_range("path", root))
        .order_by()
        .annotate(
            c_snapshot=Cast(Value(snapshot.pk), BigIntegerField()),
            c_org=F("id"),
            c_path=F("path"),
            c_name=F("name"),
            c_kind=F("kind"),
            c_category=F("category"),
            c_unit_type=F("unit_type"),
            c_parent_unit_type=Coalesce(F("parent__unit_type"), Value("")),
        ),
        [
            "snapshot_id",
            "org_id",
            "path",
            "name",
            "kind",
            "category",
            "unit_type",
            "parent_unit_type",
        ],
    )


def _insert_select(model, spec) -> int:
    """INSERT INTO model's table (columns) SELECT … of the queryset: the rows never pass
    through Python. The queryset's annotations (c_…) are selected in the columns' order."""
    queryset, columns = spec
    names = [name for name in queryset.query.annotations if name.startswith("c_")]
    assert len(names) == len(columns), (names, columns)
    sql, params = queryset.values_list(*names).query.sql_with_params()
    quote = connection.ops.quote_name
    target = ", ".join(quote(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({target}) {sql}", params)
        return cursor.rowcount
