"""Identifying weak-and-lax organisations (软弱涣散) from the records: the candidates the level
above sees, with the reasons, and the service that identifies the chosen ones in one action.

A candidate is an active grassroots organisation the user is the level above of (may change
its parent), not yet identified for the year, that

- scored below `ACC-05.score_below` (default 60) in an assessment of that year, or was vetoed;
- has no secretary on record;
- is overdue for renewal (ORG-06);
- has at least `ACC-05.life_overdue` (default 3) overdue organisational-life findings (LIFE-*).

All set-based: one query per criterion over the subtree and one sweep of the renewal and
organisational-life providers, whatever the size of the subtree.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import findings, ruleset, scope
from jiceng.core.fields import prefix_range
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization, OrgStatus

from .models import Assessment, WeakBasis, WeakOrg
from .services import WEAK_FIELDS

RULE = "ACC-05"
SCORE_BELOW, LIFE_OVERDUE = f"{RULE}.score_below", f"{RULE}.life_overdue"
DEFAULT_SCORE_BELOW, DEFAULT_LIFE_OVERDUE = 60, 3
SHOWN = 500  # candidates listed at most (the count says how many there are)


@dataclass
class Candidate:
    org: Organization
    basis: str = WeakBasis.CRITERIA
    score: Decimal | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "；".join(self.reasons)


def reviewable(user, qs=None):
    """Organisations (default: active grassroots ones) `user` is the level above of: may
    change their parent."""
    if qs is None:
        qs = Organization.objects.filter(
            status=OrgStatus.ACTIVE, kind__in=[str(k) for k in GRASSROOTS_KINDS]
        )
    if user is None or user.is_superuser:
        return qs.filter(parent__isnull=False)
    return qs.filter(parent__in=Organization.objects.restrict(user, scope.CHANGE).values("pk"))


def _final():
    return Case(
        When(vetoed=True, then=Value(Decimal(0))),
        default=Coalesce("review_total", "self_total", "auto_total"),
        output_field=DecimalField(max_digits=7, decimal_places=2),
    )


def candidates(
    user,
    root: Organization,
    *,
    year: int,
    as_of: date | None = None,
    below: Decimal | None = None,
    life_overdue: int | None = None,
) -> list[Candidate]:
    """The candidates under `root` (root included), ordered by path."""
    as_of = as_of or timezone.localdate()
    params = ruleset.snapshot(on=as_of)
    below = Decimal(params[SCORE_BELOW]) if below is None else Decimal(below)
    life_overdue = int(params[LIFE_OVERDUE]) if life_overdue is None else int(life_overdue)
    pool = (
        reviewable(user)
        .filter(**prefix_range("path", root.path))
        .exclude(pk__in=WeakOrg.objects.filter(year=year).values("org_id"))
    )
    found: dict[int, Candidate] = {}
    orgs: dict[int, Organization] = {}

    def add(org_id: int, reason: str) -> Candidate:
        cand = found.get(org_id)
        if cand is None:
            cand = found[org_id] = Candidate(org=orgs.get(org_id) or Organization(pk=org_id))
        cand.reasons.append(reason)
        return cand

    scores = (
        Assessment.objects.filter(org__in=pool.values("pk"), rubric__year=year)
        .annotate(final_score=_final())
        .filter(final_score__lt=below)
        .values_list("org_id", "final_score", "vetoed", "rubric__name")
        .order_by("final_score")
    )
    for org_id, score, vetoed, rubric in scores:
        if org_id in found:
            continue
        cand = add(
            org_id,
            _("one-vote veto in the assessment %(rubric)s") % {"rubric": rubric}
            if vetoed
            else _("assessment %(rubric)s: %(score)s points, below %(below)s")
            % {"rubric": rubric, "score": score, "below": below},
        )
        cand.basis, cand.score = WeakBasis.SCORE, score
    for org_id in pool.filter(secretary__isnull=True).values_list("pk", flat=True):
        add(org_id, _("no secretary on record"))
    pool_ids = set(pool.values_list("pk", flat=True))
    life: dict[int, int] = defaultdict(int)
    for f in findings.in_subtree(root.path, as_of, keys=["renewals", "activities"]):
        if f.level != findings.Level.OVERDUE or f.org_id not in pool_ids:
            continue
        if f.rule == "ORG-06":
            add(f.org_id, _("renewal overdue since %(due)s (ORG-06)") % {"due": f.due})
        elif f.rule.startswith("LIFE-"):
            life[f.org_id] += 1
    for org_id, n in life.items():
        if n >= life_overdue:
            add(
                org_id,
                _("%(n)d overdue findings of organisational life (LIFE-*)") % {"n": n},
            )
    named = Organization.objects.filter(pk__in=list(found)).select_related("parent", "secretary")
    for org in named:
        found[org.pk].org = org
    return sorted(found.values(), key=lambda c: c.org.path)


@transaction.atomic
def weak_identify_many(
    *, actor, picks: list[dict], year: int, identified_on: date | None = None
) -> list[WeakOrg]:
    """Identify the chosen organisations in one action: `picks` is [{"org": id, "basis":
    "score"|"criteria"|"manual", "reason": str}]. Everything is checked first — the actor is
    the level above each, each is active, not yet identified for `year`, has a reason — and
    nothing is written when anything is wrong."""
    identified_on = identified_on or timezone.localdate()
    errors: dict[str, list[str]] = defaultdict(list)
    if not picks:
        errors["orgs"].append(_("Choose at least one organisation."))
    ids = [int(getattr(p.get("org"), "pk", p.get("org")) or 0) for p in picks]
    visible = Organization.objects.all()
    if actor is not None:
        visible = Organization.objects.restrict(actor, scope.VIEW)
    orgs = {o.pk: o for o in visible.filter(pk__in=ids)}
    allowed = set(
        reviewable(actor, Organization.objects.filter(pk__in=ids)).values_list("pk", flat=True)
    )
    taken = set(WeakOrg.objects.filter(year=year, org_id__in=ids).values_list("org_id", flat=True))
    seen: set[int] = set()
    for pick, pk in zip(picks, ids, strict=True):
        org = orgs.get(pk)
        if org is None:
            errors["orgs"].append(_("No such organisation within your scope: %(id)s") % {"id": pk})
            continue
        name = org.name
        if pk in seen:
            errors["orgs"].append(_("%(org)s is chosen twice.") % {"org": name})
        seen.add(pk)
        if pk not in allowed:
            errors["orgs"].append(
                _("Only the level above %(org)s may identify it.") % {"org": name}
            )
        elif org.status != OrgStatus.ACTIVE:
            errors["orgs"].append(_("%(org)s has been dissolved.") % {"org": name})
        if pk in taken:
            errors["orgs"].append(
                _("%(org)s is already identified for %(year)s.") % {"org": name, "year": year}
            )
        if pick.get("basis", WeakBasis.CRITERIA) not in WeakBasis.values:
            errors["orgs"].append(_("%(org)s: choose how it was identified.") % {"org": name})
        if not (pick.get("reason") or "").strip():
            errors["orgs"].append(_("%(org)s: give the reason.") % {"org": name})
    if ids and not allowed and all(pk in orgs for pk in ids):
        # every chosen organisation is visible and none is the actor's to identify: 403
        raise PermissionDenied(_("Only the level above may identify these organisations."))
    if errors:
        raise ValidationError(dict(errors))
    WeakOrg.objects.bulk_create(
        WeakOrg(
            org=orgs[pk],
            year=year,
            basis=pick.get("basis", WeakBasis.CRITERIA),
            reason=pick["reason"].strip(),
            identified_on=identified_on,
            identified_by=actor,
        )
        for pick, pk in zip(picks, ids, strict=True)
    )
    saved = {w.org_id: w for w in WeakOrg.objects.filter(year=year, org_id__in=ids)}
    for pk in ids:
        weak = saved[pk]
        audit.record_change(
            "weak_identify", actor=actor, obj=weak, after=audit.snapshot(weak, WEAK_FIELDS)
        )
    return [saved[pk] for pk in ids]
