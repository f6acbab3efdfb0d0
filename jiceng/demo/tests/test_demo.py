"""The demo city: its generator (pure, at full and small scale) and `jiceng demo` itself.

Builds in the database use a tiny scale; the full city is only planned (no members, no
database), which is enough to check the source document's figures.
"""

import io
import re
from collections import Counter
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from jiceng.accounts.models import RoleAssignment
from jiceng.core import idnumber
from jiceng.core.dates import add_months, full_years
from jiceng.core.pinyin import name_pinyin
from jiceng.demo import build, city
from jiceng.members.models import Member
from jiceng.orgs import rollups
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgStats
from jiceng.orgs.rules import default_term_years, parent_problem

SCALE = "0.002"
AS_OF = date(2026, 6, 30)
LOGIN_LINE = re.compile(r"^  (\w+)\s+([A-Za-z0-9]{16})  (.+)$", re.M)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def full_plan():
    return city.plan_city(seed=2017, scale=1.0, as_of=AS_OF)


@pytest.fixture(scope="module")
def small_plan():
    """A small city with its members generated (rows kept on the plan for the checks)."""
    plan = city.plan_city(seed=7, scale=0.01, as_of=AS_OF)
    plan.rows = [row for _org, rows in city.generate_members(plan) for row in rows]
    return plan


def run(*args: str, scale: str = SCALE) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "demo", "--scale", scale, "--as-of", AS_OF.isoformat(), *args, stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


def logins(text: str) -> dict[str, str]:
    return {user: password for user, password, _ in LOGIN_LINE.findall(text)}


# -- the generator ----------------------------------------------------------------------------


def test_full_scale_plan_has_the_documents_figures(full_plan):
    orgs = full_plan.orgs
    kinds = Counter(o.kind for o in orgs)
    assert kinds["city"] == 1 and kinds["county"] == 11 and kinds["township"] == 121
    top_units = Counter(
        o.unit_type for o in orgs if o.kind in city.GRASSROOTS_KINDS and o.parent.kind == "township"
    )
    assert top_units["village"] == 1629
    assert top_units["community"] == 305
    grassroots = sum(kinds[k] for k in city.GRASSROOTS_KINDS)
    assert abs(grassroots - 13_000) <= 130
    assert sum(o.size for o in full_plan.branches) == 322_000
    assert all(3 <= o.size <= 50 for o in full_plan.branches)
    village_kinds = Counter(
        o.kind for o in orgs if o.unit_type == "village" and o.parent.kind == "township"
    )
    assert village_kinds["branch"] > village_kinds["general_branch"] > village_kinds["primary"] > 0
    assert {o.county.code for o in orgs if o.county} >= {"440802", "440883", ""}
    zone_codes = {t.code for t in full_plan.townships if t.county.kind == "zone"}
    assert zone_codes <= {"440811", "440804", "440823"}


def test_plan_tree_is_well_formed(full_plan):
    paths = set()
    for o in full_plan.orgs:
        assert len(o.path) == 4 * o.depth and o.path not in paths
        paths.add(o.path)
        if o.parent is None:
            assert o.kind == "city" and o.depth == 1
        else:
            assert o.path[:-4] == o.parent.path
            assert parent_problem(o.parent.kind, o.kind) is None, o.name
        assert len(o.name) <= 120 and len(o.short_name) <= 40 and len(o.unit_name) <= 120
        assert o.term_years == default_term_years(o.kind, o.unit_type)
        assert o.founded_on <= o.term_started_on <= AS_OF
        assert (AS_OF - o.term_started_on).days < 365 * o.term_years
    assert len({o.id for o in full_plan.orgs}) == len(full_plan.orgs)


def test_generated_members_are_valid(small_plan):
    cols = {c: i for i, c in enumerate(city.MEMBER_COLUMNS)}
    rows = small_plan.rows
    assert len(rows) == small_plan.target_members == 3220
    assert len({r[cols["id_number"]] for r in rows}) == len(rows)
    branch_ids = {o.id for o in small_plan.branches}
    for r in rows:
        get = lambda c, r=r: r[cols[c]]  # noqa: E731
        info = idnumber.parse(get("id_number"), today=AS_OF)
        assert info.birth_date == get("birth_date") and info.sex == get("sex")
        assert 18 <= full_years(get("birth_date"), AS_OF) <= 95
        assert get("org_id") in branch_ids
        join = get("join_date")
        assert join <= AS_OF and full_years(get("birth_date"), join) >= 18
        if get("membership") == "probationary":
            assert get("full_member_date") is None and (AS_OF - join).days < 366
        else:
            assert get("full_member_date") == add_months(join, 12) <= AS_OF
        assert (get("name_pinyin"), get("name_initials")) == name_pinyin(get("name"))
        phone = get("phone")
        assert re.fullmatch(r"1[358]\d{9}", phone) and get("phone_tail") == phone[-4:]
        assert get("address").startswith("湛江市")
        assert get("is_mobile") == bool(get("mobile_destination"))
        assert get("is_lost_contact") == (get("lost_contact_since") is not None)
        if get("occupation") == "08":
            assert full_years(get("birth_date"), AS_OF) >= 61
    share = Counter(r[cols["sex"]] for r in rows)["1"] / len(rows)
    assert 0.6 < share < 0.85  # ~72% in the full city
    probationary = Counter(r[cols["membership"]] for r in rows)["probationary"] / len(rows)
    assert 0.01 < probationary < 0.06


def test_every_grassroots_org_has_a_secretary_from_its_subtree(small_plan):
    where = {r[0]: r[city.MEMBER_COLUMNS.index("org_id")] for r in small_plan.rows}
    by_id = {o.id: o for o in small_plan.orgs}
    for o in small_plan.orgs:
        if o.kind in city.GRASSROOTS_KINDS:
            assert o.secretary_id is not None, o.name
            branch = by_id[where[o.secretary_id]]
            assert branch.path.startswith(o.path)
            assert o.contact_name and o.contact_phone
            if o.kind in city.BRANCH_KINDS:
                assert branch is o


def test_bounded_apportion_is_exact_and_bounded():
    import random

    rng = random.Random(1)
    desired = [rng.uniform(1, 60) for _ in range(500)]
    sizes = city.bounded_apportion(15_000, desired, [3] * 500, [50] * 500, rng)
    assert sum(sizes) == 15_000 and min(sizes) >= 3 and max(sizes) <= 50
    with pytest.raises(ValueError):
        city.bounded_apportion(30_000, desired, [3] * 500, [50] * 500, rng)


# -- the command -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_build_is_consistent():
    out, err = run()
    assert "members" in err and "100%" in err
    assert Member.objects.count() == 644
    assert "Members: 644" in out
    assert not Member.objects.exclude(org__kind__in=BRANCH_KINDS).exists()
    assert all(idnumber.is_valid(n) for n in Member.objects.values_list("id_number", flat=True))
    assert rollups.check() == []
    root = Organization.objects.get(parent__isnull=True)
    assert root.name == "中共湛江市委员会" and root.region_code == "440800"
    counts = OrgStats.objects.get(org=root).counts
    assert counts["members"] == Member.objects.count()
    assert counts["orgs"] == Organization.objects.count()
    assert Organization.objects.filter(kind="county").count() == 11
    for org in Organization.objects.filter(kind__in=BRANCH_KINDS).select_related("secretary"):
        assert org.secretary.org_id == org.id
    # Demo users
    users = {u.username: u for u in get_user_model().objects.all()}
    assert set(logins(out)) == set(build.DEMO_USERNAMES) <= set(users)
    # The three separated administrators, and no superuser at all.
    assert not any(u.is_superuser or u.is_staff for u in users.values())
    admins = {name: u.admin_role for name, u in users.items() if u.admin_role}
    assert admins == {"sysadmin": "system", "secadmin": "security", "auditor": "audit"}
    assert users["admin"].has_perm("members.unmask_personal_data")
    assert not users["county"].has_perm("members.unmask_personal_data")
    roles = {
        (ra.user.username, ra.role, ra.org.kind)
        for ra in RoleAssignment.objects.select_related("user", "org")
    }
    assert roles == {
        ("admin", "admin", "city"),
        ("county", "admin", "county"),
        ("viewer", "viewer", "city"),
        ("secretary", "secretary", "branch"),
    }
    county = RoleAssignment.objects.get(user__username="county").org
    assert county.unit_name == "赤坎区"
    secretary = users["secretary"]
    branch = RoleAssignment.objects.get(user=secretary).org
    assert Member.objects.get(user=secretary).pk == branch.secretary_id
    assert Member.objects.get(user=users["member"]).org_id == branch.id
    for user, password in logins(out).items():
        assert users[user].check_password(password)


@pytest.mark.django_db
def test_same_seed_same_city():
    run("--seed", "11")
    first = build.digest()
    run("--seed", "11", "--replace")
    assert build.digest() == first
    assert Organization.objects.filter(parent__isnull=True).count() == 1
    run("--seed", "12", "--replace")
    assert build.digest() != first


@pytest.mark.django_db
@pytest.mark.skipif(not build.can_fork(), reason="needs fork and two CPUs")
def test_parallel_generation_gives_the_same_city():
    build.build(seed=5, scale=0.002, as_of=AS_OF, parallel=False)
    serial = build.digest()
    build.build(seed=5, scale=0.002, as_of=AS_OF, parallel=True, replace=True)
    assert build.digest() == serial
    assert rollups.check() == []


@pytest.mark.django_db
def test_refuses_an_existing_database_without_replace():
    run()
    before = (build.digest(), Member.objects.count(), Organization.objects.count())
    with pytest.raises(CommandError, match="--replace") as excinfo:
        run("--seed", "99")
    assert excinfo.value.returncode == 1
    assert (build.digest(), Member.objects.count(), Organization.objects.count()) == before


@pytest.mark.django_db
def test_keep_existing_only_prints_new_logins():
    first = logins(run()[0])
    before = build.digest()
    out, _ = run("--keep-existing", "--seed", "99")
    again = logins(out)
    assert "nothing was built" in out and set(again) == set(first)
    assert all(again[u] != first[u] for u in first)
    assert build.digest() == before
    users = {u.username: u for u in get_user_model().objects.all()}
    for user, password in again.items():
        assert users[user].check_password(password)
    assert RoleAssignment.objects.count() == 4


@pytest.mark.django_db
def test_keep_existing_on_an_empty_database_builds():
    out, _ = run("--keep-existing")
    assert Member.objects.count() == 644 and set(logins(out)) == set(build.DEMO_USERNAMES)


@pytest.mark.django_db
def test_bad_arguments():
    with pytest.raises(CommandError, match="--scale"):
        run(scale="2")
    with pytest.raises(CommandError):
        run("--replace", "--keep-existing")
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_keep_existing_turns_an_old_superuser_sysadmin_into_the_system_administrator():
    run()
    get_user_model().objects.filter(username="sysadmin").update(
        is_superuser=True, is_staff=True, admin_role=""
    )
    out, _ = run("--keep-existing")
    sysadmin = get_user_model().objects.get(username="sysadmin")
    assert sysadmin.admin_role == "system" and not sysadmin.is_superuser
    assert not get_user_model().objects.filter(is_superuser=True).exists()
    assert "security administrator" in out and "audit administrator" in out
