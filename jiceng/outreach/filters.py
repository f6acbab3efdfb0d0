"""One FilterSet per list, shared by its page, its export and the API."""

from datetime import timedelta

import django_filters as df
from django import forms
from django.db.models import Q
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
            from django.db.models import F

            return queryset.filter(status__in=DONE_STATUSES, resolved_on__lte=F("deadline"))
        return queryset


def _active_q(prefix=""):
    today = timezone.localdate()
    return Q(**{f"{prefix}started_on__lte": today}) & (
        Q(**{f"{prefix}ended_on__isnull": True}) | Q(**{f"{prefix}ended_on__gte": today})
    )


class TeamFilterSet(ScopedFilterSet):
    org_path = "village__path"
    active = df.BooleanFilter(
        label=_("Active today"), method="filter_active", widget=_bool_widget()
    )

    class Meta:
        model = WorkTeam
        fields = []

    def filter_active(self, queryset, name, value):
        return queryset.filter(_active_q()) if value else queryset.exclude(_active_q())


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

    class Meta:
        model = PovertyRecord
        fields = []


class CourseFilterSet(ScopedFilterSet):
    date_from = df.DateFilter(
        label=_("From"), field_name="starts_on", lookup_expr="gte", widget=DATE
    )

    class Meta:
        model = TrainingCourse
        fields = []


def last_days(days: int) -> tuple:
    today = timezone.localdate()
    return today - timedelta(days=days), today
