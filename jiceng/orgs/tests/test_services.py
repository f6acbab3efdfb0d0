from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections, transaction

from jiceng.core.testing import make_member
from jiceng.orgs import rollups, services
from jiceng.orgs.models import Organization
from jiceng.orgs.selectors import subtree_summary


def paths():
    return dict(Organization.objects.values_list("id", "path"))


def test_children_get_paths_under_their_parent(city):
    assert city.branch_a1.path.startswith(city.town_a.path)
    assert city.branch_a1.depth == 4
    assert {o.name for o in Organization.objects.subtree(city.county_a)} == {
        "中共湛江市赤坎区委员会",
        "中华街道党工委",
        "寸金社区党支部",
        "海滨社区党支部",
    }


def test_rehoming_moves_the_whole_subtree_and_its_counts(city):
    make_member(city.branch_a2)
    before_a = subtree_summary(city.county_a)["members"]
    before_b = subtree_summary(city.county_b)["members"]
    moved = services.org_move(actor=city.city_admin, org=city.town_a, new_parent=city.county_b)
    assert moved.parent == city.county_b
    for org in Organization.objects.subtree(moved):
        assert org.path.startswith(city.county_b.path)
    city.branch_a1.refresh_from_db()
    assert city.branch_a1.path.startswith(moved.path)
    assert subtree_summary(city.county_a)["members"] == 0
    assert subtree_summary(city.county_b)["members"] == before_b + before_a
    assert subtree_summary(city.city)["members"] == before_a + before_b
    assert rollups.check() == []


def test_moving_under_its_own_descendant_is_refused_and_changes_nothing(city):
    before = paths()
    with pytest.raises(ValidationError) as exc:
        services.org_move(actor=city.city_admin, org=city.county_a, new_parent=city.town_a)
    assert "parent" in exc.value.message_dict
    assert "under itself" in exc.value.message_dict["parent"][0]
    assert paths() == before


def test_moving_outside_the_actors_scope_is_refused(city):
    before = paths()
    with pytest.raises(ValidationError) as exc:
        services.org_move(actor=city.county_admin, org=city.town_a, new_parent=city.county_b)
    assert "scope" in exc.value.message_dict["parent"][0]
    assert paths() == before


def test_an_outsider_cannot_move_anything(city):
    with pytest.raises(PermissionDenied):
        services.org_move(actor=city.outsider, org=city.town_a, new_parent=city.county_b)


def test_a_branch_cannot_hold_organisations(city):
    with pytest.raises(ValidationError) as exc:
        services.org_create(
            actor=city.city_admin,
            parent=city.branch_a1,
            name="x",
            kind="branch",
            category="09",
            unit_type="other",
        )
    assert "branch cannot contain" in exc.value.message_dict["parent"][0]


def test_a_viewer_cannot_create(city):
    with pytest.raises(ValidationError):
        services.org_create(
            actor=city.viewer,
            parent=city.town_a,
            name="x",
            kind="branch",
            category="09",
            unit_type="other",
        )
    assert not Organization.objects.filter(name="x").exists()


def test_terms_default_by_kind(city):
    assert city.branch_a1.term_years == 5  # a community organisation: 5 years (ORG-05)
    org = services.org_create(
        actor=city.county_admin,
        parent=city.town_a,
        name="区教育局机关党支部",
        kind="branch",
        category="04",
        unit_type="agency",
    )
    assert org.term_years == 3


def test_dissolving_keeps_the_record_and_refuses_while_members_remain(city):
    with pytest.raises(ValidationError, match="Transfer its members"):
        services.org_dissolve(actor=city.city_admin, org=city.branch_a1, dissolved_on=date.today())
    services.org_dissolve(actor=city.city_admin, org=city.branch_a2, dissolved_on=date.today())
    city.branch_a2.refresh_from_db()
    assert city.branch_a2.status == "dissolved"
    assert subtree_summary(city.town_a)["orgs"] == 2
    assert rollups.check() == []


def test_a_secretary_may_not_dissolve(city):
    with pytest.raises(PermissionDenied):
        services.org_dissolve(actor=city.secretary, org=city.branch_a1, dissolved_on=date.today())


def test_bulk_deltas_reach_every_ancestor_once_and_the_work_alongside_runs(city):
    ran = []
    shared = connections["default"]  # this thread's connection, inside the test's transaction

    def alongside():
        with shared.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM orgs_organization")
            ran.append(cursor.fetchone()[0])

    orgs = (city.branch_a1, city.branch_a2, city.town_a, city.city, city.county_b)
    before = {org: rollups.subtree_counts(org)["members"] for org in orgs}
    rollups.apply_deltas(
        {city.branch_a1.pk: {"members": 3}, city.branch_a2.pk: {"members": 2}},
        alongside=alongside,
    )
    assert ran == [Organization.objects.count()]
    after = {org: rollups.subtree_counts(org)["members"] for org in orgs}
    assert [after[org] - before[org] for org in orgs] == [3, 2, 5, 5, 0]


def test_a_failure_alongside_the_sums_is_raised_and_nothing_is_written(city):
    def fails():
        raise RuntimeError("index rebuild failed")

    before = rollups.subtree_counts(city.city)
    with pytest.raises(RuntimeError, match="index rebuild failed"), transaction.atomic():
        rollups.apply_deltas({city.branch_a1.pk: {"members": 3}}, alongside=fails)
    assert rollups.subtree_counts(city.city) == before
    ran = []
    rollups.apply_deltas({}, alongside=lambda: ran.append(1))  # nothing to add: still runs
    assert ran == [1]
