import pytest

from jiceng.core import scope
from jiceng.members.models import Member
from jiceng.orgs.models import Organization


def visible(model, user, action="view"):
    return set(model.objects.restrict(user, action).values_list("pk", flat=True))


def test_city_admin_sees_everything(city):
    assert visible(Organization, city.city_admin) == set(
        Organization.objects.values_list("pk", flat=True)
    )


def test_county_admin_sees_only_their_subtree(city):
    orgs = visible(Organization, city.county_admin)
    assert city.branch_a1.pk in orgs and city.county_a.pk in orgs
    assert city.branch_b1.pk not in orgs and city.city.pk not in orgs
    assert visible(Member, city.county_admin) == {city.member_a1.pk}


def test_viewer_reads_but_cannot_change(city):
    assert city.member_b1.pk in visible(Member, city.viewer)
    assert visible(Member, city.viewer, "change") == set()


def test_secretary_sees_their_branch(city):
    assert visible(Organization, city.secretary) == {city.branch_a1.pk}
    assert visible(Member, city.secretary, "change") == {city.member_a1.pk}
    assert visible(Member, city.secretary, "delete") == set()


def test_member_sees_only_themselves_and_their_branch(city):
    assert visible(Member, city.member_user) == {city.member_a1.pk}
    assert visible(Organization, city.member_user) == {city.branch_a1.pk}
    assert visible(Member, city.member_user, "change") == set()


def test_outsider_sees_nothing(city):
    assert visible(Organization, city.outsider) == set()
    assert visible(Member, city.outsider) == set()


def test_anonymous_and_inactive_users_see_nothing(city):
    from django.contrib.auth.models import AnonymousUser

    assert visible(Member, AnonymousUser()) == set()
    city.city_admin.is_active = False
    assert visible(Member, city.city_admin) == set()


def test_unknown_actions_are_an_error(city):
    with pytest.raises(ValueError):
        Member.objects.restrict(city.city_admin, "steal")


def test_ensure_in_scope(city):
    scope.ensure_in_scope(city.county_admin, "change", city.member_a1)
    with pytest.raises(scope.PermissionDenied):
        scope.ensure_in_scope(city.county_admin, "change", city.member_b1)
