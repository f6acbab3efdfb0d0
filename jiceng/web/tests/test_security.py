"""Web hardening: the security headers on every page, Cache-Control: no-store on everything a
signed-in user gets, cookies, CSRF, and the production settings (JICENG_HTTPS) that
`jiceng check --deploy` must pass without a single issue."""

import base64
import json
import os
import secrets
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from jiceng.accounts.tokens import token_issue
from jiceng.web.middleware import NoStoreMiddleware, cacheable

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def directives(header: str) -> dict[str, str]:
    parts = (p.strip().split(" ", 1) for p in header.split(";") if p.strip())
    return {p[0]: p[1] if len(p) > 1 else "" for p in parts}


def assert_hardened(response) -> None:
    policy = directives(response["Content-Security-Policy"])
    for name, value in CSP.items():
        assert policy[name] == value, (name, policy)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


PAGES = [
    ("home", lambda city: reverse("web:home")),
    ("org tree", lambda city: reverse("orgs:org_tree")),
    ("org children (HTMX)", lambda city: reverse("orgs:org_children", args=[city.city.pk])),
    ("org page", lambda city: reverse("orgs:org_detail", args=[city.branch_a1.pk])),
    ("member list", lambda city: reverse("members:member_list")),
    ("member page", lambda city: reverse("members:member_detail", args=[city.member_a1.pk])),
    ("member autocomplete", lambda city: reverse("members:member_autocomplete")),
    ("import", lambda city: reverse("transfer:import_upload")),
    ("member export", lambda city: reverse("transfer:export_members")),
    ("API list", lambda city: "/api/members/"),
    ("API one member", lambda city: f"/api/members/{city.member_a1.pk}"),
    ("not found", lambda city: "/members/999999/"),
]


@pytest.mark.parametrize(("name", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_signed_in_responses_are_hardened_and_never_stored(client, city, name, url):
    client.force_login(city.city_admin)
    response = client.get(url(city))
    assert response.status_code in (200, 404), response.status_code
    assert_hardened(response)
    cache_control = {p.strip() for p in response["Cache-Control"].split(",")}
    assert "no-store" in cache_control, response["Cache-Control"]


def test_api_token_responses_are_never_stored(client, city):
    _, raw = token_issue(user=city.city_admin, name="t")
    response = client.get("/api/members/", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert_hardened(response)


def test_anonymous_pages_are_hardened_and_static_files_stay_cacheable(client, db):
    login = client.get(reverse("login"))
    assert login.status_code == 200
    assert_hardened(login)
    static = client.get("/static/web/app.css")
    assert static.status_code == 200
    assert "no-store" not in static.get("Cache-Control", "")


def test_a_view_may_opt_out_of_no_store(rf, city):
    from django.http import HttpResponse

    @cacheable
    def blank_form(request):
        return HttpResponse("nothing personal")

    def ordinary(request):
        return HttpResponse("a member's record")

    request = rf.get("/")
    request.user = city.city_admin
    assert "Cache-Control" not in NoStoreMiddleware(blank_form)(request)
    assert "no-store" in NoStoreMiddleware(ordinary)(request)["Cache-Control"]


def test_the_api_docs_are_hardened(client, city):
    client.force_login(city.city_admin)
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert_hardened(response)


def test_cookies_are_httponly_and_samesite(city):
    client = Client()
    page = client.get(reverse("login"))
    csrf = page.cookies["csrftoken"]
    assert csrf["samesite"] == "Lax"
    response = client.post(
        reverse("login"),
        {"username": "city_admin", "password": "correct-Horse-battery-9"},
    )
    session = response.cookies.get("sessionid")
    if session is not None:  # a login held for a second factor still sets no other cookie
        assert session["httponly"] and session["samesite"] == "Lax"


def test_csrf_is_enforced_on_pages_and_session_api_writes(city):
    client = Client(enforce_csrf_checks=True)
    client.force_login(city.city_admin)
    form = client.post(
        reverse("members:member_unmask", args=[city.member_a1.pk]),
        {"field": "phone", "reason": "核对"},
    )
    assert form.status_code == 403
    api = client.post(
        f"/api/members/{city.member_a1.pk}/unmask",
        json.dumps({"field": "phone", "reason": "核对"}),
        content_type="application/json",
    )
    assert api.status_code in (401, 403)
    logout = client.post(reverse("logout"))
    assert logout.status_code == 403


def test_the_settings_sqlite_pragmas_are_crash_safe():
    from jiceng import settings as project_settings

    options = project_settings.DATABASES["default"].get("OPTIONS", {})
    if "init_command" in options:
        assert "synchronous=FULL" in options["init_command"]
        assert "journal_mode=WAL" in options["init_command"]


# ---- production settings (environment variables, a fresh process) ---------------------------


def production_env(tmp_path) -> dict:
    """What docs/operations.md asks an operator to set, with throwaway secrets."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JICENG_")}
    env.update(
        JICENG_DATA_DIR=str(tmp_path),
        JICENG_SECRET_KEY=secrets.token_urlsafe(50),
        JICENG_HTTPS="1",
        JICENG_ALLOWED_HOSTS="jiceng.example.gov.cn",
        JICENG_TRUSTED_PROXIES="127.0.0.1",  # nginx on the same machine terminates TLS
        JICENG_AUDIT_KEY=secrets.token_urlsafe(40),
        JICENG_DATA_KEY=base64.b64encode(os.urandom(32)).decode(),
        JICENG_LOG_LEVEL="ERROR",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the browser tests' fixture
    return env


def jiceng(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jiceng.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_check_deploy_reports_no_issue_under_production_settings(tmp_path):
    """Every deployment check, warnings included, and the database checks (durability) on the
    suite's engine (DATABASE_URL is kept when the suite runs on PostgreSQL)."""
    result = jiceng(
        production_env(tmp_path),
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        "--database",
        "default",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_refuses_the_demo_settings(tmp_path):
    env = production_env(tmp_path)
    for name in ("JICENG_SECRET_KEY", "JICENG_HTTPS"):
        del env[name]
    result = jiceng(env, "check", "--deploy")
    assert result.returncode != 0
    assert "core.E001" in result.stderr and "core.E002" in result.stderr


PRINT_SETTINGS = """
import json, django
from django.conf import settings
django.setup()
names = ["DEBUG", "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
         "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_PROXY_SSL_HEADER",
         "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "JICENG_RATE_LIMITS"]
print(json.dumps({n: getattr(settings, n) for n in names}))
"""


def settings_with(env: dict) -> dict:
    env = {**env, "DJANGO_SETTINGS_MODULE": "jiceng.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_https_switches_on_secure_cookies_hsts_and_the_redirect(tmp_path):
    production = settings_with(production_env(tmp_path))
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] and production["CSRF_COOKIE_SECURE"]
    assert production["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert production["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    no_proxy = {**production_env(tmp_path), "JICENG_TRUSTED_PROXIES": ""}
    assert settings_with(no_proxy)["SECURE_PROXY_SSL_HEADER"] is None  # nothing to believe


def test_check_deploy_warns_of_https_without_a_trusted_proxy(tmp_path):
    env = {**production_env(tmp_path), "JICENG_TRUSTED_PROXIES": ""}
    result = jiceng(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and "core.W003" in result.stderr


def test_the_demo_over_plain_http_keeps_working_cookies(tmp_path):
    env = production_env(tmp_path)
    del env["JICENG_HTTPS"]
    demo = settings_with(env)
    assert demo["SECURE_SSL_REDIRECT"] is False
    assert not demo["SESSION_COOKIE_SECURE"] and not demo["CSRF_COOKIE_SECURE"]
    assert demo["SECURE_HSTS_SECONDS"] == 0
    assert demo["SESSION_COOKIE_SAMESITE"] == demo["CSRF_COOKIE_SAMESITE"] == "Lax"


def test_rate_limits_can_be_set_from_the_environment(tmp_path):
    env = {**production_env(tmp_path), "JICENG_RATE_LIMITS": "login=5/1m, search=off"}
    limits = settings_with(env)["JICENG_RATE_LIMITS"]
    assert limits["login"] == "5/1m" and limits["search"] == "off"
    assert limits["unmask"] == "30/1h"


def test_https_responses_carry_hsts_and_http_is_redirected(client, city, settings):
    """The settings JICENG_HTTPS turns on, applied to real requests."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 365 * 24 * 3600
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    plain = client.get(reverse("login"))
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get(reverse("login"), secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert secure.cookies["csrftoken"]["secure"]
