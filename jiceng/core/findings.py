"""Findings (违规 / 预警): what the platform tells a user is wrong, or is about to be.

A finding names the rule it comes from (RULES.md id), the organisation it concerns, what is
wrong, the deadline and a link to the record. Findings are computed from the records when asked
for — set-based over a whole subtree, never a query per organisation — so they can never
disagree with the records. Each app registers a provider from its AppConfig.ready():

    findings.register("activities", _("organisational life"), activities.findings.provide)

where `provide(path, as_of)` yields the findings of every organisation whose path starts with
`path`, as of the date `as_of`. Levels:

    overdue   red    a deadline has passed or a rule is broken
    due_soon  amber  a deadline is near and there is still time (事前提醒)
    exception info   a documented exception to a rule (never silent, counted)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    EXCEPTION = "exception"


LEVEL_LABELS = {
    Level.OVERDUE: _("overdue"),
    Level.DUE_SOON: _("due soon"),
    Level.EXCEPTION: _("exception"),
}
LEVEL_ORDER = {Level.OVERDUE: 0, Level.DUE_SOON: 1, Level.EXCEPTION: 2}
RAG = {"red": _("red"), "amber": _("amber"), "green": _("green")}


@dataclass(frozen=True)
class Finding:
    rule: str  # "LIFE-01"
    level: Level
    org_id: int
    org_path: str
    message: str  # what is wrong, in the user's language
    due: date | None = None
    url: str = ""  # the record (or the form that fixes it)
    subject: str = ""  # whom or what it is about, e.g. a member's name
    provider: str = ""


Provider = Callable[[str, date], Iterable[Finding]]


@dataclass(frozen=True)
class _Registered:
    key: str
    label: str
    fn: Provider


_providers: dict[str, _Registered] = {}


def register(key: str, label, fn: Provider) -> None:
    _providers[key] = _Registered(key, label, fn)


def providers() -> list[tuple[str, str]]:
    return [(p.key, p.label) for p in _providers.values()]


def sort_key(f: Finding):
    return (LEVEL_ORDER[f.level], f.due or date.max, f.org_path, f.rule, f.subject)


def in_subtree(path: str, as_of: date | None = None, keys: Iterable[str] | None = None):
    """Every finding in the subtree at `path` (no scope check: callers check the org)."""
    as_of = as_of or timezone.localdate()
    wanted = set(keys) if keys is not None else None
    out: list[Finding] = []
    for p in _providers.values():
        if wanted is not None and p.key not in wanted:
            continue
        for f in p.fn(path, as_of):
            out.append(f if f.provider else _with_provider(f, p.key))
    out.sort(key=sort_key)
    return out


def _with_provider(f: Finding, key: str) -> Finding:
    from dataclasses import replace

    return replace(f, provider=key)


def visible_org(user, org_id: int):
    """The organisation if `user` may see it, else Http404."""
    from jiceng.orgs.models import Organization

    org = Organization.objects.restrict(user).filter(pk=org_id).first()
    if org is None:
        raise Http404
    return org


def collect(*, user, org, as_of: date | None = None, keys: Iterable[str] | None = None):
    """The findings of `org`'s subtree that `user` may see (404 outside the user's scope)."""
    org = visible_org(user, org.pk)
    return in_subtree(org.path, as_of, keys)


def rag(findings: Iterable[Finding]) -> str:
    levels = {f.level for f in findings}
    if Level.OVERDUE in levels:
        return "red"
    if Level.DUE_SOON in levels:
        return "amber"
    return "green"


def by_child(findings: Iterable[Finding], children) -> dict[int, Counter]:
    """Counts per level for each child organisation's subtree (children: Organization rows)."""
    prefixes = sorted(((c.path, c.pk) for c in children), reverse=True)
    out = {pk: Counter() for _, pk in prefixes}
    for f in findings:
        for path, pk in prefixes:
            if f.org_path.startswith(path):
                out[pk][f.level] += 1
                break
    return out


def child_rag(counts: Counter) -> str:
    if counts.get(Level.OVERDUE):
        return "red"
    if counts.get(Level.DUE_SOON):
        return "amber"
    return "green"
