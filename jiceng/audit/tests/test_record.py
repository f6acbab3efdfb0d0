from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import RequestFactory

from jiceng.audit import services
from jiceng.audit.models import AuditEvent


def _request(user=None, **meta):
    request = RequestFactory().get("/members/", **meta)
    request.user = user or AnonymousUser()
    return request


def test_record_fills_every_column(city):
    request = _request(city.county_admin, REMOTE_ADDR="10.0.0.7", HTTP_X_REQUEST_ID="req-42")
    event = services.record(
        "member_update", request=request, obj=city.member_a1, data={"fields": ["job"]}
    )
    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.at.tzinfo is not None
    assert stored.user_id == city.county_admin.pk
    assert stored.username == "county_admin"
    assert stored.role == "admin"
    assert stored.scope == f"admin@{city.county_a.path} {city.county_a.name}"
    assert stored.ip == "10.0.0.7"
    assert stored.request_id == "req-42"
    assert stored.event == "member_update"
    assert stored.object_type == "members.member"
    assert stored.object_id == str(city.member_a1.pk)
    assert stored.object_repr == "张三"
    assert stored.outcome == "ok"
    assert stored.data == {"fields": ["job"]}
    assert len(stored.hash) == 64 and stored.prev_hash == "0" * 64


def test_rows_of_one_request_share_a_generated_id(city):
    request = _request(city.viewer, REMOTE_ADDR="10.0.0.8")
    first = services.record("export", request=request, data={"rows": 3})
    second = services.record("unmask", request=request, data={"reason": "transfer"})
    assert len(first.request_id) == 32
    assert first.request_id == second.request_id == request.request_id
    assert (first.seq, second.seq) == (1, 2)
    assert second.prev_hash == first.hash
    assert first.role == "viewer"


def test_malformed_request_id_is_replaced(db):
    request = _request(HTTP_X_REQUEST_ID="x" * 80 + "\n<script>")
    event = services.record("login_failed", request=request, outcome="failed")
    assert len(event.request_id) == 32 and "<" not in event.request_id


def test_anonymous_and_system_events(city):
    failed = services.record(
        "login_failed", request=_request(), outcome="failed", data={"username": "nobody"}
    )
    assert failed.user_id is None and failed.username == "" and failed.role == ""
    system = services.record("org_create", obj=city.branch_a1)
    assert system.username == "" and system.ip == "" and system.request_id == ""


def test_superuser_and_several_grants(city):
    from jiceng.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=city.viewer, role="secretary", org=city.branch_b1)
    city.viewer.is_superuser = True
    event = services.record("config_change", actor=city.viewer, obj=("setting", "X", "X"))
    assert event.role == "superuser,secretary,viewer"
    assert event.scope == (
        f"viewer@{city.city.path} {city.city.name}; "
        f"secretary@{city.branch_b1.path} {city.branch_b1.name}"
    )
    assert (event.object_type, event.object_id) == ("setting", "X")


def test_forwarded_for_only_behind_a_trusted_proxy(db, settings):
    spoofed = {"REMOTE_ADDR": "203.0.113.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    settings.JICENG_TRUSTED_PROXIES = []
    assert services.client_ip(_request(**spoofed)) == "203.0.113.9"
    settings.JICENG_TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert services.client_ip(_request(**spoofed)) == "203.0.113.9"
    behind = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 198.51.100.4, 10.0.0.3"}
    assert services.client_ip(_request(**behind)) == "198.51.100.4"
    garbage = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "not-an-ip"}
    assert services.client_ip(_request(**garbage)) == "10.0.0.2"
    assert services.client_ip(_request(REMOTE_ADDR="")) == ""


def test_personal_fields_are_masked_at_any_depth(city):
    before = {"name": "张三", "phone": "13812345678", "id_number": city.member_a1.id_number}
    after = {**before, "phone": "13987654321", "address": "湛江市赤坎区中山路1号"}
    event = services.record(
        "member_update",
        actor=city.county_admin,
        obj=city.member_a1,
        data={"before": before, "after": after, "rows": [{"phone": "13700000000"}]},
    )
    stored = AuditEvent.objects.get(seq=event.seq).data
    assert stored["before"]["phone"] == "138****5678"
    assert stored["after"]["phone"] == "139****4321"
    assert stored["after"]["address"] == "湛江市赤坎****"
    assert stored["before"]["id_number"].startswith("4408") and "*" in stored["before"]["id_number"]
    assert city.member_a1.id_number not in str(stored)
    assert stored["rows"] == [{"phone": "137****0000"}]
    assert stored["before"]["name"] == "张三"


def test_awkward_data_survives_the_database_unchanged(db):
    data = {
        "big": 1e16,
        "nan": float("nan"),
        "small": 0.1,
        "on": date(2024, 7, 1),
        "set": {3, 1},
        "nul": "a\x00b",
        7: ("x", None, True),
    }
    event = services.record("import", data=data)
    assert AuditEvent.objects.get(seq=event.seq).data == event.data
    assert event.data["7"] == ["x", None, True]
    assert services.verify() == []


def test_unknown_event_or_outcome_is_refused(db):
    with pytest.raises(ValueError):
        services.record("member_updated")
    with pytest.raises(ValueError):
        services.record("login", outcome="maybe")
    assert not AuditEvent.objects.exists()


def test_in_a_transaction_the_row_rolls_back_with_the_change(city):
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        services.record("member_update", actor=city.county_admin, obj=city.member_a1)
        raise Boom
    assert not AuditEvent.objects.exists()
    services.record("denied", actor=city.outsider, outcome="denied", durable=True)
    assert AuditEvent.objects.get().seq == 1  # the rolled-back seq is reused: no gap


def test_durable_refuses_to_run_inside_an_atomic_block(city):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record("denied", actor=city.outsider, outcome="denied", durable=True)
