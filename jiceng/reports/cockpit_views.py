"""The cockpit page: the landing page (web:home) of every user with an organisation scope.

`?org=<pk>` picks a subtree within the user's scope (anything else: 404, noted for the audit
log), `?year=YYYY` the period (the current year to date by default). Thin: the figures are
`reports.cockpit.assemble`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from jiceng.audit.services import note_denied
from jiceng.core import figures
from jiceng.orgs.models import Organization, OrgStatus
from jiceng.orgs.selectors import org_ancestors
from jiceng.web.scoping import get_visible_or_404

from . import cockpit as board

TEMPLATE = "reports/cockpit.html"


def _year(request) -> int | None:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() else None


def _chosen(request, roots: list[Organization]) -> Organization | None:
    """The organisation of ?org= if within the user's roots (else 404), or the first root
    (None: the user has none)."""
    raw = request.GET.get("org", "")
    if not raw:
        return roots[0] if roots else None
    if not raw.isdigit():
        raise Http404
    org = get_visible_or_404(request, Organization.objects.all(), int(raw))
    if not any(org.path.startswith(root.path) for root in roots):
        # Visible only as a member's own branch: not a scope the user works in.
        note_denied(request, obj=org, action="view", reason="not_in_scope")
        raise Http404
    return org


def cockpit_url(org_pk: int, year: int | None = None) -> str:
    params = {"org": org_pk, **({"year": year} if year else {})}
    return reverse("web:home") + "?" + urlencode(params)


def cockpit(request, roots: list[Organization]):
    """The cockpit of the chosen subtree of `roots` (the user's top organisations)."""
    context = {"nav": "home", "roots": [], "years": []}
    org = _chosen(request, roots)
    if org is None:
        return render(request, TEMPLATE, context)
    today = timezone.localdate()
    year, start, end = board.period(_year(request), today)
    scope = figures.Scope(org_id=org.pk, path=org.path, name=org.name, start=start, end=end)
    root_paths = tuple(r.path for r in roots)
    ancestors = [
        a for a in org_ancestors(request.user, org) if a.path.startswith(root_paths)
    ]  # the breadcrumbs within the user's scope
    children = list(
        Organization.objects.filter(parent=org, status=OrgStatus.ACTIVE)
        .order_by("path")
        .only("pk", "name", "short_name")
    )
    current_root = next(r for r in roots if org.path.startswith(r.path))
    context.update(
        roots=[(r, cockpit_url(r.pk, year)) for r in roots],
        current_root=current_root,
        org=org,
        ancestors=ancestors,
        children=children,
        year=year,
        years=board.years(today),
        start=start,
        end=end,
        **board.assemble(scope),
    )
    return render(request, TEMPLATE, context)
