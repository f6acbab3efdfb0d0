"""Pages of the service system: the dashboard of a subtree, lists (each exportable as
filtered) and detail pages. Thin: selectors read, the forms' views (views_forms.py) call the
services."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import ruleset, scope
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.selectors import org_ancestors
from jiceng.sheets.write import write_rows
from jiceng.transfer.export_views import ListExportMixin
from jiceng.web.generic import ObjectDetailView, ObjectListView
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import rules, selectors, tables
from .filters import (
    CentreFilterSet,
    CourseFilterSet,
    PovertyFilterSet,
    RequestFilterSet,
    ShiftFilterSet,
    StationedFilterSet,
    TeamFilterSet,
    VisitFilterSet,
)
from .models import (
    DutyShift,
    HouseholdVisit,
    PovertyRecord,
    ResidentRequest,
    ServiceCentre,
    TeamMember,
    TrainingCourse,
    WorkTeam,
)

NAV_LABEL = _("Services")  # the main menu's item (templates/base.html), translated here


@login_required
def home(request):
    """The dashboard of the highest organisation the user sees."""
    org = selectors.visible_orgs(request.user).order_by("depth", "path").first()
    if org is None:
        return render(request, "outreach/nothing.html", {"nav": "outreach"})
    return redirect("outreach:dashboard", org_id=org.pk)


@login_required
def dashboard(request, org_id: int):
    org = get_visible_or_404(request, Organization.objects.all(), org_id)
    data = selectors.dashboard(request.user, org)
    return render(
        request,
        "outreach/dashboard.html",
        {
            **data,
            "org": org,
            "nav": "outreach",
            "ancestors": org_ancestors(request.user, org),
            "actions": permitted_actions(request.user, org.path),
        },
    )


@login_required
def attendance(request, org_id: int):
    """Attendance per cadre over the subtree, in the dashboard's window."""
    org = get_visible_or_404(request, Organization.objects.all(), org_id)
    first, last = selectors.window(timezone.localdate())
    target = float(ruleset.value("SRV-02.attendance_target"))
    rows = []
    for row in selectors.cadre_attendance(request.user, org, first, last)[:500]:
        rate = rules.attendance_rate(row["attended"], row["scheduled"])
        meets = rules.meets_target(row["attended"], row["scheduled"], target)
        rows.append({**row, "rate": rate, "meets": meets})
    rows.sort(key=lambda r: (r["meets"] is not False, r["rate"] or 0))
    return render(
        request,
        "outreach/attendance.html",
        {
            "org": org,
            "rows": rows,
            "first": first,
            "last": last,
            "target": target,
            "nav": "outreach",
        },
    )


class TableView(ObjectListView):
    """A list page declared by its model, FilterSet and columns (tables.py)."""

    template_name = "outreach/list.html"
    fragment_template = "outreach/_table.html"
    model = None
    related: tuple[str, ...] = ()
    columns: list = []
    title = ""
    name = ""  # URL names: outreach:<name>_list, outreach:<name>_export, outreach:<name>_create

    def get_queryset(self):
        return self.model.objects.restrict(self.request.user).select_related(*self.related)

    def get_context_data(self, **context):
        rows = [
            [(col.value(obj), col.link(obj) if col.link else "") for col in self.columns]
            for obj in context["objects"]
        ]
        return {
            **context,
            "nav": "outreach",
            "title": self.title,
            "headers": [c.label for c in self.columns],
            "rows": rows,
            "list_url": f"outreach:{self.name}_list",
            "export_url": f"outreach:{self.name}_export",
            "create_url": f"outreach:{self.name}_create" if self.name in CREATABLE else "",
        }


CREATABLE = {"shift", "visit", "request", "team", "poverty", "course"}


class CentreList(TableView):
    model, filterset_class, columns = ServiceCentre, CentreFilterSet, tables.CENTRES
    related, title, name = ("org",), _("Service centres"), "centre"


class ShiftList(TableView):
    model, filterset_class, columns = DutyShift, ShiftFilterSet, tables.SHIFTS
    related, title, name = ("org", "cadre"), _("On-site duty"), "shift"


class VisitList(TableView):
    model, filterset_class, columns = HouseholdVisit, VisitFilterSet, tables.VISITS
    related, title, name = ("village", "visitor"), _("Household visits"), "visit"


class RequestList(TableView):
    model, filterset_class, columns = ResidentRequest, RequestFilterSet, tables.REQUESTS
    related, title, name = ("origin", "org", "assignee"), _("Residents' requests"), "request"


class TeamList(TableView):
    model, filterset_class, columns = WorkTeam, TeamFilterSet, tables.TEAMS
    related, title, name = ("village",), _("Village work teams"), "team"


class StationedList(TableView):
    model, filterset_class, columns = TeamMember, StationedFilterSet, tables.STATIONED
    related, title, name = ("member", "team__village"), _("Stationed cadres"), "stationed"


class PovertyList(TableView):
    model, filterset_class, columns = PovertyRecord, PovertyFilterSet, tables.POVERTY
    related, title, name = ("village",), _("Poverty alleviation"), "poverty"


class CourseList(TableView):
    model, filterset_class, columns = TrainingCourse, CourseFilterSet, tables.COURSES
    related, title, name = ("org",), _("Training of village cadres"), "course"


class TableExport(ListExportMixin):
    """The list as .xlsx, exactly as filtered (personal data always masked)."""

    def dispatch(self, request, *args, **kwargs):
        self.list_name = f"outreach_{self.name}"
        self.list_url = f"outreach:{self.name}_list"
        self.layout = SimpleNamespace(title=str(self.title))
        return super().dispatch(request, *args, **kwargs)

    def write(self, queryset, target, *, unmasked: bool) -> int:
        rows = ([_plain(c.value(obj)) for c in self.columns] for obj in queryset.iterator(2000))
        headers = [str(c.label) for c in self.columns]
        return write_rows(target, str(self.title), headers, rows, [c.width for c in self.columns])


def _plain(value):
    return value if isinstance(value, int | float) or hasattr(value, "isoformat") else str(value)


def export_of(view):
    return type(f"{view.__name__}Export", (TableExport, view), {})


class DetailView(ObjectDetailView):
    template_name = "outreach/detail.html"

    def get_context_data(self, **context):
        obj = self.object
        return {
            **context,
            "nav": "outreach",
            "title": str(obj),
            "rows": self.rows(obj),
            **self.more(obj),
        }

    def rows(self, obj):
        return []

    def more(self, obj):
        return {}


class CentreDetail(DetailView):
    queryset = ServiceCentre.objects.select_related("org")

    def get_object(self):
        return get_visible_or_404(self.request, self.queryset, self.kwargs["centre_id"])

    def rows(self, c):
        items = [
            (_("has a place"), c.has_place, c.place_evidence),
            (_("has a sign"), c.has_sign, c.sign_evidence),
            (_("has rules and systems"), c.has_system, c.system_evidence),
            (_("has funds"), c.has_funds, c.funds_evidence),
        ]
        return [
            (_("served by"), c.org.name),
            (_("address"), c.address),
            (_("opening hours"), c.opening_hours),
            (_("staff"), f"{c.staff} ({c.staff_count})"),
            (_("opened on"), c.opened_on or ""),
            *[(label, f"{'✔' if ok else '✘'} {evidence}") for label, ok, evidence in items],
        ]

    def more(self, c):
        may = scope.CHANGE in permitted_actions(self.request.user, c.org.path)
        return {"edit_url": reverse("outreach:centre_edit", args=[c.org_id]) if may else ""}


class VisitDetail(DetailView):
    queryset = HouseholdVisit.objects.select_related("village", "visitor")
    template_name = "outreach/visit_detail.html"

    def get_object(self):
        return get_visible_or_404(self.request, self.queryset, self.kwargs["visit_id"])

    def rows(self, v):
        return [
            (_("village"), v.village.name),
            (_("visitor"), v.visitor.name),
            (_("visited on"), v.visited_on),
            (_("household (head)"), v.household),
            (_("address"), tables.mask("address", v.address)),
            (_("what was raised"), v.raised),
        ]

    def more(self, v):
        return {
            "requests": list(ResidentRequest.objects.restrict(self.request.user).filter(visit=v)),
            "may_add": scope.ADD in permitted_actions(self.request.user, v.village.path),
        }


class TeamDetail(DetailView):
    queryset = WorkTeam.objects.select_related("village")
    template_name = "outreach/team_detail.html"

    def get_object(self):
        return get_visible_or_404(self.request, self.queryset, self.kwargs["team_id"])

    def rows(self, t):
        return [
            (_("village served"), t.village.name),
            (_("dispatching unit"), t.dispatching_unit),
            (_("from"), t.started_on),
            (_("until"), t.ended_on or ""),
        ]

    def more(self, t):
        return {
            "people": list(t.members.select_related("member")),
            "may_change": scope.CHANGE in permitted_actions(self.request.user, t.village.path),
        }


class CourseDetail(DetailView):
    queryset = TrainingCourse.objects.select_related("org")
    template_name = "outreach/course_detail.html"

    def get_object(self):
        return get_visible_or_404(self.request, self.queryset, self.kwargs["course_id"])

    def rows(self, c):
        return [(_("organiser"), c.org.name), (_("starts on"), c.starts_on), (_("hours"), c.hours)]

    def more(self, c):
        return {
            "attendance": list(c.attendance.select_related("member__org")),
            "may_change": scope.CHANGE in permitted_actions(self.request.user, c.org.path),
        }


@login_required
def member_contributions(request, member_id: int):
    """A member's service contributions: what they did, counted — no points, no ranking."""
    member = get_visible_or_404(request, Member.objects.select_related("org"), member_id)
    user = request.user
    return render(
        request,
        "outreach/member_contributions.html",
        {
            "member": member,
            "nav": "members",
            "figures": selectors.member_contributions(user, member),
            "visits": HouseholdVisit.objects.restrict(user)
            .filter(visitor=member)
            .select_related("village")[:20],
            "handled": ResidentRequest.objects.restrict(user)
            .filter(assignee=member)
            .select_related("org")[:20],
        },
    )
