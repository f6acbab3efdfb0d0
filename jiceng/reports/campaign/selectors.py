"""Reads of the campaign report, scoped through restrict()."""

from jiceng.core import scope
from jiceng.orgs import selectors as org_selectors

from .models import CampaignReport


def campaign_reports_visible_to(user):
    """Kept reports of organisations in the user's role scope (none for a plain member: the
    model has no scope_self), newest first; without their files."""
    return (
        CampaignReport.objects.restrict(user)
        .select_related("org", "requested_by")
        .defer("pdf", "xlsx", "figures")
    )


def default_org(user):
    """The user's first root of role scope; None for who holds no role (a plain member, an
    administrator account)."""
    if getattr(user, "admin_role", "") or not (user.is_superuser or scope.grants(user)):
        return None
    roots = org_selectors.org_roots_for(user)
    return roots[0] if roots else None
