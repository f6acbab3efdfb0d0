"""FilterSets shared by the list pages, their .xlsx exports and the API."""

import django_filters as df
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core.fields import prefix_range
from jiceng.orgs.models import Organization, OrgKind

from .models import (
    AssessmentStatus,
    AssignmentStatus,
    Milestone,
    ProblemCategory,
    ProblemSource,
    ProblemStatus,
    ProjectStatus,
    Rubric,
    Severity,
    WeakBasis,
    WeakStatus,
)

PROBLEM_STATES = [
    ("overdue", _("overdue")),
    ("closed_on_time", _("closed on time")),
    ("closed_late", _("closed late")),
    ("not_closed", _("not closed")),
]
OVERDUE_STATES = [("overdue", _("overdue"))]


class _Scoped(df.FilterSet):
    """`within`: the subtree of an organisation the user may see; `org_path` names the path
    field of the records' organisation."""

    org_path = "org__path"
    year_field = "year"  # the records' year, for the period filters below
    within = df.ModelChoiceFilter(
        label=_("Within organisation"), method="filter_within", queryset=Organization.objects.none()
    )
    level = df.ChoiceFilter(label=_("Level"), choices=OrgKind.choices, method="filter_level")
    year_from = df.NumberFilter(label=_("From year"), method="filter_year_from")
    year_to = df.NumberFilter(label=_("To year"), method="filter_year_to")

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        if user is not None:
            self.filters["within"].queryset = Organization.objects.restrict(user)

    def filter_within(self, queryset, name, value):
        return queryset.filter(**prefix_range(self.org_path, value.path)) if value else queryset

    def filter_year_from(self, queryset, name, value):
        return queryset if value is None else queryset.filter(**{f"{self.year_field}__gte": value})

    def filter_year_to(self, queryset, name, value):
        return queryset if value is None else queryset.filter(**{f"{self.year_field}__lte": value})

    def filter_level(self, queryset, name, value):
        kind_field = self.org_path.removesuffix("path") + "kind"
        return queryset.filter(**{kind_field: value}) if value else queryset


class ProjectFilterSet(_Scoped):
    q = df.CharFilter(label=_("Title contains"), field_name="title", lookup_expr="contains")
    year = df.NumberFilter(label=_("Year"))
    status = df.ChoiceFilter(label=_("Status"), choices=ProjectStatus.choices)
    state = df.ChoiceFilter(label=_("Milestones"), choices=OVERDUE_STATES, method="filter_state")

    def filter_state(self, queryset, name, value):
        if value != "overdue":
            return queryset
        late = Milestone.objects.filter(
            project=OuterRef("pk"), done_on__isnull=True, due_on__lt=timezone.localdate()
        )
        return queryset.filter(Exists(late))


class LedgerFilterSet(_Scoped):
    year = df.NumberFilter(label=_("Year"))


class ProblemFilterSet(_Scoped):
    year_field = "ledger__year"
    q = df.CharFilter(label=_("Problem contains"), field_name="description", lookup_expr="contains")
    year = df.NumberFilter(label=_("Year"), field_name="ledger__year")
    ledger = df.NumberFilter(label=_("Ledger"), field_name="ledger_id")
    status = df.ChoiceFilter(label=_("Status"), choices=ProblemStatus.choices)
    state = df.ChoiceFilter(label=_("Deadline"), choices=PROBLEM_STATES, method="filter_state")
    category = df.ChoiceFilter(label=_("Category"), choices=ProblemCategory.choices)
    severity = df.ChoiceFilter(label=_("Severity"), choices=Severity.choices)
    source = df.ChoiceFilter(label=_("Source"), choices=ProblemSource.choices)

    def filter_state(self, queryset, name, value):
        today = timezone.localdate()
        closed = Q(status=ProblemStatus.CLOSED)
        return {
            "overdue": queryset.filter(~closed, deadline__lt=today),
            "closed_on_time": queryset.filter(closed, closed_on__lte=F("deadline")),
            "closed_late": queryset.filter(closed, closed_on__gt=F("deadline")),
            "not_closed": queryset.filter(~closed),
        }.get(value, queryset)


class TaskFilterSet(_Scoped):
    q = df.CharFilter(label=_("Title contains"), field_name="title", lookup_expr="contains")
    year = df.NumberFilter(label=_("Year"))


class AssignmentFilterSet(_Scoped):
    year_field = "task__year"
    task = df.NumberFilter(label=_("Key task"), field_name="task_id")
    status = df.ChoiceFilter(label=_("Status"), choices=AssignmentStatus.choices)
    state = df.ChoiceFilter(label=_("Deadline"), choices=OVERDUE_STATES, method="filter_state")

    def filter_state(self, queryset, name, value):
        if value != "overdue":
            return queryset
        return queryset.exclude(status=AssignmentStatus.DONE).filter(
            task__deadline__lt=timezone.localdate()
        )


class AssessmentFilterSet(_Scoped):
    year_field = "rubric__year"
    year = df.NumberFilter(label=_("Year"), field_name="rubric__year")
    rubric = df.ModelChoiceFilter(label=_("Rubric"), queryset=Rubric.objects.all())
    status = df.ChoiceFilter(label=_("Status"), choices=AssessmentStatus.choices)
    vetoed = df.BooleanFilter(label=_("Vetoed"))


class WeakFilterSet(_Scoped):
    year = df.NumberFilter(label=_("Year"))
    status = df.ChoiceFilter(label=_("Status"), choices=WeakStatus.choices)
    basis = df.ChoiceFilter(label=_("Identified by"), choices=WeakBasis.choices)
    state = df.ChoiceFilter(label=_("Deadline"), choices=OVERDUE_STATES, method="filter_state")

    def filter_state(self, queryset, name, value):
        if value != "overdue":
            return queryset
        return queryset.exclude(status=WeakStatus.CLOSED).filter(deadline__lt=timezone.localdate())
