"""The FilterSet of the account list (system and security administrators)."""

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import AdminRole, Role

ADMIN_CHOICES = [
    ("none", _("no administrator role")),
    ("any", _("any administrator role")),
    *[(value, label) for value, label in AdminRole.choices if value],
]
ACTIVE_CHOICES = [("true", _("enabled")), ("false", _("disabled"))]


class UserFilterSet(df.FilterSet):
    q = df.CharFilter(label=_("Username or name contains"), method="filter_q")
    admin_role = df.ChoiceFilter(
        label=_("Administrator role"), choices=ADMIN_CHOICES, method="filter_admin_role"
    )
    role = df.ChoiceFilter(
        label=_("Organisation role"),
        choices=Role.choices,
        field_name="role_assignments__role",
        distinct=True,
    )
    active = df.ChoiceFilter(label=_("Status"), choices=ACTIVE_CHOICES, method="filter_active")

    def __init__(self, data=None, *args, user=None, **kwargs):
        super().__init__(data, *args, **kwargs)

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(username__icontains=value) | Q(display_name__icontains=value))

    def filter_admin_role(self, queryset, name, value):
        if value == "none":
            return queryset.filter(admin_role="")
        if value == "any":
            return queryset.exclude(admin_role="")
        return queryset.filter(admin_role=value)

    def filter_active(self, queryset, name, value):
        return queryset.filter(is_active=value == "true") if value else queryset
