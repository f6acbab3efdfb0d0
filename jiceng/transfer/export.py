"""Exports of member and organisation lists in the national template's layout (layout.py).

A list is exported exactly as the page filtered it: the caller passes the page's queryset
(scoped and filtered; see export_views.py). Every column of `layout.MEMBERS` / `layout.ORGS` is
written in order under its template header, so an export imports again unchanged: codes as
their Chinese names, booleans as 是/否, organisations by full name, the secretary by name,
dates as dates. Personal columns are masked unless the caller says `unmasked` (and the user
holds the permission).

Fast and bounded: one `values_list` query streamed in chunks, the names of the organisations
(and secretaries) a list refers to from one query each, no model instances, no query per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from jiceng.core.masking import MASKERS
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.sheets.write import XlsxSheetWriter

from .layout import MEMBERS, ORGS, Column, Layout

CHUNK_SIZE = 5000
UNMASK_PERMISSION = "members.unmask_personal_data"
# Columns of these kinds hold a few values repeated on many rows: written once, as shared
# strings, and referred to.
SHARED_KINDS = frozenset({"code", "bool", "org", "member"})


class _Names(dict):
    """value → what the sheet shows; a value missing from the table is shown as it is."""

    def __missing__(self, key):
        return key


def _record_field(column: Column) -> str:
    """The queryset field that holds a column's value."""
    return f"{column.field}_id" if column.kind in ("org", "member") else column.field


def _converters(
    layout: Layout, *, unmasked: bool, references: dict[str, dict[int, str]]
) -> list[tuple[int, Callable]]:
    """(column index, value → cell value) for the columns whose stored value is not what the
    sheet shows; the others are written as they come from the database."""
    converters: list[tuple[int, Callable]] = []
    for index, column in enumerate(layout.columns):
        if column.kind in ("code", "bool"):
            names = _Names(column.codes)
            if column.kind == "bool":
                names = _Names({True: names["1"], False: names["0"]})
            names[""] = names[None] = None
            converters.append((index, names.__getitem__))
        elif column.kind in ("org", "member"):
            names = _Names(references[column.field])
            names[None] = None
            converters.append((index, names.__getitem__))
        elif column.personal and not unmasked:
            converters.append((index, MASKERS[column.field]))  # "" stays ""
    return converters


def layout_rows(
    layout: Layout,
    queryset: QuerySet,
    *,
    unmasked: bool = False,
    references: dict[str, dict[int, str]] | None = None,
) -> Iterator[list]:
    """The rows of `queryset` as cell values in `layout`'s column order (no header).

    `references` maps an "org"/"member" column's field to {pk: name} for every pk the rows
    refer to."""
    references = references or {}
    fields = [_record_field(column) for column in layout.columns]
    converters = _converters(layout, unmasked=unmasked, references=references)
    for record in queryset.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
        row = list(record)
        for index, convert in converters:
            row[index] = convert(row[index])
        yield row


def _names(model, queryset: QuerySet, field: str, name_field: str = "name") -> dict[int, str]:
    """{pk: name} of the `model` rows that `queryset`'s `field` refers to: one query."""
    referred = queryset.order_by().values(field)
    return dict(model.objects.filter(pk__in=referred).values_list("pk", name_field))


def member_rows(queryset: QuerySet, *, unmasked: bool = False) -> Iterator[list]:
    """The members of `queryset` in `layout.MEMBERS`' column order."""
    references = {"org": _names(Organization, queryset, "org_id")}
    return layout_rows(MEMBERS, queryset, unmasked=unmasked, references=references)


def org_rows(queryset: QuerySet) -> Iterator[list]:
    """The organisations of `queryset` in `layout.ORGS`' column order (the parent by its full
    name, the secretary by name)."""
    references = {
        "parent": _names(Organization, queryset, "parent_id"),
        "secretary": _names(Member, queryset, "secretary_id"),
    }
    return layout_rows(ORGS, queryset, references=references)


def write_layout(target: str | BinaryIO, layout: Layout, rows: Iterator[list]) -> int:
    """Write one sheet named after the layout's title: the template's headers (row 1, bold,
    frozen; no title row, so the file imports again as it is), then `rows`. Returns the
    number of rows written below the header."""
    shared = [i for i, column in enumerate(layout.columns) if column.kind in SHARED_KINDS]
    with XlsxSheetWriter(target) as writer:
        sheet = writer.add_sheet(
            layout.title,
            [column.header for column in layout.columns],
            [column.width for column in layout.columns],
            shared=shared,
        )
        for row in rows:
            sheet.append(row)
        return sheet.rows - 1


def export_members(user, queryset: QuerySet, *, unmasked: bool, target: str | BinaryIO) -> int:
    """Write the members of `queryset` (already scoped to `user` and filtered) to `target` as
    .xlsx; return the number of members written. Personal columns are masked unless
    `unmasked`, which needs the unmask permission."""
    if unmasked and not user.has_perm(UNMASK_PERMISSION):
        raise PermissionDenied("unmasked export without the unmask permission")
    return write_layout(target, MEMBERS, member_rows(queryset, unmasked=unmasked))


def export_orgs(user, queryset: QuerySet, *, unmasked: bool = False, target: str | BinaryIO) -> int:
    """Write the organisations of `queryset` (already scoped to `user` and filtered) to
    `target` as .xlsx; return the number of organisations written. (No column of the
    organisation layout is personal; `unmasked` is accepted for a uniform call.)"""
    return write_layout(target, ORGS, org_rows(queryset))
