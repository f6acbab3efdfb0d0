"""The cockpit page (web:home): who sees which subtree, the scope and year pickers, figures
and charts in the HTML, "—" for what cannot be computed, and a query count that does not
grow with the tree."""

import json
import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from jiceng.audit.models import AuditEvent
from jiceng.core import figures
from jiceng.core.testing import make_member, make_org
from jiceng.members import services as member_services
from jiceng.web.tests.personas import LOGIN, login_as, persona_test

pytestmark = pytest.mark.django_db
HOME = "web:home"
# What the cockpit itself may spend (session, user, grants, roots, breadcrumbs, children,
# the kept counts) plus what the figures of every app spend: fixed, whatever the tree.
MAX_QUERIES = 60

test_cockpit_access = persona_test(
    lambda city: reverse(HOME),
    {
        "anonymous": LOGIN,
        "city_admin": 200,
        "county_admin": 200,
        "viewer": 200,
        "secretary": 200,
        "member_user": 302,
        "outsider": 200,
    },
)


def home(client, **params):
    return client.get(reverse(HOME), params)


def tile_number(html: str, key: str) -> str:
    match = re.search(rf'data-figure-(?:link|value)="{re.escape(key)}"[^>]*>([^<]*)<', html)
    assert match, key
    return match.group(1)


def test_city_admin_sees_the_city_in_five_systems(client, city):
    login_as(client, city, "city_admin")
    response = home(client)
    assert response.status_code == 200
    assert response.context["org"] == city.city
    assert [s.key for s in response.context["sections"]] == list(figures.SYSTEM_KEYS)
    html = response.content.decode()
    assert tile_number(html, "members.total") == "2"
    assert tile_number(html, "orgs.grassroots") == "3"
    assert f'href="/members/?org={city.city.pk}"' in html
    # Picker: the city, its two counties below it.
    assert [c.pk for c in response.context["children"]] == [city.county_a.pk, city.county_b.pk]


def test_county_admin_sees_only_their_county(client, city):
    make_member(city.branch_b1, name="王五")
    login_as(client, city, "county_admin")
    response = home(client)
    assert response.context["org"] == city.county_a
    assert [org.pk for org, _url in response.context["roots"]] == [city.county_a.pk]
    html = response.content.decode()
    assert tile_number(html, "members.total") == "1"
    assert city.county_b.name not in html and city.city.name not in html
    # Down into their township: allowed; their county's breadcrumbs lead back.
    response = home(client, org=city.town_a.pk)
    assert response.status_code == 200 and response.context["org"] == city.town_a
    assert [a.pk for a in response.context["ancestors"]] == [city.county_a.pk]


def test_a_user_with_two_scopes_sees_the_first_and_picks_the_other(client, city):
    from jiceng.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=city.county_admin, role="viewer", org=city.county_b)
    login_as(client, city, "county_admin")
    response = home(client)
    roots = [org.pk for org, _url in response.context["roots"]]
    assert roots == [city.county_a.pk, city.county_b.pk]
    assert response.context["org"] == city.county_a
    assert f'<option value="{city.county_b.pk}">' in response.content.decode()
    response = home(client, org=city.branch_b1.pk)
    assert response.status_code == 200 and response.context["current_root"] == city.county_b
    assert home(client, org=city.city.pk).status_code == 404


@pytest.mark.parametrize(
    ("persona", "target"),
    [
        ("county_admin", "county_b"),
        ("county_admin", "city"),  # above their scope
        ("county_admin", "branch_b1"),
        ("secretary", "branch_a2"),
        ("secretary", "town_a"),
        ("outsider", "city"),
        ("viewer", None),  # an id that does not exist
    ],
)
def test_a_pick_outside_the_scope_is_not_found(client, city, persona, target):
    login_as(client, city, persona)
    pk = getattr(city, target).pk if target else 999_999
    denied = AuditEvent.objects.filter(event="denied").count()
    response = home(client, org=pk)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(event="denied").count() == denied + 1


def test_a_member_with_a_role_cannot_pick_their_own_branch_outside_the_role(client, city):
    """A secretary of branch_a1 who is a member of branch_b1: the branch is visible to them
    as their own, but it is not a scope they work in."""
    member_services.member_update(actor=None, member=city.member_b1, job="村医")
    from jiceng.members.models import Member

    Member.objects.filter(pk=city.member_b1.pk).update(user=city.secretary)
    login_as(client, city, "secretary")
    assert home(client, org=city.branch_b1.pk).status_code == 404
    assert home(client, org=city.branch_a1.pk).status_code == 200


def test_branch_secretary_sees_their_branch(client, city):
    login_as(client, city, "secretary")
    response = home(client)
    assert response.context["org"] == city.branch_a1
    html = response.content.decode()
    assert tile_number(html, "members.total") == "1"
    assert tile_number(html, "orgs.grassroots") == "1"
    assert response.context["children"] == []


def test_member_without_scope_goes_to_their_own_page(client, city):
    login_as(client, city, "member_user")
    response = home(client, org=city.city.pk)
    assert response["Location"] == reverse("members:member_detail", args=[city.member_a1.pk])


def test_outsider_without_anything_gets_an_empty_page(client, city):
    login_as(client, city, "outsider")
    response = home(client)
    assert response.status_code == 200 and response.context["roots"] == []
    assert "sections" not in response.context


def test_year_picker(client, city):
    login_as(client, city, "city_admin")
    today = timezone.localdate()
    response = home(client)
    assert (response.context["start"], response.context["end"]) == (
        date(today.year, 1, 1),
        today,
    )
    response = home(client, year=today.year - 1)
    assert (response.context["start"], response.context["end"]) == (
        date(today.year - 1, 1, 1),
        date(today.year - 1, 12, 31),
    )
    for bad in ("1800", "abc", str(today.year + 1)):
        assert home(client, year=bad).context["year"] == today.year


def test_a_figure_without_value_or_not_registered_shows_a_dash(client, city, monkeypatch):
    registry = dict(figures._registry)
    registry.pop("activities.compliance", None)
    registry.pop("outreach.resolved", None)
    registry["test.nothing"] = figures.Figure(
        key="test.nothing",
        system="services",
        label="nothing here",
        compute=lambda scope: figures.Value(None, url="/nowhere/"),
    )
    monkeypatch.setattr(figures, "_registry", registry)
    login_as(client, city, "city_admin")
    html = home(client).content.decode()
    assert tile_number(html, "test.nothing") == "—"
    assert "/nowhere/" not in html
    assert 'data-chart-empty="compliance"' in html and 'data-chart-empty="resolved"' in html


def test_a_failing_figure_is_logged_and_shown_as_a_dash(client, city, monkeypatch, caplog):
    def broken(scope):
        raise ZeroDivisionError("a bug in one app")

    registry = dict(figures._registry)
    registry["test.broken"] = figures.Figure(
        key="test.broken", system="activities", label="broken", compute=broken
    )
    monkeypatch.setattr(figures, "_registry", registry)
    login_as(client, city, "city_admin")
    response = home(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert tile_number(html, "test.broken") == "—"
    assert tile_number(html, "members.total") == "2"
    assert "test.broken" in caplog.text and "ZeroDivisionError" in caplog.text


def test_charts_have_their_numbers_in_the_page_and_as_json(client, city, monkeypatch):
    registry = dict(figures._registry)
    registry["activities.compliance"] = figures.Figure(
        key="activities.compliance",
        system="activities",
        label="compliance",
        compute=lambda scope: figures.Value(
            90, unit="%", parts={"赤坎区": 95.5, "遂溪县": 80}, rag="amber"
        ),
    )
    first = date(timezone.localdate().year, 1, 1)
    registry["outreach.resolved"] = figures.Figure(
        key="outreach.resolved",
        system="services",
        label="resolved",
        compute=lambda scope: figures.Value(
            85, unit="%", trend=((first, 80), (first.replace(month=2), 90))
        ),
    )
    monkeypatch.setattr(figures, "_registry", registry)
    login_as(client, city, "city_admin")
    response = home(client)
    html = response.content.decode()
    data = json.loads(re.search(r'id="cockpit-charts"[^>]*>(.*?)</script>', html).group(1))
    assert set(data) == {"age", "education", "compliance", "resolved"}
    assert data["compliance"] == {
        "kind": "bar",
        "unit": "%",
        "labels": ["赤坎区", "遂溪县"],
        "values": [95.5, 80.0],
    }
    assert data["resolved"]["values"] == [80.0, 90.0]
    assert sum(data["age"]["values"]) == 2
    # The same numbers without JavaScript: the tables, each age band a link to its members.
    assert "95.5%" in html and "<polyline" in html
    assert f"/members/?org={city.city.pk}&amp;age_band=" in html
    assert 'data-rag="amber"' in html
    assert "vendor/echarts/echarts.min.js" in html and "reports/cockpit.js" in html
    assert "<script>" not in html and "style=" not in html  # CSP: nothing inline


def test_chinese_by_default_english_on_request(client, city):
    login_as(client, city, "city_admin")
    with translation.override("zh-hans"):
        chinese = translation.gettext("Cockpit")
    assert chinese != "Cockpit", "compile the messages: jiceng compilemessages"
    assert chinese in home(client).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = home(client).content.decode()
    assert "Cockpit" in html and "Party members" in html


def _grow(city, orgs: int, members: int) -> None:
    for i in range(orgs):
        town = make_org(city.county_b, f"第{i}镇党委", "township")
        branch = make_org(town, f"第{i}村党支部", "branch")
        for _ in range(members):
            make_member(branch)


def test_query_count_is_fixed_whatever_the_tree(client, city, django_assert_max_num_queries):
    login_as(client, city, "city_admin")
    home(client)  # warm: per-process caches (object URLs, label maps)
    with CaptureQueriesContext(connection) as small:
        assert home(client).status_code == 200
    _grow(city, orgs=6, members=3)
    with django_assert_max_num_queries(MAX_QUERIES):
        assert home(client).status_code == 200
    with CaptureQueriesContext(connection) as large:
        home(client)
    assert len(large) == len(small), [q["sql"][:120] for q in large.captured_queries]
    with django_assert_max_num_queries(MAX_QUERIES):
        assert home(client, org=city.county_b.pk).status_code == 200
