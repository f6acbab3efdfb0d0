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

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.db import connections
from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast
from django.db.models.sql.constants import MULTI

from jiceng.core import crypto
from jiceng.core.fields import EncryptedTextField
from jiceng.core.masking import MASKERS
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.sheets.write import write_rows

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


def layout_display(
    layout: Layout, *, unmasked: bool, references: dict[str, dict[int, str]]
) -> dict[int, Callable]:
    """{column index: stored value → what the cell shows} for the columns whose stored value
    is not what the sheet shows (codes, booleans, references, masked personal data); the
    others are written as they come from the database. Never called with None or ""."""
    display: dict[int, Callable] = {}
    for index, column in enumerate(layout.columns):
        if column.kind == "code":
            display[index] = _Names(column.codes).__getitem__
        elif column.kind == "bool":
            names = dict(column.codes)
            display[index] = _Names({True: names["1"], False: names["0"]}).__getitem__
        elif column.kind in ("org", "member"):
            display[index] = _Names(references[column.field]).__getitem__
        elif column.personal and not unmasked:
            display[index] = MASKERS[column.field]
    return display


def _records(layout: Layout, queryset: QuerySet) -> Iterator[tuple]:
    """The stored values of `queryset`'s rows in `layout`'s column order: one query, streamed.

    What `values_list(...).iterator()` gives, converted column by column instead of cell by
    cell: each distinct stored date, boolean, … through the field's converters once, and the
    encrypted columns opened with `crypto.decrypt_many`. On SQLite, which keeps dates as ISO
    text, date columns are read as that text (the driver would otherwise parse every cell: a
    city's million dates, 0.6 s) and each distinct date parsed once."""
    fields: list = [_record_field(column) for column in layout.columns]
    text_dates = set()
    if connections[queryset.db].vendor == "sqlite":
        meta = queryset.model._meta
        for pos, name in enumerate(fields):
            if meta.get_field(name).get_internal_type() == "DateField":
                fields[pos] = Cast(name, output_field=CharField())
                text_dates.add(pos)
    query = queryset.values_list(*fields).query
    compiler = query.get_compiler(using=queryset.db)
    chunks = compiler.execute_sql(MULTI, chunked_fetch=True, chunk_size=CHUNK_SIZE)
    selected = [s[0] for s in compiler.select[: compiler.col_count]]
    converters = compiler.get_converters(selected)
    for pos in text_dates:
        converters[pos] = ([_iso_date], None)
    return _converted(chunks, converters, compiler.connection)


def _iso_date(value, _expression, _connection):
    return None if value is None else date.fromisoformat(value)


def _converted(chunks, converters: dict, connection) -> Iterator[tuple]:
    sealed, memoised = [], []
    for pos, (convs, expression) in converters.items():
        field = getattr(expression, "target", None)
        if isinstance(field, EncryptedTextField) and convs == [field.from_db_value]:
            sealed.append(pos)
        else:
            memoised.append((pos, convs, expression, {}))
    for chunk in chunks or ():
        if not chunk:
            continue
        if not converters:
            yield from chunk
            continue
        columns = list(zip(*chunk, strict=True))
        for pos in sealed:
            columns[pos] = crypto.decrypt_many(columns[pos])
        for pos, convs, expression, table in memoised:
            column = columns[pos]
            for value in set(column).difference(table):
                shown = value
                for convert in convs:
                    shown = convert(shown, expression, connection)
                table[value] = shown
            columns[pos] = list(map(table.__getitem__, column))
        yield from zip(*columns, strict=True)


def _names(model, queryset: QuerySet, field: str, name_field: str = "name") -> dict[int, str]:
    """{pk: name} of the `model` rows that `queryset`'s `field` refers to: one query."""
    referred = queryset.order_by().values(field)
    return dict(model.objects.filter(pk__in=referred).values_list("pk", name_field))


def _member_display(queryset: QuerySet, *, unmasked: bool) -> dict[int, Callable]:
    references = {"org": _names(Organization, queryset, "org_id")}
    return layout_display(MEMBERS, unmasked=unmasked, references=references)


def _org_display(queryset: QuerySet) -> dict[int, Callable]:
    references = {
        "parent": _names(Organization, queryset, "parent_id"),
        "secretary": _names(Member, queryset, "secretary_id"),
    }
    return layout_display(ORGS, unmasked=False, references=references)


def _shown(records: Iterator[tuple], display: dict[int, Callable]) -> Iterator[list]:
    for record in records:
        row = list(record)
        for index, show in display.items():
            value = row[index]
            if value is not None and value != "":
                row[index] = show(value)
        yield row


def member_rows(queryset: QuerySet, *, unmasked: bool = False) -> Iterator[list]:
    """The members of `queryset` as the export's cells show them, in `layout.MEMBERS`' column
    order (codes as names, 是/否, the branch's full name, personal data masked unless
    `unmasked`)."""
    display = _member_display(queryset, unmasked=unmasked)
    return _shown(_records(MEMBERS, queryset), display)


def org_rows(queryset: QuerySet) -> Iterator[list]:
    """The organisations of `queryset` as the export's cells show them, in `layout.ORGS`'
    column order (the parent by its full name, the secretary by name)."""
    return _shown(_records(ORGS, queryset), _org_display(queryset))


def write_layout(
    target: str | BinaryIO,
    layout: Layout,
    records: Iterable[Sequence],
    display: dict[int, Callable] | None = None,
) -> int:
    """Write one sheet named after the layout's title: the template's headers (row 1, bold,
    frozen; no title row, so the file imports again as it is), then a row per record, each
    cell shown through `display` (see `layout_display`). Returns the number of rows written
    below the header.

    The stored values go to the writer as they are, with the display functions: the writer
    works out each column's cell once per distinct stored value, so a code, a branch or a
    boolean costs one dictionary lookup a row. A long list is written by a second process
    while this one reads the database (`sheets.write.write_rows`)."""
    shared = [i for i, column in enumerate(layout.columns) if column.kind in SHARED_KINDS]
    return write_rows(
        target,
        layout.title,
        [column.header for column in layout.columns],
        records,
        [column.width for column in layout.columns],
        shared=shared,
        display=display,
    )


def export_members(user, queryset: QuerySet, *, unmasked: bool, target: str | BinaryIO) -> int:
    """Write the members of `queryset` (already scoped to `user` and filtered) to `target` as
    .xlsx; return the number of members written. Personal columns are masked unless
    `unmasked`, which needs the unmask permission."""
    if unmasked and not user.has_perm(UNMASK_PERMISSION):
        raise PermissionDenied("unmasked export without the unmask permission")
    display = _member_display(queryset, unmasked=unmasked)
    return write_layout(target, MEMBERS, _records(MEMBERS, queryset), display)


def export_orgs(user, queryset: QuerySet, *, unmasked: bool = False, target: str | BinaryIO) -> int:
    """Write the organisations of `queryset` (already scoped to `user` and filtered) to
    `target` as .xlsx; return the number of organisations written. (No column of the
    organisation layout is personal; `unmasked` is accepted for a uniform call.)"""
    return write_layout(target, ORGS, _records(ORGS, queryset), _org_display(queryset))
