"""Rubrics as data and assessments scored from the records: change a record, see the score
change; bad rubrics and out-of-range scores refused with nothing written."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.accountability import example_rubric, rules, scoring, services
from jiceng.accountability.models import (
    Assessment,
    AssessmentStatus,
    ItemScore,
    Rubric,
    RubricCategory,
    RubricItem,
)
from jiceng.accountability.rules import CategorySpec, ItemSpec
from jiceng.core import findings
from jiceng.core.findings import Finding, Level

from .helpers import example, open_problem, today

pytestmark = pytest.mark.django_db


def score_of(assessment, code):
    return ItemScore.objects.get(assessment=assessment, item__code=code)


def test_the_example_rubric_has_52_items_and_is_valid():
    assert example_rubric.item_count() == 52
    assert rules.rubric_problems(example_rubric.categories()) == []
    rubric = example()
    assert RubricItem.objects.filter(category__rubric=rubric).count() == 52
    total = sum(
        c.max_points for c in RubricCategory.objects.filter(rubric=rubric) if c.name != "加分与否决"
    )
    assert total == 100
    assert example().version == 2  # the same year and kind again: a new version


def test_item_scores_deduct_per_instance_floored_at_zero():
    assert rules.item_score("scored", Decimal(3), Decimal("0.5"), 0) == 3
    assert rules.item_score("scored", Decimal(3), Decimal("0.5"), 2) == 2
    assert rules.item_score("scored", Decimal(3), Decimal("0.5"), 99) == 0
    assert rules.item_score("scored", Decimal(3), Decimal(0), 1) == 0  # 未召开不得分
    assert rules.vetoes("veto", 1) and not rules.vetoes("veto", 0)
    assert rules.rank([(1, Decimal(90)), (2, Decimal(95)), (3, Decimal(90)), (4, Decimal(80))]) == {
        2: 1,
        1: 2,
        3: 2,
        4: 4,
    }


def test_a_rubric_whose_items_exceed_the_category_maximum_is_refused(city):
    bad = [
        CategorySpec(
            "组织生活",
            Decimal(5),
            [
                ItemSpec("B01", "党员大会", "scored", Decimal(4), "查记录", Decimal(1), "LIFE-01"),
                ItemSpec(
                    "B02", "支委会", "scored", Decimal(2), "查记录", Decimal("0.5"), "LIFE-02"
                ),
            ],
        )
    ]
    with pytest.raises(ValidationError) as exc:
        scoring.rubric_create(actor=None, year=2026, org_kind="branch", name="坏", categories=bad)
    assert "more than the category's maximum of 5" in str(exc.value.message_dict["categories.0"])
    with pytest.raises(PermissionDenied):  # a county administrator issues no rubric
        scoring.rubric_create(
            actor=city.county_admin,
            year=2026,
            org_kind="branch",
            name="x",
            categories=example_rubric.categories(),
        )
    assert Rubric.objects.count() == 0 and RubricItem.objects.count() == 0


def test_a_ledger_problem_overdue_costs_points_until_it_is_closed(city):
    rubric = example()
    problem = open_problem(
        city.branch_a1,
        city.secretary,
        found_on=today() - timedelta(days=40),
        deadline=today() - timedelta(days=10),
    )
    assessment = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a1, period_end=today()
    )
    e01 = score_of(assessment, "E01")
    assert e01.instances == 1 and e01.auto_score == Decimal(4)  # 5 − 1 per overdue problem
    assert e01.explanation[0]["rule"] == "ACC-02"
    assert e01.explanation[0]["url"] == problem.get_absolute_url()
    before = assessment.auto_total

    services.problem_rectify(actor=city.secretary, problem=problem, evidence="整改材料")
    services.problem_review(actor=city.county_admin, problem=problem, approve=True)
    scoring.assessment_refresh(actor=city.county_admin, assessment=assessment)
    e01 = score_of(assessment, "E01")
    assert e01.instances == 0 and e01.auto_score == Decimal(5) and e01.explanation == []
    assert Assessment.objects.get(pk=assessment.pk).auto_total == before + 1


def test_every_registered_provider_feeds_the_rubric(city, monkeypatch):
    """A finding of any app's rule (here a test provider of LIFE-04) is a missing instance."""
    rubric = example()
    hits = []

    def provide(path, as_of):
        yield from (f for f in hits if f.org_path.startswith(path))

    # only this provider, so that the other apps' findings of the small city do not count here
    monkeypatch.setattr(
        findings, "_providers", {"test": findings._Registered("test", "t", provide)}
    )
    assessment = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a1, period_end=today()
    )
    assert score_of(assessment, "B04").auto_score == Decimal(3)
    a1 = city.branch_a1
    lecture = Finding("LIFE-04", Level.OVERDUE, a1.pk, a1.path, "党课少1次", url="/x/1/")
    hits += [lecture, lecture, Finding("LIFE-04", Level.DUE_SOON, a1.pk, a1.path, "soon")]
    # another organisation's finding does not count against branch_a1
    hits.append(Finding("LIFE-04", Level.OVERDUE, city.branch_a2.pk, city.branch_a2.path, "x"))
    scoring.assessment_refresh(actor=city.secretary, assessment=assessment)
    b04 = score_of(assessment, "B04")
    assert b04.instances == 2 and b04.auto_score == Decimal(2)  # 3 − 2 × 0.5
    assert [f["url"] for f in b04.explanation] == ["/x/1/", "/x/1/"]
    # an all-or-nothing item (组织生活会未召开不得分) and a veto
    hits.append(Finding("LIFE-06", Level.OVERDUE, a1.pk, a1.path, "未召开"))
    scoring.assessment_refresh(actor=city.secretary, assessment=assessment)
    assert score_of(assessment, "B06").auto_score == 0


def test_self_score_review_and_ranking(city):
    rubric = example()
    a1 = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a1, period_end=today()
    )
    a2 = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a2, period_end=today()
    )
    manual = RubricItem.objects.get(category__rubric=rubric, code="A08")  # max 2, by hand
    veto = RubricItem.objects.get(category__rubric=rubric, code="F04")
    scoring.assessment_self_score(
        actor=city.secretary, assessment=a1, scores={manual.pk: "2"}, evidence={manual.pk: "照片"}
    )
    assert a1.status == AssessmentStatus.SELF_SCORED
    assert a1.self_total == a1.auto_total + 2
    assert score_of(a1, "A08").evidence == "照片"
    with pytest.raises(PermissionDenied):  # the branch does not review itself
        scoring.assessment_review(actor=city.secretary, assessment=a1, scores={manual.pk: "2"})
    scoring.assessment_review(actor=city.county_admin, assessment=a1, scores={manual.pk: "1.5"})
    assert a1.review_total == a1.auto_total + Decimal("1.5") and a1.final == a1.review_total
    scoring.assessment_review(
        actor=city.county_admin, assessment=a2, scores={}, vetoes={veto.pk: True}
    )
    assert a2.vetoed and a2.final == 0
    from jiceng.accountability.selectors import rubric_ranking

    assert rubric_ranking(rubric.pk, city.county_admin) == {a1.pk: 1, a2.pk: 2}


def test_a_score_outside_the_items_range_is_refused_with_nothing_changed(city):
    rubric = example()
    a = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a1, period_end=today()
    )
    manual = RubricItem.objects.get(category__rubric=rubric, code="A08")
    auto = RubricItem.objects.get(category__rubric=rubric, code="B01")
    for bad in ("2.5", "-1", "abc", "NaN"):
        with pytest.raises(ValidationError) as exc:
            scoring.assessment_self_score(
                actor=city.secretary, assessment=a, scores={manual.pk: bad}
            )
        assert f"item_{manual.pk}" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:  # an automatic item is not scored by hand
        scoring.assessment_self_score(actor=city.secretary, assessment=a, scores={auto.pk: "1"})
    assert "scored from the records" in str(exc.value)
    a.refresh_from_db()
    assert a.status == AssessmentStatus.OPEN and a.self_total is None
    assert not ItemScore.objects.filter(assessment=a, self_score__isnull=False).exists()


def test_assessment_start_refusals(city):
    rubric = example()
    with pytest.raises(ValidationError):  # a branch rubric for a township
        scoring.assessment_start(
            actor=city.county_admin, rubric=rubric, org=city.town_a, period_end=today()
        )
    with pytest.raises(PermissionDenied):  # the branch does not open its own
        scoring.assessment_start(
            actor=city.secretary, rubric=rubric, org=city.branch_a1, period_end=today()
        )
    with pytest.raises(PermissionDenied):  # another county
        scoring.assessment_start(
            actor=city.county_admin, rubric=rubric, org=city.branch_b1, period_end=today()
        )
    assert Assessment.objects.count() == 0 and ItemScore.objects.count() == 0


def test_weak_and_lax_identified_from_the_scores(city):
    rubric = example()
    low = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a1, period_end=today()
    )
    high = scoring.assessment_start(
        actor=city.county_admin, rubric=rubric, org=city.branch_a2, period_end=today()
    )
    Assessment.objects.filter(pk=high.pk).update(review_total=90)
    # the branch cannot identify itself from its own score
    assert scoring.weak_from_scores(actor=city.secretary, rubric=rubric, below=Decimal(200)) == []
    threshold = Decimal(60)
    Assessment.objects.filter(pk=low.pk).update(review_total=Decimal("55.5"))
    made = scoring.weak_from_scores(actor=city.county_admin, rubric=rubric, below=threshold)
    assert [w.org_id for w in made] == [city.branch_a1.pk]
    assert made[0].basis == "score" and "55.5" in made[0].reason
    # not twice
    assert scoring.weak_from_scores(actor=city.county_admin, rubric=rubric, below=threshold) == []
