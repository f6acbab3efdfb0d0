"""Change records, take a new snapshot, see each affected figure change (and no other)."""

from datetime import date

import pytest

from jiceng.core.testing import make_org
from jiceng.members import services as member_services
from jiceng.orgs import services as org_services
from jiceng.reports import tables

from .helpers import leave, recruit, take

pytestmark = pytest.mark.django_db


def totals(snapshot, key):
    table = tables.build(snapshot, key)
    return dict(zip([k for k, _l in table.columns], table.total.cells, strict=True))


def _education(city):
    member_services.member_update(actor=None, member=city.member_b1, education="70")


def _ethnicity(city):
    member_services.member_update(actor=None, member=city.member_b1, ethnicity="08")


def _occupation(city):
    member_services.member_update(actor=None, member=city.member_b1, occupation="08")


def _leave(city):
    leave(city.member_b1, "expelled", date(2025, 5, 1))


def _org_category(city):
    org_services.org_update(actor=None, org=city.branch_b1, category="01")


def _new_branch(city):
    make_org(city.town_b, "新村党总支", "general_branch", category="03")


def _coverage(city):
    for month in (1, 2):
        recruit(city.branch_b1, date(2020, month, 1))


CHANGES = [
    # (change, table, {column: (before, after)})
    (_education, "education", {"20": (2, 1), "70": (0, 1), "tertiary": (2, 1)}),
    (_ethnicity, "ethnicity", {"han": (2, 1), "minority": (0, 1)}),
    (_occupation, "occupation", {"03": (2, 1), "08": (0, 1)}),
    (_leave, "leaving", {"expelled": (0, 1), "total": (0, 1)}),
    (_leave, "sex", {"total": (2, 1), "2": (1, 0)}),
    (_org_category, "org_categories", {"03": (1, 0), "01": (0, 1)}),
    (_new_branch, "org_kinds", {"general_branch": (0, 1), "total": (3, 4)}),
    (
        _coverage,
        "coverage",
        {"village": (1, 1), "village_covered": (0, 1), "village_share": (0.0, 100.0)},
    ),
]


@pytest.mark.parametrize(
    ("change", "key", "expected"), CHANGES, ids=lambda v: getattr(v, "__name__", None)
)
def test_each_figure_follows_the_records(city, change, key, expected):
    before = take(city, 2024)
    change(city)
    after = take(city, 2025)
    old, new = totals(before, key), totals(after, key)
    for column, (was, now) in expected.items():
        assert (old[column], new[column]) == (was, now), column
    untouched = set(old) - set(expected) - {"total"}
    assert {c: old[c] for c in untouched} == {c: new[c] for c in untouched}


def test_age_bands_are_ages_on_31_december(city):
    # member_a1 born 1980-05-17, member_b1 1975-03-02
    now = totals(take(city, 2025), "age")
    assert now["41-45"] == 1 and now["46-50"] == 1  # 45 and 50 at the end of 2025
    snap = take(city, 2020)
    ages = totals(snap, "age")
    assert ages["36-40"] == 1 and ages["41-45"] == 1  # 40 and 45 at the end of 2020


def test_joining_era_and_membership(city):
    recruit(city.branch_a1, date(2012, 6, 1))
    snap = take(city, 2025)
    eras = totals(snap, "join_era")
    # member_a1 joined 2005, member_b1 2000: 2002-2012 and 1976-2002; the new one since 2012
    assert eras["2002-2012"] == 1 and eras["1976-2002"] == 1 and eras["2012-"] == 1
    assert totals(snap, "membership") == {"total": 3, "full": 3, "probationary": 0}
