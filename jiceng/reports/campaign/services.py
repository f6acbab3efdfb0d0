"""Generating a campaign report: the only writes of the campaign report.

`check_request` validates a request (organisation in the actor's role scope, period) and
raises a ValidationError naming the field; it writes nothing, and the live page uses it too.
`campaign_report_request` records the request (audited `campaign_report`) and generates the
report: inline for a small subtree, as the background task `tasks.build_campaign_report` for
a large one (progress through reports/progress.py, as the statistics snapshots do).
`campaign_report_build` computes the figures, renders the PDF and the .xlsx and keeps them
with the values; it ends DONE, or FAILED with nothing kept.
"""

from __future__ import annotations

import logging
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import scope
from jiceng.orgs.models import Organization, OrgStats
from jiceng.reports import progress
from jiceng.reports.services import INLINE_LIMIT
from jiceng.web.scoping import permitted_actions

from . import content, render
from .models import CampaignReport, CampaignStatus, period_days, value_to_json

logger = logging.getLogger(__name__)
MAX_DAYS = 366  # a report covers at most a year, like the source document
FIRST_DAY = date(1950, 1, 1)


def progress_key(report_id: int) -> str:
    """The report's key in reports/progress.py (shared with the snapshots, distinct ids)."""
    return f"campaign:{report_id}"


def default_period(today: date | None = None) -> tuple[date, date]:
    """The current year up to today."""
    today = today or timezone.localdate()
    return date(today.year, 1, 1), today


def may_report(user, org: Organization) -> bool:
    """Whoever holds a role over the organisation (read-only included: a report writes no
    Party record). A plain member's view of their own branch does not count: the report
    counts records of the whole subtree."""
    return scope.VIEW in permitted_actions(user, org.path)


def check_request(*, actor, org_id, start: date | None, end: date | None) -> Organization:
    """The organisation to report on, or a ValidationError {field: [message]}."""
    errors: dict[str, list[str]] = {}
    org = None
    if org_id not in (None, "") and str(org_id).isdigit():
        org = scope.restrict(Organization.objects.all(), actor).filter(pk=int(org_id)).first()
    if org is None or not may_report(actor, org):
        errors["org"] = [_("No such organisation within your scope.")]
    today = timezone.localdate()
    if start is None:
        errors["start"] = [_("Enter the first day of the period.")]
    elif start < FIRST_DAY:
        errors["start"] = [_("The period cannot start before %(day)s.") % {"day": FIRST_DAY}]
    if end is None:
        errors["end"] = [_("Enter the last day of the period.")]
    elif end > date(today.year, 12, 31):
        errors["end"] = [_("The period cannot end after this year.")]
    if start is not None and end is not None and "start" not in errors and "end" not in errors:
        if end < start:
            errors["end"] = [_("The end of the period is before its start.")]
        elif period_days(start, end) > MAX_DAYS:
            errors["end"] = [
                _("A report covers at most %(max)s days; this period has %(days)s.")
                % {"max": MAX_DAYS, "days": period_days(start, end)}
            ]
    if errors:
        raise ValidationError(errors)
    return org


def campaign_report_request(
    *, actor, org_id, start: date | None, end: date | None, language: str | None = None
) -> CampaignReport:
    """Generate (and keep) the report of `org_id`'s subtree over start..end."""
    org = check_request(actor=actor, org_id=org_id, start=start, end=end)
    with transaction.atomic():
        report = CampaignReport.objects.create(
            org=org,
            org_name=org.name,
            start=start,
            end=end,
            language=language or translation.get_language() or "zh-hans",
            requested_by=actor,
        )
        scope.ensure_in_scope(actor, scope.VIEW, report)
        audit.record(
            "campaign_report",
            actor=actor,
            obj=report,
            data={"org": org.pk, "start": str(start), "end": str(end)},
        )
    _start(report, org)
    report.refresh_from_db()
    return report


def is_large(org: Organization) -> bool:
    counts = OrgStats.objects.filter(org=org).values_list("counts", flat=True).first() or {}
    return counts.get("members", 0) > INLINE_LIMIT


def _start(report: CampaignReport, org: Organization) -> None:
    """Inline for a small subtree; else queued for `jiceng worker` (outside the caller's
    transaction: an inline task backend would run it there)."""
    progress.report(progress_key(report.pk), _("queued"), 0, 1)
    if not is_large(org):
        campaign_report_build(report.pk)
        return
    from jiceng.reports.tasks import build_campaign_report

    build_campaign_report.enqueue(report.pk)


def campaign_report_build(report_id: int) -> CampaignReport:
    """Compute, render and keep the report; ends DONE or FAILED (nothing kept)."""
    report = CampaignReport.objects.select_related("org").get(pk=report_id)
    if report.is_done:
        return report
    CampaignReport.objects.filter(pk=report_id).update(status=CampaignStatus.BUILDING)
    key = progress_key(report_id)
    steps = 7  # five systems, the PDF, the spreadsheet
    try:
        with translation.override(report.language):
            values = content.compute(
                content.scope_for(report.org, report.start, report.end),
                lambda phase, done, _total: progress.report(key, phase, done, steps),
            )
            finished = timezone.now()
            composed = content.compose(
                report.org, report.start, report.end, values, generated_at=finished
            )
            progress.report(key, _("PDF"), 5, steps)
            pdf = render.pdf(composed)
            progress.report(key, _("spreadsheet"), 6, steps)
            xlsx = render.xlsx(composed)
        CampaignReport.objects.filter(pk=report_id).update(
            status=CampaignStatus.DONE,
            figures={k: value_to_json(v) for k, v in values.items()},
            pdf=pdf,
            xlsx=xlsx,
            finished_at=finished,
            failure="",
        )
    except Exception as exc:  # the report must end in a state its page can show
        logger.exception("generating campaign report %s failed", report_id)
        CampaignReport.objects.filter(pk=report_id).update(
            status=CampaignStatus.FAILED,
            failure=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
            figures={},
            pdf=b"",
            xlsx=b"",
        )
    progress.clear(key)
    report.refresh_from_db()
    return report
