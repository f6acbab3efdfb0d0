"""The cockpit's own figures (orgs.*, members.*, recruitment.*): a record changed through a
service changes the figure of its subtree and of no other, the kept counts stay equal to the
records (rollups.check), and each figure's link lists exactly the records it counts."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiceng.core import figures
from jiceng.core.dates import add_months
from jiceng.core.testing import make_member, make_org
from jiceng.members import services as member_services
from jiceng.members.models import Member
from jiceng.members.stats import ITEM_FIELDS, complete_q, is_complete
from jiceng.orgs import rollups
from jiceng.orgs import services as org_services
from jiceng.recruitment import services as recruitment_services
from jiceng.recruitment import testing as recruitment_testing

pytestmark = pytest.mark.django_db

OWN = (
    "orgs.grassroots",
    "orgs.counties",
    "orgs.townships",
    "members.total",
    "members.complete",
    "members.mobile",
    "members.lost_contact",
    "recruitment.developed",
    "recruitment.pipeline",
)


def scope_of(org, start: date | None = None, end: date | None = None) -> figures.Scope:
    today = timezone.localdate()
    return figures.Scope(
        org_id=org.pk,
        path=org.path,
        name=org.name,
        start=start or date(today.year, 1, 1),
        end=end or today,
    )


def value(key: str, org, **period) -> figures.Value:
    return figures.get(key).compute(scope_of(org, **period))


def values(key: str, *orgs, **period) -> list:
    return [value(key, org, **period).value for org in orgs]


def test_every_figure_of_the_cockpit_is_registered_in_its_system():
    systems = {f.key: f.system for f in figures.registered()}
    assert {k: systems.get(k) for k in OWN} == {
        "orgs.grassroots": "organisation",
        "orgs.counties": "organisation",
        "orgs.townships": "organisation",
        "members.total": "members",
        "members.complete": "members",
        "members.mobile": "members",
        "members.lost_contact": "members",
        "recruitment.developed": "members",
        "recruitment.pipeline": "members",
    }


def test_organisation_figures_follow_the_tree(city):
    assert values("orgs.grassroots", city.city, city.county_a, city.county_b) == [3, 2, 1]
    assert value("orgs.grassroots", city.city).parts["branch"] == 3
    new = make_org(city.town_b, "新村党支部", "branch")
    general = make_org(city.town_b, "城东党总支", "general_branch")
    assert values("orgs.grassroots", city.city, city.county_a, city.county_b) == [5, 2, 3]
    assert value("orgs.grassroots", city.county_b).parts["general_branch"] == 1
    org_services.org_dissolve(actor=None, org=new, dissolved_on=timezone.localdate())
    assert values("orgs.grassroots", city.city, city.county_a, city.county_b) == [4, 2, 2]
    assert general.pk

    assert values("orgs.counties", city.city, city.county_a) == [2, 1]
    assert values("orgs.townships", city.city, city.county_a, city.county_b) == [2, 1, 1]
    county_c = make_org(city.city, "中共廉江市委员会", "county")
    make_org(county_c, "石城镇党委", "township")
    assert values("orgs.counties", city.city, city.county_a) == [3, 1]
    assert values("orgs.townships", city.city, city.county_a, county_c) == [3, 1, 1]
    assert rollups.check() == []


def test_member_figures_follow_the_services(city):
    keys = ("members.total", "members.complete", "members.mobile", "members.lost_contact")

    def row(org):
        return [value(k, org).value for k in keys]

    # make_member gives no post (工作岗位): nobody's 16 items are complete yet.
    assert row(city.city) == [2, 0, 0, 0] and row(city.county_a) == [1, 0, 0, 0]
    member_services.member_update(actor=None, member=city.member_b1, job="村医")
    assert row(city.city) == [2, 1, 0, 0]
    assert row(city.county_b) == [1, 1, 0, 0] and row(city.county_a) == [1, 0, 0, 0]
    newcomer = make_member(city.branch_b1, name="王五", job="教师")
    assert row(city.city) == [3, 2, 0, 0] and row(city.county_a) == [1, 0, 0, 0]
    member_services.member_update(
        actor=None, member=newcomer, is_mobile=True, mobile_destination="广州市天河区"
    )
    assert row(city.county_b) == [2, 2, 1, 0] and row(city.county_a) == [1, 0, 0, 0]
    member_services.member_change_status(
        actor=None,
        member=city.member_b1,
        field="is_lost_contact",
        value=True,
        effective_on=timezone.localdate(),
    )
    assert row(city.county_b) == [2, 2, 1, 1] and row(city.county_a) == [1, 0, 0, 0]
    member_services.member_change_status(
        actor=None,
        member=newcomer,
        field="leave_status",
        value="deceased",
        effective_on=timezone.localdate(),
    )
    assert row(city.county_b) == [1, 1, 0, 1] and row(city.city) == [2, 1, 0, 1]
    # Moving a member moves their counts from one county to the other.
    member_services.member_update(actor=None, member=city.member_b1, org=city.branch_a2)
    assert row(city.county_b) == [0, 0, 0, 0] and row(city.county_a) == [2, 1, 0, 1]
    assert rollups.check() == []


def test_members_complete_rag_and_parts(city):
    v = value("members.complete", city.city)
    assert (v.value, v.rag, v.parts["members"], v.parts["incomplete"]) == (0, "red", 2, 2)
    for member in (city.member_a1, city.member_b1):
        member_services.member_update(actor=None, member=member, job="干部")
    v = value("members.complete", city.city)
    assert (v.value, v.rag, v.parts["share"]) == (2, "green", 100)


def test_complete_is_the_same_test_in_python_and_in_sql(city):
    """Each of the 16 items broken in the database (as an import of old data could leave
    it): the kept count (rebuilt), the list's filter and the Python test agree."""
    base = {"job": "干部"}
    broken = [
        {"name": ""},
        {"sex": ""},
        {"ethnicity": "99"},
        {"birth_date": date(1899, 12, 31)},
        {"education": ""},
        {"occupation": "77"},
        {"join_date": date(1950, 1, 1), "birth_date": date(1960, 1, 1)},
        {"full_member_date": None},
        {"job": ""},
        {"phone_tail": ""},
        {"standing": "unknown"},
        {"is_lost_contact": True, "lost_contact_since": None},
        {"is_mobile": True, "mobile_destination": ""},
    ]
    members = [make_member(city.branch_b1, **base) for _ in range(len(broken) + 2)]
    for member, change in zip(members, broken, strict=False):
        Member.objects.filter(pk=member.pk).update(**change)
    no_id, no_address = members[-2:]
    Member.objects.filter(pk=no_id.pk).update(id_number="")
    Member.objects.filter(pk=no_address.pk).update(address="")
    rollups.rebuild()
    in_python = sum(
        is_complete({f: getattr(m, f) for f in (*ITEM_FIELDS, "phone_tail")})
        for m in Member.objects.on_rolls()
    )
    in_sql = Member.objects.on_rolls().filter(complete_q()).count()
    assert in_python == in_sql == value("members.complete", city.city).value == 0
    Member.objects.filter(pk=members[0].pk).update(name="赵六")
    rollups.rebuild()
    assert value("members.complete", city.city).value == 1
    assert Member.objects.on_rolls().filter(complete_q()).count() == 1


@pytest.fixture
def pipe(city):
    class Pipe:
        pass

    p = Pipe()
    p.city = city
    p.full1 = make_member(city.branch_a1, name="赵一")
    p.full2 = make_member(city.branch_a1, name="钱二")
    # Applied ~25 months ago: the branch resolution falls ~3 months ago.
    applied = add_months(timezone.localdate(), -25)
    p.record = recruitment_testing.open_record(city.branch_a1, applied_on=applied)
    p.done = 0
    return p


def drive(p, upto: int):
    """Record the planned steps after those already recorded, up to step `upto`."""
    plan = recruitment_testing.plan(
        p.record.applied_on,
        contacts=[p.full1.pk],
        introducers=[p.full1.pk, p.full2.pk],
        approver=p.city.town_a.pk,
    )
    while p.done < len(plan) and plan[p.done][0] <= upto:
        number, on, data = plan[p.done]
        recruitment_services.step_record(
            actor=None, record=p.record, number=number, on=on, data=data
        )
        p.record.refresh_from_db()
        p.done += 1
    return p.record


def test_recruitment_figures_follow_the_steps(pipe):
    city = pipe.city
    pipeline = value("recruitment.pipeline", city.city)
    assert pipeline.value == 1 and pipeline.parts["applicants"] == 1
    assert values("recruitment.pipeline", city.county_a, city.county_b) == [1, 0]
    drive(pipe, 7)
    assert value("recruitment.pipeline", city.county_a).parts["candidates"] == 1
    drive(pipe, 16)
    record = pipe.record
    year = record.resolution_on.year
    whole_year = {"start": date(year, 1, 1), "end": date(year, 12, 31)}
    assert value("recruitment.developed", city.city, **whole_year).value == 0
    assert value("recruitment.pipeline", city.city).parts["candidates"] == 1
    drive(pipe, 17)  # admitted: registered as a probationary member
    developed = value("recruitment.developed", city.city, **whole_year)
    assert developed.value == 1
    month = record.resolution_on.replace(day=1)
    assert dict(developed.trend)[month] == 1 and len(developed.trend) == 12
    assert values("recruitment.developed", city.county_a, city.county_b, **whole_year) == [1, 0]
    before = {"start": date(year - 1, 1, 1), "end": date(year - 1, 12, 31)}
    assert value("recruitment.developed", city.city, **before).value == 0
    # A period that cuts a month is counted from the records, the same way.
    around = {
        "start": record.resolution_on - timedelta(days=3),
        "end": record.resolution_on + timedelta(days=3),
    }
    assert value("recruitment.developed", city.city, **around).value == 1
    after = {"start": record.resolution_on + timedelta(days=1), "end": whole_year["end"]}
    assert value("recruitment.developed", city.city, **after).value == 0
    pipeline = value("recruitment.pipeline", city.city)
    assert pipeline.parts == {
        "applicants": 0,
        "activists": 0,
        "candidates": 0,
        "probationary": 1,
    }
    assert rollups.check() == []


def listed(client, url: str) -> int:
    """The list's total as the page shows it, checked against its records counted one by one
    (the member list may take its total from the kept counts)."""
    response = client.get(url)
    assert response.status_code == 200, url
    records = len(list(response.context["filterset"].qs.values_list("pk", flat=True)))
    assert response.context["total"] == records, url
    return records


def test_every_link_lists_exactly_what_its_figure_counts(client, pipe):
    city = pipe.city
    drive(pipe, 17)
    other = recruitment_testing.open_record(city.branch_b1, name="周七")
    assert other.pk
    member_services.member_update(
        actor=None, member=city.member_b1, job="村医", is_mobile=True, mobile_destination="深圳"
    )
    member_services.member_change_status(
        actor=None,
        member=city.member_a1,
        field="is_lost_contact",
        value=True,
        effective_on=timezone.localdate(),
    )
    year = pipe.record.resolution_on.year
    period = {"start": date(year, 1, 1), "end": date(year, 12, 31)}
    client.force_login(city.city_admin)
    seen = 0
    for org in (city.city, city.county_a, city.county_b, city.branch_a1):
        for key in OWN:
            v = value(key, org, **period)
            assert v.url, key
            assert listed(client, v.url) == v.value, (key, org.name, v.url)
            seen += v.value
    assert seen > 0
    # The parts of the pipeline, too (the list's phase filter).
    v = value("recruitment.pipeline", city.city)
    for phase, n in v.parts.items():
        url = reverse("recruitment:record_list") + f"?org={city.city.pk}&phase={phase}"
        assert listed(client, url) == n, phase
