"""The figures of renewals and elections (core.figures): one or two indexed aggregates over the
subtree each, with a link to the filtered list of exactly the records counted.

    elections.renewed        renewal elections held in the period (parts: villages, communities)
    elections.one_shoulder   % of villages and communities whose secretary chairs the committee
    elections.cross_serving  % of the 两委's people who sit on both committees
    elections.terms_overdue  organisations whose renewal is overdue (ORG-06) at the period's end
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures
from jiceng.core.fields import prefix_range
from jiceng.orgs.models import GRASSROOTS_KINDS, OrgStats, UnitType

from . import provider
from .models import CommitteePost, Election, VillageCommitteeSeat, VillageRole
from .selectors import unit_orgs

SYSTEM = "organisation"
AMBER_SHARE = 2  # terms_overdue: amber up to this % of the grassroots organisations, then red


def _query(**params) -> str:
    return "&".join(f"{k}={v}" for k, v in params.items() if v not in (None, ""))


def renewed(scope: figures.Scope) -> figures.Value:
    elections = Election.objects.filter(
        **prefix_range("org__path", scope.path), held_on__gte=scope.start, held_on__lte=scope.end
    )
    row = elections.aggregate(
        n=Count("pk"),
        villages=Count(
            "pk", filter=Q(org__in=unit_orgs(scope.path, [UnitType.VILLAGE]).values("pk"))
        ),
        communities=Count(
            "pk", filter=Q(org__in=unit_orgs(scope.path, [UnitType.COMMUNITY]).values("pk"))
        ),
    )
    url = (
        reverse("elections:election_list")
        + "?"
        + _query(org=scope.org_id, start=scope.start.isoformat(), end=scope.end.isoformat())
    )
    return figures.Value(
        row["n"],
        url=url,
        parts={"villages": row["villages"], "communities": row["communities"]},
    )


def one_shoulder(scope: figures.Scope) -> figures.Value:
    """As the committees stand now (the records keep no history of who chaired when)."""
    chairs = VillageCommitteeSeat.objects.filter(
        org_id=OuterRef("pk"),
        ended_on__isnull=True,
        role=VillageRole.CHAIR,
        member_id=OuterRef("secretary_id"),
    )
    row = unit_orgs(scope.path).aggregate(
        units=Count("pk"), one=Count("pk", filter=Q(Exists(chairs)))
    )
    if not row["units"]:
        return figures.Value(None, unit="%")
    url = (
        reverse("elections:two_committee_list") + "?" + _query(org=scope.org_id, one_shoulder="yes")
    )
    return figures.Value(
        figures.percent(row["one"], row["units"]),
        unit="%",
        url=url,
        parts={"units": row["units"], "one_shoulder": row["one"]},
    )


def cross_serving(scope: figures.Scope) -> figures.Value:
    units = unit_orgs(scope.path).values("pk")
    holds_post = CommitteePost.objects.filter(
        org_id=OuterRef("org_id"), member_id=OuterRef("member_id"), ended_on__isnull=True
    )
    seats = VillageCommitteeSeat.objects.filter(org__in=units, ended_on__isnull=True).aggregate(
        n=Count("pk"), cross=Count("pk", filter=Q(Exists(holds_post)))
    )
    posts = CommitteePost.objects.filter(org__in=units, ended_on__isnull=True).count()
    people = posts + seats["n"] - seats["cross"]
    if not people:
        return figures.Value(None, unit="%")
    url = reverse("elections:two_committee_seats") + "?" + _query(org=scope.org_id, cross="yes")
    return figures.Value(
        figures.percent(seats["cross"], people),
        unit="%",
        url=url,
        parts={"cross": seats["cross"], "people": people},
    )


def _grassroots(org_id: int) -> int:
    counts = OrgStats.objects.filter(org_id=org_id).values_list("counts", flat=True).first() or {}
    return sum(counts.get(f"org_kind:{k}", 0) for k in GRASSROOTS_KINDS)


def terms_overdue(scope: figures.Scope) -> figures.Value:
    today = timezone.localdate()
    as_of: date = min(scope.end, today)
    n = sum(
        1 for level, _due, _row in provider.renewals(scope.path, as_of, 0) if level == "overdue"
    )
    grassroots = _grassroots(scope.org_id)
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
