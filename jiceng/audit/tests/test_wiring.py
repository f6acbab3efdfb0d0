"""Every data change leaves one audit row, written by the service itself, with the request's
context found by the audit middleware: done here through the real pages and API as a persona.

(The `city` fixture of this directory starts with an empty log; see conftest.py.)
"""

import json
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.accounts import tokens
from jiceng.audit import services
from jiceng.audit.models import EVENTS, AuditEvent
from jiceng.core import idnumber
from jiceng.core.testing import make_org
from jiceng.members import services as member_services
from jiceng.members.models import Member, UnmaskEvent
from jiceng.orgs.models import Organization, OrgStatus

IP = "10.20.30.40"
OLD_PHONE, NEW_PHONE = "13812345678", "13900001111"  # member_a1's phone, and a new one
NEW_ADDRESS = "湛江市霞山区人民大道南88号"


# ---- helpers -------------------------------------------------------------------------------


def page_client(user) -> Client:
    """A browser session of `user` from IP, every request with its own X-Request-ID."""
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    return client


def api_client(user) -> Client:
    _token, raw = tokens.token_issue(user=user, name="audit wiring")
    return Client(REMOTE_ADDR=IP, HTTP_AUTHORIZATION=f"Bearer {raw}")


def send(client: Client, method: str, url: str, data=None, rid: str = "wiring-1", **extra):
    if method in ("patch", "put") or (method == "post" and url.startswith("/api/")):
        body = json.dumps(data or {}, ensure_ascii=False, default=str)
        extra["content_type"] = "application/json"
        return getattr(client, method)(url, body, HTTP_X_REQUEST_ID=rid, **extra)
    return getattr(client, method)(url, data or {}, HTTP_X_REQUEST_ID=rid, **extra)


def only(event: str) -> AuditEvent:
    rows = list(AuditEvent.objects.filter(event=event))
    assert len(rows) == 1, [(r.event, r.object_repr, r.data) for r in rows]
    return rows[0]


def row_text(row: AuditEvent) -> str:
    """Every column of the stored row, as one JSON text."""
    stored = AuditEvent.objects.filter(seq=row.seq).values().get()
    return json.dumps(stored, ensure_ascii=False, default=str)


def assert_context(row: AuditEvent, user, obj, response, rid: str = "wiring-1") -> None:
    assert row.username == user.username and row.user_id == user.pk
    assert row.ip == IP
    assert row.request_id == rid == response["X-Request-ID"]
    assert (row.object_type, row.object_id) == (obj._meta.label_lower, str(obj.pk))
    assert row.outcome == "ok"
    assert row.role and row.scope  # as the user's grants were
    assert services.verify() == []


# ---- organisations -------------------------------------------------------------------------


def test_org_create_through_the_page(city):
    response = send(
        page_client(city.county_admin),
        "post",
        reverse("orgs:org_create"),
        {
            "parent": city.town_a.pk,
            "name": "南桥社区党支部",
            "kind": "branch",
            "category": "07",
            "unit_type": "community",
        },
    )
    assert response.status_code == 302
    child = Organization.objects.get(name="南桥社区党支部")
    row = only("org_create")
    assert_context(row, city.county_admin, child, response)
    after = row.data["after"]
    assert (after["name"], after["parent"], after["path"]) == (
        "南桥社区党支部",
        city.town_a.pk,
        child.path,
    )
    assert after["kind"] == "branch" and after["status"] == "active"
    assert set(row.data) == {"after"}


def test_org_update_through_the_page_keeps_only_what_changed(city):
    org = city.branch_a1
    response = send(
        page_client(city.secretary),
        "post",
        reverse("orgs:org_edit", args=[org.pk]),
        {
            "name": "寸金社区第一党支部",
            "kind": org.kind,
            "category": org.category,
            "unit_type": org.unit_type,
            "secretary": city.member_a1.pk,
            "term_years": org.term_years,
        },
    )
    assert response.status_code == 302
    row = only("org_update")
    assert_context(row, city.secretary, org, response)
    assert row.data["before"]["name"] == "寸金社区党支部"
    assert row.data["after"]["name"] == "寸金社区第一党支部"
    assert (row.data["before"]["secretary"], row.data["after"]["secretary"]) == (
        None,
        city.member_a1.pk,
    )
    assert set(row.data["before"]) == set(row.data["after"])
    assert "kind" not in row.data["before"]  # unchanged fields are not repeated


def test_org_move_through_the_api(city):
    town_a2 = make_org(city.county_a, "沙湾街道党工委", "township")
    old_path = city.branch_a2.path
    response = send(
        api_client(city.county_admin),
        "post",
        f"/api/orgs/{city.branch_a2.pk}/move",
        {"parent": town_a2.pk},
    )
    assert response.status_code == 200, response.content
    moved = Organization.objects.get(pk=city.branch_a2.pk)
    row = only("org_move")
    assert_context(row, city.county_admin, moved, response)
    assert row.data["before"] == {"parent": city.town_a.pk, "path": old_path}
    assert row.data["after"] == {"parent": town_a2.pk, "path": moved.path}
    assert row.data["subtree"] == {"orgs": 1, "members": 0}


def test_org_dissolve_through_the_page(city):
    response = send(
        page_client(city.county_admin),
        "post",
        reverse("orgs:org_dissolve", args=[city.branch_a2.pk]),
        {"dissolved_on": "2024-01-31", "confirm": "on"},
    )
    assert response.status_code == 302
    assert Organization.objects.get(pk=city.branch_a2.pk).status == OrgStatus.DISSOLVED
    row = only("org_dissolve")
    assert_context(row, city.county_admin, city.branch_a2, response)
    assert row.data == {
        "before": {"status": "active", "dissolved_on": None},
        "after": {"status": "dissolved", "dissolved_on": "2024-01-31"},
    }


# ---- members -------------------------------------------------------------------------------


def test_member_create_through_the_page_masks_personal_data(city):
    id_number = idnumber.make("440802", date(1985, 6, 15), 123)
    response = send(
        page_client(city.secretary),
        "post",
        reverse("members:member_create"),
        {
            "name": "王五",
            "id_number": id_number,
            "ethnicity": "01",
            "education": "20",
            "occupation": "03",
            "org": city.branch_a1.pk,
            "membership": "probationary",
            "join_date": "2020-07-01",
            "phone": NEW_PHONE,
            "address": NEW_ADDRESS,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    member = Member.objects.get(name="王五")
    row = only("member_create")
    assert_context(row, city.secretary, member, response)
    after = row.data["after"]
    assert after["name"] == "王五" and after["org"] == city.branch_a1.pk
    assert after["phone"] == "139****1111"
    assert after["id_number"] == id_number[:4] + "*" * 10 + id_number[-4:]
    assert after["address"] == NEW_ADDRESS[:6] + "****"
    text = row_text(row)
    for raw in (NEW_PHONE, id_number, NEW_ADDRESS, id_number[6:14]):
        assert raw not in text


def test_member_update_through_the_api_masks_before_and_after(city):
    member = city.member_a1
    old_address = member.address
    response = send(
        api_client(city.county_admin),
        "patch",
        f"/api/members/{member.pk}",
        {"phone": NEW_PHONE, "address": NEW_ADDRESS, "job": "社区网格员"},
    )
    assert response.status_code == 200, response.content
    row = only("member_update")
    assert_context(row, city.county_admin, member, response)
    assert row.data["before"] == {
        "phone": "138****5678",
        "address": old_address[:6] + "****",
        "job": "",
    }
    assert row.data["after"] == {
        "phone": "139****1111",
        "address": NEW_ADDRESS[:6] + "****",
        "job": "社区网格员",
    }
    text = row_text(row)
    for raw in (OLD_PHONE, NEW_PHONE, old_address, NEW_ADDRESS, member.id_number):
        assert raw not in text


def test_member_update_through_the_page(city):
    member = city.member_a1
    response = send(
        page_client(city.secretary),
        "post",
        reverse("members:member_edit", args=[member.pk]),
        {
            "name": "张三",
            "id_number": "",
            "sex": "",
            "birth_date": "",
            "ethnicity": "01",
            "education": "10",
            "occupation": member.occupation,
            "org": member.org_id,
            "join_date": member.join_date.isoformat(),
            "full_member_date": member.full_member_date.isoformat(),
            "job": "",
            "phone": NEW_PHONE,
            "address": "",
            "mobile_destination": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    row = only("member_update")
    assert_context(row, city.secretary, member, response)
    assert row.data == {
        "before": {"education": "20", "phone": "138****5678"},
        "after": {"education": "10", "phone": "139****1111"},
    }
    assert OLD_PHONE not in row_text(row) and NEW_PHONE not in row_text(row)


def test_member_status_through_the_page(city):
    response = send(
        page_client(city.secretary),
        "post",
        reverse("members:member_status", args=[city.member_a1.pk]),
        {"change": "standing:suspended", "effective_on": "2024-05-01", "reason": "党员大会决定"},
    )
    assert response.status_code == 302
    row = only("member_status")
    assert_context(row, city.secretary, city.member_a1, response)
    change = city.member_a1.status_changes.get()
    assert row.data == {
        "before": {"standing": "normal"},
        "after": {"standing": "suspended"},
        "field": "standing",
        "effective_on": "2024-05-01",
        "reason": "党员大会决定",
        "status_change": change.pk,
    }


def test_member_status_side_fields_are_in_before_and_after(city):
    response = send(
        api_client(city.county_admin),
        "post",
        f"/api/members/{city.member_a1.pk}/status",
        {"field": "is_lost_contact", "value": True, "effective_on": "2024-05-01"},
    )
    assert response.status_code == 201, response.content
    row = only("member_status")
    assert row.data["before"] == {"is_lost_contact": False, "lost_contact_since": None}
    assert row.data["after"] == {"is_lost_contact": True, "lost_contact_since": "2024-05-01"}


@pytest.mark.parametrize("via", ["page", "api"])
def test_unmask_records_the_field_and_the_reason(city, via):
    member, reason = city.member_a1, "核对党员联系方式"
    if via == "page":
        response = send(
            page_client(city.city_admin),
            "post",
            reverse("members:member_unmask", args=[member.pk]),
            {"field": "phone", "reason": reason},
            headers={"HX-Request": "true"},
        )
    else:
        response = send(
            api_client(city.city_admin),
            "post",
            f"/api/members/{member.pk}/unmask",
            {"field": "phone", "reason": reason},
        )
    assert response.status_code == 200
    assert OLD_PHONE in response.content.decode()  # revealed to the user…
    row = only("unmask")
    assert_context(row, city.city_admin, member, response)
    assert row.data == {"field": "phone", "reason": reason}
    assert OLD_PHONE not in row_text(row)  # …never to the log
    event = UnmaskEvent.objects.get()  # the member's reveal history, same transaction
    assert (event.field, event.reason, event.user_id) == ("phone", reason, city.city_admin.pk)


# ---- what is not a change ------------------------------------------------------------------


CHANGES = [e for e in EVENTS if e.startswith(("org_", "member_")) or e == "unmask"]


def test_a_refused_update_leaves_no_change_row(city):
    api = api_client(city.county_admin)
    before = AuditEvent.objects.count()
    response = send(
        api,
        "patch",
        f"/api/members/{city.member_a1.pk}",
        {"phone": NEW_PHONE, "join_date": "1950-01-01"},  # before the member was born
    )
    assert response.status_code == 422
    assert Member.objects.get(pk=city.member_a1.pk).phone == OLD_PHONE
    assert AuditEvent.objects.count() == before  # a 422 is not a refusal of access either
    assert not AuditEvent.objects.filter(event__in=CHANGES).exists()


def test_a_refused_page_form_leaves_no_change_row(city):
    response = send(
        page_client(city.county_admin),
        "post",
        reverse("orgs:org_dissolve", args=[city.branch_a1.pk]),  # still has members
        {"dissolved_on": "2024-01-31", "confirm": "on"},
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(event__in=CHANGES).exists()


def test_a_rolled_back_service_rolls_back_its_row(city):
    """The row is written inside the service's transaction: rolled back with it."""
    from django.db import transaction

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        member_services.member_update(actor=city.county_admin, member=city.member_a1, job="x")
        assert AuditEvent.objects.filter(event="member_update").exists()
        raise Boom
    assert not AuditEvent.objects.exists()
    assert services.verify() == []


# ---- outside a request; the helpers --------------------------------------------------------


def test_a_service_outside_a_request_records_no_request_context(city):
    member_services.member_update(actor=city.county_admin, member=city.member_a1, job="a")
    member_services.member_update(actor=None, member=city.member_a1, job="b")
    by_user, by_system = AuditEvent.objects.filter(event="member_update").order_by("seq")
    assert by_user.username == "county_admin" and by_system.username == ""
    assert by_user.ip == by_system.ip == "" and by_user.request_id == by_system.request_id == ""
    assert services.current_request() is None


def test_the_bound_request_gives_ip_request_id_and_user(city):
    from django.test import RequestFactory

    request = RequestFactory().post("/x/", REMOTE_ADDR="10.9.9.9", HTTP_X_REQUEST_ID="bound-1")
    request.user = city.viewer
    with services.bound_request(request):
        assert services.current_request() is request
        row = services.record("export", data={"rows": 1})
    assert services.current_request() is None
    assert (row.username, row.ip, row.request_id) == ("viewer", "10.9.9.9", "bound-1")


def test_record_change_keeps_what_changed(city):
    org = city.branch_a1
    before = services.snapshot(org, ("name", "short_name", "secretary"))
    created = services.record_change("org_create", obj=org, after=before)
    assert created.data == {"after": {"name": org.name, "short_name": "", "secretary": None}}
    after = {**before, "name": "新名称"}
    changed = services.record_change(
        "org_update", obj=org, before=before, after=after, data={"why": "test"}
    )
    assert changed.data == {
        "before": {"name": org.name},
        "after": {"name": "新名称"},
        "why": "test",
    }
    removed = services.record_change(
        "member_delete", obj=city.member_a1, before={"phone": OLD_PHONE}
    )
    assert removed.data == {"before": {"phone": "138****5678"}}
    assert services.verify() == []


def test_register_events(db):
    services.register_events(wiring_test_event="a test event")
    try:
        row = services.record("wiring_test_event", obj=("x", "1", "x"))
        assert row.get_event_display() == "a test event"
        services.register_events(wiring_test_event="another label")
        assert EVENTS["wiring_test_event"] == "a test event"
        with pytest.raises(ValueError):
            services.register_events(**{"x" * 40: "too long"})
    finally:
        EVENTS.pop("wiring_test_event", None)


# ---- the demo builder ----------------------------------------------------------------------


def test_the_demo_build_is_one_row_and_a_replace_keeps_the_log(db):
    from jiceng.demo import build

    as_of = date(2026, 6, 30)
    build.build(seed=5, scale=0.001, as_of=as_of, parallel=False)
    first = only("config_change")
    assert first.data["action"] == "demo_build" and first.data["replaced"] is False
    assert first.data["members"] == Member.objects.count() > 0
    assert not AuditEvent.objects.filter(event__in=CHANGES).exists()  # none per record
    build.build(seed=6, scale=0.001, as_of=as_of, parallel=False, replace=True)
    rows = list(AuditEvent.objects.filter(event="config_change").order_by("seq"))
    assert [r.seq for r in rows] == [first.seq, rows[1].seq]  # the first survived the wipe
    assert rows[1].data["replaced"] is True and rows[1].object_id == "6"
    assert services.verify() == []
