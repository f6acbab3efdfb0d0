"""REST endpoints of the annual statistics and data quality, mounted at /api/reports/.

The same scope as the pages: snapshots of organisations in the caller's scope (others 404),
tables computed from a snapshot's kept rows, data quality from the live registry over the
members the caller may see. Nothing here writes: snapshots are taken on the page."""

from datetime import date, datetime

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from jiceng.api.errors import get_or_404
from jiceng.api.pagination import Page, PageParams, page_of
from jiceng.members.items import ITEMS

from . import quality, selectors, tables

router = Router(tags=["reports"])


class SnapshotOut(Schema):
    id: int
    org: int
    org_name: str
    year: int
    reference_date: date
    status: str
    members: int
    leavers: int
    orgs: int
    created_at: datetime
    finished_at: datetime | None

    @staticmethod
    def resolve_org(obj) -> int:
        return obj.org_id

    @staticmethod
    def resolve_org_name(obj) -> str:
        return obj.root_name


class TableRef(Schema):
    key: str
    title: str


class SnapshotDetail(SnapshotOut):
    tables: list[TableRef]

    @staticmethod
    def resolve_tables(obj) -> list[dict]:
        return [{"key": k, "title": t} for k, t in tables.catalogue()]


class Column(Schema):
    key: str
    label: str


class TableRow(Schema):
    label: str
    org: int | None
    cells: list[float | int | None]


class ComparisonRow(Schema):
    label: str
    last_year: float | int | None
    this_year: float | int | None
    change: float | int | None
    change_percent: float | None


class TableOut(Schema):
    snapshot: int
    key: str
    title: str
    note: str
    org: int
    columns: list[Column]
    rows: list[TableRow]
    comparison_snapshot: int | None
    comparison: list[ComparisonRow]


class QualityItem(Schema):
    item: str
    label: str
    complete: int
    missing: int


class QualityRowOut(Schema):
    org: int | None
    org_name: str
    members: int
    items: list[QualityItem]


class QualityOut(Schema):
    org: int
    as_of: date
    total: QualityRowOut
    children: list[QualityRowOut]


@router.get("/snapshots", response=Page(SnapshotOut), summary="Statistics snapshots")
def snapshot_list(request, page: Query[PageParams], year: int | None = None):
    qs = selectors.snapshots_visible_to(request.user)
    if year is not None:
        qs = qs.filter(year=year)
    return page_of(qs, page, qs.count())


@router.get("/snapshots/{snapshot_id}", response=SnapshotDetail, summary="One snapshot")
def snapshot_detail(request, snapshot_id: int):
    return get_or_404(selectors.snapshots_visible_to(request.user), pk=snapshot_id)


@router.get(
    "/snapshots/{snapshot_id}/tables/{table}",
    response=TableOut,
    summary="One standard table of a snapshot, with the two-year comparison",
)
def snapshot_table(request, snapshot_id: int, table: str, org: int | None = None):
    snapshot = get_or_404(selectors.snapshots_visible_to(request.user), pk=snapshot_id)
    if table not in tables.BY_KEY:
        raise HttpError(404, "No such table")
    if not snapshot.is_done:
        raise HttpError(404, "This snapshot has not been taken yet")
    node = selectors.snapshot_node(snapshot, org)
    built = tables.build(snapshot, table, node)
    comparison = tables.compare(snapshot, built, node)
    return {
        "snapshot": snapshot.pk,
        "key": built.key,
        "title": built.title,
        "note": built.note,
        "org": node.org_id if node else snapshot.org_id,
        "columns": [{"key": k, "label": label} for k, label in built.columns],
        "rows": [{"label": r.label, "org": r.org_id, "cells": r.cells} for r in built.rows],
        "comparison_snapshot": comparison.last.pk if comparison.last else None,
        "comparison": [
            {
                "label": label,
                "last_year": was,
                "this_year": now,
                "change": ch,
                "change_percent": pct,
            }
            for label, was, now, ch, pct in comparison.rows
        ],
    }


def _quality_row(row, name: str) -> dict:
    return {
        "org": row.org.pk if row.org else None,
        "org_name": name,
        "members": row.total,
        "items": [
            {
                "item": key,
                "label": label,
                "complete": row.complete(key),
                "missing": row.missing[key],
            }
            for key, label, _fn in ITEMS
        ],
    }


@router.get("/quality", response=QualityOut, summary="Completeness of the 16 collected items")
def data_quality(request, org: int | None = None):
    from django.utils import timezone

    root = selectors.root_for(request.user, str(org) if org is not None else "")
    if root is None:
        raise HttpError(404, "No organisation in your scope")
    whole, rows = quality.completeness(request.user, root)
    return {
        "org": root.pk,
        "as_of": timezone.localdate(),
        "total": _quality_row(whole, root.name),
        "children": [_quality_row(r, r.org.name if r.org else "") for r in rows],
    }
