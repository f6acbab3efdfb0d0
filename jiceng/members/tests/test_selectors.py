from datetime import date

import pytest
from django.http import QueryDict

from jiceng.core.testing import make_member
from jiceng.members import services
from jiceng.members.filters import MemberFilterSet
from jiceng.members.models import Member
from jiceng.members.selectors import member_count

FILTERS = [
    "",
    "education=20",
    "education=70",
    "sex=2",
    "membership=probationary",
    "standing=suspended",
    "occupation=08",
    "ethnicity=minority",
    "ethnicity=08",
    "age_band=≤30",
    "age_band=≥61",
    "age_band=46-50",
    "lost_contact=true",
    "mobile=true",
    "rolls=left",
    "rolls=all",
    "education=20&sex=1",
    "q=zs",
    "joined_from=2000-01-01",
]


@pytest.fixture
def varied(city):
    for i in range(12):
        born = date(1950 + i * 5, 1 + i % 12, 1 + i)
        status = {}
        if i == 11:
            status = {
                "membership": "probationary",
                "full_member_date": None,
                "join_date": date(born.year + 20, 6, 1),
            }
        make_member(
            city.branch_a1 if i % 2 else city.branch_a2,
            born=born,
            education="70" if i % 3 else "20",
            ethnicity="08" if i == 4 else "01",
            occupation="08" if born.year < 1960 else "03",
            is_mobile=i == 5,
            **status,
        )
    services.member_change_status(
        actor=None,
        member=Member.objects.last(),
        field="standing",
        value="suspended",
        effective_on=date(2025, 1, 1),
    )
    services.member_change_status(
        actor=None,
        member=Member.objects.first(),
        field="is_lost_contact",
        value=True,
        effective_on=date(2025, 1, 1),
    )
    services.member_change_status(
        actor=None,
        member=city.member_b1,
        field="leave_status",
        value="deceased",
        effective_on=date(2025, 1, 1),
    )
    return city


@pytest.mark.parametrize("query", FILTERS)
@pytest.mark.parametrize("persona", ["city_admin", "county_admin", "secretary", "member_user"])
def test_the_total_from_rollups_equals_the_rows_listed(varied, persona, query):
    user = getattr(varied, persona)
    for org in (None, varied.town_a, varied.branch_a2):
        data = QueryDict(query + (f"&org={org.pk}" if org else ""))
        fs = MemberFilterSet(data, queryset=Member.objects.restrict(user), user=user)
        assert member_count(user, fs) == fs.qs.count(), (persona, query, org)


def test_the_rollups_answer_without_scanning_members(varied, django_assert_max_num_queries):
    user = varied.city_admin
    fs = MemberFilterSet(
        QueryDict("age_band=≥61"), queryset=Member.objects.restrict(user), user=user
    )
    assert fs.rollup_match() is not None
    with django_assert_max_num_queries(3) as ctx:
        member_count(user, fs)
    assert not any("COUNT(" in q["sql"].upper() for q in ctx.captured_queries)
    fs = MemberFilterSet(QueryDict("q=zs"), queryset=Member.objects.restrict(user), user=user)
    assert fs.rollup_match() is None  # a search has to count its rows
