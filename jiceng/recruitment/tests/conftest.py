import pytest
from django.test import Client

from jiceng.api.tests.conftest import Api
from jiceng.core.testing import make_member
from jiceng.recruitment import testing


@pytest.fixture
def pipe(city):
    """The small city plus two full members of branch_a1 (contacts, introducers), a
    probationary one, and a fresh record in branch_a1 opened 36 months ago."""

    class Pipe:
        pass

    p = Pipe()
    p.city = city
    p.full1 = make_member(city.branch_a1, name="赵一")
    p.full2 = make_member(city.branch_a1, name="钱二")
    p.probationary = make_member(
        city.branch_a1, name="孙三", membership="probationary", full_member_date=None
    )
    p.record = testing.open_record(city.branch_a1, actor=city.secretary)
    p.approver = city.town_a.pk
    return p


def drive(p, upto: int, actor=None):
    return testing.advance(
        p.record,
        actor=actor,
        upto=upto,
        contacts=[p.full1.pk],
        introducers=[p.full1.pk, p.full2.pk],
        approver=p.approver,
    )


@pytest.fixture
def as_user():
    """as_user(user) → a JSON client logged in with the session."""

    def make(user):
        c = Client()
        c.force_login(user)
        return Api(c)

    return make
