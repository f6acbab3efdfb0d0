"""One FilterSet for the development record list, its export and the API."""

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.core.fields import prefix_range
from jiceng.orgs.models import Organization

from .models import OPEN_STAGES, Stage
from .stats import PHASES, admitted_q, phase_q

STATE_CHOICES = [("open", _("in progress")), ("closed", _("finished")), ("all", _("all"))]


class RecordFilterSet(df.FilterSet):
    q = df.CharFilter(label=_("Name"), method="filter_q")
    org = df.ModelChoiceFilter(
        label=_("Within organisation"), method="filter_org", queryset=Organization.objects.none()
    )
    stage = df.ChoiceFilter(label=_("Stage"), choices=Stage.choices)
    step = df.NumberFilter(label=_("Last step done"), field_name="step")
    # The cockpit's recruitment figures (recruitment.stats): a phase of the pipeline, and the
    # people admitted (registered as members) with a joining date in a period.
    phase = df.ChoiceFilter(label=_("Phase"), choices=PHASES, method="filter_phase")
    admitted_from = df.DateFilter(
        label=_("Admitted from"),
        method="filter_admitted_from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    admitted_to = df.DateFilter(
        label=_("Admitted until"),
        method="filter_admitted_to",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    state = df.ChoiceFilter(
        label=_("State"), choices=STATE_CHOICES, method="filter_state", empty_label=None
    )

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("state", "all")
        super().__init__(data, *args, **kwargs)
        if user is not None:
            self.filters["org"].queryset = Organization.objects.restrict(user)
        # Never a <select> of every organisation (13,000 at city scope): the dashboard's links
        # and the API name one by id; the page shows its name.
        self.filters["org"].field.widget = forms.HiddenInput()

    def filter_q(self, queryset, name, value):
        return queryset.filter(**prefix_range("name", value.strip())) if value else queryset

    def filter_org(self, queryset, name, value):
        return queryset.filter(**prefix_range("org__path", value.path)) if value else queryset

    def filter_phase(self, queryset, name, value):
        return queryset.filter(phase_q(value)) if value else queryset

    def filter_admitted_from(self, queryset, name, value):
        return queryset.filter(admitted_q(start=value)) if value else queryset

    def filter_admitted_to(self, queryset, name, value):
        return queryset.filter(admitted_q(end=value)) if value else queryset

    def filter_state(self, queryset, name, value):
        if value == "open":
            return queryset.filter(stage__in=OPEN_STAGES)
        if value == "closed":
            return queryset.exclude(stage__in=OPEN_STAGES)
        return queryset
