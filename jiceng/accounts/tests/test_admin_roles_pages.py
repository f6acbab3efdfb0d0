"""The administrators' pages: an administrator role × page matrix (deny by default), and what
the pages do."""

from dataclasses import dataclass
from urllib.parse import urlparse

import pytest
from django.urls import reverse

from jiceng.accounts.models import AdminRole, RoleAssignment, User
from jiceng.audit.models import AuditEvent
from jiceng.core.testing import make_user
from jiceng.orgs.models import Organization

from .admins import make_admins

LOGIN = "login"
PERSONAS = (
    "anonymous",
    "system_admin",
    "security_admin",
    "audit_admin",
    "city_admin",
    "county_admin",
    "secretary",
    "member_user",
    "outsider",
)


@dataclass
class Page:
    name: str
    url: object  # (city) -> str
    data: object = None  # (city) -> dict: a POST
    ok: int = 200  # what the administrator the page serves gets
    serves: tuple = ()


def _viewer_role(city):
    return RoleAssignment.objects.get(user=city.viewer).pk


PAGES = [
    Page("list", lambda c: reverse("accounts:user_list"), serves=("system", "security")),
    Page(
        "detail",
        lambda c: reverse("accounts:user_detail", args=[c.viewer.pk]),
        serves=("system", "security"),
    ),
    Page("create GET", lambda c: reverse("accounts:user_create"), serves=("system",)),
    Page(
        "create POST",
        lambda c: reverse("accounts:user_create"),
        data=lambda c: {"username": "newbie", "display_name": "新人"},
        serves=("system",),
    ),
    Page(
        "edit GET", lambda c: reverse("accounts:user_edit", args=[c.viewer.pk]), serves=("system",)
    ),
    Page(
        "edit POST",
        lambda c: reverse("accounts:user_edit", args=[c.viewer.pk]),
        data=lambda c: {"display_name": "改名", "email": ""},
        ok=302,
        serves=("system",),
    ),
    Page(
        "active GET",
        lambda c: reverse("accounts:user_active", args=[c.viewer.pk]),
        serves=("system",),
    ),
    Page(
        "active POST",
        lambda c: reverse("accounts:user_active", args=[c.viewer.pk]),
        data=lambda c: {"confirm": "on", "active": "0"},
        ok=302,
        serves=("system",),
    ),
    Page(
        "password GET",
        lambda c: reverse("accounts:user_password", args=[c.viewer.pk]),
        serves=("system",),
    ),
    Page(
        "password POST",
        lambda c: reverse("accounts:user_password", args=[c.viewer.pk]),
        data=lambda c: {"confirm": "on"},
        serves=("system",),
    ),
    Page("top org GET", lambda c: reverse("accounts:top_org_create"), serves=("system",)),
    Page(
        "top org POST",
        lambda c: reverse("accounts:top_org_create"),
        data=lambda c: {"name": "中共茂名市委员会", "category": "09"},
        ok=302,
        serves=("system",),
    ),
    Page(
        "grant GET",
        lambda c: reverse("accounts:role_grant", args=[c.viewer.pk]),
        serves=("security",),
    ),
    Page(
        "grant POST",
        lambda c: reverse("accounts:role_grant", args=[c.viewer.pk]),
        data=lambda c: {"role": "viewer", "org": c.county_b.pk},
        ok=302,
        serves=("security",),
    ),
    Page(
        "revoke GET",
        lambda c: reverse("accounts:role_revoke", args=[c.viewer.pk, _viewer_role(c)]),
        serves=("security",),
    ),
    Page(
        "revoke POST",
        lambda c: reverse("accounts:role_revoke", args=[c.viewer.pk, _viewer_role(c)]),
        data=lambda c: {"confirm": "on"},
        ok=302,
        serves=("security",),
    ),
    Page(
        "admin role GET",
        lambda c: reverse("accounts:admin_role", args=[c.outsider.pk]),
        serves=("security",),
    ),
    Page(
        "admin role POST",
        lambda c: reverse("accounts:admin_role", args=[c.outsider.pk]),
        data=lambda c: {"admin_role": "audit"},
        ok=302,
        serves=("security",),
    ),
    Page(
        "unmask GET", lambda c: reverse("accounts:unmask", args=[c.viewer.pk]), serves=("security",)
    ),
    Page(
        "unmask POST",
        lambda c: reverse("accounts:unmask", args=[c.viewer.pk]),
        data=lambda c: {"allowed": "1"},
        ok=302,
        serves=("security",),
    ),
    Page(
        "org autocomplete",
        lambda c: reverse("accounts:org_autocomplete") + "?q=赤坎",
        serves=("security",),
    ),
]


ADMIN_PERSONAS = {"system_admin": "system", "security_admin": "security", "audit_admin": "audit"}


def expected(page: Page, persona: str):
    if persona == "anonymous":
        return LOGIN
    return page.ok if ADMIN_PERSONAS.get(persona) in page.serves else 403


CASES = [
    pytest.param(page, persona, expected(page, persona), id=f"{page.name}-{persona}")
    for page in PAGES
    for persona in PERSONAS
]


def login(client, city, admins, persona):
    if persona == "anonymous":
        return None
    role = ADMIN_PERSONAS.get(persona)
    user = getattr(admins, role) if role else getattr(city, persona)
    client.force_login(user)
    return user


@pytest.fixture
def admins(city):
    return make_admins()


@pytest.mark.parametrize(("page", "persona", "status"), CASES)
def test_admin_pages_matrix(client, city, admins, page, persona, status):
    user = login(client, city, admins, persona)
    url = page.url(city)
    response = client.get(url) if page.data is None else client.post(url, page.data(city))
    if status == LOGIN:
        assert response.status_code == 302
        assert urlparse(response["Location"]).path == reverse("login")
        return
    assert response.status_code == status, response.content.decode()[:2000]
    if status == 403:  # every refusal is recorded
        denied = AuditEvent.objects.filter(event="denied").order_by("-seq").first()
        assert (denied.outcome, denied.username) == ("denied", user.username)


def test_a_refused_post_changes_nothing(client, city, admins):
    """The audit administrator (and any other non-holder) changes nothing through any page."""
    before = (
        list(User.objects.order_by("pk").values_list("username", "is_active", "admin_role")),
        RoleAssignment.objects.count(),
        Organization.objects.count(),
    )
    client.force_login(admins.audit)
    for page in PAGES:
        if page.data is not None:
            assert client.post(page.url(city), page.data(city)).status_code == 403, page.name
    after = (
        list(User.objects.order_by("pk").values_list("username", "is_active", "admin_role")),
        RoleAssignment.objects.count(),
        Organization.objects.count(),
    )
    assert after == before
    denied = AuditEvent.objects.filter(event="denied", username="audit_admin")
    assert denied.count() == sum(1 for p in PAGES if p.data is not None)


def test_audit_admin_reaches_no_party_data(client, city, admins):
    client.force_login(admins.audit)
    assert client.get(reverse("orgs:org_detail", args=[city.city.pk])).status_code == 404
    assert client.get(reverse("members:member_detail", args=[city.member_a1.pk])).status_code == 404
    response = client.post(
        reverse("orgs:org_edit", args=[city.branch_a1.pk]), {"name": "改", "kind": "branch"}
    )
    assert response.status_code == 404
    assert Organization.objects.get(pk=city.branch_a1.pk).name == city.branch_a1.name
    home = client.get(reverse("web:home"))
    assert home.status_code == 302 and home["Location"] == reverse("audit:event_list")


def test_unknown_account_is_404(client, city, admins):
    client.force_login(admins.system)
    assert client.get(reverse("accounts:user_detail", args=[999_999])).status_code == 404
    assert client.get(reverse("accounts:user_edit", args=[999_999])).status_code == 404
    client.force_login(admins.security)
    other = RoleAssignment.objects.get(user=city.secretary).pk
    url = reverse("accounts:role_revoke", args=[city.viewer.pk, other])
    assert client.get(url).status_code == 404  # a role of somebody else


def test_administrators_accounts_are_out_of_reach(client, city, admins):
    root = make_user("root", is_superuser=True)
    client.force_login(admins.system)
    for target in (admins.security, admins.audit, admins.system, root):
        assert client.get(reverse("accounts:user_detail", args=[target.pk])).status_code == 200
        for name in ("user_edit", "user_active", "user_password"):
            assert client.get(reverse(f"accounts:{name}", args=[target.pk])).status_code == 403
    client.force_login(admins.security)
    second = make_user("security_two", admin_role=AdminRole.SECURITY)
    for target in (admins.security, second, root):
        for name in ("admin_role", "role_grant", "unmask"):
            assert client.get(reverse(f"accounts:{name}", args=[target.pk])).status_code == 403
    # A system or audit administrator: the role can be changed, no organisation role granted.
    assert client.get(reverse("accounts:admin_role", args=[admins.audit.pk])).status_code == 200
    response = client.post(
        reverse("accounts:role_grant", args=[admins.audit.pk]),
        {"role": "viewer", "org": city.city.pk},
    )
    assert response.status_code == 200
    assert (
        "administrator account cannot hold" in response.content.decode()
        or response.context["form"].errors
    )
    assert not RoleAssignment.objects.filter(user=admins.audit).exists()


def test_create_shows_the_password_once(client, city, admins):
    client.force_login(admins.system)
    response = client.post(reverse("accounts:user_create"), {"username": "li_na"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = response.context["password"]
    user = User.objects.get(username="li_na")
    assert user.check_password(password) and user.must_change_password
    assert password in response.content.decode()
    # A taken name is shown beside the field.
    again = client.post(reverse("accounts:user_create"), {"username": "LI_NA"})
    assert again.status_code == 200 and again.context["form"].errors["username"]


def test_grant_page_error_beside_the_field(client, city, admins):
    client.force_login(admins.security)
    url = reverse("accounts:role_grant", args=[city.viewer.pk])
    response = client.post(url, {"role": "viewer", "org": 999_999})
    assert response.status_code == 200 and response.context["form"].errors["org"]
    response = client.get(reverse("accounts:org_autocomplete") + "?q=遂溪")
    assert city.county_b.name in response.content.decode()
    assert city.county_a.name not in response.content.decode()


def test_detail_page_buttons_follow_the_role(client, city, admins):
    client.force_login(admins.system)
    html = client.get(reverse("accounts:user_detail", args=[city.viewer.pk])).content.decode()
    assert reverse("accounts:user_edit", args=[city.viewer.pk]) in html
    assert reverse("accounts:role_grant", args=[city.viewer.pk]) not in html
    client.force_login(admins.security)
    html = client.get(reverse("accounts:user_detail", args=[city.viewer.pk])).content.decode()
    assert reverse("accounts:role_grant", args=[city.viewer.pk]) in html
    assert reverse("accounts:user_edit", args=[city.viewer.pk]) not in html


def test_navbar_by_role(client, city, admins):
    for user, present, absent in (
        (admins.system, ["accounts:user_list", "accounts:top_org_create"], ["audit:event_list"]),
        (admins.security, ["accounts:user_list"], ["audit:event_list", "orgs:org_tree"]),
        (admins.audit, ["audit:event_list"], ["accounts:user_list", "members:member_list"]),
        (city.city_admin, ["orgs:org_tree"], ["accounts:user_list", "audit:event_list"]),
    ):
        client.force_login(user)
        page = "audit:event_list" if user.admin_role == "audit" else "accounts:user_list"
        if not user.admin_role:
            page = "orgs:org_tree"
        nav = client.get(reverse(page)).content.decode().split("</nav>")[0]
        for name in present:
            assert f'href="{reverse(name)}"' in nav, (user, name)
        for name in absent:
            assert f'href="{reverse(name)}"' not in nav, (user, name)


def test_user_list_filters_and_query_count(client, city, admins, django_assert_max_num_queries):
    for i in range(30):
        user = make_user(f"clerk{i:02d}", display_name=f"干事{i}")
        RoleAssignment.objects.create(user=user, role="viewer", org=city.county_a)
        RoleAssignment.objects.create(user=user, role="secretary", org=city.branch_a1)
    client.force_login(admins.security)
    client.get(reverse("accounts:user_list"))  # warm the session
    with django_assert_max_num_queries(8):
        response = client.get(reverse("accounts:user_list") + "?per_page=50")
    assert response.status_code == 200
    assert len(response.context["objects"]) == User.objects.count() == 39
    response = client.get(reverse("accounts:user_list") + "?role=secretary&per_page=50")
    names = {u.username for u in response.context["objects"]}
    assert "secretary" in names and "clerk05" in names and "viewer" not in names
    assert response.context["total"] == 31
    response = client.get(reverse("accounts:user_list") + "?admin_role=any")
    assert {u.username for u in response.context["objects"]} == {
        "system_admin",
        "security_admin",
        "audit_admin",
    }
    response = client.get(reverse("accounts:user_list") + "?q=干事1")
    assert response.context["total"] == 11  # 干事1, 干事10…19


def test_disabling_ends_the_users_sessions_at_once(client, city, admins):
    from django.test import Client

    other = Client()
    other.force_login(city.viewer)
    assert other.get(reverse("orgs:org_tree")).status_code == 200
    client.force_login(admins.system)
    response = client.post(
        reverse("accounts:user_active", args=[city.viewer.pk]), {"confirm": "on", "active": "0"}
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(event="user_disable", object_id=str(city.viewer.pk)).exists()
    after = other.get(reverse("orgs:org_tree"))
    assert after.status_code == 302 and urlparse(after["Location"]).path == reverse("login")
