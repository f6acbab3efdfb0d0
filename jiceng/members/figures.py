"""The member system's figures (core.figures), read from the kept subtree counts
(orgs.rollups, keys of members.stats): members on the rolls now, whatever the period.

Each links to the member list filtered to exactly the members counted.
"""

from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiceng.core import figures

from .stats import COMPLETE

# members.complete: the share of members with all 16 items that is green / amber (the source
# document: "information of 320,000+ of 322,000 members collected", 99.4 %).
COMPLETE_GREEN = Decimal(99)
COMPLETE_AMBER = Decimal(95)


def member_list_url(scope: figures.Scope, **filters) -> str:
    return reverse("members:member_list") + "?" + urlencode({"org": scope.org_id, **filters})


def total(scope: figures.Scope) -> figures.Value:
    counts = figures.subtree_counts(scope)
    return figures.Value(
        counts.get("members", 0),
        url=member_list_url(scope),
        parts={
            "full": counts.get("membership:full", 0),
            "probationary": counts.get("membership:probationary", 0),
        },
    )


def complete(scope: figures.Scope) -> figures.Value:
    counts = figures.subtree_counts(scope)
    done, whole = counts.get(COMPLETE, 0), counts.get("members", 0)
    share = figures.percent(done, whole)
    rag = ""
    if share is not None:
        rag = "green" if share >= COMPLETE_GREEN else "amber" if share >= COMPLETE_AMBER else "red"
    return figures.Value(
        done,
        url=member_list_url(scope, complete="true"),
        rag=rag,
        parts={
            "members": whole,
            "incomplete": whole - done,
            **({"share": share} if share is not None else {}),
        },
    )


def _flag(key: str, param: str):
    def compute(scope: figures.Scope) -> figures.Value:
        value = figures.subtree_counts(scope).get(key, 0)
        return figures.Value(value, url=member_list_url(scope, **{param: "true"}))

    return compute


FIGURES = (
    figures.Figure(
        key="members.total",
        system="members",
        label=_("Party members"),
        compute=total,
        order=10,
        help=_("Members on the rolls in the subtree now, full and probationary."),
    ),
    figures.Figure(
        key="members.complete",
        system="members",
        label=_("members with all 16 items complete"),
        compute=complete,
        order=20,
        help=_(
            "Members on the rolls whose 16 national items are all present and plausible "
            "(green from 99 %, amber from 95 % of the members)."
        ),
    ),
    figures.Figure(
        key="members.mobile",
        system="members",
        label=_("mobile members"),
        compute=_flag("mobile", "mobile"),
        order=30,
        help=_("Members on the rolls marked as mobile (流动党员), now."),
    ),
    figures.Figure(
        key="members.lost_contact",
        system="members",
        label=_("members who lost contact"),
        compute=_flag("lost_contact", "lost_contact"),
        order=40,
        help=_("Members on the rolls marked as having lost contact (失联党员), now."),
    ),
)


def register() -> None:
    for figure in FIGURES:
        figures.register(figure)
