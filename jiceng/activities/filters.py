"""One FilterSet for the meeting list page and the API."""

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.core.fields import prefix_range
from jiceng.orgs.models import Organization

from .models import Kind


class MeetingFilterSet(df.FilterSet):
    org = df.ModelChoiceFilter(
        label=_("Within organisation"), method="filter_org", queryset=Organization.objects.none()
    )
    kind = df.ChoiceFilter(label=_("Kind"), choices=Kind.choices)
    held_from = df.DateFilter(
        label=_("Held from"),
        field_name="held_on",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    held_to = df.DateFilter(
        label=_("Held until"),
        field_name="held_on",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    topic = df.CharFilter(label=_("Topic"), field_name="topic", lookup_expr="contains")

    def __init__(self, data=None, queryset=None, *, user=None, **kwargs):
        super().__init__(data, queryset=queryset, **kwargs)
        self.filters["org"].queryset = Organization.objects.restrict(user)

    def filter_org(self, queryset, name, value):
        return queryset.filter(**prefix_range("org__path", value.path)) if value else queryset
