"""Pages of the service system: the dashboard of a subtree, lists (each exportable as
filtered) and detail pages. Thin: selectors read, the forms' views (views_forms.py) call the
services."""

from __future__ import annotations

import hashlib
import tempfile
from types import SimpleNamespace

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from jiceng.audit.services import record as audit_record
from jiceng.core import ruleset, scope
from jiceng.members.models import Member
from jiceng.orgs.models import Organization
from jiceng.orgs.selectors import org_ancestors
from jiceng.sheets.write import XLSX_CONTENT_TYPE, write_rows
from jiceng.transfer.export_views import ListExportMixin, attachment
from jiceng.web.generic import ObjectDetailView, ObjectListView
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import rules, selectors, tables
from .filters import (
    AttendanceFilterSet,
    CentreFilterSet,
    CourseFilterSet,
    GapFilterSet,
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
    TrainingAttendance,
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


ATTENDANCE_PAGE = 500


def _cadre_rows(user, org, first, last, target, limit=None):
    rows = selectors.cadre_attendance(user, org, first, last)
    for row in rows[:limit] if limit else rows.iterator(2000):
        rate = rules.attendance_rate(row["attended"], row["scheduled"])
        meets = rules.meets_target(row["attended"], row["scheduled"], target)
        yield {**row, "rate": rate, "meets": meets}


@login_required
def attendance(request, org_id: int):
    """Attendance per cadre over the subtree in the dashboard's window, lowest rate first
    (the first 500 on the page; all of them in the export)."""
    org = get_visible_or_404(request, Organization.objects.all(), org_id)
    first, last = selectors.window(timezone.localdate())
    target = float(ruleset.value("SRV-02.attendance_target"))
    rows = list(_cadre_rows(request.user, org, first, last, target, ATTENDANCE_PAGE + 1))
    return render(
        request,
        "outreach/attendance.html",
        {
            "org": org,
            "rows": rows[:ATTENDANCE_PAGE],
            "more": len(rows) > ATTENDANCE_PAGE,
            "first": first,
            "last": last,
            "target": target,
            "nav": "outreach",
        },
    )


@never_cache
@login_required
def attendance_export(request, org_id: int):
    """Attendance per cadre as .xlsx: every cadre of the page's subtree and window."""
    org = get_visible_or_404(request, Organization.objects.all(), org_id)
    first, last = selectors.window(timezone.localdate())
    target = float(ruleset.value("SRV-02.attendance_target"))
    title = str(_("Attendance per cadre"))
    headers = [
        str(h) for h in (_("cadre"), _("on duty at"), _("scheduled"), _("attended"), _("rate"))
    ]
    rows = (
        (r["cadre__name"], r["org__name"], r["scheduled"], r["attended"], r["rate"])
        for r in _cadre_rows(request.user, org, first, last, target)
    )
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    count = write_rows(file, title, headers, rows, [14, 28, 10, 10, 8])
    file.seek(0)
    digest = hashlib.file_digest(file, "sha256").hexdigest()
    audit_record(
        "export",
        actor=request.user,
        request=request,
        outcome="ok",
        data={
            "list": "outreach_cadre_attendance",
            "filter": {"org": org.pk, "date_from": str(first), "date_to": str(last)},
            "rows": count,
            "sha256": digest,
            "unmasked": False,
        },
    )
    file.seek(0)
    response = FileResponse(file, content_type=XLSX_CONTENT_TYPE)
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = attachment(
        f"{title}-{day}.xlsx", f"outreach_cadre_attendance-{day}.xlsx"
    )
    return response


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


class GapList(TableView):
    """Townships/streets and villages/communities without a service centre or whose centre
    misses items of the 四有 standard: the drill-down of the coverage figure."""

    model, filterset_class, columns = Organization, GapFilterSet, tables.GAPS
    title, name = _("Service centre gaps"), "gap"

    def get_queryset(self):
        return (
            selectors.visible_orgs(self.request.user)
            .filter(selectors.places_q())
            .select_related("parent", "service_centre")
            .order_by("path")
        )


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


class AttendanceList(TableView):
    model, filterset_class, columns = TrainingAttendance, AttendanceFilterSet, tables.ATTENDANCE
    related, title, name = ("course__org", "member__org"), _("Training attendance"), "attendance"

    def get_queryset(self):
        return super().get_queryset().order_by("-course__starts_on", "course_id", "id")


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
