"""The campaign report of a small demo city: every figure the report shows that is a plain count
of records equals that count made the naive way (organisation by organisation, straight from
the records), for the city and for one county; and the sentences carry those numbers.

The full city is never built in tests: `jiceng campaign_report --check-source` compares the
report of the full demo with the source document's table (see bench/README.md).
"""

from datetime import date

import pytest
from django.utils import translation

from jiceng.demo import build
from jiceng.orgs.models import Organization, OrgKind
from jiceng.reports.campaign import content, naive, numbers

AS_OF = date(2026, 11, 15)
START = date(AS_OF.year, 1, 1)


@pytest.fixture
def demo(db):
    build.build(seed=5, scale=0.004, as_of=AS_OF, parallel=False)
    return Organization.objects.get(parent__isnull=True)


def _compare(org) -> dict:
    scope = content.scope_for(org, START, AS_OF)
    values = content.compute(scope)
    direct = naive.compute(scope)
    compared = {}
    for key, count in direct.items():
        value = values[key].value
        compared[key] = (value, count)
        assert (value if value is not None else 0) == count, (org.name, key, value, count)
    return compared


def test_every_counted_figure_of_the_demo_report_is_the_count_of_its_records(demo):
    compared = _compare(demo)
    assert set(compared) == set(naive.NAIVE)
    # the demo city has records of every system, so these are real comparisons, not 0 == 0
    for key in ("orgs.grassroots", "members.total", "elections.renewed", "activities.meetings"):
        assert compared[key][1] > 0, key
    county = Organization.objects.filter(kind=OrgKind.COUNTY).order_by("path").first()
    _compare(county)


def test_the_demo_report_says_its_figures_in_chinese(demo):
    scope = content.scope_for(demo, START, AS_OF)
    with translation.override("zh-hans"):
        report = content.compose(demo, START, AS_OF, content.compute(scope))
        members = report.value("members.total").value
        renewed = report.value("elections.renewed")
        organisation = report.sections[0]
        assert report.subject == "全市"
        assert f"全市共有党员{numbers.count(members)}名。" in report.sections[1].sentences
        if renewed.value:
            villages = numbers.count(renewed.parts["villages"])
            assert any(f"全市完成{villages}个村" in s for s in organisation.sentences)
    for line in report.lines:  # no value, no sentence
        if line.value.value is None:
            assert line.sentence is None, line.key
