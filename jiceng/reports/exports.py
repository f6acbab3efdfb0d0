"""Spreadsheets of the reports (jiceng.sheets.write: every text cell stays text, so a name
like "=1+1" is never a formula). Tables in the conventional layout of the statistics forms:
title rows, then the units down the left and one column per category, then the two-year
comparison."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _

from jiceng.core import findings
from jiceng.members.items import ITEMS
from jiceng.sheets.write import XlsxSheetWriter, display_width

from .tables import Comparison, Table


def _widths(header: list[str], first: int = 30) -> list[float]:
    return [first, *[min(max(display_width(h) + 2, 8), 24) for h in header[1:]]]


def _table_sheet(writer: XlsxSheetWriter, snapshot, table: Table, comparison: Comparison) -> None:
    header = [_("Unit"), *[label for _k, label in table.columns]]
    sheet = writer.add_sheet(table.title, None, _widths(header))
    sheet.append([table.title], header=True)
    sheet.append(
        [
            _("Scope: %(org)s; as of %(date)s; snapshot no. %(id)s taken %(taken)s")
            % {
                "org": snapshot.root_name,
                "date": snapshot.reference_date.isoformat(),
                "id": snapshot.pk,
                "taken": snapshot.created_at.date().isoformat(),
            }
        ]
    )
    if table.note:
        sheet.append([table.note])
    sheet.append(header, header=True)
    for row in table.rows:
        sheet.append([row.label, *row.cells])
    sheet.append([])
    sheet.append(
        [
            _("Comparison of %(this)s with %(last)s")
            % {"this": comparison.this_year, "last": comparison.last_year}
        ],
        header=True,
    )
    if comparison.last is None:
        sheet.append(
            [_("No snapshot of this organisation for %(year)s.") % {"year": comparison.last_year}]
        )
    sheet.append(
        [
            _("Item"),
            str(comparison.last_year),
            str(comparison.this_year),
            _("Change"),
            _("Change (%)"),
        ],
        header=True,
    )
    for label, was, now, change, pct in comparison.rows:
        sheet.append([label, was, now, change, pct])


def tables_xlsx(snapshot, built: list[tuple[Table, Comparison]]) -> bytes:
    buffer = io.BytesIO()
    with XlsxSheetWriter(buffer) as writer:
        for table, comparison in built:
            _table_sheet(writer, snapshot, table, comparison)
    return buffer.getvalue()


def quality_xlsx(org, whole, rows) -> bytes:
    buffer = io.BytesIO()
    header = [_("Organisation"), _("Members"), *[label for _k, label, _f in ITEMS]]
    with XlsxSheetWriter(buffer) as writer:
        for title, pick in (
            (_("Items filled and valid"), lambda r, k: r.complete(k)),
            (_("Items missing or invalid"), lambda r, k: r.missing[k]),
        ):
            sheet = writer.add_sheet(title, None, _widths(header))
            sheet.append([f"{org.name} — {title}"], header=True)
            sheet.append(header, header=True)
            for row in [whole, *rows]:
                label = (
                    (row.org.name if row.org else _("directly")) if row is not whole else _("Total")
                )
                sheet.append([label, row.total, *[pick(row, k) for k, _l, _f in ITEMS]])
    return buffer.getvalue()


def findings_xlsx(org, counts, every, names: dict) -> bytes:
    buffer = io.BytesIO()
    levels = findings.LEVEL_LABELS
    with XlsxSheetWriter(buffer) as writer:
        sheet = writer.add_sheet(
            _("By rule"), [_("Rule"), _("Area"), _("Level"), _("Findings")], [14, 24, 12, 10]
        )
        providers = dict(findings.providers())
        for c in counts:
            sheet.append(
                [
                    c.rule,
                    str(providers.get(c.provider, c.provider)),
                    str(levels[findings.Level(c.level)]),
                    c.count,
                ]
            )
        sheet = writer.add_sheet(
            _("Findings"),
            [
                _("Rule"),
                _("Level"),
                _("Organisation"),
                _("About"),
                _("What is wrong"),
                _("Due"),
            ],
            [14, 12, 24, 20, 60, 12],
        )
        for f in every:
            sheet.append(
                [
                    f.rule,
                    str(levels[f.level]),
                    names.get(f.org_id, f.org_path),
                    f.subject,
                    str(f.message),
                    f.due,
                ]
            )
    return buffer.getvalue()
