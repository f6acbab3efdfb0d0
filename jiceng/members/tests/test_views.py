"""Web pages of the member registry: access per persona, masking, unmasking, forms calling
the services with errors beside the fields, query counts."""

from datetime import date

import pytest
from django.urls import reverse

from jiceng.core import idnumber
from jiceng.core.masking import mask
from jiceng.core.testing import make_member
from jiceng.members.models import Member, StatusChange, UnmaskEvent
from jiceng.web.tests.personas import LOGIN, login_as, persona_test

pytestmark = pytest.mark.django_db

test_list_access = persona_test(
    lambda city: reverse("members:member_list"),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 200,
        "secretary": 200,
        "member_user": 200,
        "outsider": 200,
    },
)
test_detail_access = persona_test(
    lambda city: reverse("members:member_detail", args=[city.member_a1.pk]),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 200,
        "secretary": 200,
        "member_user": 200,
        "outsider": 404,
    },
)
test_other_county_detail_access = persona_test(
    lambda city: reverse("members:member_detail", args=[city.member_b1.pk]),
    {
        "city_admin": 200,
        "viewer": 200,
        "county_admin": 404,
        "secretary": 404,
        "member_user": 404,
        "outsider": 404,
    },
)
test_edit_access = persona_test(
    lambda city: reverse("members:member_edit", args=[city.member_a1.pk]),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 403,
        "secretary": 200,
        "member_user": 403,
        "outsider": 404,
    },
)
test_status_access = persona_test(
    lambda city: reverse("members:member_status", args=[city.member_a1.pk]),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 403,
        "secretary": 200,
        "member_user": 403,
        "outsider": 404,
    },
)
test_create_access = persona_test(
    lambda city: reverse("members:member_create"),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 403,
        "secretary": 200,
        "member_user": 403,
        "outsider": 403,
    },
)
test_unmask_access = persona_test(
    lambda city: reverse("members:member_unmask", args=[city.member_a1.pk]),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 403,
        "viewer": 403,
        "member_user": 403,
        "outsider": 404,
    },
    method="post",
    data=lambda city: {"field": "id_number", "reason": "核对党员身份信息"},
    htmx=True,
)


def member_data(branch, **overrides) -> dict:
    data = {
        "name": "王五",
        "id_number": idnumber.make("440802", date(1985, 6, 15), 123),
        "sex": "",
        "birth_date": "",
        "ethnicity": "01",
        "education": "20",
        "occupation": "03",
        "org": branch.pk,
        "membership": "probationary",
        "join_date": "2020-07-01",
        "full_member_date": "",
        "job": "",
        "phone": "13900001111",
        "address": "",
        "mobile_destination": "",
    }
    data.update(overrides)
    return data


def id_with_check_x() -> str:
    for seq in range(1, 999):
        number = idnumber.make("440802", date(1990, 1, 1), seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no number ends in X")


# ---- list --------------------------------------------------------------------------------


def test_list_scoped_and_masked(client, city):
    login_as(client, city, "county_admin")
    response = client.get(reverse("members:member_list"))
    html = response.content.decode()
    assert city.member_a1.name in html
    assert city.member_b1.name not in html
    a1 = city.member_a1
    assert a1.id_number not in html and a1.phone not in html
    assert mask("id_number", a1.id_number) in html
    assert mask("phone", a1.phone) in html


def test_outsider_list_is_empty(client, city):
    login_as(client, city, "outsider")
    response = client.get(reverse("members:member_list"))
    assert response.context["total"] == 0
    assert response.context["objects"] == []


def test_member_persona_sees_only_self(client, city):
    login_as(client, city, "member_user")
    response = client.get(reverse("members:member_list"))
    assert [m.pk for m in response.context["objects"]] == [city.member_a1.pk]


@pytest.mark.parametrize("query", ["zs", "zhangs", "张", "5678", "ZS"])
def test_search(client, city, query):
    login_as(client, city, "city_admin")
    response = client.get(reverse("members:member_list"), {"q": query})
    assert [m.name for m in response.context["objects"]] == ["张三"]


def test_search_by_exact_id_number(client, city):
    login_as(client, city, "city_admin")
    response = client.get(reverse("members:member_list"), {"q": city.member_b1.id_number})
    assert [m.pk for m in response.context["objects"]] == [city.member_b1.pk]


def test_filters(client, city):
    make_member(city.branch_a2, education="30", sex="2")
    login_as(client, city, "city_admin")
    url = reverse("members:member_list")
    response = client.get(url, {"org": city.town_a.pk, "education": "30"})
    assert response.context["total"] == 1
    response = client.get(url, {"org": city.county_b.pk})
    assert [m.pk for m in response.context["objects"]] == [city.member_b1.pk]
    response = client.get(url, {"ethnicity": "minority"})
    assert response.context["total"] == 0


def test_org_filter_outside_scope_is_an_error_not_a_leak(client, city):
    login_as(client, city, "county_admin")
    response = client.get(reverse("members:member_list"), {"org": city.county_b.pk})
    assert response.context["objects"] == []
    assert city.county_b.name not in response.content.decode()


def test_htmx_gets_only_the_table(client, city):
    login_as(client, city, "city_admin")
    response = client.get(
        reverse("members:member_list"), {"q": "zs"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="member-table"' in html
    assert "张三" in html


@pytest.mark.parametrize("per_page", [25, 100])
@pytest.mark.parametrize("query", [{}, {"q": "c"}, {"age_band": "41-45"}])
def test_list_query_count(client, city, django_assert_max_num_queries, per_page, query):
    for _ in range(120):
        make_member(city.branch_a1)
    login_as(client, city, "county_admin")
    with django_assert_max_num_queries(10):
        response = client.get(reverse("members:member_list"), {"per_page": per_page, **query})
    assert response.status_code == 200
    if not query:
        assert len(response.context["objects"]) == per_page
        assert response.context["total"] == 121


def test_pagination(client, city):
    for _ in range(30):
        make_member(city.branch_a1)
    login_as(client, city, "city_admin")
    response = client.get(reverse("members:member_list"), {"page": 2})
    assert len(response.context["objects"]) == 32 - 25
    response = client.get(reverse("members:member_list"), {"per_page": 999})
    assert response.context["per_page"] == 25


# ---- detail, unmask -----------------------------------------------------------------------


def test_detail_masks_personal_data(client, city):
    login_as(client, city, "city_admin")
    html = client.get(reverse("members:member_detail", args=[city.member_a1.pk])).content
    html = html.decode()
    a1 = city.member_a1
    for field in ("id_number", "phone", "address"):
        assert getattr(a1, field) not in html
        assert mask(field, getattr(a1, field)) in html
    assert reverse("members:member_unmask", args=[a1.pk]) in html  # the reveal form


def test_no_reveal_button_without_the_permission(client, city):
    login_as(client, city, "county_admin")
    html = client.get(reverse("members:member_detail", args=[city.member_a1.pk])).content
    assert reverse("members:member_unmask", args=[city.member_a1.pk]) not in html.decode()


def test_own_page_for_a_member(client, city):
    login_as(client, city, "member_user")
    html = client.get(reverse("members:member_detail", args=[city.member_a1.pk])).content
    html = html.decode()
    assert city.member_a1.id_number not in html
    assert reverse("members:member_edit", args=[city.member_a1.pk]) not in html


def test_unmask_records_the_event_and_returns_the_value(client, city):
    login_as(client, city, "city_admin")
    response = client.post(
        reverse("members:member_unmask", args=[city.member_a1.pk]),
        {"field": "id_number", "reason": "核对党员身份信息"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert city.member_a1.id_number in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = UnmaskEvent.objects.get()
    assert (event.member_id, event.field, event.user_id) == (
        city.member_a1.pk,
        "id_number",
        city.city_admin.pk,
    )
    assert event.reason == "核对党员身份信息"


def test_unmask_requires_a_reason(client, city):
    login_as(client, city, "city_admin")
    response = client.post(
        reverse("members:member_unmask", args=[city.member_a1.pk]),
        {"field": "phone", "reason": " "},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert city.member_a1.phone not in html
    assert "invalid-feedback" in html
    assert not UnmaskEvent.objects.exists()


def test_unmask_without_htmx_renders_the_page(client, city):
    login_as(client, city, "city_admin")
    response = client.post(
        reverse("members:member_unmask", args=[city.member_a1.pk]),
        {"field": "phone", "reason": "联系党员本人"},
    )
    html = response.content.decode()
    assert city.member_a1.phone in html
    assert city.member_a1.id_number not in html


def test_unmask_rejects_other_fields(client, city):
    login_as(client, city, "city_admin")
    response = client.post(
        reverse("members:member_unmask", args=[city.member_a1.pk]),
        {"field": "name", "reason": "核对党员身份信息"},
    )
    assert response.status_code == 400
    assert not UnmaskEvent.objects.exists()


# ---- create, edit, status -----------------------------------------------------------------


def test_create(client, city):
    login_as(client, city, "secretary")
    response = client.post(reverse("members:member_create"), member_data(city.branch_a1))
    assert response.status_code == 302
    member = Member.objects.get(name="王五")
    assert member.org_id == city.branch_a1.pk
    assert member.birth_date == date(1985, 6, 15) and member.sex == "1"
    assert response["Location"] == reverse("members:member_detail", args=[member.pk])


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


@pytest.mark.parametrize("variant", ["full_width", "lowercase_x", "spaces"])
def test_create_normalises_the_id_number(client, city, variant):
    number = id_with_check_x()
    typed = {
        "full_width": full_width(number),
        "lowercase_x": number.lower(),
        "spaces": f"{number[:6]} {number[6:14]} {number[14:]}",
    }[variant]
    login_as(client, city, "county_admin")
    response = client.post(
        reverse("members:member_create"), member_data(city.branch_a1, id_number=typed)
    )
    assert response.status_code == 302, response.context["form"].errors
    assert Member.objects.get(name="王五").id_number == number


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.mark.parametrize(
    ("case", "overrides", "field"),
    [
        (
            "wrong check character",
            lambda city: {
                "id_number": wrong_check(idnumber.make("440802", date(1985, 6, 15), 123))
            },
            "id_number",
        ),
        (
            "future birth date inside the ID",
            lambda city: {"id_number": idnumber.make("440802", date(2090, 1, 1), 123)},
            "id_number",
        ),
        (
            "birth date does not match the ID",
            lambda city: {"birth_date": "1985-06-16"},
            "birth_date",
        ),
        ("duplicate ID", lambda city: {"id_number": city.member_a1.id_number}, "id_number"),
        ("not a branch", lambda city: {"org": city.town_a.pk}, "org"),
        ("branch of another county", lambda city: {"org": city.branch_b1.pk}, "org"),
        ("no such org", lambda city: {"org": 999999}, "org"),
        ("too young on joining", lambda city: {"join_date": "2000-01-01"}, "join_date"),
        ("bad phone", lambda city: {"phone": "12ab"}, "phone"),
    ],
)
def test_create_errors_beside_the_field_change_nothing(client, city, case, overrides, field):
    login_as(client, city, "county_admin")
    before = Member.objects.count()
    response = client.post(
        reverse("members:member_create"), member_data(city.branch_a1, **overrides(city))
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, (case, form.errors)
    assert f'id="id_{field}-error"' in response.content.decode()
    assert Member.objects.count() == before


def test_create_in_another_county_does_not_show_its_name(client, city):
    login_as(client, city, "county_admin")
    response = client.post(reverse("members:member_create"), member_data(city.branch_b1))
    assert city.branch_b1.name not in response.content.decode()


def test_edit(client, city):
    login_as(client, city, "secretary")
    url = reverse("members:member_edit", args=[city.member_a1.pk])
    form_html = client.get(url).content.decode()
    assert city.member_a1.id_number not in form_html  # even the form masks it
    assert city.member_a1.phone not in form_html
    data = member_data(
        city.branch_a1,
        name="张三",
        id_number="",
        phone="",
        address="",
        job="社区网格员",
        education="10",
        join_date="2005-07-01",
        full_member_date="2006-07-01",
    )
    data.pop("membership")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    member = Member.objects.get(pk=city.member_a1.pk)
    assert member.job == "社区网格员" and member.education == "10"
    assert member.id_number == city.member_a1.id_number  # kept
    assert member.phone == city.member_a1.phone


def test_edit_moving_out_of_scope_is_refused(client, city):
    login_as(client, city, "county_admin")
    url = reverse("members:member_edit", args=[city.member_a1.pk])
    data = member_data(
        city.branch_b1,
        name="张三",
        id_number="",
        phone="",
        address="",
        join_date="2005-07-01",
        full_member_date="2006-07-01",
    )
    response = client.post(url, data)
    assert "org" in response.context["form"].errors
    assert Member.objects.get(pk=city.member_a1.pk).org_id == city.branch_a1.pk


def test_status_change(client, city):
    login_as(client, city, "secretary")
    url = reverse("members:member_status", args=[city.member_a1.pk])
    response = client.post(
        url,
        {"change": "standing:suspended", "effective_on": "2024-05-01", "reason": "党员大会决定"},
    )
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert (change.field, change.new_value) == ("standing", "suspended")
    html = client.get(reverse("members:member_detail", args=[city.member_a1.pk])).content
    assert "党员大会决定" in html.decode()


def test_status_change_errors(client, city):
    login_as(client, city, "secretary")
    url = reverse("members:member_status", args=[city.member_a1.pk])
    response = client.post(url, {"change": "membership:full", "effective_on": "2024-05-01"})
    assert "change" in response.context["form"].errors  # already a full member
    response = client.post(url, {"change": "standing:suspended", "effective_on": "2999-01-01"})
    assert "effective_on" in response.context["form"].errors
    assert not StatusChange.objects.exists()


def test_member_autocomplete_is_scoped(client, city):
    login_as(client, city, "county_admin")
    html = client.get(reverse("members:member_autocomplete"), {"q": "l"}).content.decode()
    assert "李四" not in html
    html = client.get(reverse("members:member_autocomplete"), {"q": "zs"}).content.decode()
    assert "张三" in html
