"""A development record driven through the pipeline with dates that satisfy every interval:
for tests, the sweep and the browser test (no test framework needed here)."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from jiceng.core import idnumber
from jiceng.core.dates import add_months

from . import services

_seq = iter(range(1, 10_000))


def applicant_id(born: date | None = None, sex: str = "1") -> str:
    n = next(_seq)
    born = born or date(1995, 1 + n % 12, 1 + n % 28)
    seq = (n * 2 + (1 if sex == "1" else 0)) % 1000
    return idnumber.make("440803", born, seq)


def open_record(org, *, actor=None, applied_on: date | None = None, name: str = "王小明", **extra):
    applied_on = applied_on or add_months(timezone.localdate(), -36)
    values = {
        "name": name,
        "id_number": applicant_id(),
        "applied_on": applied_on,
        "education": "20",
        "occupation": "03",
    }
    values.update(extra)
    return services.record_open(actor=actor, org=org, **values)


def plan(applied_on: date, *, contacts: list[int], introducers: list[int], approver: int):
    """(number, date, data) of steps 2-25 for an application on `applied_on` (≈ 34 months)."""
    d = timedelta
    activist = add_months(applied_on, 6)
    target = add_months(activist, 12)
    resolution = target + d(90)
    decision = add_months(resolution, 12)
    votes = {"entitled": 9, "present": 8, "yes": 7, "no": 1, "abstain": 0, "written_yes": 1}
    return [
        (2, applied_on + d(10), {"talker": "陈书记"}),
        (3, activist, {"method": "party", "decided_by": "committee"}),
        (4, activist + d(5), {"committee": "中华街道党工委"}),
        (5, activist + d(10), {"members": contacts}),
        (6, add_months(activist, 5), {"assessment": "表现良好"}),
        (6, add_months(activist, 10), {"assessment": "表现良好"}),
        (7, target, {"decided_by": "meeting"}),
        (8, target + d(5), {"committee": "中华街道党工委"}),
        (9, target + d(10), {"members": introducers}),
        (10, target + d(20), {"passed": True, "conclusion": "合格"}),
        (11, target + d(30), {"days": 3, "hours": 24}),
        (
            12,
            target + d(60),
            {"passed": True, "notice_from": target + d(60), "notice_to": target + d(70)},
        ),
        (13, target + d(75), {"passed": True, "committee": "中华街道党工委"}),
        (14, target + d(80), {"form_number": "A-001"}),
        (15, resolution, votes),
        (16, resolution + d(10), {"talker": "李委员"}),
        (17, resolution + d(30), {"approving_org": approver}),
        (18, resolution + d(40), {"department": "赤坎区委组织部"}),
        (19, resolution + d(45), {"group": "第一党小组"}),
        (20, resolution + d(50), {}),
        (21, add_months(resolution, 6), {"assessment": "表现良好"}),
        (22, add_months(resolution, 11), {}),
        (23, decision, {"decision": "full", **votes}),
        (24, decision + d(20), {"approving_org": approver}),
        (25, decision + d(30), {"archive": "街道档案室"}),
    ]


def advance(record, *, actor=None, upto: int = 25, contacts, introducers, approver):
    """Record the steps of `plan` on a record just opened (step 1), up to step `upto`."""
    for number, on, data in plan(
        record.applied_on, contacts=contacts, introducers=introducers, approver=approver
    ):
        if number > upto:
            break
        services.step_record(actor=actor, record=record, number=number, on=on, data=data)
        record.refresh_from_db()
    return record
