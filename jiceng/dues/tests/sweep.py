"""Dues routes in the authorisation sweep (jiceng/web/tests/sweeping.py).

A branch's dues (its members' arrears, sheets, the collection grid) need a role over the branch:
a plain member sees their own branch (Organization.scope_self) but not the others' dues, so
those pages are hidden from them; their own dues page (scope_self) they see, not change."""

from jiceng.web.tests.sweeping import (
    A_ONLY,
    ANON,
    DENIED,
    EVERYWHERE,
    HIDDEN,
    NA,
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
BRANCH_READ = Rule(default=NOT_ANYWHERE, get=ROLE_READ)
NOBODY_ELSE = dict.fromkeys(("outsider", "system_admin", "security_admin", "audit_admin"), HIDDEN)

EXPECT = {
    "dues:home": any_logged_in(),
    "dues:mine": Rule(default=HIDDEN, get={**ANON, "member_user": "ok"}),
    "dues:org": BRANCH_READ,
    "dues:month_sheet": BRANCH_READ,
    "dues:month_sheet_export": BRANCH_READ,
    "dues:year_summary": BRANCH_READ,
    "dues:year_summary_export": BRANCH_READ,
    "dues:collect": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "dues:import": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "dues:member": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "dues:standard_set": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "dues:reduction_apply": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "dues:reduction_decide": Rule(
        default=NA, get={}, write=True, post={**SCOPED_CHANGE, **NOBODY_ELSE}
    ),
    "api:dues_standard_list": any_logged_in(),
    "api:dues_payment_list": any_logged_in(),
    "api:dues_standard_create": Rule(
        default=HIDDEN,
        get={
            **ANON,
            "city_admin": "ok",
            "county_admin": "ok",
            "secretary": "ok",
            "viewer": DENIED,
            "member_user": DENIED,
        },
    ),
    "api:dues_payment_record": Rule(
        default=HIDDEN,
        get={
            **ANON,
            "city_admin": "ok",
            "county_admin": "ok",
            "secretary": "ok",
            "viewer": DENIED,
        },
    ),
    "api:dues_arrears": BRANCH_READ,
}

QUERY_OBJECTS = {"api:dues_arrears": ("org", "org_id")}


def objects(city) -> dict:
    from jiceng.dues.models import Reduction

    own = Reduction.objects.create(
        member=city.member_a1, from_month="2026-01-01", amount="0", reason="sweep"
    )
    other = Reduction.objects.create(
        member=city.member_b1, from_month="2026-01-01", amount="0", reason="sweep"
    )
    return {OWN: {"reduction_id": own.pk}, OTHER: {"reduction_id": other.pk}}


def _this_month() -> str:
    from django.utils import timezone

    return timezone.localdate().replace(day=1).isoformat()


API_BODIES = {
    "api:dues_standard_create": lambda city: {
        "member": city.member_a1.pk,
        "category": "employed",
        "effective_from": _this_month(),
        "income_base": "5000.00",
    },
    "api:dues_payment_record": lambda city: {
        "org": city.branch_a1.pk,
        "month": _this_month(),
        "entries": [{"member": city.member_a1.pk, "amount": "10.00"}],
    },
}
