"""Scored assessment (量化考核): rubrics as data, and assessments scored from the records.

An item that names a rule id is scored automatically: the findings (core.findings) of that
rule for the assessed organisation as of the period's end are its missing instances — every
app that registers findings (organisational life LIFE-*, dues FEE-*, the pipeline DEV-*,
renewals ORG-*, this app's ACC-*) feeds the rubric without a special case. Only findings of
level "overdue" count: "due soon" still has time, an "exception" is a documented one. Each
automatic score keeps its explanation: the findings behind it, with their links.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.audit import services as audit
from jiceng.core import findings, scope
from jiceng.orgs.models import Organization, OrgKind

from . import rules
from .models import (
    Assessment,
    AssessmentStatus,
    ItemKind,
    ItemScore,
    Rubric,
    RubricCategory,
    RubricItem,
)
from .services import _ensure_may, ensure_level_above, may_review

ZERO = Decimal(0)


# --- rubrics --------------------------------------------------------------------------------


def may_issue_rubrics(user) -> bool:
    """The city's organisation department: an administrator over a root of the tree."""
    if user is None or user.is_superuser:
        return True
    return any(role == "admin" and len(path) == 4 for role, path in scope.grants(user))


def rubric_create(
    *,
    actor,
    year: int,
    org_kind: str,
    name: str,
    categories: list[rules.CategorySpec],
    copied_from: Rubric | None = None,
) -> Rubric:
    """A new version of the rubric for (year, org kind); refused, with nothing written, if
    any category's items exceed its maximum or an item is malformed (rules.rubric_problems)."""
    if not may_issue_rubrics(actor):
        raise PermissionDenied(_("Only the city's administrators issue assessment rubrics."))
    errors: dict[str, list[str]] = {}
    if not (name or "").strip():
        errors["name"] = [_("This field is required.")]
    if org_kind not in OrgKind.values:
        errors["org_kind"] = [_("Unknown organisation kind.")]
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = [_("A year from 2000 to 2100.")]
    for where, what in rules.rubric_problems(categories):
        errors.setdefault(where, []).append(what)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        latest = Rubric.objects.filter(year=year, org_kind=org_kind).order_by("-version").first()
        rubric = Rubric.objects.create(
            year=year,
            org_kind=org_kind,
            name=name.strip(),
            version=(latest.version + 1) if latest else 1,
        )
        for ci, cat in enumerate(categories, start=1):
            category = RubricCategory.objects.create(
                rubric=rubric, order=ci, name=cat.name, max_points=cat.max_points
            )
            RubricItem.objects.bulk_create(
                RubricItem(
                    category=category,
                    order=ii,
                    code=item.code,
                    title=item.title,
                    kind=item.kind,
                    max_points=item.max_points,
                    check_method=item.check_method,
                    deduction=item.deduction,
                    rule=item.rule,
                    subtree=item.subtree,
                )
                for ii, item in enumerate(cat.items, start=1)
            )
        audit.record(
            "rubric_create",
            actor=actor,
            obj=rubric,
            data={
                "year": year,
                "org_kind": org_kind,
                "version": rubric.version,
                "items": sum(len(c.items) for c in categories),
                "copied_from": copied_from.pk if copied_from else None,
            },
        )
    return rubric


def rubric_specs(rubric: Rubric) -> list[rules.CategorySpec]:
    """A rubric as data (the specs rubric_create takes): to copy it or edit a new version."""
    out: list[rules.CategorySpec] = []
    categories = RubricCategory.objects.filter(rubric=rubric).order_by("order")
    for category in categories.prefetch_related("items"):
        spec = rules.CategorySpec(category.name, category.max_points, [])
        out.append(spec)
        spec.items.extend(
            rules.ItemSpec(
                code=item.code,
                title=item.title,
                kind=item.kind,
                max_points=item.max_points,
                check_method=item.check_method,
                deduction=item.deduction,
                rule=item.rule,
                subtree=item.subtree,
            )
            for item in sorted(category.items.all(), key=lambda i: i.order)
        )
    return out


def rubric_copy(*, actor, rubric: Rubric, year: int, name: str = "") -> Rubric:
    """Last year's rubric as the first version of (or a new version for) another year: the
    same categories and items, checked again by rubric_create."""
    if not (name or "").strip():
        name = rubric.name.replace(str(rubric.year), str(year))
    return rubric_create(
        actor=actor,
        year=year,
        org_kind=rubric.org_kind,
        name=name,
        categories=rubric_specs(rubric),
        copied_from=rubric,
    )


def rubric_items(rubric: Rubric) -> list[RubricItem]:
    return list(
        RubricItem.objects.filter(category__rubric=rubric)
        .select_related("category")
        .order_by("category__order", "order")
    )


# --- automatic scoring ----------------------------------------------------------------------


def _common_prefix(paths: list[str]) -> str:
    first, last = min(paths), max(paths)
    end = 0
    while end < len(first) and end < len(last) and first[end] == last[end]:
        end += 1
    return first[: end - end % 4]


def findings_by_org(orgs: list[Organization], as_of: date) -> dict[int, dict[str, list]]:
    """{org id: {rule: [overdue findings]}} for these organisations (each own findings) and,
    under key -org id, of their whole subtrees; one sweep of the providers over the
    smallest subtree holding them all, and a dictionary look-up per ancestor of a finding."""
    out: dict[int, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    if not orgs:
        return out
    by_path = {o.path: o.pk for o in orgs}
    ids = set(by_path.values())
    root = _common_prefix(list(by_path)) or min(by_path)[:4]
    for f in findings.in_subtree(root, as_of):
        if f.level != findings.Level.OVERDUE:
            continue
        path = f.org_path
        if f.org_id in ids:
            out[f.org_id][f.rule].append(f)
        for end in range(4, len(path) + 1, 4):
            pk = by_path.get(path[:end])
            if pk is not None:
                out[-pk][f.rule].append(f)
    return out


def _explain(found: list) -> list[dict]:
    return [
        {
            "rule": f.rule,
            "message": f.message,
            "url": f.url,
            "due": f.due.isoformat() if f.due else "",
            "subject": f.subject,
            "org_path": f.org_path,
        }
        for f in found[:200]
    ]


def _auto_rows(assessment: Assessment, items: list[RubricItem], found: dict) -> list[ItemScore]:
    org_id = assessment.org_id
    rows = []
    for item in items:
        row = ItemScore(assessment=assessment, item=item)
        if item.rule:
            per_rule = found.get(-org_id if item.subtree else org_id, {})
            hits = per_rule.get(item.rule, [])
            row.instances = len(hits)
            row.auto_score = rules.item_score(item.kind, item.max_points, item.deduction, len(hits))
            row.explanation = _explain(hits)
        rows.append(row)
    return rows


def _totals(assessment: Assessment, rows: list[ItemScore]) -> None:
    auto = sum((r.auto_score for r in rows if r.auto_score is not None), ZERO)
    assessment.auto_total = auto
    assessment.vetoed = any(
        rules.vetoes(r.item.kind, r.instances or 0) for r in rows if r.item.kind == ItemKind.VETO
    )


def score_many(assessments: list[Assessment], items: list[RubricItem] | None = None) -> int:
    """(Re)compute the automatic scores of these assessments (of one rubric and one period
    end each group), set-based: one findings sweep per period end, one write per table."""
    groups: dict[tuple[int, date], list[Assessment]] = defaultdict(list)
    for a in assessments:
        groups[(a.rubric_id, a.period_end)].append(a)
    now = timezone.now()
    written = 0
    for (rubric_id, period_end), group in groups.items():
        rubric_items_ = items or rubric_items(Rubric(pk=rubric_id))
        found = findings_by_org([a.org for a in group], period_end)
        existing = {
            (s.assessment_id, s.item_id): s
            for s in ItemScore.objects.filter(assessment__in=[a.pk for a in group]).select_related(
                "item"
            )
        }
        new, changed = [], []
        for a in group:
            rows = _auto_rows(a, rubric_items_, found)
            for row in rows:
                old = existing.get((a.pk, row.item_id))
                if old is None:
                    new.append(row)
                else:
                    old.instances, old.auto_score = row.instances, row.auto_score
                    old.explanation = row.explanation
                    old.item = row.item
                    changed.append(old)
            manual_veto = [
                old
                for (aid, _iid), old in existing.items()
                if aid == a.pk and old.item_id in {i.pk for i in rubric_items_ if not i.rule}
            ]
            _totals(a, [r for r in rows if r.item.rule] + manual_veto)
            a.computed_at = now
        ItemScore.objects.bulk_create(new, batch_size=2000)
        ItemScore.objects.bulk_update(
            changed, ["instances", "auto_score", "explanation"], batch_size=2000
        )
        Assessment.objects.bulk_update(
            group, ["auto_total", "vetoed", "computed_at"], batch_size=500
        )
        for a in group:
            _recompute_manual_totals(a)
        written += len(group)
    return written


def _recompute_manual_totals(a: Assessment) -> None:
    rows = list(ItemScore.objects.filter(assessment=a).select_related("item"))
    changed = False
    for attr, field in (("self_total", "self_score"), ("review_total", "review_score")):
        if getattr(a, attr) is not None:
            setattr(a, attr, _total(rows, field))
            changed = True
    if changed:
        Assessment.objects.filter(pk=a.pk).update(
            self_total=a.self_total, review_total=a.review_total
        )


def _total(rows: list[ItemScore], field: str) -> Decimal:
    total = ZERO
    for r in rows:
        value = r.auto_score if r.item.rule else getattr(r, field)
        total += value or ZERO
    return total


# --- assessments ----------------------------------------------------------------------------


def assessment_start(*, actor, rubric: Rubric, org: Organization, period_end: date) -> Assessment:
    """The level above opens an assessment of `org` against `rubric`, scored at once from
    the records as of `period_end`."""
    ensure_level_above(actor, org, _("open an assessment"))
    errors: dict = {}
    if org.kind != rubric.org_kind:
        errors["org"] = [
            _("This rubric is for %(kind)s organisations.")
            % {"kind": OrgKind(rubric.org_kind).label}
        ]
    if Assessment.objects.filter(rubric=rubric, org=org).exists():
        errors.setdefault("org", []).append(_("This organisation is already assessed with it."))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        assessment = Assessment.objects.create(rubric=rubric, org=org, period_end=period_end)
        assessment.org = org
        score_many([assessment])
        audit.record(
            "assessment_start",
            actor=actor,
            obj=assessment,
            data={"rubric": rubric.pk, "org": org.pk, "period_end": period_end},
        )
    return assessment


def assessment_refresh(*, actor, assessment: Assessment) -> Assessment:
    """Score the automatic items again from the records as they are now."""
    _ensure_may(actor, scope.CHANGE, assessment)
    with transaction.atomic():
        before = assessment.auto_total
        score_many([assessment])
        audit.record(
            "assessment_refresh",
            actor=actor,
            obj=assessment,
            data={"before": before, "after": assessment.auto_total},
        )
    return assessment


def _clean_scores(
    assessment: Assessment, scores: dict, vetoes: dict | None = None
) -> tuple[dict[int, Decimal], dict[int, bool]]:
    items = {i.pk: i for i in rubric_items(assessment.rubric)}
    errors: dict[str, list[str]] = {}
    clean: dict[int, Decimal] = {}
    for raw_key, raw in scores.items():
        key = int(raw_key)
        item = items.get(key)
        field = f"item_{raw_key}"
        if item is None:
            errors[field] = [_("Not an item of this rubric.")]
            continue
        if item.rule:
            errors[field] = [_("%(code)s is scored from the records.") % {"code": item.code}]
            continue
        if item.kind == ItemKind.VETO:
            errors[field] = [_("%(code)s is a one-vote veto, not scored.") % {"code": item.code}]
            continue
        if raw in (None, ""):
            continue
        try:
            value = Decimal(str(raw))
        except (InvalidOperation, ValueError):
            errors[field] = [_("Enter a number.")]
            continue
        if not value.is_finite() or not rules.score_in_range(value, item.max_points):
            errors[field] = [
                _("%(code)s scores from 0 to %(max)s; %(value)s is out of range.")
                % {"code": item.code, "max": item.max_points, "value": raw}
            ]
            continue
        clean[key] = value
    veto_clean: dict[int, bool] = {}
    for raw_key, flag in (vetoes or {}).items():
        item = items.get(int(raw_key))
        if item is None or item.kind != ItemKind.VETO or item.rule:
            errors[f"item_{raw_key}"] = [_("Not a one-vote veto item scored by hand.")]
            continue
        veto_clean[item.pk] = bool(flag)
    if errors:
        raise ValidationError(errors)
    return clean, veto_clean


def _apply(assessment, field, clean, veto_clean, evidence) -> None:
    existing = {s.item_id: s for s in ItemScore.objects.filter(assessment=assessment)}
    items = {i.pk: i for i in rubric_items(assessment.rubric)}
    touched = []
    for item_id, item in items.items():
        row = existing.get(item_id) or ItemScore(assessment=assessment, item=item)
        if item_id in clean:
            setattr(row, field, clean[item_id])
        if item_id in veto_clean and field == "review_score":
            row.instances = 1 if veto_clean[item_id] else 0
        if evidence and item_id in evidence:
            row.evidence = (evidence[item_id] or "").strip()
        row.item = item
        touched.append(row)
    for row in touched:
        row.save()
    setattr(
        assessment,
        "self_total" if field == "self_score" else "review_total",
        _total(touched, field),
    )
    assessment.vetoed = any(
        rules.vetoes(r.item.kind, r.instances or 0) for r in touched if r.item.kind == ItemKind.VETO
    )


def assessment_self_score(
    *, actor, assessment: Assessment, scores: dict, evidence: dict | None = None
) -> Assessment:
    """The organisation scores its manual items itself (0 ≤ score ≤ the item's maximum)."""
    _ensure_may(actor, scope.CHANGE, assessment)
    if assessment.status == AssessmentStatus.REVIEWED:
        raise ValidationError({"__all__": [_("The assessment has been reviewed.")]})
    clean, _v = _clean_scores(assessment, scores)
    with transaction.atomic():
        _apply(
            assessment, "self_score", clean, {}, {int(k): v for k, v in (evidence or {}).items()}
        )
        assessment.status = AssessmentStatus.SELF_SCORED
        assessment.save()
        scope.ensure_in_scope(actor, scope.CHANGE, assessment)
        audit.record(
            "assessment_self",
            actor=actor,
            obj=assessment,
            data={"scores": {str(k): v for k, v in clean.items()}, "total": assessment.self_total},
        )
    return assessment


def assessment_review(
    *, actor, assessment: Assessment, scores: dict, vetoes: dict | None = None
) -> Assessment:
    """The level above gives the review score (manual items, one-vote vetoes)."""
    ensure_level_above(actor, assessment.org, _("review an assessment"))
    clean, veto_clean = _clean_scores(assessment, scores, vetoes)
    with transaction.atomic():
        _apply(assessment, "review_score", clean, veto_clean, None)
        assessment.status = AssessmentStatus.REVIEWED
        assessment.reviewed_by = actor
        assessment.save()
        audit.record(
            "assessment_review",
            actor=actor,
            obj=assessment,
            data={
                "scores": {str(k): v for k, v in clean.items()},
                "vetoes": {str(k): v for k, v in veto_clean.items()},
                "total": assessment.review_total,
                "vetoed": assessment.vetoed,
            },
        )
    return assessment


def weak_from_scores(*, actor, rubric: Rubric, below: Decimal, identified_on: date | None = None):
    """Identify as weak and lax (basis "score") every organisation assessed with `rubric`
    whose final score is below `below` or vetoed, among those the actor is the level above
    of and not yet identified that year. Returns the new records."""
    from .models import WeakBasis, WeakOrg

    identified_on = identified_on or timezone.localdate()
    if below is None or below <= 0:
        raise ValidationError({"below": [_("Give a score threshold above 0.")]})
    year = rubric.year
    taken = set(WeakOrg.objects.filter(year=year).values_list("org_id", flat=True))
    chosen = [
        a
        for a in Assessment.objects.restrict(actor, scope.VIEW)
        .filter(rubric=rubric)
        .select_related("org")
        .order_by("org__path")
        if (a.vetoed or a.final < below) and a.org_id not in taken
    ]
    chosen = [a for a in chosen if may_review(actor, a.org)]
    with transaction.atomic():
        rows = WeakOrg.objects.bulk_create(
            WeakOrg(
                org=a.org,
                year=year,
                basis=WeakBasis.SCORE,
                reason=_("Assessment %(rubric)s: %(score)s points%(veto)s")
                % {
                    "rubric": rubric,
                    "score": a.final,
                    "veto": _(", one-vote veto") if a.vetoed else "",
                },
                identified_on=identified_on,
                identified_by=actor,
            )
            for a in chosen
        )
        audit.record(
            "weak_identify",
            actor=actor,
            obj=rubric,
            data={"basis": "score", "below": below, "orgs": [a.org_id for a in chosen]},
        )
    return rows
