"""The report as files: a PDF (WeasyPrint from the report's print template, Chinese set in
Noto CJK, embedded) and an .xlsx of the figure table (jiceng.sheets.write: every text cell
stays text, so no name or part becomes a formula)."""

from __future__ import annotations

import io
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jiceng.sheets.write import XlsxSheetWriter

from .content import Report


def html(report: Report) -> str:
    return render_to_string("reports/campaign_print.html", {"report": report})


def pdf(report: Report) -> bytes:
    # Imported here: WeasyPrint loads pango at import, which only the PDF needs.
    import weasyprint

    return weasyprint.HTML(string=html(report)).write_pdf()


def _unit(unit: str) -> str:
    if unit == "yuan":
        return _("yuan")
    return unit


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    return value


def xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    header = [
        pgettext("figure table", "System"),
        pgettext("figure table", "Figure"),
        pgettext("figure table", "Value"),
        pgettext("figure table", "Unit"),
        pgettext("figure table", "Parts"),
        pgettext("figure table", "Figure key"),
    ]
    with XlsxSheetWriter(buffer) as writer:
        sheet = writer.add_sheet(_("Figures"), None, [18, 40, 16, 8, 60, 28])
        sheet.append([report.title], header=True)
        sheet.append(
            [
                _("Scope: %(org)s; period: %(start)s to %(end)s; generated %(at)s")
                % {
                    "org": report.org_name,
                    "start": report.start.isoformat(),
                    "end": report.end.isoformat(),
                    "at": report.generated_at.strftime("%Y-%m-%d %H:%M")
                    if report.generated_at
                    else "",
                }
            ]
        )
        sheet.append(header, header=True)
        for section in report.sections:
            title = section.heading
            for line in section.lines:
                sheet.append(
                    [
                        title,
                        line.label,
                        _cell(line.value.value),
                        _unit(line.value.unit),
                        line.parts,
                        line.key,
                    ]
                )
    return buffer.getvalue()
