"""One FilterSet for the organisation list page and the API."""

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiceng.core.codes import OrgCategory
from jiceng.core.fields import prefix_range

from .models import GRASSROOTS_KINDS, Organization, OrgKind, OrgStatus, UnitType

STATUS_CHOICES = [*OrgStatus.choices, ("all", _("all"))]


class OrgFilterSet(df.FilterSet):
    q = df.CharFilter(label=_("Name contains"), method="filter_q")
    within = df.ModelChoiceFilter(
        label=_("Within organisation"), method="filter_within", queryset=Organization.objects.none()
    )
    parent = df.ModelChoiceFilter(label=_("Directly under"), queryset=Organization.objects.none())
    kind = df.ChoiceFilter(label=_("Kind"), choices=OrgKind.choices)
    grassroots = df.BooleanFilter(
        label=_("Grassroots organisations only"), method="filter_grassroots"
    )
    category = df.ChoiceFilter(label=_("Category"), choices=OrgCategory.choices)
    unit_type = df.ChoiceFilter(label=_("Unit type"), choices=UnitType.choices)
    status = df.ChoiceFilter(
        label=_("Status"), choices=STATUS_CHOICES, method="filter_status", empty_label=None
    )

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("status", OrgStatus.ACTIVE)
        super().__init__(data, *args, **kwargs)
        if user is not None:
            visible = Organization.objects.restrict(user)
            self.filters["within"].queryset = visible
            self.filters["parent"].queryset = visible

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__contains=value) | Q(short_name__contains=value))

    def filter_within(self, queryset, name, value):
        return queryset.filter(**prefix_range("path", value.path)) if value else queryset

    def filter_grassroots(self, queryset, name, value):
        if value is None:
            return queryset
        kinds = [str(k) for k in GRASSROOTS_KINDS]
        return queryset.filter(kind__in=kinds) if value else queryset.exclude(kind__in=kinds)

    def filter_status(self, queryset, name, value):
        return queryset if value == "all" else queryset.filter(status=value)
