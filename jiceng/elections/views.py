"""Pages of renewals and elections: thin callers of elections.selectors and services."""

from __future__ import annotations

import hashlib
import tempfile

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.cache import never_cache

from jiceng.audit.services import record
from jiceng.core import findings, scope
from jiceng.core.fields import prefix_range
from jiceng.members.models import Member
from jiceng.orgs import selectors as org_selectors
from jiceng.orgs.models import Organization, UnitType
from jiceng.orgs.rules import default_term_years, renewal_due
from jiceng.sheets.write import XLSX_CONTENT_TYPE, write_rows
from jiceng.transfer.export_views import attachment
from jiceng.web.generic import ServiceFormView, page_size
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import rules, selectors, services
from .forms import (
    CANDIDATE_ROWS,
    SEAT_ROWS,
    CampaignForm,
    ElectionForm,
    PostAssignForm,
    PostEndForm,
    VillageCommitteeForm,
    rows_wanted,
)
from .models import CommitteePost, Election, RenewalCampaign
from .selectors import VILLAGE_TYPES

NAV = "elections"


def _root(request, param: str = "org", top: Organization | None = None) -> Organization | None:
    """The organisation a figure page is about: `?org=` (visible, inside `top`), else the
    user's first visible root (inside `top`)."""
    pk = request.GET.get(param, "")
    if pk.isdigit():
        org = get_visible_or_404(request, Organization.objects.all(), pk)
        if top is not None and not org.path.startswith(top.path):
            raise Http404
        return org
    roots = selectors.roots_within(request.user, top)
    return roots[0] if roots else None


def _paged(request, rows) -> dict:
    """A page of `rows` and what includes/pagination.html needs."""
    paginator = Paginator(rows, page_size(request))
    page = paginator.get_page(request.GET.get("page"))
    return {
        "page": page,
        "paginator": paginator,
        "total": paginator.count,
        "page_sizes": settings.PAGE_SIZES,
        "per_page": paginator.per_page,
    }


# --- renewals -------------------------------------------------------------------------------------


@login_required
def renewal_list(request):
    """Organisations due soon or overdue for renewal (ORG-06/07) under one organisation, with
    counts per child organisation (each a link one level down)."""
    root = _root(request)
    as_of = _date_param(request, "as_of")
    found = selectors.renewal_findings(request.user, root, as_of) if root else []
    level = request.GET.get("level", "")
    counts = {lv: sum(1 for f in found if f.level == lv) for lv in findings.Level}
    children = selectors.children_of(request.user, root) if root else []
    per_child = findings.by_child(found, children)
    shown = [f for f in found if f.level == level] if level in counts else found
    paged = _paged(request, shown)
    return render(
        request,
        "elections/renewal_list.html",
        {
            **paged,
            "nav": NAV,
            "root": root,
            "ancestors": org_selectors.org_ancestors(request.user, root) if root else [],
            "findings": paged["page"].object_list,
            "level": level,
            "counts": counts,
            "children": [(c, per_child.get(c.pk, {})) for c in children],
            "levels": findings.LEVEL_LABELS,
            "as_of": as_of,
        },
    )


# --- elections -----------------------------------------------------------------------------------


@login_required
def election_list(request):
    root = _root(request)
    qs = selectors.elections_visible_to(request.user)
    if root is not None and request.GET.get("org"):
        qs = qs.filter(**prefix_range("org__path", root.path))
    year = request.GET.get("year", "")
    if year.isdigit():
        qs = qs.filter(held_on__year=int(year))
    start, end = _date_param(request, "start"), _date_param(request, "end")
    if start:
        qs = qs.filter(held_on__gte=start)
    if end:
        qs = qs.filter(held_on__lte=end)
    paged = _paged(request, qs.order_by("-held_on", "-id"))
    return render(
        request,
        "elections/election_list.html",
        {
            **paged,
            "nav": NAV,
            "root": root,
            "objects": paged["page"].object_list,
            "year": year,
            "start": start,
            "end": end,
        },
    )


def _date_param(request, name: str):
    """A date of the query string (YYYY-MM-DD), None when absent or not a date."""
    from datetime import date

    try:
        return date.fromisoformat(request.GET.get(name, ""))
    except ValueError:
        return None


@login_required
def election_detail(request, pk: int):
    election = get_visible_or_404(request, Election.objects.select_related("org"), pk)
    return render(
        request,
        "elections/election_detail.html",
        {
            "nav": NAV,
            "election": election,
            "org": election.org,
            "candidates": selectors.election_candidates(election),
            "posts": election.posts.select_related("member").order_by("post", "id"),
            "ancestors": org_selectors.org_ancestors(request.user, election.org),
        },
    )


class ElectionCreateView(ServiceFormView):
    """Record the renewal election of `?org=<pk>`: refused with every problem and its rule id
    (ELEC-02…06) beside the figures it concerns; nothing is written then."""

    form_class = ElectionForm
    template_name = "elections/election_form.html"
    field_map = {"secretary": "candidates", "deputies": "candidates", "org": "candidates"}
    success_message = gettext_lazy("The election has been recorded and the new term begins.")

    def setup_object(self):
        self.object = None
        pk = self.request.POST.get("org") or self.request.GET.get("org")
        if not str(pk or "").isdigit():
            raise Http404(_("Choose the organisation first"))
        self.org = get_visible_or_404(self.request, Organization.objects.all(), pk, scope.CHANGE)

    def get_form_kwargs(self):
        rows = rows_wanted(self.request, CANDIDATE_ROWS)
        return {**super().get_form_kwargs(), "org": self.org, "rows": rows}

    def get_initial(self):
        entitled = (
            Member.objects.on_rolls()
            .filter(
                **prefix_range("org__path", self.org.path), membership="full", standing="normal"
            )
            .count()
        )
        return {
            "entitled": entitled,
            "held_on": timezone.localdate(),
            "term_years": default_term_years(self.org.kind, self.org.unit_type),
        }

    def get_context_data(self, **context):
        return {
            **context,
            "nav": NAV,
            "org": self.org,
            "ancestors": org_selectors.org_ancestors(self.request.user, self.org),
        }

    def perform(self, form):
        return services.election_record(
            actor=self.request.user, org=self.org, **form.service_arguments()
        )

    def get_success_url(self, result):
        return reverse("elections:election_detail", args=[result.pk])


# --- an organisation's committees -------------------------------------------------------------------


@login_required
def org_committee(request, org_id: int):
    """An organisation's term, its committee (and for a village or community its village /
    residents' committee: the 两委), their history and its elections."""
    org = get_visible_or_404(
        request, Organization.objects.select_related("parent", "secretary"), org_id
    )
    years = org.term_years or default_term_years(org.kind, org.unit_type)
    due = renewal_due(org.term_started_on, years)
    is_village = org.unit_type in VILLAGE_TYPES
    return render(
        request,
        "elections/org_committee.html",
        {
            "nav": NAV,
            "org": org,
            "ancestors": org_selectors.org_ancestors(request.user, org),
            "term_years": years,
            "due": due,
            "level": (
                rules.renewal_level(due, timezone.localdate(), _lead_months()) if due else None
            ),
            "posts": selectors.committee_posts(org),
            "past_posts": selectors.committee_posts(org, current=False)[:50],
            "is_village": is_village,
            "seats": selectors.village_seats(org) if is_village else [],
            "past_seats": selectors.village_seats(org, current=False)[:50] if is_village else [],
            "elections": org.elections.order_by("-held_on")[:20],
            "actions": permitted_actions(request.user, org.path),
        },
    )


def _lead_months() -> int:
    from jiceng.core import ruleset

    return int(ruleset.value("ORG-07.lead_months"))


class VillageCommitteeView(ServiceFormView):
    """Record a village's (community's) newly elected 村(居)民委员会."""

    form_class = VillageCommitteeForm
    template_name = "elections/village_committee_form.html"
    field_map = {"org": "seats"}
    success_message = gettext_lazy("The committee has been recorded.")

    def setup_object(self):
        self.object = None
        self.org = get_visible_or_404(
            self.request, Organization.objects.all(), self.kwargs["org_id"], scope.CHANGE
        )

    def get_form_kwargs(self):
        rows = rows_wanted(self.request, SEAT_ROWS)
        return {**super().get_form_kwargs(), "org": self.org, "rows": rows}

    def get_context_data(self, **context):
        return {
            **context,
            "nav": NAV,
            "org": self.org,
            "ancestors": org_selectors.org_ancestors(self.request.user, self.org),
        }

    def perform(self, form):
        return services.village_committee_record(
            actor=self.request.user, org=self.org, **form.service_arguments()
        )

    def get_success_url(self, result):
        return reverse("elections:org_committee", args=[self.org.pk])


class PostAssignView(ServiceFormView):
    """A post on the committee filled between elections (post_assign): ELEC-02 applies (a
    probationary member cannot hold one); the post's previous holder leaves it that day."""

    form_class = PostAssignForm
    template_name = "elections/post_form.html"
    success_message = gettext_lazy("The post has been recorded.")

    def setup_object(self):
        self.object = None
        self.org = get_visible_or_404(
            self.request, Organization.objects.all(), self.kwargs["org_id"], scope.CHANGE
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "org": self.org}

    def get_context_data(self, **context):
        return {
            **context,
            "nav": NAV,
            "org": self.org,
            "title": _("Fill a committee post"),
            "ancestors": org_selectors.org_ancestors(self.request.user, self.org),
        }

    def perform(self, form):
        return services.post_assign(actor=self.request.user, org=self.org, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("elections:org_committee", args=[self.org.pk])


class PostEndView(ServiceFormView):
    """A member leaves a post (post_end): not before the post began, not in the future."""

    form_class = PostEndForm
    template_name = "elections/post_form.html"
    queryset = CommitteePost.objects.select_related("org", "member")
    success_message = gettext_lazy("The post has been ended.")

    def get_object(self):
        return get_visible_or_404(self.request, self.queryset, self.kwargs["post_id"], self.action)

    def setup_object(self):
        super().setup_object()
        self.org = self.object.org

    def get_context_data(self, **context):
        return {
            **context,
            "nav": NAV,
            "org": self.org,
            "post": self.object,
            "title": _("End a committee post"),
            "ancestors": org_selectors.org_ancestors(self.request.user, self.org),
        }

    def perform(self, form):
        return services.post_end(actor=self.request.user, post=self.object, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("elections:org_committee", args=[self.org.pk])


# --- the 两委 over a subtree ---------------------------------------------------------------------------


@login_required
def two_committees(request):
    """一肩挑 ratio and 交叉任职 rate over an organisation's subtree, per child organisation."""
    root = _root(request)
    total, per = selectors.two_committees(root) if root else (None, {})
    children = selectors.children_of(request.user, root) if root else []
    rows = [(c, per.get(c.path)) for c in children if per.get(c.path) and per[c.path].units]
    return render(
        request,
        "elections/two_committees.html",
        {
            "nav": NAV,
            "root": root,
            "ancestors": org_selectors.org_ancestors(request.user, root) if root else [],
            "total": total,
            "rows": rows,
            "own": per.get(root.path) if root else None,
        },
    )


@login_required
def two_committee_list(request):
    """The villages and communities behind a 两委 figure."""
    root = _root(request)
    if root is None:
        qs = Organization.objects.none()
    else:
        qs = selectors.two_committee_rows(
            root,
            unit_type=request.GET.get("unit_type", ""),
            one_shoulder=request.GET.get("one_shoulder", ""),
        )
    paged = _paged(request, qs)
    objects = list(paged["page"].object_list)
    chairs = selectors.chair_names(objects)
    return render(
        request,
        "elections/two_committee_list.html",
        {
            **paged,
            "nav": NAV,
            "root": root,
            "objects": [(o, chairs.get(o.pk, "")) for o in objects],
            "unit_type": request.GET.get("unit_type", ""),
            "one_shoulder": request.GET.get("one_shoulder", ""),
        },
    )


@login_required
def two_committee_seats(request):
    """The seats of the village (residents') committees under an organisation; `cross=yes`:
    those held by a member of the same village's Party committee (交叉任职)."""
    root = _root(request)
    cross = request.GET.get("cross", "")
    qs = selectors.two_committee_seats(root, cross=cross == "yes") if root else None
    paged = _paged(request, qs if qs is not None else [])
    return render(
        request,
        "elections/two_committee_seats.html",
        {
            **paged,
            "nav": NAV,
            "root": root,
            "objects": paged["page"].object_list,
            "cross": cross,
        },
    )


# --- campaigns ------------------------------------------------------------------------------------------


@login_required
def campaign_list(request):
    campaigns = selectors.campaigns_visible_to(request.user)
    may_add = bool(permitted_actions_anywhere(request.user))
    return render(
        request,
        "elections/campaign_list.html",
        {"nav": NAV, "campaigns": campaigns[:100], "may_add": may_add},
    )


def permitted_actions_anywhere(user) -> bool:
    from jiceng.api.auth import may_anywhere

    return may_anywhere(user, scope.ADD)


class CampaignCreateView(ServiceFormView):
    form_class = CampaignForm
    template_name = "elections/campaign_form.html"
    success_message = gettext_lazy("The campaign has been created.")

    def setup_object(self):
        self.object = None
        if not permitted_actions_anywhere(self.request.user):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("Your roles do not allow this"))

    def get_context_data(self, **context):
        return {**context, "nav": NAV}

    def perform(self, form):
        data = form.cleaned_data
        return services.campaign_create(
            actor=self.request.user,
            org=data["org"],
            name=data["name"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            unit_types=data["unit_types"],
        )

    def get_success_url(self, result):
        return reverse("elections:campaign_detail", args=[result.pk])


def _campaign(request, campaign_id: int) -> RenewalCampaign:
    qs = RenewalCampaign.objects.select_related("org")
    return get_visible_or_404(request, qs, campaign_id)


def _campaign_root(request, campaign):
    root = _root(request, "within", top=campaign.org)
    if root is None:
        raise Http404(_("No such record within your scope"))
    return root


UNIT_LABELS = dict(UnitType.choices)


@login_required
def campaign_detail(request, campaign_id: int):
    """The campaign's dashboard: completed of each unit type under one organisation, per child
    organisation; every figure links to the organisations behind it."""
    campaign = _campaign(request, campaign_id)
    root = _campaign_root(request, campaign)
    total, per = selectors.campaign_progress(campaign, root)
    children = selectors.children_of(request.user, root)
    types = [(t, UNIT_LABELS.get(t, t)) for t in campaign.unit_types]

    def figures(p):
        return [(t, p.targets[t], p.completed[t], p.targets[t] - p.completed[t]) for t, _ in types]

    rows = [(c, figures(per[c.path])) for c in children if c.path in per]
    return render(
        request,
        "elections/campaign_detail.html",
        {
            "nav": NAV,
            "campaign": campaign,
            "root": root,
            "ancestors": [
                a
                for a in org_selectors.org_ancestors(request.user, root)
                if a.path.startswith(campaign.org.path)
            ],
            "total": total,
            "totals": [(t, label, *figures(total)[i][1:]) for i, (t, label) in enumerate(types)],
            "rows": rows,
            "types": types,
        },
    )


def _campaign_filters(request):
    unit_type = request.GET.get("unit_type", "")
    state = request.GET.get("state", "")
    return (
        unit_type if unit_type in UNIT_LABELS else "",
        state if state in ("completed", "pending") else "",
    )


@login_required
def campaign_orgs(request, campaign_id: int):
    campaign = _campaign(request, campaign_id)
    root = _campaign_root(request, campaign)
    unit_type, state = _campaign_filters(request)
    qs = selectors.campaign_orgs(campaign, root, unit_type=unit_type, state=state)
    paged = _paged(request, qs)
    return render(
        request,
        "elections/campaign_orgs.html",
        {
            **paged,
            "nav": NAV,
            "campaign": campaign,
            "root": root,
            "objects": paged["page"].object_list,
            "unit_type": unit_type,
            "unit_label": UNIT_LABELS.get(unit_type, ""),
            "state": state,
        },
    )


def export_headers() -> list[str]:
    return [
        _("Organisation"),
        _("Unit type"),
        _("Parent organisation"),
        _("Secretary"),
        _("Renewed on"),
        _("Status"),
    ]


def export_rows(qs):
    done, pending = pgettext("elections", "completed"), pgettext("elections", "pending")
    for o in qs.iterator(2000):
        yield [
            o.name,
            UNIT_LABELS.get(o.unit_type, o.unit_type),
            o.parent.name if o.parent_id else "",
            o.secretary.name if o.secretary_id else "",
            o.renewed_on,
            done if o.renewed_on else pending,
        ]


@login_required
@never_cache
def campaign_export(request, campaign_id: int):
    """The campaign's organisations (as filtered on the drill-down page) as .xlsx; recorded in
    the audit log with its row count and SHA-256."""
    campaign = _campaign(request, campaign_id)
    root = _campaign_root(request, campaign)
    unit_type, state = _campaign_filters(request)
    qs = selectors.campaign_orgs(campaign, root, unit_type=unit_type, state=state)
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    try:
        rows = write_rows(
            file, _("Renewal campaign"), export_headers(), export_rows(qs), [44, 10, 36, 12, 12, 10]
        )
        file.seek(0)
        digest = hashlib.file_digest(file, "sha256").hexdigest()
        record(
            "export",
            actor=request.user,
            request=request,
            data={
                "list": "renewal_campaign",
                "filter": {
                    "campaign": campaign.pk,
                    "within": root.pk,
                    "unit_type": unit_type,
                    "state": state,
                },
                "rows": rows,
                "sha256": digest,
            },
        )
        file.seek(0)
    except BaseException:
        file.close()
        raise
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = attachment(
        f"{campaign.name}-{day}.xlsx", f"campaign-{campaign.pk}-{day}.xlsx"
    )
    return response
