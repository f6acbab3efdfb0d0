"""One FilterSet per list, shared by its page, its export and the API."""

from datetime import timedelta

import django_filters as df
from django import forms
from django.db.models import F, Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core.fields import prefix_range
from jiceng.orgs.models import Organization

from .models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Channel,
    DutyShift,
    HouseholdVisit,
    PovertyRecord,
    RequestStatus,
    ResidentRequest,
    ServiceCentre,
    TeamMember,
    TrainingAttendance,
    TrainingCourse,
    WorkTeam,
)

DATE = forms.DateInput(attrs={"type": "date"})
YES_NO = [("", "---------"), ("true", _("yes")), ("false", _("no"))]


def _bool_widget():
    return forms.Select(choices=YES_NO)


class ScopedFilterSet(df.FilterSet):
    """`org` narrows to an organisation's subtree, along `org_path` of the model."""

    org_path = "org__path"
    org = df.ModelChoiceFilter(
        label=_("Within organisation"), method="filter_org", queryset=Organization.objects.none()
    )

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if user is not None:
            self.filters["org"].queryset = Organization.objects.restrict(user)

    def filter_org(self, queryset, name, value):
        return queryset.filter(**prefix_range(self.org_path, value.path)) if value else queryset


class CentreFilterSet(ScopedFilterSet):
    four = df.BooleanFilter(
        label=_("Meets the 四有 standard"), method="filter_four", widget=_bool_widget()
    )

    class Meta:
        model = ServiceCentre
        fields = []

    def filter_four(self, queryset, name, value):
        q = Q(has_place=True, has_sign=True, has_system=True, has_funds=True)
        return queryset.filter(q) if value else queryset.exclude(q)


class ShiftFilterSet(ScopedFilterSet):
    date_from = df.DateFilter(label=_("From"), field_name="on", lookup_expr="gte", widget=DATE)
    date_to = df.DateFilter(label=_("Until"), field_name="on", lookup_expr="lte", widget=DATE)
    attended = df.BooleanFilter(
        label=_("Attended"),
        field_name="checked_in_at",
        lookup_expr="isnull",
        exclude=True,
        widget=_bool_widget(),
    )
    cadre = df.NumberFilter(label=_("Cadre (id)"), field_name="cadre_id", widget=forms.HiddenInput)

    class Meta:
        model = DutyShift
        fields = []


class VisitFilterSet(ScopedFilterSet):
    org_path = "village__path"
    date_from = df.DateFilter(
        label=_("From"), field_name="visited_on", lookup_expr="gte", widget=DATE
    )
    date_to = df.DateFilter(
        label=_("Until"), field_name="visited_on", lookup_expr="lte", widget=DATE
    )
    visitor = df.NumberFilter(
        label=_("Visitor (id)"), field_name="visitor_id", widget=forms.HiddenInput
    )

    class Meta:
        model = HouseholdVisit
        fields = []


STATE_CHOICES = [
    ("open", _("open")),
    ("done", _("resolved or closed")),
    ("overdue", _("open past the deadline")),
    ("ontime", _("resolved on time")),
]


class RequestFilterSet(ScopedFilterSet):
    org_path = "origin__path"
    state = df.ChoiceFilter(label=_("State"), choices=STATE_CHOICES, method="filter_state")
    status = df.ChoiceFilter(label=_("Status"), choices=RequestStatus.choices)
    channel = df.ChoiceFilter(label=_("Raised"), choices=Channel.choices)
    handler = df.NumberFilter(
        label=_("Handled by (id)"), field_name="org_id", widget=forms.HiddenInput
    )
    assignee = df.NumberFilter(
        label=_("Assignee (id)"), field_name="assignee_id", widget=forms.HiddenInput
    )
    date_from = df.DateFilter(
        label=_("Registered from"), field_name="registered_on", lookup_expr="gte", widget=DATE
    )
    date_to = df.DateFilter(
        label=_("Registered until"), field_name="registered_on", lookup_expr="lte", widget=DATE
    )

    class Meta:
        model = ResidentRequest
        fields = []

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        if value == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        if value == "done":
            return queryset.filter(status__in=DONE_STATUSES)
        if value == "overdue":
            return queryset.filter(status__in=OPEN_STATUSES, deadline__lt=today)
        if value == "ontime":
            return queryset.filter(status__in=DONE_STATUSES, resolved_on__lte=F("deadline"))
        return queryset


def active_q(on=None, prefix=""):
    """Teams (stationed cadres) at work on the day `on` (default today)."""
    on = on or timezone.localdate()
    return Q(**{f"{prefix}started_on__lte": on}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": on})
    )


class TeamFilterSet(ScopedFilterSet):
    org_path = "village__path"
    active = df.BooleanFilter(
        label=_("Active today"), method="filter_active", widget=_bool_widget()
    )
    active_on = df.DateFilter(label=_("Active on"), method="filter_active_on", widget=DATE)

    class Meta:
        model = WorkTeam
        fields = []

    def filter_active(self, queryset, name, value):
        return queryset.filter(active_q()) if value else queryset.exclude(active_q())

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(active_q(value)) if value else queryset


class StationedFilterSet(TeamFilterSet):
    org_path = "team__village__path"
    first_secretary = df.BooleanFilter(
        label=_("First secretaries"), field_name="is_first_secretary", widget=_bool_widget()
    )

    class Meta:
        model = TeamMember
        fields = []


class PovertyFilterSet(ScopedFilterSet):
    org_path = "village__path"
    year = df.NumberFilter(label=_("Year"))
    latest = df.BooleanFilter(
        label=_("Latest record of each village and year"),
        method="filter_latest",
        widget=_bool_widget(),
    )

    class Meta:
        model = PovertyRecord
        fields = []

    def filter_latest(self, queryset, name, value):
        """The records the totals count: the last recorded (highest id) of each village and
        year; `false`: the ones superseded by a later record."""
        if value is None:
            return queryset
        last = (
            PovertyRecord.objects.values("village_id", "year")
            .annotate(last=Max("id"))
            .values("last")
        )
        return queryset.filter(pk__in=last) if value else queryset.exclude(pk__in=last)


class CourseFilterSet(ScopedFilterSet):
    date_from = df.DateFilter(
        label=_("From"), field_name="starts_on", lookup_expr="gte", widget=DATE
    )
    date_to = df.DateFilter(
        label=_("Until"), field_name="starts_on", lookup_expr="lte", widget=DATE
    )

    class Meta:
        model = TrainingCourse
        fields = []


class AttendanceFilterSet(ScopedFilterSet):
    org_path = "course__org__path"
    course = df.NumberFilter(
        label=_("Course (id)"), field_name="course_id", widget=forms.HiddenInput
    )
    member = df.NumberFilter(
        label=_("Member (id)"), field_name="member_id", widget=forms.HiddenInput
    )
    date_from = df.DateFilter(
        label=_("Course from"), field_name="course__starts_on", lookup_expr="gte", widget=DATE
    )
    date_to = df.DateFilter(
        label=_("Course until"), field_name="course__starts_on", lookup_expr="lte", widget=DATE
    )
    completed = df.BooleanFilter(label=_("Completed"), widget=_bool_widget())
    first = df.BooleanFilter(
        label=_("One row per cadre"), method="filter_first", widget=_bool_widget()
    )

    class Meta:
        model = TrainingAttendance
        fields = []

    def filter_first(self, queryset, name, value):
        """Each member's first attendance among those listed: one row per cadre trained (the
        figure outreach.cadres_trained counts cadres, not attendances)."""
        if not value:
            return queryset
        firsts = queryset.order_by().values("member_id").annotate(first=Min("id")).values("first")
        return queryset.filter(pk__in=firsts)


def last_days(days: int) -> tuple:
    today = timezone.localdate()
    return today - timedelta(days=days), today


GAP_CHOICES = [
    ("any", _("no centre, or one missing 四有 items")),
    ("none", _("no service centre")),
    ("incomplete", _("a centre missing 四有 items")),
]
LEVEL_CHOICES = [
    ("township", _("townships and streets")),
    ("village", _("villages and communities")),
]
FOUR_Q = Q(
    service_centre__has_place=True,
    service_centre__has_sign=True,
    service_centre__has_system=True,
    service_centre__has_funds=True,
)


class GapFilterSet(ScopedFilterSet):
    """The townships/streets and villages/communities whose service centre is missing or
    misses items of the 四有 standard (the gaps behind the coverage figure)."""

    org_path = "path"
    gap = df.ChoiceFilter(
        label=_("Gap"), choices=GAP_CHOICES, method="filter_gap", empty_label=None
    )
    level = df.ChoiceFilter(label=_("Level"), choices=LEVEL_CHOICES, method="filter_level")

    class Meta:
        model = Organization
        fields = []

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("gap"):  # the page without a choice: every gap
            queryset = self.filter_gap(queryset, "gap", "any")
        return super().filter_queryset(queryset)

    def filter_gap(self, queryset, name, value):
        none = Q(service_centre__isnull=True)
        if value == "none":
            return queryset.filter(none)
        if value == "incomplete":
            return queryset.filter(service_centre__isnull=False).exclude(FOUR_Q)
        return queryset.filter(none | ~FOUR_Q)

    def filter_level(self, queryset, name, value):
        if value == "township":
            return queryset.filter(kind="township")
        if value == "village":
            return queryset.exclude(kind="township")
        return queryset
