"""Rate limits (jiceng.web.ratelimit): each limited action answers 429 once a caller has used
its requests, works again in the next window, and counts each user (each address, for the
login) apart."""

import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.accounts.tokens import token_issue
from jiceng.core.testing import PASSWORD, make_user
from jiceng.web import ratelimit

LIMIT = 2


@pytest.fixture
def clock(monkeypatch):
    """The limiter's clock, at a window's start; `clock.advance(seconds)` moves it."""

    class Clock:
        t = 1_800_000_000.0  # a multiple of 60 and of 3600

        def advance(self, seconds):
            self.t += seconds

    c = Clock()
    monkeypatch.setattr(ratelimit, "now", lambda: c.t)
    return c


@pytest.fixture
def limits(settings):
    settings.JICENG_RATE_LIMITS = dict.fromkeys(
        ("login", "search", "unmask", "export", "import"), f"{LIMIT}/1m"
    )


@pytest.fixture
def admins(city):
    """Two users who may do everything limited here (search, unmask, export, import)."""
    other = make_user("city_admin_2", role="admin", org=city.city, unmask=True)
    return city.city_admin, other


def session(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_json(client, method, url, data=None, **headers):
    if method == "get":
        return client.get(url, data or {}, headers=headers)
    return client.post(
        url, json.dumps(data or {}), content_type="application/json", headers=headers
    )


def xlsx_upload(client):
    file = io.BytesIO(b"not a spreadsheet")
    file.name = "党员.xlsx"
    return client.post(reverse("transfer:import_upload"), {"file": file})


# (name, the action counted, send(client, city) -> response)
CASES = [
    (
        "member list search",
        "search",
        lambda c, city: c.get(reverse("members:member_list"), {"q": "zs"}),
    ),
    (
        "member list search (HTMX)",
        "search",
        lambda c, city: c.get(
            reverse("members:member_list"), {"q": "张"}, headers={"HX-Request": "true"}
        ),
    ),
    (
        "org list search",
        "search",
        lambda c, city: c.get(reverse("orgs:org_list"), {"q": "社区"}),
    ),
    (
        "member autocomplete",
        "search",
        lambda c, city: c.get(
            reverse("members:member_autocomplete"),
            {"field": "secretary", "secretary__search": "zs"},
        ),
    ),
    (
        "org autocomplete",
        "search",
        lambda c, city: c.get(
            reverse("orgs:org_autocomplete"), {"field": "org", "org__search": "党"}
        ),
    ),
    (
        "API member search",
        "search",
        lambda c, city: api_json(c, "get", "/api/members/", {"q": "zs"}),
    ),
    (
        "API org search",
        "search",
        lambda c, city: api_json(c, "get", "/api/orgs/", {"q": "社区"}),
    ),
    (
        "unmask",
        "unmask",
        lambda c, city: c.post(
            reverse("members:member_unmask", args=[city.member_a1.pk]),
            {"field": "phone", "reason": "核对联系方式"},
            headers={"HX-Request": "true"},
        ),
    ),
    (
        "API unmask",
        "unmask",
        lambda c, city: api_json(
            c,
            "post",
            f"/api/members/{city.member_a1.pk}/unmask",
            {"field": "phone", "reason": "核对联系方式"},
        ),
    ),
    (
        "member export",
        "export",
        lambda c, city: c.get(reverse("transfer:export_members")),
    ),
    ("org export", "export", lambda c, city: c.get(reverse("transfer:export_orgs"))),
    ("import upload", "import", lambda c, city: xlsx_upload(c)),
]


@pytest.mark.parametrize(("name", "action", "send"), CASES, ids=[c[0] for c in CASES])
def test_limited_per_user_and_again_after_the_window(
    name, action, send, city, admins, limits, clock
):
    first, second = session(admins[0]), session(admins[1])
    for _ in range(LIMIT):
        response = send(first, city)
        assert response.status_code < 400, (response.status_code, response.content[:300])
    refused = send(first, city)
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "no-store" in refused["Cache-Control"]

    # Another user is not affected, nor another action of the same user.
    assert send(second, city).status_code != 429
    other_action = "import" if action != "import" else "export"
    probe = dict(CASES_BY_ACTION)[other_action]
    assert probe(first, city).status_code != 429

    clock.advance(59)
    assert send(first, city).status_code == 429
    clock.advance(1)  # the next window
    assert send(first, city).status_code < 400


CASES_BY_ACTION = [
    ("export", lambda c, city: c.get(reverse("transfer:export_orgs"))),
    ("import", lambda c, city: xlsx_upload(c)),
]


def test_the_answers_speak_the_callers_format(city, admins, limits, clock):
    client = session(admins[0])
    url = reverse("members:member_list")
    for _ in range(LIMIT):
        client.get(url, {"q": "zs"})
    page = client.get(url, {"q": "zs"})
    assert page.status_code == 429 and page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "请求过于频繁" in html and "1 分钟" in html  # Chinese by default
    fragment = client.get(url, {"q": "zs"}, headers={"HX-Request": "true"})
    assert fragment.status_code == 429 and fragment["Content-Type"].startswith("text/plain")
    assert "<html" not in fragment.content.decode()
    for _ in range(LIMIT):
        client.get("/api/members/", {"q": "zs"})
    api = client.get("/api/members/", {"q": "zs"})
    assert api.status_code == 429 and api["Content-Type"] == "application/json"
    assert set(api.json()) == {"detail"} and "1" in api.json()["detail"]


def test_api_tokens_are_counted_per_user(city, admins, limits, clock):
    _, raw_a = token_issue(user=admins[0], name="a")
    _, raw_a2 = token_issue(user=admins[0], name="a, second token")
    _, raw_b = token_issue(user=admins[1], name="b")
    client = Client()
    for raw in (raw_a, raw_a2):
        ok = api_json(client, "get", "/api/members/", {"q": "zs"}, Authorization=f"Bearer {raw}")
        assert ok.status_code == 200
    refused = api_json(client, "get", "/api/members/", {"q": "zs"}, Authorization=f"Bearer {raw_a}")
    assert refused.status_code == 429  # a second token of the same user shares the count
    other = api_json(client, "get", "/api/members/", {"q": "zs"}, Authorization=f"Bearer {raw_b}")
    assert other.status_code == 200


def test_only_searches_count_as_searches(city, admins, limits, clock):
    client = session(admins[0])
    url = reverse("members:member_list")
    for _ in range(LIMIT * 3):
        assert client.get(url, {"status": "", "q": ""}).status_code == 200
        assert client.get(reverse("orgs:org_autocomplete"), {"field": "org"}).status_code == 200
    assert client.get(url, {"q": "zs"}).status_code == 200


def test_login_is_limited_per_client_address(city, limits, clock):
    url = reverse("login")
    form = {"username": "city_admin", "password": "wrong password"}

    def attempt(address, data=form):
        return Client(REMOTE_ADDR=address).post(url, data)

    for _ in range(LIMIT):
        assert attempt("10.1.1.1").status_code == 200  # the form again, with an error
    refused = attempt("10.1.1.1")
    assert refused.status_code == 429 and "Retry-After" in refused
    # Even the right password waits: the limit is on attempts from the address.
    right = {"username": "city_admin", "password": PASSWORD}
    assert attempt("10.1.1.1", right).status_code == 429
    assert attempt("10.1.1.2", right).status_code == 302  # another address is not affected
    assert Client(REMOTE_ADDR="10.1.1.1").get(url).status_code == 200  # only POSTs count
    clock.advance(60)
    assert attempt("10.1.1.1", right).status_code == 302


def test_login_behind_a_trusted_proxy_counts_the_forwarded_address(city, limits, clock, settings):
    settings.JICENG_TRUSTED_PROXIES = ["127.0.0.1"]
    url = reverse("login")
    form = {"username": "x", "password": "y"}

    def attempt(forwarded):
        return Client(REMOTE_ADDR="127.0.0.1").post(
            url, form, headers={"X-Forwarded-For": forwarded}
        )

    for _ in range(LIMIT):
        attempt("203.0.113.5")
    assert attempt("203.0.113.5").status_code == 429
    assert attempt("203.0.113.6").status_code == 200


def test_rates():
    assert ratelimit.parse_rate("30/5m") == (30, 300)
    assert ratelimit.parse_rate("10/h") == (10, 3600)
    assert ratelimit.parse_rate("100/60") == (100, 60)
    assert ratelimit.parse_rate("2/1d") == (2, 86400)
    for off in ("off", "", None, "OFF"):
        assert ratelimit.parse_rate(off) is None
    for bad in ("30", "x/5m", "30/5y", "30/0m"):
        with pytest.raises(ValueError):
            ratelimit.parse_rate(bad)


def test_a_limit_turned_off_never_refuses(city, admins, settings, clock):
    settings.JICENG_RATE_LIMITS = {"search": "off"}
    client = session(admins[0])
    for _ in range(5):
        assert client.get(reverse("members:member_list"), {"q": "zs"}).status_code == 200


def test_the_settings_default_limits_are_valid(settings):
    from jiceng import settings as project_settings

    for action in ("login", "search", "unmask", "export", "import"):
        assert ratelimit.parse_rate(project_settings.JICENG_RATE_LIMITS[action]) is not None
