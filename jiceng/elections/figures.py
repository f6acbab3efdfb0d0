"""The figures of renewals and elections (core.figures): one or two indexed aggregates over the
subtree each, with a link to the filtered list of exactly the records counted.

    elections.renewed        renewal elections held in the period (parts: villages, communities)
    elections.one_shoulder   % of villages and communities whose secretary chairs the committee
    elections.cross_serving  % of the 两委's people who sit on both committees
    elections.terms_overdue  organisations whose renewal is overdue (ORG-06) at the period's end
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures
from jiceng.orgs.models import GRASSROOTS_KINDS, UnitType

from . import provider
from .models import CommitteePost, Election, VillageCommitteeSeat, VillageRole
from .selectors import unit_orgs

SYSTEM = "organisation"
AMBER_SHARE = 2  # terms_overdue: amber up to this % of the grassroots organisations, then red


def _query(**params) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))


def _units(scope: figures.Scope) -> dict[int, tuple[str, int | None]]:
    """id → (unit type, secretary's member id) of the subtree's villages and communities
    (`unit_orgs`): one read, shared by the figures computed for the same Scope."""
    if "elections.units" not in scope.memo:
        units = unit_orgs(figures.within(scope))
        rows = units.order_by().values_list("id", "unit_type", "secretary_id")
        scope.memo["elections.units"] = {pk: (unit, sec) for pk, unit, sec in rows}
    return scope.memo["elections.units"]


def renewed(scope: figures.Scope) -> figures.Value:
    units = _units(scope)
    held = Election.objects.filter(
        **figures.within(scope, "org__"), held_on__gte=scope.start, held_on__lte=scope.end
    )
    by_type = Counter(
        units.get(org_id, ("",))[0] for org_id in held.values_list("org_id", flat=True)
    )
    url = (
        reverse("elections:election_list")
        + "?"
        + _query(org=scope.org_id, start=scope.start.isoformat(), end=scope.end.isoformat())
    )
    return figures.Value(
        by_type.total(),
        url=url,
        parts={"villages": by_type[UnitType.VILLAGE], "communities": by_type[UnitType.COMMUNITY]},
    )


def one_shoulder(scope: figures.Scope) -> figures.Value:
    """As the committees stand now (the records keep no history of who chaired when)."""
    units = _units(scope)
    if not units:
        return figures.Value(None, unit="%")
    chairs = VillageCommitteeSeat.objects.filter(
        **figures.within(scope, "org__"), ended_on__isnull=True, role=VillageRole.CHAIR
    )
    held = set(chairs.order_by().values_list("org_id", "member_id"))
    one = sum(1 for pk, (_unit, sec) in units.items() if sec is not None and (pk, sec) in held)
    url = (
        reverse("elections:two_committee_list") + "?" + _query(org=scope.org_id, one_shoulder="yes")
    )
    return figures.Value(
        figures.percent(one, len(units)),
        unit="%",
        url=url,
        parts={"units": len(units), "one_shoulder": one},
    )


def cross_serving(scope: figures.Scope) -> figures.Value:
    units = _units(scope)
    current = {**figures.within(scope, "org__"), "ended_on__isnull": True}

    def held(model) -> list[tuple[int, int]]:
        rows = model.objects.filter(**current).order_by().values_list("org_id", "member_id")
        return [row for row in rows if row[0] in units]

    posts, seats = held(CommitteePost), held(VillageCommitteeSeat)
    holding = set(posts)
    cross = sum(1 for seat in seats if seat in holding)
    people = len(posts) + len(seats) - cross
    if not people:
        return figures.Value(None, unit="%")
    url = reverse("elections:two_committee_seats") + "?" + _query(org=scope.org_id, cross="yes")
    return figures.Value(
        figures.percent(cross, people),
        unit="%",
        url=url,
        parts={"cross": cross, "people": people},
    )


def _grassroots(scope: figures.Scope) -> int:
    counts = figures.subtree_counts(scope)
    return sum(counts.get(f"org_kind:{k}", 0) for k in GRASSROOTS_KINDS)


def terms_overdue(scope: figures.Scope) -> figures.Value:
    today = timezone.localdate()
    as_of: date = min(scope.end, today)
    renewals = provider.renewals(scope.path, as_of, 0)
    n = sum(1 for level, _due, _row in renewals if level == "overdue")
    grassroots = _grassroots(scope)
    share = figures.percent(n, grassroots)
    rag = "green" if n == 0 else "amber" if share is not None and share <= AMBER_SHARE else "red"
    url = (
        reverse("elections:renewal_list")
        + "?"
        + _query(
            org=scope.org_id, level="overdue", as_of=as_of.isoformat() if as_of < today else ""
        )
    )
    return figures.Value(n, url=url, rag=rag, parts={"share": share} if share is not None else {})


FIGURES = (
    ("elections.renewed", _("renewals completed"), renewed, 40,
     _("renewal elections (换届选举) held in the period; parts: those of villages and communities")),
    ("elections.one_shoulder", _("一肩挑 ratio"), one_shoulder, 50,
     _("villages and communities whose Party secretary chairs the village (residents') "
       "committee, of all villages and communities, as the committees stand")),
    ("elections.cross_serving", _("交叉任职 rate"), cross_serving, 60,
     _("people on both the Party committee and the village (residents') committee, of the "
       "people on either, as the committees stand")),
    ("elections.terms_overdue", _("terms overdue"), terms_overdue, 70,
     _("organisations whose renewal date (ORG-06) has passed at the period's end; red above "
       "2 per cent of the grassroots organisations")),
)  # fmt: skip


def register() -> None:
    for key, label, compute, order, help_text in FIGURES:
        figures.register(
            figures.Figure(
                key=key, system=SYSTEM, label=label, compute=compute, order=order, help=help_text
            )
        )
