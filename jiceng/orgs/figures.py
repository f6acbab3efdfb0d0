"""The organisation system's figures (core.figures): organisations of the subtree by kind, read
from the kept subtree counts (orgs.rollups: `org_kind:<kind>` of the active organisations).

They count what is active now, whatever the period: the tree keeps no history of counts.
Each links to the organisation list filtered to exactly the organisations counted.
"""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures

from .models import GRASSROOTS_KINDS, OrgKind

# The grassroots kinds in the order of the statistical tables (STAT-05).
GRASSROOTS_ORDER = tuple(k for k in OrgKind.values if k in GRASSROOTS_KINDS)


def org_list_url(scope: figures.Scope, **filters) -> str:
    return reverse("orgs:org_list") + "?" + urlencode({"within": scope.org_id, **filters})


def grassroots(scope: figures.Scope) -> figures.Value:
    counts = figures.subtree_counts(scope)
    parts = {kind: counts.get(f"org_kind:{kind}", 0) for kind in GRASSROOTS_ORDER}
    return figures.Value(
        sum(parts.values()), url=org_list_url(scope, grassroots="true"), parts=parts
    )


def _of_kind(kind: str):
    def compute(scope: figures.Scope) -> figures.Value:
        counts = figures.subtree_counts(scope)
        return figures.Value(counts.get(f"org_kind:{kind}", 0), url=org_list_url(scope, kind=kind))

    return compute


FIGURES = (
    figures.Figure(
        key="orgs.grassroots",
        system="organisation",
        label=_("grassroots Party organisations"),
        compute=grassroots,
        order=1,
        help=_(
            "Active primary committees, general branches and branches (joint and temporary "
            "included) in the subtree, now."
        ),
    ),
    figures.Figure(
        key="orgs.counties",
        system="organisation",
        label=_("county-level committees"),
        compute=_of_kind(OrgKind.COUNTY),
        order=2,
        help=_("Active county (city, district) committees in the subtree, now."),
    ),
    figures.Figure(
        key="orgs.townships",
        system="organisation",
        label=_("township-level committees"),
        compute=_of_kind(OrgKind.TOWNSHIP),
        order=3,
        help=_("Active township (subdistrict) committees in the subtree, now."),
    ),
)


def register() -> None:
    for figure in FIGURES:
        figures.register(figure)
