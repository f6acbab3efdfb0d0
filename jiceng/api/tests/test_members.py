"""Member endpoints: identity checks, scope-leaving writes, masking, unmask, the page's filters."""

import json
from datetime import date

import pytest
from django.http import QueryDict

from jiceng.core import crypto, idnumber
from jiceng.core.masking import mask
from jiceng.core.testing import make_member
from jiceng.members.filters import MemberFilterSet
from jiceng.members.models import Member, StatusChange, UnmaskEvent
from jiceng.members.selectors import members_visible_to
from jiceng.members.services import member_change_status

from .conftest import snapshot, text
from .test_orgs import errors_of, refused

BORN = date(1990, 1, 2)
VALID = idnumber.make("440802", BORN, 123)
WITH_X = "44080219900102002X"  # check character X


def new_member(city, **changes):
    data = {
        "name": "王五",
        "id_number": VALID,
        "education": "20",
        "occupation": "03",
        "org": city.branch_a1.pk,
        "join_date": "2015-07-01",
        "membership": "full",
        "full_member_date": "2016-07-01",
        "phone": "139 1234 5678",
        "address": "湛江市赤坎区南桥路8号",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def full_width(number: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if ch.isdigit() else ch for ch in number)


# ---- identity and other bad input ------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": wrong_check(VALID)}, "id_number"),
        ({"id_number": idnumber.make("440802", date(2999, 1, 1), 11)}, "id_number"),  # born later
        ({"id_number": "44080219900230123X"}, "id_number"),  # 30 Feb
        ({"id_number": VALID[:17]}, "id_number"),
        ({"id_number": "x" * 41}, "id_number"),
        ({"birth_date": "1990-01-03"}, "birth_date"),
        ({"sex": "2"}, "sex"),  # 123 is odd: male
        ({"sex": "3"}, "sex"),
        ({"org": "town_a"}, "org"),  # not a branch
        ({"org": 999999}, "org"),
        ({"join_date": "2005-07-01"}, "join_date"),  # aged 15
        ({"join_date": "2999-01-01"}, "join_date"),
        ({"membership": "probationary"}, "full_member_date"),
        ({"education": "99"}, "education"),
        ({"ethnicity": "00"}, "ethnicity"),
        ({"phone": "phone me"}, "phone"),
        ({"name": " "}, "name"),
        ({"name": ...}, "name"),
        ({"user": 1}, "user"),
    ],
)
def test_create_rejects_bad_input(city, as_user, changes, field):
    if changes.get("org") == "town_a":
        changes["org"] = city.town_a.pk
    refused(as_user(city.city_admin), "post", "/api/members/", new_member(city, **changes), field)


def test_duplicate_id_number(city, as_user):
    api = as_user(city.city_admin)
    refused(
        api,
        "post",
        "/api/members/",
        new_member(city, id_number=city.member_a1.id_number),
        "id_number",
    )
    refused(
        api,
        "post",
        "/api/members/",  # the same number typed in lower case and full width
        new_member(city, id_number=full_width(city.member_b1.id_number).lower()),
        "id_number",
    )


def test_full_width_digits_and_lowercase_x_are_normalised(city, as_user):
    api = as_user(city.city_admin)
    response = api.post("/api/members/", new_member(city, id_number=full_width(WITH_X).lower()))
    assert response.status_code == 201, response.content
    member = Member.objects.get(pk=response.json()["id"])
    assert member.id_number == WITH_X
    assert member.birth_date == BORN and member.sex == "2"  # read out of the number
    assert member.phone == "13912345678"
    assert response.json()["id_number"] == mask("id_number", WITH_X)
    assert response.json()["birth_date"] == "1990-01-02"

    response = api.post(
        "/api/members/", new_member(city, id_number=f" {full_width(VALID)} ", phone="")
    )
    assert response.status_code == 201, response.content
    assert Member.objects.get(pk=response.json()["id"]).id_number == VALID

    # the standard's own example, typed with a lower-case x
    response = api.post(
        "/api/members/",
        new_member(
            city,
            id_number="11010519491231002x",
            join_date="1975-07-01",
            full_member_date="1976-07-01",
        ),
    )
    assert response.status_code == 201, response.content
    assert Member.objects.get(pk=response.json()["id"]).id_number == "11010519491231002X"


def test_patch_validates_identity_too(city, as_user):
    url = f"/api/members/{city.member_a1.pk}"
    api = as_user(city.county_admin)
    refused(api, "patch", url, {"id_number": wrong_check(city.member_a1.id_number)}, "id_number")
    refused(api, "patch", url, {"id_number": city.member_b1.id_number}, "id_number")
    refused(api, "patch", url, {"org": city.town_a.pk}, "org")
    refused(api, "patch", url, {"name": None}, "name")
    refused(api, "patch", url, {"standing": "suspended"}, "standing")  # status is its own call


# ---- writes that try to leave the caller's scope ----------------------------------------------


def test_county_admin_cannot_create_in_county_b(city, as_user):
    refused(
        as_user(city.county_admin),
        "post",
        "/api/members/",
        new_member(city, org=city.branch_b1.pk),
        "org",
    )
    assert not Member.objects.filter(id_number_hash=crypto.lookup_hash(VALID)).exists()


def test_county_admin_cannot_move_a_member_to_county_b(city, as_user):
    refused(
        as_user(city.county_admin),
        "patch",
        f"/api/members/{city.member_a1.pk}",
        {"org": city.branch_b1.pk},
        "org",
    )
    assert Member.objects.get(pk=city.member_a1.pk).org_id == city.branch_a1.pk


def test_secretary_cannot_move_a_member_out_of_the_branch(city, as_user):
    refused(
        as_user(city.secretary),
        "patch",
        f"/api/members/{city.member_a1.pk}",
        {"org": city.branch_a2.pk},
        "org",
    )


def test_county_admin_moves_a_member_within_scope(city, as_user):
    response = as_user(city.county_admin).patch(
        f"/api/members/{city.member_a1.pk}", {"org": city.branch_a2.pk}
    )
    assert response.status_code == 200, response.content
    assert response.json()["org"] == city.branch_a2.pk
    assert response.json()["org_name"] == city.branch_a2.name


# ---- status --------------------------------------------------------------------------------


def test_status_change_is_recorded(city, as_user):
    api = as_user(city.secretary)
    url = f"/api/members/{city.member_a1.pk}/status"
    response = api.post(
        url,
        {
            "field": "standing",
            "value": "suspended",
            "effective_on": "2024-03-01",
            "reason": "停止党籍",
        },
    )
    assert response.status_code == 201, response.content
    change = StatusChange.objects.get(pk=response.json()["id"])
    assert (change.field, change.old_value, change.new_value) == ("standing", "normal", "suspended")
    assert change.actor == city.secretary
    assert api.get(f"/api/members/{city.member_a1.pk}").json()["standing"] == "suspended"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"field": "name", "value": "x"}, "field"),
        ({"field": "standing", "value": "bogus"}, "value"),
        ({"field": "standing", "value": "normal"}, "value"),  # already so
        ({"field": "standing", "value": True}, "value"),
        ({"field": "is_lost_contact", "value": "yes"}, "value"),
        ({"field": "membership", "value": "full", "effective_on": "2999-01-01"}, "effective_on"),
        ({"field": "membership", "value": "full", "effective_on": None}, "effective_on"),
    ],
)
def test_status_change_rejects_bad_input(city, as_user, data, field):
    refused(
        as_user(city.city_admin),
        "post",
        f"/api/members/{city.member_a1.pk}/status",
        {"effective_on": "2024-01-01", **data},
        field,
    )


# ---- masking and unmask ----------------------------------------------------------------------


def test_personal_data_is_never_in_a_list_or_detail(city, as_user):
    for n in range(5):
        make_member(city.branch_a1 if n % 2 else city.branch_b1)
    api = as_user(city.city_admin)  # even a user allowed to unmask gets masked lists
    created = api.post("/api/members/", new_member(city))
    patched = api.patch(f"/api/members/{city.member_a1.pk}", {"job": "书记"})
    status = api.post(
        f"/api/members/{city.member_b1.pk}/status",
        {
            "field": "is_mobile" if False else "is_lost_contact",
            "value": True,
            "effective_on": "2024-01-01",
        },
    )
    bodies = [
        text(created),
        text(patched),
        text(status),
        text(api.get("/api/members/", {"limit": 100})),
        text(api.get("/api/members/", {"rolls": "all", "q": "zs"})),
        text(api.get("/api/orgs/", {"limit": 100})),
    ]
    bodies += [
        text(api.get(f"/api/members/{pk}")) for pk in Member.objects.values_list("pk", flat=True)
    ]
    assert created.status_code == 201 and patched.status_code == 200
    members = list(Member.objects.all())
    assert len(members) == 8
    for member in members:
        for field in ("id_number", "phone", "address"):
            raw = getattr(member, field)
            assert raw
            for body in bodies:
                assert raw not in body, (field, raw)
        detail = api.get(f"/api/members/{member.pk}").json()
        assert detail["id_number"] == mask("id_number", member.id_number)
        assert detail["phone"] == mask("phone", member.phone)
        assert detail["address"] == mask("address", member.address)
        assert str(member.birth_date.year) not in detail["id_number"]


def test_unmask_reveals_one_field_and_records_it(city, as_user):
    api = as_user(city.city_admin)
    response = api.post(
        f"/api/members/{city.member_a1.pk}/unmask",
        {"field": "phone", "reason": "核实联系方式"},
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"field": "phone", "value": "13812345678"}
    assert "no-store" in response["Cache-Control"]
    event = UnmaskEvent.objects.get()
    assert (event.member_id, event.field, event.reason, event.user, event.ip) == (
        city.member_a1.pk,
        "phone",
        "核实联系方式",
        city.city_admin,
        "10.1.2.3",
    )
    response = api.post(
        f"/api/members/{city.member_a1.pk}/unmask", {"field": "id_number", "reason": "核对身份证号"}
    )
    assert response.json()["value"] == city.member_a1.id_number
    assert UnmaskEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"field": "phone"}, "reason"),
        ({"field": "phone", "reason": ""}, "reason"),
        ({"field": "phone", "reason": "  x "}, "reason"),
        ({"field": "name", "reason": "核实联系方式"}, "field"),
        ({"reason": "核实联系方式"}, "field"),
    ],
)
def test_unmask_needs_a_reason_and_a_personal_field(city, as_user, data, field):
    refused(
        as_user(city.city_admin), "post", f"/api/members/{city.member_a1.pk}/unmask", data, field
    )
    assert not UnmaskEvent.objects.exists()


def test_unmask_needs_the_permission_and_the_scope(city, as_user):
    data = {"field": "phone", "reason": "核实联系方式"}
    for user, status in [
        (city.county_admin, 403),
        (city.viewer, 403),
        (city.secretary, 403),
        (city.member_user, 403),
        (city.outsider, 404),
    ]:
        before = snapshot()
        response = as_user(user).post(f"/api/members/{city.member_a1.pk}/unmask", data)
        assert response.status_code == status, user
        assert "13812345678" not in text(response)
        assert snapshot() == before
    city.county_admin.user_permissions.add(*city.city_admin.user_permissions.all())
    from jiceng.accounts.models import User

    county_admin = User.objects.get(pk=city.county_admin.pk)  # fresh permission cache
    response = as_user(county_admin).post(f"/api/members/{city.member_b1.pk}/unmask", data)
    assert response.status_code == 404  # the permission does not widen the scope
    response = as_user(county_admin).post(f"/api/members/{city.member_a1.pk}/unmask", data)
    assert response.status_code == 200
    assert UnmaskEvent.objects.count() == 1


# ---- the page's filters ------------------------------------------------------------------------


@pytest.fixture
def crowd(city):
    """A few more members with varied names, sexes, dates and branches."""
    make_member(
        city.branch_a1,
        name="张珊",
        born=date(1995, 6, 1),
        sex="2",
        phone="13700001111",
        ethnicity="08",
    )
    make_member(
        city.branch_a2,
        name="赵四",
        born=date(1960, 2, 3),
        sex="1",
        membership="probationary",
        full_member_date=None,
        join_date=date(2024, 1, 5),
    )
    make_member(city.branch_b1, name="钟山", born=date(1988, 8, 8), sex="1")
    left = make_member(city.branch_a2, name="周舟", born=date(1970, 1, 1), sex="2")
    member_change_status(
        actor=None,
        member=left,
        field="leave_status",
        value="deceased",
        effective_on=date(2023, 5, 1),
    )
    return city


QUERIES = [
    "",
    "q=zs",
    "q=zhang",
    "q=张",
    "q=5678",
    "q=1111",
    "sex=1",
    "sex=2",
    "membership=full",
    "membership=probationary",
    "standing=normal",
    "education=20",
    "occupation=03",
    "age_band=≤30",
    "age_band=≥61",
    "joined_from=2020-01-01",
    "joined_to=2006-12-31",
    "rolls=left",
    "rolls=all",
    "rolls=all&sex=2",
    "q=zs&sex=2",
    "ethnicity=minority",
    "lost_contact=false",
    "ORG",
    "ORG&sex=1",
    "TOWN&membership=full",
    "limit=2&offset=1",
]


@pytest.mark.parametrize("persona", ["city_admin", "county_admin", "secretary", "member_user"])
def test_filters_match_the_page(crowd, as_user, persona):
    """For each query string, the API lists and counts what the page's FilterSet selects."""
    user = getattr(crowd, persona)
    api = as_user(user)
    for template in QUERIES:
        query = template.replace("ORG", f"org={crowd.branch_a1.pk}").replace(
            "TOWN", f"org={crowd.town_a.pk}"
        )
        params = QueryDict(query)
        page = MemberFilterSet(params, queryset=members_visible_to(user), user=user)
        response = api.client.get(f"/api/members/?{query}")
        if not page.is_valid():
            assert response.status_code == 422, query
            assert set(page.errors) <= set(response.json()["errors"]), query
            continue
        assert response.status_code == 200, (query, response.content)
        body = response.json()
        expected = list(page.qs.values_list("pk", flat=True))
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 25))
        assert [r["id"] for r in body["results"]] == expected[offset : offset + limit], query
        assert body["count"] == len(expected), query


def test_q_zs_finds_zhang_san(crowd, as_user):
    api = as_user(crowd.city_admin)
    body = api.get("/api/members/", {"q": "zs"}).json()
    assert {r["name"] for r in body["results"]} == {"张三", "张珊", "赵四", "钟山"}
    assert body["count"] == 4
    body = api.get("/api/members/", {"q": "zhangs"}).json()
    assert {r["name"] for r in body["results"]} == {"张三", "张珊"}
    body = as_user(crowd.county_admin).get("/api/members/", {"q": "zs"}).json()
    assert {r["name"] for r in body["results"]} == {"张三", "张珊", "赵四"}


def test_bad_filters_name_the_parameter(crowd, as_user):
    api = as_user(crowd.county_admin)
    errors = errors_of(
        api.get(
            "/api/members/", {"org": crowd.branch_b1.pk, "sex": "9", "joined_from": "yesterday"}
        )
    )
    assert {"org", "sex", "joined_from"} <= set(errors)
    assert "limit" in errors_of(api.get("/api/members/", {"limit": 500}))


def test_list_response_shape(crowd, as_user):
    body = as_user(crowd.city_admin).get("/api/members/", {"limit": 2}).json()
    assert set(body) == {"count", "limit", "offset", "results"}
    assert body["limit"] == 2 and len(body["results"]) == 2
    row = body["results"][0]
    assert {"id", "name", "id_number", "phone", "address", "org", "org_name"} <= set(row)
    assert json.dumps(row)  # plain JSON
