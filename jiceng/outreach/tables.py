"""Declarations of the list pages' columns, shared by each page and its .xlsx export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from jiceng.core.masking import mask
from jiceng.core.models import object_url


@dataclass(frozen=True)
class Col:
    label: Any
    value: Callable[[Any], Any]
    link: Callable[[Any], str] | None = None
    width: int = 14


def _yes(v: bool):
    return _("yes") if v else _("no")


def _org(attr):
    return Col(
        _("organisation"),
        lambda o: getattr(o, attr).name,
        lambda o: object_url("outreach:dashboard", getattr(o, attr + "_id")),
        28,
    )


def _time(v):
    return v.astimezone().strftime("%Y-%m-%d %H:%M") if v else ""


CENTRES = [
    Col(_("name"), lambda c: c.name, lambda c: object_url("outreach:centre_detail", c.pk), 24),
    _org("org"),
    Col(_("address"), lambda c: c.address, width=24),
    Col(_("opening hours"), lambda c: c.opening_hours),
    Col(_("number of staff"), lambda c: c.staff_count, width=8),
    Col(_("Meets the 四有 standard"), lambda c: _yes(c.meets_four), width=8),
]
SHIFTS = [
    Col(_("date"), lambda s: s.on, width=11),
    _org("org"),
    Col(
        _("cadre"),
        lambda s: s.cadre.name,
        lambda s: object_url("outreach:member_contributions", s.cadre_id),
    ),
    Col(
        _("checked in at"),
        lambda s: _time(s.checked_in_at),
        lambda s: object_url("outreach:shift_times", s.pk),
        16,
    ),
    Col(_("checked out at"), lambda s: _time(s.checked_out_at), width=16),
    Col(_("source"), lambda s: s.get_source_display(), width=8),
]
VISITS = [
    Col(
        _("visited on"),
        lambda v: v.visited_on,
        lambda v: object_url("outreach:visit_detail", v.pk),
        11,
    ),
    Col(
        _("village"),
        lambda v: v.village.name,
        lambda v: object_url("outreach:dashboard", v.village_id),
        24,
    ),
    Col(
        _("visitor"),
        lambda v: v.visitor.name,
        lambda v: object_url("outreach:member_contributions", v.visitor_id),
    ),
    Col(_("household (head)"), lambda v: v.household),
    Col(_("address"), lambda v: mask("address", v.address), width=20),
    Col(_("what was raised"), lambda v: v.raised, width=30),
]
REQUESTS = [
    Col(_("registered on"), lambda r: r.registered_on, width=11),
    Col(
        _("subject"), lambda r: r.subject, lambda r: object_url("outreach:request_detail", r.pk), 30
    ),
    Col(_("raised in"), lambda r: r.origin.name, width=24),
    Col(_("handled by"), lambda r: r.org.name, width=24),
    Col(_("assigned to"), lambda r: r.assignee.name if r.assignee_id else ""),
    Col(_("status"), lambda r: r.get_status_display(), width=8),
    Col(_("deadline"), lambda r: r.deadline, width=11),
    Col(_("resolved on"), lambda r: r.resolved_on or "", width=11),
    Col(_("resident's satisfaction"), lambda r: r.get_satisfaction_display(), width=10),
]
TEAMS = [
    Col(
        _("dispatching unit"),
        lambda t: t.dispatching_unit,
        lambda t: object_url("outreach:team_detail", t.pk),
        24,
    ),
    Col(
        _("village served"),
        lambda t: t.village.name,
        lambda t: object_url("outreach:dashboard", t.village_id),
        24,
    ),
    Col(_("from"), lambda t: t.started_on, width=11),
    Col(_("until"), lambda t: t.ended_on or "", width=11),
]


def _person(m):
    return m.member.name if m.member_id else m.external_name


STATIONED = [
    Col(_("name"), _person, lambda m: object_url("outreach:team_detail", m.team_id)),
    Col(_("work unit"), lambda m: m.external_unit or m.team.dispatching_unit, width=24),
    Col(_("village served"), lambda m: m.team.village.name, width=24),
    Col(_("team leader"), lambda m: _yes(m.is_leader), width=8),
    Col(_("first secretary"), lambda m: _yes(m.is_first_secretary), width=8),
    Col(_("from"), lambda m: m.started_on, width=11),
    Col(_("until"), lambda m: m.ended_on or "", width=11),
]
POVERTY = [
    Col(
        _("village"),
        lambda p: p.village.name,
        lambda p: object_url("outreach:dashboard", p.village_id),
        24,
    ),
    Col(_("year"), lambda p: p.year, width=6),
    Col(_("recorded on"), lambda p: p.recorded_on, width=11),
    Col(_("households registered as poor"), lambda p: p.poor_households, width=10),
    Col(_("people registered as poor"), lambda p: p.poor_people, width=10),
    Col(_("people lifted out of poverty"), lambda p: p.lifted_people, width=10),
    Col(
        _("funds (yuan)"),
        lambda p: p.funds_government + p.funds_enterprise + p.funds_social,
        width=14,
    ),
]
COURSES = [
    Col(_("title"), lambda c: c.title, lambda c: object_url("outreach:course_detail", c.pk), 24),
    Col(_("organiser"), lambda c: c.org.name, width=24),
    Col(_("starts on"), lambda c: c.starts_on, width=11),
    Col(_("hours"), lambda c: c.hours, width=6),
]


def _missing(org) -> str:
    """The 四有 items a place's centre misses, or that it has none."""
    centre = getattr(org, "service_centre", None)
    if centre is None:
        return str(_("no service centre"))
    items = [
        label
        for label, ok in (
            (_("place"), centre.has_place),
            (_("sign"), centre.has_sign),
            (_("systems"), centre.has_system),
            (_("funds"), centre.has_funds),
        )
        if not ok
    ]
    return "、".join(str(i) for i in items)


def _centre_link(org) -> str:
    centre = getattr(org, "service_centre", None)
    if centre is None:
        return object_url("outreach:centre_edit", org.pk)
    return object_url("outreach:centre_detail", centre.pk)


GAPS = [
    Col(
        _("organisation"),
        lambda o: o.name,
        lambda o: object_url("outreach:dashboard", o.pk),
        28,
    ),
    Col(_("within"), lambda o: o.parent.name if o.parent_id else "", width=24),
    Col(
        _("level"),
        lambda o: o.get_kind_display() if o.kind == "township" else o.get_unit_type_display(),
        width=10,
    ),
    Col(
        _("service centre"),
        lambda o: o.service_centre.name if getattr(o, "service_centre", None) else "—",
        _centre_link,
        24,
    ),
    Col(_("missing"), _missing, width=24),
]
ATTENDANCE = [
    Col(
        _("course"),
        lambda a: a.course.title,
        lambda a: object_url("outreach:course_detail", a.course_id),
        24,
    ),
    Col(_("organiser"), lambda a: a.course.org.name, width=24),
    Col(_("starts on"), lambda a: a.course.starts_on, width=11),
    Col(
        _("member"),
        lambda a: a.member.name,
        lambda a: object_url("outreach:member_contributions", a.member_id),
    ),
    Col(_("organisation"), lambda a: a.member.org.name, width=24),
    Col(_("completed"), lambda a: _yes(a.completed), width=8),
]
