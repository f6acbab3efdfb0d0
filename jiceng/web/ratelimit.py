"""Rate limits: login, search, unmask, export and import answer 429 once a caller has used up
its requests for the current window.

Which requests count is decided here, by URL name (RULES), so no view of another app carries a
decorator: a login is a POST to `login`; a search is a member or organisation list (page or
API) with a non-empty `q`, or an autocomplete with typed text; an unmask is a POST to a member's
unmask (page or API); an export is a download of a list; an import is a POST of the upload form.
How many are allowed is settings.JICENG_RATE_LIMITS ("N/period", period in s, m, h or d, e.g.
"30/5m"; "off" turns one off), overridable with the env var JICENG_RATE_LIMITS.

Who is counted: a login per client address (`audit.services.client_ip`, which believes
X-Forwarded-For only from JICENG_TRUSTED_PROXIES); everything else per user — the session's
user, or the user of an API token. Anonymous requests other than a login are not counted (they
get a 401 or the login page anyway).

How: a fixed window per (action, caller) in the default cache — a counter under a key that
names the window, which expires with it. Answer: 429 with `Retry-After` (seconds to the end of
the window); the API gets its JSON error format ({"detail": ...}), an HTMX request the message
as text (web/app.js shows it), a page the 429.html template.

The cache is shared by the web processes of one machine (FileBasedCache; settings.CACHES). Its
increment is not atomic, so requests racing in the same instant may be counted once: the limit
can be passed by at most the number of concurrent requests (workers x threads). Point CACHES at
Redis or Memcached (atomic increments) for a multi-machine deployment. The limits are a brake
on scraping and guessing; the account lockout (accounts) is the defence against password
guessing.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import ngettext

KEY_PREFIX = "jiceng:rl"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\s*$")


def now() -> float:
    """The clock (a function so tests can move it)."""
    return time.time()


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """ "30/5m" -> (30, 300); "off", "" or None -> None (no limit)."""
    if rate is None or str(rate).strip().lower() in ("", "off", "none"):
        return None
    match = _RATE.match(str(rate))
    if not match:
        raise ValueError(f"bad rate {rate!r}: expected N/period, e.g. 30/5m")
    count, number, unit = match.groups()
    period = int(number or 1) * _UNITS[unit or "s"]
    if period <= 0:
        raise ValueError(f"bad rate {rate!r}: the period must be positive")
    return int(count), period


def rate_for(action: str) -> tuple[int, int] | None:
    return parse_rate(getattr(settings, "JICENG_RATE_LIMITS", {}).get(action))


def hit(action: str, who: str) -> int:
    """Count one request of `who` for `action`. Returns 0 if it is allowed, else the seconds
    until the window ends (the Retry-After)."""
    rate = rate_for(action)
    if rate is None:
        return 0
    limit, period = rate
    moment = now()
    window = int(moment // period)
    key = f"{KEY_PREFIX}:{action}:{who}:{period}:{window}"
    cache.add(key, 0, timeout=period + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=period + 1)
        count = 1
    if count <= limit:
        return 0
    return max(1, math.ceil((window + 1) * period - moment))


# ---- which requests count ------------------------------------------------------------------


def _has_search_text(request) -> bool:
    return any(
        value.strip()
        for name, value in request.GET.items()
        if name == "q" or name.endswith("__search")
    )


@dataclass(frozen=True)
class Rule:
    action: str
    views: frozenset[str]
    methods: frozenset[str]
    only_searches: bool = False
    per_address: bool = False


RULES = (
    Rule("login", frozenset({"login"}), frozenset({"POST"}), per_address=True),
    Rule(
        "search",
        frozenset(
            {
                "members:member_list",
                "orgs:org_list",
                "members:member_autocomplete",
                "orgs:org_autocomplete",
                "api:member_list",
                "api:org_list",
            }
        ),
        frozenset({"GET"}),
        only_searches=True,
    ),
    Rule("unmask", frozenset({"members:member_unmask", "api:member_unmask"}), frozenset({"POST"})),
    Rule(
        "export",
        frozenset({"transfer:export_members", "transfer:export_orgs"}),
        frozenset({"GET"}),
    ),
    Rule("import", frozenset({"transfer:import_upload"}), frozenset({"POST"})),
)
_BY_VIEW: dict[str, list[Rule]] = {}
for _rule in RULES:
    for _view in _rule.views:
        _BY_VIEW.setdefault(_view, []).append(_rule)


def _token_user_id(request) -> int | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None
    from jiceng.accounts.models import ApiToken, hash_token

    raw = raw.strip()
    if not raw.startswith(ApiToken.PREFIX) or len(raw) > 200:
        return None
    return (
        ApiToken.objects.filter(key_hash=hash_token(raw)).values_list("user_id", flat=True).first()
    )


def caller(request, rule: Rule) -> str | None:
    """Whom this request is counted against, or None (not counted)."""
    if rule.per_address:
        from jiceng.audit.services import client_ip

        return "ip:" + (client_ip(request) or "unknown")
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    user_id = _token_user_id(request)
    return f"user:{user_id}" if user_id is not None else None


def matching_rules(request, view_name: str) -> list[Rule]:
    return [
        rule
        for rule in _BY_VIEW.get(view_name, ())
        if request.method in rule.methods and (not rule.only_searches or _has_search_text(request))
    ]


# ---- the answer ----------------------------------------------------------------------------


def too_many(request, retry_after: int, view_name: str) -> HttpResponse:
    minutes = max(1, math.ceil(retry_after / 60))
    message = ngettext(
        "Too many requests. Please try again in %(minutes)d minute.",
        "Too many requests. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}
    if view_name.startswith("api:"):
        response = JsonResponse({"detail": message}, status=429)
    elif getattr(request, "htmx", False):
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    else:
        response = render(request, "429.html", {"message": message}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class RateLimitMiddleware:
    """Counts the requests RULES name, before their view runs; place it after
    AuthenticationMiddleware (it needs request.user)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is None:
            return None
        for rule in matching_rules(request, match.view_name):
            who = caller(request, rule)
            if who is None:
                continue
            retry_after = hit(rule.action, who)
            if retry_after:
                return too_many(request, retry_after, match.view_name)
        return None
