from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from jiceng.accounts.tests.admins import make_admins
from jiceng.audit.models import AuditEvent
from jiceng.core import findings, ruleset
from jiceng.core.findings import Finding, Level
from jiceng.core.models import RuleParameter

ruleset.define("TEST-01.days", 5, "test days")
ruleset.define("TEST-02.strict", True, "test flag")


@pytest.fixture
def admins(db):
    return make_admins()


def test_only_the_system_administrator_changes_rules(city, admins, client):
    for actor in (city.city_admin, admins.security, admins.audit):
        with pytest.raises(PermissionDenied):
            ruleset.param_set(
                actor=actor,
                name="TEST-01.days",
                value=7,
                effective_from=date(2027, 1, 1),
                reason="x",
            )
    assert not RuleParameter.objects.exists()
    client.force_login(admins.system)
    page = client.get("/accounts/rules/")
    assert page.status_code == 200 and "TEST-01.days" in page.content.decode()
    bad = client.post(
        "/accounts/rules/",
        {"name": "TEST-01.days", "value": "many", "effective_from": "2027-01-01", "reason": "x"},
    )
    assert bad.status_code == 200 and not RuleParameter.objects.exists()
    assert "value" in bad.context["form"].errors  # shown beside the field
    client.post(
        "/accounts/rules/",
        {"name": "TEST-01.days", "value": "7", "effective_from": "2027-01-01", "reason": "市规定"},
    )
    assert ruleset.value("TEST-01.days", on=date(2027, 1, 2)) == 7
    client.force_login(admins.audit)
    assert client.get("/accounts/rules/").status_code == 403


def test_default_until_a_dated_change(city, admins):
    assert ruleset.value("TEST-01.days", on=date(2026, 1, 1)) == 5
    ruleset.param_set(
        actor=admins.system,
        name="TEST-01.days",
        value="7",
        effective_from=date(2027, 1, 1),
        reason="city rule",
    )
    assert ruleset.value("TEST-01.days", on=date(2026, 12, 31)) == 5
    assert ruleset.value("TEST-01.days", on=date(2027, 1, 1)) == 7
    ruleset.param_set(
        actor=admins.system,
        name="TEST-01.days",
        value=6,
        effective_from=date(2027, 6, 1),
        reason="again",
    )
    snap = ruleset.snapshot(on=date(2027, 7, 1))
    assert snap["TEST-01.days"] == 6 and snap["TEST-02.strict"] is True
    assert AuditEvent.objects.filter(event="config_change").count() == 2


@pytest.mark.parametrize(
    "name, value, field",
    [("NOPE-01.x", 1, "name"), ("TEST-01.days", "five", "value"), ("TEST-01.days", -1, "value")],
)
def test_bad_values_change_nothing(city, admins, name, value, field):
    with pytest.raises(ValidationError) as err:
        ruleset.param_set(
            actor=admins.system,
            name=name,
            value=value,
            effective_from=date(2027, 1, 1),
            reason="x",
        )
    assert field in err.value.message_dict
    assert not RuleParameter.objects.exists()


def test_reason_is_required(city, admins):
    with pytest.raises(ValidationError):
        ruleset.param_set(
            actor=admins.system,
            name="TEST-01.days",
            value=3,
            effective_from=date(2027, 1, 1),
            reason=" ",
        )


def _provider(path, as_of):
    from jiceng.orgs.models import Organization

    for org in Organization.objects.filter(path__startswith=path, kind="branch"):
        level = Level.OVERDUE if "寸金" in org.name else Level.DUE_SOON
        yield Finding("TEST-01", level, org.pk, org.path, "missing", due=as_of)


def test_findings_are_scoped_and_rolled_up(city):
    findings.register("test", "test", _provider)
    try:
        mine = findings.collect(user=city.county_admin, org=city.county_a, keys=["test"])
        assert {f.org_id for f in mine} == {city.branch_a1.pk, city.branch_a2.pk}
        assert mine[0].level == Level.OVERDUE and mine[0].provider == "test"
        assert findings.rag(mine) == "red"
        with pytest.raises(Http404):
            findings.collect(user=city.county_admin, org=city.county_b, keys=["test"])
        with pytest.raises(Http404):
            findings.collect(user=city.outsider, org=city.city, keys=["test"])
        every = findings.collect(user=city.city_admin, org=city.city, keys=["test"])
        per = findings.by_child(every, [city.county_a, city.county_b])
        assert findings.child_rag(per[city.county_a.pk]) == "red"
        assert findings.child_rag(per[city.county_b.pk]) == "amber"
        assert findings.rag([]) == "green"
    finally:
        findings._providers.pop("test")
