"""Organisations by name, as an import refers to them, with what the uploader may do to each.

Loaded once per import (13,000 rows at city scale) so that checking 322,000 member rows asks
the database nothing per row. Organisations created earlier in the same import are added with
a provisional negative key, replaced by the real id when they are written.
"""

import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from jiceng.core import scope
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgStatus


@dataclass
class OrgRef:
    key: int  # the organisation's id, or a negative provisional key for a new one
    name: str
    kind: str
    path: str  # "" for one not yet written
    active: bool
    region_code: str
    can_add: bool  # the uploader may add members/children here
    can_change: bool  # the uploader may change it and what it holds


class OrgIndex:
    def __init__(self, actor):
        self.actor = actor
        self.by_key: dict[int, OrgRef] = {}
        self.by_name: dict[str, list[OrgRef]] = {}
        rows = Organization.objects.order_by().values_list(
            "id", "name", "kind", "path", "status", "region_code"
        )
        add = self._permitted(scope.ADD)
        change = self._permitted(scope.CHANGE)
        for pk, name, kind, path, status, region in rows.iterator(5000):
            ref = OrgRef(
                pk,
                name,
                kind,
                path,
                status == OrgStatus.ACTIVE,
                region,
                add is None or pk in add,
                change is None or pk in change,
            )
            self._index(ref)
        self._next_key = -1
        self._resolved: dict[tuple[str, bool], tuple[OrgRef | None, str]] = {}

    def _permitted(self, action: str) -> set[int] | None:
        """Ids the actor may act on; None = everything (the command line's system actor)."""
        if self.actor is None:
            return None
        qs = scope.restrict(Organization.objects.order_by(), self.actor, action)
        return set(qs.values_list("id", flat=True))

    def _index(self, ref: OrgRef) -> None:
        self.by_key[ref.key] = ref
        self.by_name.setdefault(_as_read(ref.name), []).append(ref)

    def add_pending(self, name: str, kind: str, region_code: str) -> OrgRef:
        self._resolved.clear()
        ref = OrgRef(self._next_key, name, kind, "", True, region_code, True, True)
        self._next_key -= 1
        self._index(ref)
        return ref

    def resolve(self, name: str, *, branch: bool) -> tuple[OrgRef | None, str]:
        """The organisation called `name` (full name), or a message saying why not. Memoised:
        a city's file names each of its branches thousands of times."""
        key = (name, branch)
        found = self._resolved.get(key)
        if found is None:
            found = self._resolved[key] = self._resolve(name, branch=branch)
        return found

    def _resolve(self, name: str, *, branch: bool) -> tuple[OrgRef | None, str]:
        refs = self.by_name.get(_as_read(name))
        if not refs:
            return None, _("No organisation has this name; use the full name (党组织全称)")
        active = [r for r in refs if r.active]
        if not active:
            return None, _("This organisation has been dissolved")
        if branch:
            active = [r for r in active if r.kind in BRANCH_KINDS] or active
        if len(active) > 1:
            return None, _("Several organisations have this name")
        ref = active[0]
        if not ref.can_add:
            return None, _("This organisation is outside your scope")
        if branch and ref.kind not in BRANCH_KINDS:
            return None, _("Members belong to a branch (党支部); this is not a branch")
        return ref, ""

    def ancestors(self, key: int) -> list[str]:
        path = self.by_key[key].path
        return [path[:i] for i in range(4, len(path) + 1, 4)]


def _as_read(name: str) -> str:
    """A name as a sheet's cell is read (sheets.values.text: NFKC, stripped), so that a
    stored name with full-width characters — "（集团）" — is found from the "(集团)" the
    reader makes of it."""
    return unicodedata.normalize("NFKC", name).strip()
