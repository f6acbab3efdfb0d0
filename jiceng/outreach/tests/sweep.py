"""The service system's routes in the authorisation sweep (jiceng/web/tests/sweeping.py).

Centres, requests, teams and courses have no scope_self: a plain member sees none of them
(404). A member sees the visits they made and the shifts they were on (scope_self), and the
dashboard of their own branch (Organization.scope_self)."""

from jiceng.web.tests.sweeping import (
    A_ONLY,
    ADDERS,
    ANON,
    DENIED,
    EVERYWHERE,
    NOT_ANYWHERE,
    OTHER,
    OWN,
    SCOPED_CHANGE,
    SCOPED_READ,
    Rule,
    any_logged_in,
)

ROLE_READ = {
    **ANON,
    "city_admin": EVERYWHERE,
    "viewer": EVERYWHERE,
    "county_admin": A_ONLY,
    "secretary": A_ONLY,
    "member_user": NOT_ANYWHERE,
}
ROLE_CHANGE = {**SCOPED_CHANGE, "member_user": NOT_ANYWHERE}
READ = Rule(default=NOT_ANYWHERE, get=ROLE_READ)
SELF_READ = Rule(default=NOT_ANYWHERE, get=SCOPED_READ)
CHANGE = Rule(default=NOT_ANYWHERE, get=ROLE_CHANGE, write=True)
SELF_CHANGE = Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True)
ADD_FORM = Rule(default=DENIED, get=ADDERS, write=True)
API_ADD = Rule(default=DENIED, get=ADDERS)
API_CHANGE = Rule(default=NOT_ANYWHERE, get=ROLE_CHANGE)

EXPECT = {
    "outreach:home": any_logged_in(),
    "outreach:dashboard": SELF_READ,
    "outreach:attendance": SELF_READ,
    "outreach:cadre_attendance_export": SELF_READ,
    "outreach:centre_edit": SELF_CHANGE,
    "outreach:centre_detail": READ,
    "outreach:shift_create": ADD_FORM,
    "outreach:shift_import": ADD_FORM,
    "outreach:shift_times": SELF_CHANGE,
    "outreach:visit_create": ADD_FORM,
    "outreach:visit_detail": SELF_READ,
    "outreach:request_create": ADD_FORM,
    "outreach:request_detail": READ,
    "outreach:request_assign": CHANGE,
    "outreach:request_escalate": CHANGE,
    "outreach:request_resolve": CHANGE,
    "outreach:request_close": CHANGE,
    "outreach:team_create": ADD_FORM,
    "outreach:team_detail": READ,
    "outreach:team_member_add": CHANGE,
    "outreach:poverty_create": ADD_FORM,
    "outreach:course_create": ADD_FORM,
    "outreach:course_detail": READ,
    "outreach:attendance_add": CHANGE,
    "outreach:member_contributions": SELF_READ,
    **{
        f"outreach:{name}_{kind}": any_logged_in()
        for name in (
            "centre",
            "shift",
            "visit",
            "request",
            "team",
            "stationed",
            "poverty",
            "course",
            "gap",
            "attendance",
        )
        for kind in ("list", "export")
    },
    "api:outreach_summary": SELF_READ,
    "api:outreach_request_list": any_logged_in(),
    "api:outreach_request_create": API_ADD,
    "api:outreach_request_detail": READ,
    "api:outreach_request_assign": API_CHANGE,
    "api:outreach_request_escalate": API_CHANGE,
    "api:outreach_request_resolve": API_CHANGE,
    "api:outreach_request_close": API_CHANGE,
    "api:outreach_visit_list": any_logged_in(),
    "api:outreach_visit_create": API_ADD,
    "api:outreach_shift_list": any_logged_in(),
    "api:outreach_course_list": any_logged_in(),
    "api:outreach_course_create": API_ADD,
    "api:outreach_course_detail": READ,
    "api:outreach_attendance_list": any_logged_in(),
    "api:outreach_attendance_add": API_CHANGE,
    "api:outreach_poverty_list": any_logged_in(),
    "api:outreach_poverty_create": API_ADD,
}


def objects(city) -> dict:
    from datetime import date

    from jiceng.outreach import services

    out = {}
    for variant, branch, member in (
        (OWN, city.branch_a1, city.member_a1),
        (OTHER, city.branch_b1, city.member_b1),
    ):
        centre = services.centre_save(actor=None, org=branch, name="服务站", address="村委会")
        shift = services.duty_schedule(actor=None, org=branch, cadre=member, on=date(2026, 1, 5))
        visit = services.visit_record(
            actor=None,
            village=branch,
            visitor=member,
            visited_on=date(2026, 1, 5),
            household="王家",
        )
        request = services.request_register(
            actor=None, visit=visit, channel="visit", resident_name="王", subject="修路"
        )
        team = services.team_create(
            actor=None, village=branch, dispatching_unit="市委组织部", started_on=date(2026, 1, 1)
        )
        course = services.course_create(
            actor=None, org=branch, title="轮训", starts_on=date(2026, 1, 5), hours=8
        )
        out[variant] = {
            "centre_id": centre.pk,
            "shift_id": shift.pk,
            "visit_id": visit.pk,
            "request_id": request.pk,
            "team_id": team.pk,
            "course_id": course.pk,
        }
    return out


API_BODIES = {
    "api:outreach_request_create": lambda city: {
        "origin": city.branch_a1.pk,
        "channel": "phone",
        "resident_name": "王",
        "subject": "修路",
    },
    "api:outreach_request_assign": lambda city: {"assignee": city.member_a1.pk},
    "api:outreach_course_create": lambda city: {
        "org": city.branch_a1.pk,
        "title": "轮训",
        "starts_on": "2026-01-05",
        "hours": 8,
    },
    "api:outreach_attendance_add": lambda city: {"member": city.member_a1.pk},
    "api:outreach_poverty_create": lambda city: {
        "village": city.branch_a1.pk,
        "year": 2026,
        "recorded_on": "2026-01-05",
        "poor_households": 3,
        "poor_people": 10,
        "lifted_people": 4,
    },
    "api:outreach_visit_create": lambda city: {
        "village": city.branch_a1.pk,
        "visitor": city.member_a1.pk,
        "visited_on": "2026-01-05",
        "household": "王家",
    },
}
