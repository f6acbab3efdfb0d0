"""Every read of the member registry, scoped through restrict()."""

import re

from django.db.models import Q

from jiceng.core import crypto, idnumber, scope
from jiceng.core.fields import prefix_range

from .models import Member

_LETTERS = re.compile(r"^[a-z]+$")


def members_visible_to(user, action: str = scope.VIEW):
    return Member.objects.restrict(user, action).select_related("org")


def search_q(text: str) -> Q:
    """Name prefix, full pinyin prefix, initials prefix (`zs` finds 张三), phone tail (4
    digits) or an exact ID number. Every branch is an index range."""
    text = idnumber.normalise(text or "")
    if not text:
        return Q()
    if len(text) == 18 and text[:17].isdigit():
        return Q(id_number_hash=crypto.lookup_hash(text))
    if text.isdigit():
        return Q(phone_tail=text[-4:]) if len(text) >= 4 else Q(pk__in=[])
    lowered = text.lower()
    if _LETTERS.match(lowered):
        return Q(**prefix_range("name_initials", lowered)) | Q(
            **prefix_range("name_pinyin", lowered)
        )
    return Q(**prefix_range("name", text))


def member_for(user, pk: int, action: str = scope.VIEW) -> Member | None:
    return members_visible_to(user, action).filter(pk=pk).first()


def covers_subtree(user, path: str) -> bool:
    """Whether the user sees everything under the org at `path` (through a role, not self)."""
    if user.is_superuser:
        return True
    return any(path.startswith(p) for _, p in scope.grants(user))


def _counts(org) -> dict:
    """An organisation's stored subtree counts, from its select_related stats if loaded."""
    from jiceng.orgs.models import OrgStats

    try:
        return org.stats.counts
    except OrgStats.DoesNotExist:
        return {}


def member_count(user, filterset) -> int:
    """The number of members a filtered list holds: from the subtree rollups when the filters
    allow (one indexed read), else a COUNT over the scoped, filtered queryset."""
    from jiceng.orgs.selectors import org_roots_for

    match = filterset.rollup_match()
    if match is not None:
        org = filterset.form.cleaned_data.get("org")
        roots = [org] if org is not None else org_roots_for(user)
        if roots and all(covers_subtree(user, r.path) for r in roots):
            rows = [_counts(r) for r in roots]
            return sum(n for counts in rows for key, n in counts.items() if match(key))
    return filterset.qs.count()
