"""Every read of the reports app, scoped through restrict()."""

from __future__ import annotations

from django.http import Http404

from jiceng.orgs import selectors as org_selectors
from jiceng.orgs.models import Organization

from .models import Snapshot, SnapshotOrg


def snapshots_visible_to(user):
    """Snapshots of organisations in the user's scope (a county sees its own subtree's)."""
    return Snapshot.objects.restrict(user).select_related("org", "taken_by")


def snapshot_node(snapshot: Snapshot, org_id: str | int | None) -> SnapshotOrg | None:
    """The organisation `org_id` as the snapshot recorded it (None: the snapshot's root);
    404 if the snapshot did not count it."""
    if org_id in (None, ""):
        return None
    if not str(org_id).isdigit():
        raise Http404
    node = SnapshotOrg.objects.filter(snapshot=snapshot, org_id=int(org_id)).first()
    if node is None:
        raise Http404
    return None if node.path == snapshot.root_path else node


def snapshot_ancestors(snapshot: Snapshot, node: SnapshotOrg | None) -> list[SnapshotOrg]:
    """Breadcrumbs inside the snapshot: from its root down to `node`'s parent."""
    if node is None:
        return []
    root = snapshot.root_path
    paths = [node.path[:i] for i in range(len(root), len(node.path), 4)]
    return list(SnapshotOrg.objects.filter(snapshot=snapshot, path__in=paths).order_by("path"))


def root_for(user, org_id: str) -> Organization | None:
    """`?org=` if visible (404 otherwise), else the user's first root of scope."""
    from jiceng.core import findings

    if org_id.isdigit():
        return findings.visible_org(user, int(org_id))
    if user.admin_role:
        return None
    roots = org_selectors.org_roots_for(user)
    return roots[0] if roots else None
