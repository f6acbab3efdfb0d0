"""The list pages as .xlsx files (jiceng.sheets.write: every text a text cell, no formulas),
exactly as filtered on the page, recorded in the audit log with the file's SHA-256."""

from __future__ import annotations

import hashlib
import tempfile

from django.http import FileResponse, HttpResponseRedirect
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from jiceng.audit.services import record
from jiceng.sheets.write import XLSX_CONTENT_TYPE, write_rows
from jiceng.transfer.export_views import NOT_FILTERS, attachment, recorded_filter


def project_columns():
    return [
        (_("Organisation"), lambda p: p.org.name),
        (_("Year"), lambda p: p.year),
        (_("Title"), lambda p: p.title),
        (_("Problem addressed"), lambda p: p.problem),
        (_("Goals"), lambda p: p.goals),
        (_("Measurable targets"), lambda p: p.targets),
        (_("Status"), lambda p: p.get_status_display()),
        (_("Progress (%)"), lambda p: p.progress),
        (_("Claimed on"), lambda p: p.claimed_on),
    ]


def problem_columns():
    return [
        (_("Organisation"), lambda p: p.org.name),
        (_("Ledger"), lambda p: p.ledger.title),
        (_("Source"), lambda p: p.get_source_display()),
        (_("Category"), lambda p: p.get_category_display()),
        (_("Severity"), lambda p: p.get_severity_display()),
        (_("Problem"), lambda p: p.description),
        (_("Rectification measure"), lambda p: p.measure),
        (_("Person responsible"), lambda p: p.owner),
        (_("Found on"), lambda p: p.found_on),
        (_("Deadline"), lambda p: p.deadline),
        (_("Status"), lambda p: p.get_status_display()),
        (_("Evidence of rectification"), lambda p: p.evidence),
        (_("Closed on"), lambda p: p.closed_on),
    ]


def assignment_columns():
    return [
        (_("Key task"), lambda a: a.task.title),
        (_("Deadline"), lambda a: a.task.deadline),
        (_("Organisation"), lambda a: a.org.name),
        (_("Status"), lambda a: a.get_status_display()),
        (_("Evidence"), lambda a: a.evidence),
        (_("Reported on"), lambda a: a.reported_on),
    ]


def assessment_columns():
    return [
        (_("Organisation"), lambda a: a.org.name),
        (_("Rubric"), lambda a: str(a.rubric)),
        (_("Period end"), lambda a: a.period_end),
        (_("Automatic points"), lambda a: float(a.auto_total)),
        (_("Self-score"), lambda a: float(a.self_total) if a.self_total is not None else None),
        (
            _("Review score"),
            lambda a: float(a.review_total) if a.review_total is not None else None,
        ),
        (_("Vetoed"), lambda a: _("yes") if a.vetoed else _("no")),
        (_("Final score"), lambda a: float(a.final)),
        (_("Status"), lambda a: a.get_status_display()),
    ]


def weak_columns():
    return [
        (_("Organisation"), lambda w: w.org.name),
        (_("Year"), lambda w: w.year),
        (_("Identified by"), lambda w: w.get_basis_display()),
        (_("Reason"), lambda w: w.reason),
        (_("Responsible leader"), lambda w: w.leader),
        (_("Work team"), lambda w: w.work_team),
        (_("First secretary"), lambda w: w.first_secretary),
        (_("Rectification plan"), lambda w: w.plan),
        (_("Deadline"), lambda w: w.deadline),
        (_("Progress (%)"), lambda w: w.progress),
        (_("Status"), lambda w: w.get_status_display()),
        (_("Closed on"), lambda w: w.closed_on),
    ]


class ExportMixin:
    """Mixed into a list view: GET writes what the page lists to an .xlsx file."""

    list_name = ""
    title = ""
    columns = None  # () -> [(header, fn(obj))]
    list_url = ""

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        from django.urls import reverse

        filterset = self.get_filterset()
        if not filterset.is_valid():
            query = request.GET.copy()
            for key in NOT_FILTERS:
                query.pop(key, None)
            return HttpResponseRedirect(f"{reverse(self.list_url)}?{query.urlencode()}")
        columns = self.columns()
        rows = ([fn(obj) for _h, fn in columns] for obj in filterset.qs.iterator(2000))
        file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        try:
            count = write_rows(
                file, str(self.title)[:31], [h for h, _fn in columns], rows, [24] * len(columns)
            )
            file.seek(0)
            digest = hashlib.file_digest(file, "sha256").hexdigest()
            record(
                "export",
                actor=request.user,
                request=request,
                data={
                    "list": self.list_name,
                    "filter": recorded_filter(request, filterset),
                    "rows": count,
                    "sha256": digest,
                    "unmasked": False,
                },
            )
            file.seek(0)
        except BaseException:
            file.close()
            raise
        response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = attachment(
            f"{self.title}-{day}.xlsx", f"{self.list_name}-{day}.xlsx"
        )
        return response
