import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory

from jiceng.audit import selectors, services
from jiceng.audit.middleware import RequestIdMiddleware
from jiceng.audit.models import AuditEvent
from jiceng.core.testing import make_user


def test_search_is_itself_audited(city):
    auditor = make_user("auditor", is_superuser=True)
    services.record("export", actor=city.viewer, data={"rows": 1})
    rows = list(selectors.search(actor=auditor, event="export"))
    assert [r.event for r in rows] == ["export"]
    search = AuditEvent.objects.get(event="audit_search")
    assert search.username == "auditor"
    assert search.data == {"filters": {"event": "export"}}


def test_search_without_permission_is_denied_and_recorded(city):
    with pytest.raises(PermissionDenied):
        selectors.search(actor=city.city_admin, username="viewer")
    denied = AuditEvent.objects.get()
    assert (denied.event, denied.outcome, denied.username) == ("denied", "denied", "city_admin")
    assert denied.data["action"] == "audit_search"
    assert services.verify() == []


def test_admin_pages_are_read_only_and_audited(city, client):
    auditor = make_user("auditor", is_superuser=True, is_staff=True)
    services.record("export", actor=city.viewer)
    client.force_login(auditor)
    assert client.get("/admin/audit/auditevent/?event=export").status_code == 200
    assert client.get("/admin/audit/auditevent/1/change/").status_code == 200
    model_admin = admin.site._registry[AuditEvent]
    request = RequestFactory().get("/admin/")
    request.user = auditor
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    searches = AuditEvent.objects.filter(event="audit_search").order_by("seq")
    assert [s.data for s in searches] == [
        {"via": "admin", "filters": {"event": ["export"]}},
        {"via": "admin", "seq": "1"},
    ]
    assert searches[0].ip == "127.0.0.1"
    assert services.verify() == []


def test_request_id_middleware():
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="abc-123")
    response = RequestIdMiddleware(lambda r: HttpResponse())(request)
    assert response["X-Request-ID"] == request.request_id == "abc-123"
    fresh = RequestFactory().get("/")
    response = RequestIdMiddleware(lambda r: HttpResponse())(fresh)
    assert len(response["X-Request-ID"]) == 32
