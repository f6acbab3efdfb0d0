"""Membership development's routes in the authorisation sweep (jiceng/web/tests/sweeping.py).

The record of county A is linked to the member persona's account, so that person sees it as
their own (scope_self) and may not change it; the one of county B nobody there sees."""

from jiceng.web.tests.sweeping import (
    ADDERS,
    DENIED,
    NOT_ANYWHERE,
    OTHER,
    OWN,
    SCOPED_CHANGE,
    SCOPED_READ,
    Rule,
    any_logged_in,
)

EXPECT = {
    "recruitment:dashboard": any_logged_in(),
    "recruitment:record_list": any_logged_in(),
    "recruitment:record_export": any_logged_in(),
    "recruitment:due_list": any_logged_in(),
    "recruitment:mine": any_logged_in(),
    "recruitment:record_create": Rule(default=DENIED, get=ADDERS, write=True),
    "recruitment:record_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "recruitment:step_record": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "api:development_record_list": any_logged_in(),
    "api:development_record_open": Rule(default=DENIED, get=ADDERS),
    "api:development_record_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:development_step_record": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE),
}


def objects(city) -> dict:
    from jiceng.recruitment import testing

    own = testing.open_record(city.branch_a1, name="甲申请人", user=city.member_user)
    other = testing.open_record(city.branch_b1, name="乙申请人")
    return {
        OWN: {"pk": own.pk, "number": 2, "record_id": own.pk},
        OTHER: {"pk": other.pk, "number": 2, "record_id": other.pk},
    }


API_BODIES = {
    "api:development_record_open": lambda city: {
        "name": "丙申请人",
        "id_number": "11010519491231002X",
        "org": city.branch_a1.pk,
        "applied_on": "2025-01-02",
        "education": "20",
        "occupation": "03",
    },
    "api:development_step_record": lambda city: {
        "number": 2,
        "on": "2025-01-03",
        "data": {"talker": "陈书记"},
    },
}
