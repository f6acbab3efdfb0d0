"""The authorisation sweep: every URL pattern and every API operation, asked by every persona.

The routes come from the URL conf (`django.urls.get_resolver()`, walked recursively) and from
the API's OpenAPI schema, so a new page or endpoint is swept without anyone remembering to: a
route missing from EXPECT fails `test_every_route_has_an_expectation` ("route X has no
expectation: add it to the table") and every sweep case of it.

Outcome classes: "ok" (200/204, or a redirect that is not to the login page), "login" (a
redirect to the login page; 401 from the API), "denied" (403), "hidden" (404), "n/a" (405).

Routes that take an object are asked twice: with objects of county A (`own_county`: branch_a1,
member_a1, the county admin's import job, the account of the secretary of branch_a1) and with
objects of county B (`other_county`: branch_b1, member_b1, an import job of a county B
secretary, that secretary's account). Routes without an object run once (`no_object`).

GET is asked of everyone. Write routes are also POSTed, only by the personas that must be
refused (their GET expectation is login/denied/hidden, or the table says so): nothing that may
write ever writes here. API write operations are sent only by refused personas.

The world is built once per module inside a transaction that is rolled back at the end; each
case runs in a savepoint of it (pytest-django's `db`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from jiceng.accounts.models import RoleAssignment
from jiceng.accounts.tests.admins import make_admins
from jiceng.api.api import api
from jiceng.core import crypto
from jiceng.core.testing import build_small_city, make_user
from jiceng.transfer.models import ImportJob, JobStatus

from .sweeping import (
    A_ONLY,
    ADDERS,
    ADMINS,
    ANON,
    DENIED,
    HIDDEN,
    NA,
    NONE,
    NOT_ANYWHERE,
    OK,
    OTHER,
    OWN,
    PERSONAS,
    SCOPED_CHANGE,
    SCOPED_DELETE,
    SCOPED_READ,
    Rule,
    admin_page,
    any_logged_in,
    app_sweeps,
    by_county,
    outcome,
)

pytestmark = pytest.mark.sweep  # SQLite run only (scripts/test.sh)

# --- the routes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # "members:member_detail" or "api:member_detail"
    route: str  # "members/<int:pk>/" or "/api/members/{member_id}"
    method: str  # "get" for pages (POST is added for write routes), the operation's for the API
    params: tuple[str, ...]

    @property
    def takes_object(self) -> bool:
        return bool(set(self.params) - {"kind"}) or self.key in QUERY_OBJECTS


def _walk(resolver, prefix="", namespaces=()):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield prefix + str(entry.pattern), name, entry


# Not swept, with the reason (matched on the full route's start, or the exact URL name).
EXEMPT_PREFIXES = {
    "admin/": "Django admin: checked by test_django_admin_is_superuser_only",
    "^admin/": "Django admin: checked by test_django_admin_is_superuser_only",
    "static/": "static files (WhiteNoise), public by nature",
    "i18n/": "set_language: public, stores only the language choice",
}
EXEMPT_NAMES = {
    "login": "the login page is public (checked by test_public_pages)",
    "logout": "ends the caller's own session (checked by test_public_pages)",
    # ninja mounts its operations here; they are swept per operation from the OpenAPI schema.
    "api:api-root": "the API's own URL patterns: swept per operation from the schema",
}
API_OPERATION = re.compile(r"_api_(?P<name>\w+)$")


def web_routes() -> list[Route]:
    routes = []
    for full, name, entry in _walk(get_resolver()):
        if any(full.startswith(prefix) for prefix in EXEMPT_PREFIXES) or name in EXEMPT_NAMES:
            continue
        if name is None:
            raise AssertionError(f"route {full} has no name: name it and add it to the table")
        if name.startswith("api:") and name not in ("api:openapi-json", "api:openapi-view"):
            continue  # the operations, from the schema below
        converters = getattr(entry.pattern, "converters", {})
        routes.append(Route(name, full, "get", tuple(converters)))
    return routes


def api_routes() -> list[Route]:
    routes = []
    for path, operations in api.get_openapi_schema()["paths"].items():
        for method, operation in operations.items():
            match = API_OPERATION.search(operation["operationId"])
            assert match, operation["operationId"]
            params = tuple(re.findall(r"{(\w+)}", path))
            routes.append(Route(f"api:{match['name']}", path, method.lower(), params))
    return routes


def all_routes() -> list[Route]:
    return web_routes() + api_routes()


# An import job is seen by the person who uploaded it, nobody else (not even the city admin).
OWN_JOB = {**ANON, "county_admin": A_ONLY}
OWNER_POST_ONLY = Rule(
    default=NA,  # require_POST after login_required
    get=ANON,
    write=True,
    post={**dict.fromkeys(PERSONAS, NOT_ANYWHERE), **OWN_JOB},
)

EXPECT: dict[str, Rule] = {
    # --- home and the logged-in user's own pages
    "web:home": any_logged_in(),
    # ?org= defaults to the user's own scope; another subtree's org is 404 (test_findings_page)
    "web:findings": any_logged_in(),
    # A user with no device (not an administrator) is sent on to enrol; the administrators
    # here have passed the step and are sent on (a redirect, not to the login page).
    "otp_verify": Rule(
        default=OK,
        get={
            **ANON,
            **dict.fromkeys(("viewer", "secretary", "member_user", "outsider"), "held"),
        },
    ),
    "otp_setup": any_logged_in(),
    "password_change": any_logged_in(),
    # --- the administrators' pages (accounts.admin_views, audit.views)
    "accounts:user_list": admin_page("system_admin", "security_admin"),
    "accounts:user_detail": admin_page("system_admin", "security_admin"),
    "accounts:user_create": admin_page("system_admin", write=True),
    "accounts:user_edit": admin_page("system_admin", write=True),
    "accounts:user_active": admin_page("system_admin", write=True),
    "accounts:user_password": admin_page("system_admin", write=True),
    "accounts:top_org_create": admin_page("system_admin", write=True),
    "accounts:rule_parameters": admin_page("system_admin", write=True),
    "accounts:role_grant": admin_page("security_admin", write=True),
    "accounts:role_revoke": admin_page("security_admin", write=True),
    "accounts:admin_role": admin_page("security_admin", write=True),
    "accounts:unmask": admin_page("security_admin", write=True),
    "accounts:org_autocomplete": admin_page("security_admin"),
    "audit:event_list": admin_page("audit_admin"),
    "audit:event_export": admin_page("audit_admin"),
    "audit:verify": admin_page("audit_admin", write=True),
    # --- the organisation tree
    "orgs:org_tree": any_logged_in(),
    "orgs:org_list": any_logged_in(),
    "orgs:org_autocomplete": any_logged_in(),
    "orgs:org_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "orgs:org_children": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    # ?parent=<branch>: adding under it is "add" on the parent.
    "orgs:org_create": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "orgs:org_edit": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "orgs:org_move": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "orgs:org_dissolve": Rule(default=NOT_ANYWHERE, get=SCOPED_DELETE, write=True),
    # --- the member registry
    "members:member_list": any_logged_in(),
    "members:member_autocomplete": any_logged_in(),
    "members:member_create": Rule(default=DENIED, get=ADDERS, write=True),
    "members:member_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "members:member_edit": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    "members:member_status": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE, write=True),
    # POST only; revealing needs the unmask permission (only the city admin holds it).
    "members:member_unmask": Rule(
        default=NA,
        get=ANON,
        write=True,
        post={
            **SCOPED_READ,
            "county_admin": by_county(DENIED, HIDDEN),
            "secretary": by_county(DENIED, HIDDEN),
            "member_user": by_county(DENIED, HIDDEN),
            "viewer": by_county(DENIED, DENIED),
            **dict.fromkeys(("outsider", *ADMINS), NOT_ANYWHERE),
        },
    ),
    # --- import and export
    "transfer:import_upload": Rule(default=DENIED, get=ADDERS, write=True),
    "transfer:import_template": any_logged_in(),  # blank forms: headers only
    "transfer:import_job": Rule(default=NOT_ANYWHERE, get=OWN_JOB),
    "transfer:import_annotated": Rule(default=NOT_ANYWHERE, get=OWN_JOB),
    "transfer:import_confirm": OWNER_POST_ONLY,
    "transfer:import_rerun": OWNER_POST_ONLY,
    # The list pages as files: scoped like them (an outsider gets an empty file).
    "transfer:export_members": any_logged_in(),
    "transfer:export_orgs": any_logged_in(),
    # --- the API. Its docs and schema are public (NinjaAPI without docs_decorator): they
    # describe the operations and hold no records.
    "api:openapi-json": Rule(default=OK, get={}),
    "api:openapi-view": Rule(default=OK, get={}),
    "api:org_list": any_logged_in(),  # scoped: empty for an outsider
    "api:member_list": any_logged_in(),
    "api:org_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    "api:org_children": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    # the figures of a subtree: only for who sees all of it (a member sees only their branch)
    "api:org_summary": Rule(
        default=NOT_ANYWHERE, get={**SCOPED_READ, "member_user": by_county(DENIED, HIDDEN)}
    ),
    "api:member_detail": Rule(default=NOT_ANYWHERE, get=SCOPED_READ),
    # API writes: only the refused are sent (require_anywhere → 403; out of scope → 404).
    "api:org_create": Rule(default=DENIED, get=ADDERS),
    "api:member_create": Rule(default=DENIED, get=ADDERS),
    "api:org_update": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE),
    "api:org_move": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE),
    "api:org_dissolve": Rule(default=NOT_ANYWHERE, get=SCOPED_DELETE),
    "api:member_update": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE),
    "api:member_change_status": Rule(default=NOT_ANYWHERE, get=SCOPED_CHANGE),
    "api:member_unmask": Rule(
        default=NOT_ANYWHERE,
        get={
            **SCOPED_READ,
            "county_admin": by_county(DENIED, HIDDEN),
            "secretary": by_county(DENIED, HIDDEN),
            "member_user": by_county(DENIED, HIDDEN),
            "viewer": by_county(DENIED, DENIED),
        },
    ),
}
# Routes that take an object in the query string: {route: (query parameter, World value)}.
QUERY_OBJECTS = {"orgs:org_create": ("parent", "org_id")}


def _merge_app_sweeps() -> list:
    """Every app's `tests/sweep.py` (see sweeping.py), merged into the one table."""
    found = app_sweeps()
    for _label, module in found:
        clash = EXPECT.keys() & module.EXPECT.keys()
        assert not clash, f"{module.__name__} redefines {sorted(clash)}"
        EXPECT.update(module.EXPECT)
        QUERY_OBJECTS.update(getattr(module, "QUERY_OBJECTS", {}))
    return found


APP_SWEEPS = _merge_app_sweeps()


# --- the world -------------------------------------------------------------------------------

DATA_KEY = "dGVzdC1rZXktdGVzdC1rZXktdGVzdC1rZXktdGVzdC0="


@dataclass
class World:
    city: object
    admins: object
    secretary_b: object
    job_a: ImportJob
    job_b: ImportJob
    apps: dict  # app label -> {OWN: {param: value}, OTHER: {...}} from its tests/sweep.py

    def user(self, persona: str):
        if persona in ADMINS:
            return getattr(self.admins, persona.removesuffix("_admin"))
        return getattr(self.city, persona)

    def params(self, route: Route, variant: str) -> dict:
        city, a = self.city, variant != OTHER
        account = city.secretary if a else self.secretary_b
        values = {
            "org_id": (city.branch_a1 if a else city.branch_b1).pk,
            "member_id": (city.member_a1 if a else city.member_b1).pk,
            "kind": "members",
            "assignment": RoleAssignment.objects.get(user=account).pk,
        }
        app = route.key.split(":")[0]
        values["pk"] = {
            "orgs": values["org_id"],
            "members": values["member_id"],
            "accounts": account.pk,
            "transfer": (self.job_a if a else self.job_b).pk,
        }.get(app)
        for label, per_variant in self.apps.items():
            for name, value in per_variant[OTHER if not a else OWN].items():
                if name == "pk":
                    if label == app:
                        values["pk"] = value
                else:
                    values.setdefault(name, value)
        names = [*route.params]
        if route.key in QUERY_OBJECTS:
            names.append(QUERY_OBJECTS[route.key][1])
        missing = [p for p in names if values.get(p) is None]
        assert not missing, f"no value for {missing} of {route.key}: add it to World.params"
        return {p: values[p] for p in names}

    def url(self, route: Route, variant: str) -> str:
        params = self.params(route, variant)
        query = ""
        if route.key in QUERY_OBJECTS:
            name, value = QUERY_OBJECTS[route.key]
            query = f"?{name}={params.pop(value)}"
        if route.key.startswith("api:") and route.route.startswith("/"):
            return route.route.format(**params) + query
        return reverse(route.key, kwargs=params) + query


def _job(owner) -> ImportJob:
    data = "姓名,身份证号\n王五,bad\n".encode()
    return ImportJob.objects.create(
        created_by=owner,
        file_name="members.csv",
        file_kind="csv",
        file_sha256="0" * 64,
        file_size=len(data),
        data=crypto.seal_bytes(data),
        status=JobStatus.INVALID,
        errors=[{"sheet": "", "row": 2, "column": 2, "value": "bad", "message": "bad ID"}],
        error_count=1,
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with (
        django_db_blocker.unblock(),
        override_settings(
            JICENG_DATA_KEY=DATA_KEY,
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
    ):
        crypto.reset()
        outer = transaction.atomic()
        outer.__enter__()
        try:
            city = build_small_city()
            secretary_b = make_user("secretary_b", role="secretary", org=city.branch_b1)
            yield World(
                city=city,
                admins=make_admins(),
                secretary_b=secretary_b,
                job_a=_job(city.county_admin),
                job_b=_job(secretary_b),
                apps={label: module.objects(city) for label, module in APP_SWEEPS},
            )
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            crypto.reset()


def api_body(world: World, key: str) -> dict:
    """A body that passes the operation's schema (ninja validates it before the view runs, so
    a refusal is the view's, not a 422)."""
    city = world.city
    for _label, module in APP_SWEEPS:
        body = getattr(module, "API_BODIES", {}).get(key)
        if body is not None:
            return body(city)
    return {
        "api:org_create": {
            "parent": city.town_a.pk,
            "name": "新建党支部",
            "kind": "branch",
            "category": "07",
            "unit_type": "community",
        },
        "api:member_create": {
            "name": "王五",
            "id_number": "440802198001010012",
            "education": "20",
            "occupation": "03",
            "org": city.branch_a1.pk,
            "join_date": "2005-07-01",
            "membership": "full",
        },
        "api:org_move": {"parent": city.town_a.pk},
        "api:org_dissolve": {},
        "api:org_update": {"contact_name": "王五"},
        "api:member_update": {"job": "教师"},
        "api:member_change_status": {
            "field": "membership",
            "value": "full",
            "effective_on": "2024-01-01",
        },
        "api:member_unmask": {"field": "phone", "reason": "sweep"},
    }.get(key, {})


def send(client, world: World, route: Route, persona: str, variant: str, method: str):
    if persona != "anonymous":
        client.force_login(world.user(persona))
    url = world.url(route, variant)
    if route.key.startswith("api:") and method != "get":
        body = json.dumps(api_body(world, route.key))
        return getattr(client, method)(url, body, content_type="application/json")
    return getattr(client, method)(url)


# --- observe mode: SWEEP_OBSERVE=1 prints what the code does, to review and fill the table ----


@pytest.mark.skipif(not os.environ.get("SWEEP_OBSERVE"), reason="SWEEP_OBSERVE=1 to print")
def test_observe(client, world, db):
    from django.test import Client

    for route in all_routes():
        variants = (OWN, OTHER) if route.takes_object else (NONE,)
        methods = ("get", "post") if route.method == "get" else (route.method,)
        for method in methods:
            row = []
            for persona in PERSONAS:
                cells = []
                for variant in variants:
                    sid = transaction.savepoint()
                    response = send(Client(), world, route, persona, variant, method)
                    transaction.savepoint_rollback(sid)
                    cells.append(outcome(response))
                row.append(f"{persona}={'/'.join(cells)}")
            print(f"{route.key} {method.upper()} {route.route}: " + " ".join(row))


# --- the sweep -------------------------------------------------------------------------------

NO_EXPECTATION = "route {} has no expectation: add it to the table (EXPECT in {})"


def expected(rule: Rule, persona: str, variant: str, method: str = "get") -> str:
    source = rule.post if method != "get" and rule.post is not None else rule.get
    value = source.get(persona, rule.default if source is rule.get else None)
    if value is None:  # a POST table names only some personas: the rest as GET
        value = rule.get.get(persona, rule.default)
    if isinstance(value, dict):
        value = value[variant]
    return value


def _cases(kind: str):
    """(route, persona, variant, method) for every route; ids `key-persona-variant`."""
    for route in all_routes():
        variants = (OWN, OTHER) if route.takes_object else (NONE,)
        rule = EXPECT.get(route.key)
        for persona in PERSONAS:
            for variant in variants:
                case_id = f"{route.key}-{persona}-{variant}"
                marks = []
                if rule is not None and rule.xfail:
                    reason = rule.xfail.get((persona, variant)) or rule.xfail.get(persona)
                    if reason:
                        marks.append(pytest.mark.xfail(strict=True, reason=reason))
                if kind == "get" and route.method == "get":
                    yield pytest.param(route, persona, variant, "get", id=case_id, marks=marks)
                elif kind == "write":
                    method = "post" if route.method == "get" else route.method
                    if route.method == "get" and (rule is None or not rule.write):
                        continue
                    # only who must be refused: nothing that may write writes here
                    if rule is not None and expected(rule, persona, variant, method) == OK:
                        continue
                    yield pytest.param(route, persona, variant, method, id=case_id, marks=marks)


# Names that only someone with a role over county B (or over the member) may ever read.
COUNTY_B_SECRETS = ("李四", "城西村党支部")
COUNTY_A_SECRETS = ("张三", "寸金社区党支部")
# Pages whose holders read names by design: the account pages show accounts with their
# roles' organisations and linked members; the audit log shows what was recorded.
NO_LEAK_CHECK = {
    "accounts:user_list",
    "accounts:user_detail",
    "accounts:role_revoke",
    "accounts:org_autocomplete",
    "audit:event_list",
}
SEES_NOTHING = ("outsider", *ADMINS)
SEES_NO_COUNTY_B = ("county_admin", "secretary", "member_user", *SEES_NOTHING)


def check(client, world, route, persona, variant, method):
    rule = EXPECT.get(route.key)
    if rule is None:
        pytest.fail(NO_EXPECTATION.format(route.key, __name__))
    want = expected(rule, persona, variant, method)
    response = send(client, world, route, persona, variant, method)
    got = outcome(response)
    assert got == want, (
        f"{method.upper()} {route.key} ({route.route}) as {persona} with {variant} objects: "
        f"expected {want}, got {got} ({response.status_code})"
    )
    text_body = response.get("Content-Type", "").startswith(("text/html", "application/json"))
    if got == OK and response.status_code == 200 and text_body and route.key not in NO_LEAK_CHECK:
        # a page that answers must not carry what the persona may not see
        body = response.content.decode(errors="replace")
        secrets = COUNTY_B_SECRETS if persona in SEES_NO_COUNTY_B else ()
        if persona in SEES_NOTHING:
            secrets += COUNTY_A_SECRETS
        leaked = [s for s in secrets if s in body or json.dumps(s)[1:-1] in body]
        assert not leaked, f"{route.key} shows {leaked} to {persona}"


@pytest.mark.parametrize(("route", "persona", "variant", "method"), list(_cases("get")))
def test_sweep(client, world, db, route, persona, variant, method):
    check(client, world, route, persona, variant, method)


@pytest.mark.parametrize(("route", "persona", "variant", "method"), list(_cases("write")))
def test_sweep_refused_writes(client, world, db, route, persona, variant, method):
    check(client, world, route, persona, variant, method)


def test_every_route_has_an_expectation():
    keys = [route.key for route in all_routes()]
    missing = [key for key in keys if key not in EXPECT]
    assert not missing, "\n".join(NO_EXPECTATION.format(key, __name__) for key in missing)
    stale = sorted(set(EXPECT) - set(keys))
    assert not stale, f"the table names routes that no longer exist: {stale}"
    assert len(keys) == len(set(keys)), "two routes share a key"


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_is_superuser_only(client, world, db, persona):
    """/admin/ (exempt from the sweep): nobody here is staff; the anonymous visitor ends at
    the platform's login page, everyone logged in gets 403 from /admin/login/."""
    if persona != "anonymous":
        client.force_login(world.user(persona))
    response = client.get("/admin/", follow=True)
    if persona == "anonymous":
        assert response.status_code == 200
        assert response.redirect_chain[-1][0].startswith(reverse("login"))
    else:
        assert response.status_code == 403
