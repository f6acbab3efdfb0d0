"""The vocabulary of the authorisation sweep (jiceng/web/tests/test_authorization_sweep.py):
outcomes, personas and the shorthands of its expectation table.

An app adds its own routes to the sweep in `jiceng/<app>/tests/sweep.py`, which defines

    EXPECT: dict[str, Rule]              # its routes' expectations, in this vocabulary
    def objects(city) -> dict            # {OWN: {param: value}, OTHER: {param: value}}
    API_BODIES: dict[str, callable]      # optional: route key -> fn(city) -> a valid body
    QUERY_OBJECTS: dict                  # optional: route key -> (query parameter, param)

`objects(city)` runs once inside the sweep's world (core.testing.build_small_city): it creates
one record of the app in county A (branch_a1) and one in county B (branch_b1) and returns the
URL parameters that name them ("pk" for the app's own pages, e.g. "meeting_id" for the API).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from urllib.parse import urlparse

from django.apps import apps as django_apps
from django.urls import reverse

# --- outcomes --------------------------------------------------------------------------------

OK, LOGIN, DENIED, HIDDEN, NA = "ok", "login", "denied", "hidden", "n/a"
HELD = "held"  # redirected to the second factor's or the password's page
REFUSED = (LOGIN, DENIED, HIDDEN, NA)

PERSONAS = (
    "anonymous",
    "city_admin",
    "county_admin",
    "viewer",
    "secretary",
    "member_user",
    "outsider",
    "system_admin",
    "security_admin",
    "audit_admin",
)
ADMINS = ("system_admin", "security_admin", "audit_admin")
OWN, OTHER, NONE = "own_county", "other_county", "no_object"


def outcome(response) -> str:
    code = response.status_code
    if code in (200, 204):
        return OK
    if code == 302:
        target = urlparse(response["Location"]).path
        if target == reverse("login"):
            return LOGIN
        if target in (reverse("otp_verify"), reverse("otp_setup"), reverse("password_change")):
            return HELD  # sent to a login step: for an administrator, the second factor
        return OK
    return {401: LOGIN, 403: DENIED, 404: HIDDEN, 405: NA}.get(code, f"status {code}")


# --- the expectations: ONE table ---------------------------------------------------------------
#
# EXPECT[route key] = Rule(get={persona: outcome or {variant: outcome}}, write=...)
# Personas not named take `default`. For an object route an outcome may differ by variant.


@dataclass(frozen=True)
class Rule:
    default: str | dict
    get: dict
    write: bool = False  # POST it too, with the refused personas
    post: dict | None = None  # POST outcomes where they differ from GET's (POST-only routes)
    xfail: dict | None = None  # {(persona, variant) or persona: reason}: known bugs


def by_county(own: str, other: str) -> dict:
    return {OWN: own, OTHER: other}


# Shorthands. Every logged-in persona not named gets `default`.
ANON = {"anonymous": LOGIN}
A_ONLY = by_county(OK, HIDDEN)  # scoped to county A (or to branch_a1, inside it)
EVERYWHERE = by_county(OK, OK)  # the city admin and the city-wide viewer
NOT_ANYWHERE = by_county(HIDDEN, HIDDEN)


def admin_page(*holders: str, write: bool = False) -> Rule:
    """An administrators' page (accounts.access): deny by default, 403 to everyone else
    logged in, the login page to an anonymous visitor. Accounts have no organisation scope:
    both counties' accounts alike."""
    return Rule(default=DENIED, get={**ANON, **dict.fromkeys(holders, OK)}, write=write)


def any_logged_in(write: bool = False) -> Rule:
    """A page with nothing personal in itself, or a list scoped to what the user may see
    (empty for an outsider or an administrator account)."""
    return Rule(default=OK, get=ANON, write=write)


# Reading a scoped object: visible → 200; outside the view scope → 404, for an administrator
# account too (no organisation role, so scope shows nothing).
SCOPED_READ = {
    **ANON,
    "city_admin": EVERYWHERE,
    "viewer": EVERYWHERE,
    "county_admin": A_ONLY,
    "secretary": A_ONLY,
    "member_user": A_ONLY,  # their own branch / their own record (scope_self)
}
# Changing a scoped object: the secretary of branch_a1 may change it; the viewer and the
# member see it but may not change it (403); not visible → 404.
SCOPED_CHANGE = {
    **ANON,
    "city_admin": EVERYWHERE,
    "county_admin": A_ONLY,
    "secretary": A_ONLY,
    "viewer": by_county(DENIED, DENIED),
    "member_user": by_county(DENIED, HIDDEN),
}
# Deleting (dissolving): administrators only; the secretary sees it but may not (403).
SCOPED_DELETE = {**SCOPED_CHANGE, "secretary": by_county(DENIED, HIDDEN)}
# Adding somewhere (may_import / require_anywhere: any role with "add"): admins, secretaries.
ADDERS = {**ANON, "city_admin": OK, "county_admin": OK, "secretary": OK}


def app_sweeps() -> list:
    """(app label, module) of every app that has a `tests/sweep.py`."""
    found = []
    for config in django_apps.get_app_configs():
        if not config.name.startswith("jiceng.") or config.name == "jiceng.web":
            continue
        name = f"{config.name}.tests.sweep"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name not in (name, f"{config.name}.tests"):
                raise
            continue
        found.append((config.label, module))
    return found
