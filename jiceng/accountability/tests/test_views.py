"""Pages: what each persona sees and may do, the forms' refusals beside their fields, the
dashboard's figures and links, exports, and query-count guards on lists and the dashboard."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from python_calamine import CalamineWorkbook

from jiceng.accountability import scoring, services
from jiceng.accountability.models import Problem, ProblemStatus, Project, ProjectStatus

from .helpers import claim, example, identify, open_problem, today

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"accountability:{name}", args=args)


@pytest.fixture
def records(city):
    project = claim(city.branch_a1, city.secretary)
    other = claim(city.branch_b1, None, title="城西村项目")
    problem = open_problem(
        city.branch_a1, found_on=today() - timedelta(days=40), deadline=today() - timedelta(days=5)
    )
    open_problem(city.branch_b1)
    weak = identify(city.branch_a2)
    return {"project": project, "other": other, "problem": problem, "weak": weak}


def test_a_secretary_claims_a_project_with_errors_beside_the_fields(client, city):
    client.force_login(city.secretary)
    page = client.get(url("project_create"))
    assert page.status_code == 200 and "寸金社区党支部" in page.content.decode()
    bad = client.post(
        url("project_create") + f"?org={city.branch_a1.pk}",
        {"title": "", "problem": "p", "goals": "g", "targets": "t", "milestones": "someday x"},
    )
    assert bad.status_code == 200
    assert bad.context["form"].errors.keys() == {"title", "milestones"}
    assert Project.objects.count() == 0
    due = (today() + timedelta(days=30)).isoformat()
    ok = client.post(
        url("project_create"),
        {
            "org": city.branch_a1.pk,
            "title": "党群服务中心提质",
            "problem": "p",
            "goals": "g",
            "targets": "t",
            "milestones": f"{due} 完成改造",
        },
    )
    project = Project.objects.get()
    assert ok.status_code == 302 and ok["Location"] == project.get_absolute_url()
    assert project.milestones.get().title == "完成改造"


def test_the_owner_sees_no_review_button_and_is_refused_the_review(client, city, records):
    project = records["project"]
    services.project_submit(actor=city.secretary, project=project)
    client.force_login(city.secretary)
    page = client.get(project.get_absolute_url()).content.decode()
    assert "project-review-link" not in page
    assert client.get(url("project_review", project.pk)).status_code == 403
    response = client.post(url("project_review", project.pk), {"decision": "approve"})
    assert response.status_code == 403
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.SUBMITTED
    client.force_login(city.county_admin)
    assert "project-review-link" in client.get(project.get_absolute_url()).content.decode()
    bad = client.post(url("project_review", project.pk), {"decision": "return", "comment": ""})
    assert "comment" in bad.context["form"].errors
    client.post(url("project_review", project.pk), {"decision": "return", "comment": "再细化"})
    assert Project.objects.get(pk=project.pk).status == ProjectStatus.RETURNED


def test_closure_by_the_owner_is_refused_on_the_page(client, city, records):
    problem = records["problem"]
    services.problem_rectify(actor=city.secretary, problem=problem, evidence="材料")
    client.force_login(city.secretary)
    assert (
        client.post(url("problem_review", problem.pk), {"decision": "approve"}).status_code == 403
    )
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.RECTIFIED
    client.force_login(city.county_admin)
    client.post(url("problem_review", problem.pk), {"decision": "approve"})
    assert Problem.objects.get(pk=problem.pk).status == ProblemStatus.CLOSED


def test_outsiders_and_other_counties_see_nothing(client, city, records):
    client.force_login(city.outsider)
    assert client.get(records["project"].get_absolute_url()).status_code == 404
    listing = client.get(url("project_list"))
    assert listing.status_code == 200 and listing.context["total"] == 0
    client.force_login(city.county_admin)
    assert client.get(records["other"].get_absolute_url()).status_code == 404
    names = [p.title for p in client.get(url("project_list")).context["objects"]]
    assert names == ["村集体经济增收项目"]
    client.force_login(city.viewer)
    assert client.get(url("project_report", records["project"].pk)).status_code == 403


def test_the_dashboard_counts_the_subtree_and_links_to_the_records(client, city, records):
    client.force_login(city.city_admin)
    page = client.get(url("dashboard") + f"?org={city.city.pk}")
    total = {key: (value, link) for key, _label, value, link in page.context["total"]}
    assert total["projects"][0] == 2
    assert total["problems"][0] == 2 and total["problems_overdue"][0] == 1
    assert total["weak"][0] == 1
    rows = {child.pk: {k: v for k, _l, v, _u in cells} for child, cells in page.context["rows"]}
    assert rows[city.county_a.pk]["problems_overdue"] == 1
    assert rows[city.county_b.pk]["problems_overdue"] == 0
    # the figure's link lists exactly the records it counts
    overdue = client.get(total["problems_overdue"][1])
    assert [p.pk for p in overdue.context["objects"]] == [records["problem"].pk]
    client.force_login(city.member_user)  # sees their branch, not the figures of its subtree
    assert client.get(url("dashboard") + f"?org={city.branch_a1.pk}").status_code == 403


def test_lists_filter_and_export(client, city, records):
    client.force_login(city.city_admin)
    page = client.get(url("problem_list"), {"state": "overdue"})
    assert page.context["total"] == 1
    response = client.get(url("problem_export"), {"state": "overdue"})
    assert response.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(response.streaming_content)))
    rows = book.get_sheet_by_index(0).to_python()
    assert len(rows) == 2 and rows[1][0] == "寸金社区党支部"
    for name in ("project_export", "weak_export", "assessment_export", "assignment_export"):
        assert client.get(url(name)).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "project_list",
        "problem_list",
        "ledger_list",
        "weak_list",
        "assessment_list",
        "task_list",
        "assignment_list",
    ],
)
def test_list_query_count(client, city, records, name, django_assert_max_num_queries):
    for i in range(5):
        claim(city.branch_a2, None, title=f"项目{i}")
        open_problem(city.branch_a2)
    client.force_login(city.county_admin)
    client.get(url(name))  # warm the session
    with django_assert_max_num_queries(12):
        assert client.get(url(name)).status_code == 200


def test_dashboard_query_count(client, city, records, django_assert_max_num_queries):
    client.force_login(city.city_admin)
    client.get(url("dashboard"))
    with django_assert_max_num_queries(16):
        assert client.get(url("dashboard") + f"?org={city.city.pk}").status_code == 200


def test_assessment_pages_explain_every_auto_score(client, city, records):
    rubric = example()
    assessment = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a1, period_end=today()
    )
    client.force_login(city.secretary)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert records["problem"].get_absolute_url() in page  # E01's finding, linked
    assert client.get(url("rubric_detail", rubric.pk)).context["count"] == 52
    manual = rubric.categories.get(order=1).items.get(code="A08")
    bad = client.post(url("assessment_self", assessment.pk), {f"item_{manual.pk}": "9"})
    assert f"item_{manual.pk}" in bad.context["form"].errors
    ok = client.post(url("assessment_self", assessment.pk), {f"item_{manual.pk}": "2"})
    assert ok.status_code == 302
    assert client.get(url("assessment_review", assessment.pk)).status_code == 403
    client.force_login(city.county_admin)
    listing = client.get(url("assessment_list"))
    assert [a.rank for a in listing.context["objects"]] == [1]


def test_assessment_page_query_count(client, city, records, django_assert_max_num_queries):
    rubric = example()
    assessment = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a1, period_end=today()
    )
    client.force_login(city.county_admin)
    client.get(assessment.get_absolute_url())
    with django_assert_max_num_queries(14):  # 52 items, whatever their findings
        assert client.get(assessment.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(url("rubric_detail", rubric.pk)).status_code == 200
