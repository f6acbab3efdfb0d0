"""The service system's findings (core.findings): requests past or near their deadline
(SRV-04) and townships/villages whose on-site duty attendance is below the target (SRV-02).
Two queries for a whole subtree."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count
from django.utils.translation import gettext as _

from jiceng.core import ruleset
from jiceng.core.fields import prefix_range
from jiceng.core.findings import Finding, Level
from jiceng.core.models import object_url

from . import rules
from .models import OPEN_STATUSES, DutyShift, ResidentRequest

DUTY_DAYS = 30  # attendance is judged over the last 30 days up to the day before


def provide(path: str, as_of: date):
    params = ruleset.snapshot(as_of)
    soon = int(params["SRV-04.due_soon_days"])
    target = float(params["SRV-02.attendance_target"])
    requests = (
        ResidentRequest.objects.filter(
            **prefix_range("org__path", path),
            status__in=OPEN_STATUSES,
            deadline__lte=as_of + timedelta(days=soon),
        )
        .order_by("deadline", "id")
        .values_list(
            "id", "subject", "resident_name", "deadline", "org_id", "org__path", "org__name"
        )
    )
    for pk, subject, resident, deadline, org_id, org_path, _org_name in requests.iterator(2000):
        level = rules.overdue_level(deadline, as_of, soon)
        if level is None:
            continue
        message = (
            _("Request “%(subject)s” is past its deadline.")
            if level == "overdue"
            else _("Request “%(subject)s” is due soon.")
        ) % {"subject": subject}
        yield Finding(
            rule="SRV-04",
            level=Level(level),
            org_id=org_id,
            org_path=org_path,
            message=message,
            due=deadline,
            url=object_url("outreach:request_detail", pk),
            subject=resident,
        )
    last = as_of - timedelta(days=1)
    first = as_of - timedelta(days=DUTY_DAYS)
    shifts = (
        DutyShift.objects.filter(**prefix_range("org__path", path), on__gte=first, on__lte=last)
        .values_list("org_id", "org__path", "org__name")
        .annotate(n=Count("id"), came=Count("checked_in_at"))
        .order_by("org__path")
    )
    for org_id, org_path, org_name, n, came in shifts:
        if rules.meets_target(came, n, target) is False:
            yield Finding(
                rule="SRV-02",
                level=Level.OVERDUE,
                org_id=org_id,
                org_path=org_path,
                message=_(
                    "On-site duty attendance %(rate)s%% (%(came)s of %(n)s shifts) from "
                    "%(first)s to %(last)s, below the %(target)s%% target."
                )
                % {
                    "rate": rules.attendance_rate(came, n),
                    "came": came,
                    "n": n,
                    "first": first,
                    "last": last,
                    "target": f"{target:g}",
                },
                due=last,
                url=object_url("outreach:attendance", org_id),
                subject=org_name,
            )
