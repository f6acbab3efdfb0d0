"""The responsibility system's figures (core.figures): each moves when a record changes
through a service, counts only its own subtree, and links to a list of exactly the records it
counts."""

from datetime import date, timedelta

import pytest
from django.test import Client

from jiceng.accountability import figures as acc_figures
from jiceng.accountability import scoring, services
from jiceng.accountability.models import Rubric
from jiceng.core import figures

from .helpers import claim, example, identify, open_problem, today

pytestmark = pytest.mark.django_db

KEYS = [key for key, *_rest in acc_figures.FIGURES]


def scope(org, start=None, end=None):
    year = today().year
    return figures.Scope(
        org_id=org.pk,
        path=org.path,
        name=org.name,
        start=start or date(year, 1, 1),
        end=end or date(year, 12, 31),
    )


def value(key, org, **kw):
    return figures.compute(scope(org, **kw), [key])[key]


def listed(user, url) -> int:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["total"]


def test_every_figure_is_registered_in_its_system():
    systems = {f.key: f.system for f in figures.registered()}
    assert {k: systems[k] for k in KEYS} == {
        **dict.fromkeys(KEYS, "responsibility"),
        "accountability.weak_lax": "organisation",
    }


def test_figures_with_no_records(city):
    values = figures.compute(scope(city.city), KEYS)
    assert values["accountability.projects"].value == 0
    assert values["accountability.rubric_items"].value is None  # no rubric: "—", not 0
    assert values["accountability.assessed"].parts == {}


def test_projects_ledgers_and_problems_move_with_the_services(city):
    assert value("accountability.projects", city.city).value == 0
    claim(city.branch_a1, city.secretary)
    problem = open_problem(
        city.branch_a1,
        found_on=today() - timedelta(days=40),
        deadline=today() - timedelta(days=1),
    )
    open_problem(city.branch_a2)
    projects = value("accountability.projects", city.city)
    assert projects.value == 1 and projects.parts == {"completed": 0}
    assert value("accountability.ledgers", city.city).value == 2
    problems = value("accountability.problems", city.city)
    assert problems.value == 2
    assert problems.parts == {"closed": 0, "closed_on_time": 0, "overdue": 1}
    services.problem_rectify(actor=city.secretary, problem=problem, evidence="整改报告")
    services.problem_review(actor=city.county_admin, problem=problem, approve=True)
    assert value("accountability.problems", city.city).parts == {
        "closed": 1,
        "closed_on_time": 0,  # closed today, after the deadline of yesterday
        "overdue": 0,
    }
    # another county's subtree counts none of them
    for key in ("accountability.projects", "accountability.ledgers", "accountability.problems"):
        assert value(key, city.county_b).value == 0
        assert value(key, city.county_a).value == value(key, city.city).value
    # the link lists exactly the records counted
    for key in ("accountability.projects", "accountability.ledgers", "accountability.problems"):
        v = value(key, city.county_a)
        assert listed(city.city_admin, v.url) == v.value


def test_a_period_of_other_years_counts_nothing(city):
    claim(city.branch_a1, city.secretary)
    last = today().year - 1
    v = value("accountability.projects", city.city, start=date(last, 1, 1), end=date(last, 12, 31))
    assert v.value == 0
    both = value("accountability.projects", city.city, start=date(last, 1, 1))
    assert both.value == 1 and "year_from" in both.url
    assert listed(city.city_admin, both.url) == 1


def test_key_tasks(city):
    services.task_issue(
        actor=city.county_admin,
        org=city.town_a,
        title="党员信息采集",
        description="d",
        deadline=today() + timedelta(days=10),
        to="children",
    )
    v = value("accountability.key_tasks", city.city)
    assert v.value == 1 and v.parts == {"assignments": 2, "done": 0}
    assert value("accountability.key_tasks", city.county_b).value == 0
    assert listed(city.city_admin, v.url) == 1


def test_rubric_items_and_assessments(city):
    rubric = example(today().year)
    assert value("accountability.rubric_items", city.city).value == 52
    assert value("accountability.rubric_items", city.city).url == rubric.get_absolute_url()
    assert value("accountability.assessed", city.city).value == 0
    scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a1, period_end=today()
    )
    v = value("accountability.assessed", city.city)
    assert v.value == 1 and v.parts["average"] is not None
    assert value("accountability.assessed", city.county_b).value == 0
    assert listed(city.city_admin, v.url) == 1
    # a new version replaces the old one in the count of items, not adds to it
    scoring.rubric_copy(actor=None, rubric=rubric, year=today().year)
    assert Rubric.objects.count() == 2
    assert value("accountability.rubric_items", city.city).value == 52


def test_weak_and_lax(city):
    weak = identify(city.branch_a1)
    v = value("accountability.weak_lax", city.city)
    assert v.value == 1 and v.parts == {"identified": 1, "rectified": 0}
    services.weak_plan(
        actor=city.secretary,
        weak=weak,
        leader="l",
        work_team="w",
        first_secretary="f",
        plan="p",
        deadline=today() + timedelta(days=30),
    )
    services.weak_progress(actor=city.secretary, weak=weak, progress=100, note="完成")
    services.weak_close(actor=city.county_admin, weak=weak)
    assert value("accountability.weak_lax", city.city).parts == {"identified": 1, "rectified": 1}
    assert value("accountability.weak_lax", city.county_b).value == 0
    assert listed(city.city_admin, v.url) == 1


def test_all_figures_at_city_scope_take_few_queries(city, django_assert_max_num_queries):
    example(today().year)
    with django_assert_max_num_queries(len(KEYS) + 4):
        figures.compute(scope(city.city), KEYS)
