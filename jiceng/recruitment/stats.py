"""What development records contribute to the subtree rollups (see jiceng.orgs.rollups), for
the cockpit's recruitment figures at any level in one read:

- `dev_phase:<phase>` — open records by phase of the pipeline (`PHASES`): applicants,
  activists, candidates (development targets, and those in admission not yet registered as
  members), probationary (registered by step 17, not yet full);
- `dev_admitted:<YYYY-MM>` — records whose person was admitted (registered as a probationary
  member by step 17), by the month of the branch resolution, which is their joining date.

`keys_of` gives one record's keys (the services' deltas), `record_contributions` all records'
keys per organisation, set-based (the rebuild and the check). `phase_q` / `admitted_q` are
the same tests as conditions on records, for the record list's filters.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.utils.translation import gettext_lazy as _

from jiceng.orgs import rollups

from .models import DevelopmentRecord, Stage

PHASES = (
    ("applicants", _("applicants")),
    ("activists", _("activists")),
    ("candidates", _("development targets")),
    ("probationary", _("probationary members")),
)
PHASE_KEYS = tuple(key for key, _label in PHASES)
_PROBATIONARY_STAGES = (Stage.ADMISSION, Stage.PROBATION)


def phase_of(stage: str, admitted: bool) -> str | None:
    """The phase of an open record (None for a finished one). Pure."""
    if stage == Stage.APPLICANT:
        return "applicants"
    if stage == Stage.ACTIVIST:
        return "activists"
    if stage == Stage.TARGET or (stage == Stage.ADMISSION and not admitted):
        return "candidates"
    if stage in _PROBATIONARY_STAGES and admitted:
        return "probationary"
    return None


def phase_q(phase: str) -> Q:
    """`phase_of` as a condition on records."""
    return {
        "applicants": Q(stage=Stage.APPLICANT),
        "activists": Q(stage=Stage.ACTIVIST),
        "candidates": Q(stage=Stage.TARGET) | Q(stage=Stage.ADMISSION, member__isnull=True),
        "probationary": Q(stage__in=_PROBATIONARY_STAGES, member__isnull=False),
    }[phase]


def admitted_q(start: date | None = None, end: date | None = None) -> Q:
    """Records admitted (member registered) with their joining date in start..end."""
    q = Q(member__isnull=False, resolution_on__isnull=False)
    if start:
        q &= Q(resolution_on__gte=start)
    if end:
        q &= Q(resolution_on__lte=end)
    return q


def month_key(day: date) -> str:
    return f"dev_admitted:{day.year:04d}-{day.month:02d}"


def record_keys(stage: str, admitted: bool, resolution_on: date | None) -> Counter:
    """The rollup keys one record adds to each ancestor organisation. Pure."""
    keys = Counter()
    phase = phase_of(stage, admitted)
    if phase:
        keys[f"dev_phase:{phase}"] += 1
    if admitted and resolution_on:
        keys[month_key(resolution_on)] += 1
    return keys


def keys_of(record: DevelopmentRecord) -> Counter:
    return record_keys(record.stage, record.member_id is not None, record.resolution_on)


def apply_change(record: DevelopmentRecord, before: Counter) -> None:
    """Apply the change of `record`'s keys since `before` to its ancestors' counts (inside the
    service's transaction)."""
    delta = keys_of(record)
    delta.subtract(before)
    rollups.apply_delta(record.org.ancestor_paths(), delta)


def record_contributions() -> dict[int, Counter]:
    """Direct counts per organisation from the records: two GROUP BYs."""
    out: dict[int, Counter] = {}
    by_stage = (
        DevelopmentRecord.objects.order_by()
        .annotate(admitted=ExpressionWrapper(Q(member__isnull=False), output_field=BooleanField()))
        .values_list("org_id", "stage", "admitted")
        .annotate(n=Count("id"))
    )
    for org_id, stage, admitted, n in by_stage:
        phase = phase_of(stage, bool(admitted))
        if phase:
            out.setdefault(org_id, Counter())[f"dev_phase:{phase}"] += n
    admitted = (
        DevelopmentRecord.objects.order_by()
        .filter(admitted_q())
        .values_list("org_id", "resolution_on")
        .annotate(n=Count("id"))
    )
    for org_id, day, n in admitted:
        out.setdefault(org_id, Counter())[month_key(day)] += n
    return out
