from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.core import idnumber
from jiceng.members import services
from jiceng.members.models import Member, StatusChange, UnmaskEvent
from jiceng.members.selectors import search_q
from jiceng.orgs import rollups
from jiceng.orgs.selectors import subtree_summary

VALID = {
    "name": "王五",
    "education": "20",
    "occupation": "03",
    "join_date": date(2010, 7, 1),
    "membership": "full",
    "full_member_date": date(2011, 7, 1),
    "phone": "13900001111",
}


def new(city, actor=None, org=None, **changes):
    fields = {**VALID, "id_number": idnumber.make("440803", date(1985, 4, 9), 37), **changes}
    return services.member_create(
        actor=actor or city.county_admin, org=org or city.branch_a1, **fields
    )


def errors_of(call):
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict


def test_create_derives_birth_date_sex_pinyin_and_counts(city):
    member = new(city)
    assert member.birth_date == date(1985, 4, 9)
    assert member.sex == "1"
    assert (member.name_pinyin, member.name_initials, member.phone_tail) == ("wangwu", "ww", "1111")
    assert subtree_summary(city.city)["members"] == 3
    assert rollups.check() == []


def test_full_width_digits_and_lowercase_x_are_accepted(city):
    raw = "11010519491231002x".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    member = new(city, id_number=raw, join_date=date(1975, 1, 1), full_member_date=date(1976, 1, 1))
    assert member.id_number == "11010519491231002X"


@pytest.mark.parametrize(
    ("changes", "field", "text"),
    [
        ({"id_number": "110105194912310021"}, "id_number", "check character"),
        ({"id_number": idnumber.make("440803", date(2031, 1, 1), 1)}, "id_number", "future"),
        ({"birth_date": date(1985, 4, 10)}, "birth_date", "ID number"),
        ({"sex": "2"}, "sex", "ID number"),
        ({"join_date": date(2001, 1, 1)}, "join_date", "18"),
        ({"full_member_date": date(2009, 1, 1)}, "full_member_date", "before"),
        ({"membership": "probationary"}, "full_member_date", "probationary"),
        ({"phone": "12ab"}, "phone", "digits"),
        ({"name": "  "}, "name", "Required"),
        ({"education": "99"}, "education", "valid choice"),
        ({"ethnicity": "x"}, "ethnicity", "valid choice"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(city, changes, field, text):
    count = Member.objects.count()
    errors = errors_of(lambda: new(city, **changes))
    assert text in errors[field][0]
    assert Member.objects.count() == count
    assert subtree_summary(city.city)["members"] == count


def test_a_duplicate_id_number_is_refused(city):
    errors = errors_of(lambda: new(city, id_number=city.member_b1.id_number))
    assert "already registered" in errors["id_number"][0]


def test_members_belong_to_a_branch(city):
    errors = errors_of(lambda: new(city, org=city.town_a))
    assert "branch" in errors["org"][0]


def test_a_branch_outside_the_actors_scope_is_refused(city):
    errors = errors_of(lambda: new(city, org=city.branch_b1))
    assert "scope" in errors["org"][0]
    errors = errors_of(
        lambda: services.member_update(
            actor=city.county_admin, member=city.member_a1, org=city.branch_b1
        )
    )
    assert "scope" in errors["org"][0]
    assert Member.objects.get(pk=city.member_a1.pk).org == city.branch_a1


def test_secretary_writes_only_in_their_branch(city):
    new(city, actor=city.secretary)
    with pytest.raises(PermissionDenied):
        services.member_update(actor=city.secretary, member=city.member_b1, job="x")
    with pytest.raises(PermissionDenied):
        services.member_update(actor=city.viewer, member=city.member_a1, job="x")


def test_transfer_between_branches_moves_the_counts(city):
    services.member_update(actor=city.city_admin, member=city.member_a1, org=city.branch_b1)
    assert subtree_summary(city.county_a)["members"] == 0
    assert subtree_summary(city.county_b)["members"] == 2
    assert rollups.check() == []


def test_status_changes_are_dated_history(city):
    change = services.member_change_status(
        actor=city.county_admin,
        member=city.member_a1,
        field="standing",
        value="suspended",
        effective_on=date(2026, 1, 5),
        reason="ST-04 失联满6个月",
    )
    assert change.old_value == "normal"
    summary = subtree_summary(city.county_a)
    assert dict((c, n) for c, _, n in summary["standing"]) == {"normal": 0, "suspended": 1}
    services.member_change_status(
        actor=city.county_admin,
        member=city.member_a1,
        field="leave_status",
        value="expelled",
        effective_on=date(2026, 2, 1),
    )
    assert subtree_summary(city.county_a)["members"] == 0
    assert Member.objects.filter(pk=city.member_a1.pk).exists()  # never deleted
    assert StatusChange.objects.filter(member=city.member_a1).count() == 2
    with pytest.raises(ValidationError, match="ST-05"):
        services.member_change_status(
            actor=city.county_admin,
            member=city.member_a1,
            field="leave_status",
            value="",
            effective_on=date(2026, 3, 1),
        )
    assert rollups.check() == []


def test_unmask_needs_permission_and_reason_and_is_recorded(city):
    with pytest.raises(ValidationError):
        services.member_unmask(
            actor=city.city_admin, member=city.member_a1, field="phone", reason=""
        )
    with pytest.raises(PermissionDenied):
        services.member_unmask(
            actor=city.county_admin, member=city.member_a1, field="phone", reason="联系本人核实信息"
        )
    with pytest.raises(PermissionDenied):
        services.member_unmask(
            actor=city.outsider, member=city.member_a1, field="phone", reason="联系本人核实信息"
        )
    assert UnmaskEvent.objects.count() == 0
    value = services.member_unmask(
        actor=city.city_admin, member=city.member_a1, field="phone", reason="联系本人核实信息"
    )
    assert value == "13812345678"
    event = UnmaskEvent.objects.get()
    assert (event.user, event.field, event.reason) == (city.city_admin, "phone", "联系本人核实信息")


@pytest.mark.parametrize("text", ["zs", "zhang", "zhangsan", "张", "张三", "5678"])
def test_search_finds_by_name_pinyin_initials_and_phone_tail(city, text):
    found = Member.objects.filter(search_q(text))
    assert list(found) == [city.member_a1]


def test_search_by_exact_id_number(city):
    assert list(Member.objects.filter(search_q(city.member_b1.id_number.lower()))) == [
        city.member_b1
    ]
    assert not Member.objects.filter(search_q(city.member_b1.id_number[:17])).exists()
