"""Every refusal leaves one "denied" row, written by the audit middleware after the response,
outside any transaction: scope 404s of pages and API, 403s, an API call with a bad token.
Not recorded: an anonymous user's redirect to the login page, an API call without
credentials, an unknown URL.

(The `city` fixture of this directory starts with an empty log; see conftest.py.)
"""

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from jiceng.accounts import tokens
from jiceng.audit import services
from jiceng.audit.models import AuditEvent
from jiceng.members.models import Member, UnmaskEvent

IP = "10.20.30.41"


def page_client(user=None) -> Client:
    client = Client(REMOTE_ADDR=IP)
    if user is not None:
        client.force_login(user)
    return client


def api_client(user=None, raw: str | None = None) -> Client:
    if raw is None and user is not None:
        _token, raw = tokens.token_issue(user=user, name="audit wiring")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"} if raw else {}
    return Client(REMOTE_ADDR=IP, **headers)


def denied() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event="denied").order_by("seq"))


def the_denial(response, user=None) -> AuditEvent:
    rows = denied()
    assert len(rows) == 1, [r.data for r in rows]
    row = rows[0]
    assert row.outcome == "denied"
    assert row.ip == IP
    assert row.request_id == response["X-Request-ID"] != ""
    assert row.username == (user.username if user else "")
    assert row.user_id == (user.pk if user else None)
    assert row.data["status"] == response.status_code
    assert services.verify() == []
    return row


# ---- pages ---------------------------------------------------------------------------------


def test_the_outsider_opening_a_member_page(city):
    url = reverse("members:member_detail", args=[city.member_a1.pk])
    response = page_client(city.outsider).get(url)
    assert response.status_code == 404
    row = the_denial(response, city.outsider)
    assert (row.object_type, row.object_id, row.object_repr) == (
        "members.member",
        str(city.member_a1.pk),
        "",  # nothing about a record the user may not see
    )
    assert row.data == {
        "method": "GET",
        "path": url,
        "status": 404,
        "action": "view",
        "reason": "not_visible",
    }


def test_an_id_that_does_not_exist_is_recorded_the_same_way(city):
    missing = Member.objects.order_by("-pk").first().pk + 100
    response = page_client(city.county_admin).get(reverse("members:member_detail", args=[missing]))
    assert response.status_code == 404
    row = the_denial(response, city.county_admin)
    assert (row.object_type, row.object_id) == ("members.member", str(missing))
    assert row.data["reason"] == "not_visible"


def test_another_countys_org_page(city):
    response = page_client(city.county_admin).get(
        reverse("orgs:org_edit", args=[city.branch_b1.pk])
    )
    assert response.status_code == 404
    row = the_denial(response, city.county_admin)
    assert (row.object_type, row.object_id) == ("orgs.organization", str(city.branch_b1.pk))
    assert row.data["action"] == "change"


def test_a_read_only_user_posting_an_edit_is_one_row_not_two(city):
    url = reverse("members:member_edit", args=[city.member_a1.pk])
    response = page_client(city.viewer).post(url, {"name": "改名"})
    assert response.status_code == 403
    row = the_denial(response, city.viewer)  # noted by the scoped getter, not again as a 403
    assert (row.object_id, row.object_repr) == (str(city.member_a1.pk), "张三")
    assert row.data == {
        "method": "POST",
        "path": url,
        "status": 403,
        "action": "change",
        "reason": "not_permitted",
    }
    assert Member.objects.get(pk=city.member_a1.pk).name == "张三"


def test_a_view_raising_permission_denied(city):
    """county_admin sees the member but lacks the unmask permission: the view's 403."""
    response = page_client(city.county_admin).post(
        reverse("members:member_unmask", args=[city.member_a1.pk]),
        {"field": "phone", "reason": "想看看号码"},
    )
    assert response.status_code == 403
    row = the_denial(response, city.county_admin)
    assert row.data["reason"] == "forbidden" and row.data["message"]
    assert not UnmaskEvent.objects.exists()
    assert not AuditEvent.objects.filter(event="unmask").exists()


def test_an_anonymous_redirect_to_the_login_page_is_not_recorded(city):
    response = page_client().get(reverse("members:member_detail", args=[city.member_a1.pk]))
    assert response.status_code == 302
    assert denied() == []


def test_an_unknown_url_is_not_recorded(city):
    response = page_client(city.outsider).get("/no/such/page/")
    assert response.status_code == 404
    assert denied() == []


# ---- API -----------------------------------------------------------------------------------


def test_a_valid_token_asking_for_another_subtrees_member(city):
    url = f"/api/members/{city.member_b1.pk}"
    response = api_client(city.county_admin).get(url)
    assert response.status_code == 404
    row = the_denial(response, city.county_admin)
    assert (row.object_type, row.object_id) == ("members.member", str(city.member_b1.pk))
    assert row.data == {
        "method": "GET",
        "path": url,
        "status": 404,
        "lookup": {"pk": city.member_b1.pk},
        "reason": "not_visible",
    }


def test_a_bad_token_is_recorded_without_the_token(city):
    raw = "jc_" + "x" * 40
    response = api_client(raw=raw).get(f"/api/members/{city.member_a1.pk}")
    assert response.status_code == 401
    row = the_denial(response)
    assert row.data == {
        "method": "GET",
        "path": f"/api/members/{city.member_a1.pk}",
        "status": 401,
        "reason": "bad_credentials",
        "scheme": "Bearer",
    }
    assert raw not in json.dumps(AuditEvent.objects.values().get(seq=row.seq), default=str)


def test_a_token_without_a_scheme_is_not_stored_as_one(city):
    raw = "jc_" + "y" * 40
    response = Client(REMOTE_ADDR=IP, HTTP_AUTHORIZATION=raw).get("/api/orgs/")
    assert response.status_code == 401
    row = the_denial(response)
    assert row.data["scheme"] == "" and raw not in json.dumps(row.data)


def test_an_api_call_without_credentials_is_not_recorded(city):
    response = api_client().get("/api/orgs/")
    assert response.status_code == 401
    assert denied() == []


def test_a_read_only_token_writing(city):
    response = api_client(city.viewer).post(
        "/api/orgs/",
        json.dumps(
            {
                "parent": city.town_a.pk,
                "name": "新党支部",
                "kind": "branch",
                "category": "07",
                "unit_type": "community",
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 403
    row = the_denial(response, city.viewer)
    assert row.data["reason"] == "forbidden" and row.data["message"]
    assert not AuditEvent.objects.filter(event="org_create").exists()


def test_a_service_refusal_inside_its_transaction_is_still_recorded(city):
    """member_unmask raises PermissionDenied inside its atomic block: everything it did is
    rolled back, the "denied" row written afterwards stays."""
    response = api_client(city.county_admin).post(
        f"/api/members/{city.member_a1.pk}/unmask",
        json.dumps({"field": "id_number", "reason": "核对身份信息"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    row = the_denial(response, city.county_admin)
    assert row.data["reason"] == "forbidden"
    assert not UnmaskEvent.objects.exists()
    assert not AuditEvent.objects.filter(event="unmask").exists()


# ---- the mechanism -------------------------------------------------------------------------


def test_a_denial_recorded_by_its_caller_is_not_recorded_again(city):
    request = RequestFactory().get("/audit/", REMOTE_ADDR=IP)
    request.user = city.viewer
    services.record("denied", request=request, outcome="denied", data={"action": "x"})
    services.note_denied(request, reason="forbidden")
    assert services.record_denied(request, 403) is None
    assert len(denied()) == 1


def test_the_first_note_wins_and_nothing_is_noted_outside_a_request(city):
    services.note_denied(reason="nobody to note it on")  # no request: ignored
    request = RequestFactory().get("/x/", REMOTE_ADDR=IP)
    request.user = city.viewer
    services.note_denied(request, obj=city.member_a1, action="change", reason="not_permitted")
    services.note_denied(request, reason="forbidden")
    row = services.record_denied(request, 403)
    assert row.data == {
        "method": "GET",
        "path": "/x/",
        "status": 403,
        "action": "change",
        "reason": "not_permitted",
    }
    assert row.object_id == str(city.member_a1.pk)


@pytest.mark.parametrize("status", [200, 302, 404, 500])
def test_nothing_is_recorded_for_an_unnoted_response(city, status):
    request = RequestFactory().get("/x/", REMOTE_ADDR=IP)
    assert services.record_denied(request, status) is None
    assert denied() == []
