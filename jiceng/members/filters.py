"""One FilterSet for the member list page, the API and exports."""

from datetime import date

import django_filters as df
from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.core.codes import AGE_BANDS, ETHNICITIES, HAN, Education, Occupation, Sex
from jiceng.core.fields import prefix_range
from jiceng.orgs.models import Organization

from .items import MISSING_CHOICES, MISSING_LABEL, missing_q
from .models import LeaveStatus, Membership, Standing
from .selectors import search_q
from .stats import COMPLETE, complete_q

AGE_BAND_CHOICES = [(label, label) for label, _low, _high in AGE_BANDS]
ETHNICITY_CHOICES = [("minority", "少数民族"), *ETHNICITIES]
ROLLS_CHOICES = [("on", _("on the rolls")), ("left", _("left")), ("all", _("all"))]


def birth_years_for_band(label: str, reference_year: int) -> tuple[int | None, int | None]:
    """Birth-year range of an age band at 31 December of `reference_year` (STAT-01)."""
    for band, low, high in AGE_BANDS:
        if band == label:
            return (reference_year - high if high is not None else None, reference_year - low)
    raise ValueError(label)


class MemberFilterSet(df.FilterSet):
    q = df.CharFilter(label=_("Search"), method="filter_q")
    org = df.ModelChoiceFilter(
        label=_("Within organisation"), method="filter_org", queryset=Organization.objects.none()
    )
    membership = df.ChoiceFilter(label=_("Membership"), choices=Membership.choices)
    standing = df.ChoiceFilter(label=_("Standing"), choices=Standing.choices)
    sex = df.ChoiceFilter(label=_("Sex"), choices=Sex.choices)
    education = df.ChoiceFilter(label=_("Education"), choices=Education.choices)
    occupation = df.ChoiceFilter(label=_("Occupation category"), choices=Occupation.choices)
    age_band = df.ChoiceFilter(
        label=_("Age band"), choices=AGE_BAND_CHOICES, method="filter_age_band"
    )
    ethnicity = df.ChoiceFilter(
        label=_("Ethnicity"), choices=ETHNICITY_CHOICES, method="filter_ethnicity"
    )
    lost_contact = df.BooleanFilter(label=_("Lost contact"), field_name="is_lost_contact")
    mobile = df.BooleanFilter(label=_("Mobile member"), field_name="is_mobile")
    joined_from = df.DateFilter(
        label=_("Joined from"),
        field_name="join_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    joined_to = df.DateFilter(
        label=_("Joined until"),
        field_name="join_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    rolls = df.ChoiceFilter(
        label=_("On the rolls"), choices=ROLLS_CHOICES, method="filter_rolls", empty_label=None
    )
    # The cockpit's members.complete: members whose 16 items are all present (members.stats).
    complete = df.BooleanFilter(label=_("All 16 items complete"), method="filter_complete")
    # The data-quality page's drill-down (members.items): members missing one of the 16 items.
    missing = df.ChoiceFilter(label=MISSING_LABEL, choices=MISSING_CHOICES, method="filter_missing")

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        data.setdefault("rolls", "on")
        super().__init__(data, *args, **kwargs)
        if user is not None:
            self.filters["org"].queryset = Organization.objects.restrict(user).select_related(
                "stats"
            )

    def filter_q(self, queryset, name, value):
        return queryset.filter(search_q(value)) if value else queryset

    def filter_org(self, queryset, name, value):
        return queryset.filter(**prefix_range("org__path", value.path)) if value else queryset

    def filter_ethnicity(self, queryset, name, value):
        if value == "minority":
            return queryset.exclude(ethnicity=HAN)
        return queryset.filter(ethnicity=value) if value else queryset

    def filter_age_band(self, queryset, name, value):
        if not value:
            return queryset
        oldest, youngest = birth_years_for_band(value, date.today().year)
        if oldest is not None:
            queryset = queryset.filter(birth_date__gte=date(oldest, 1, 1))
        return queryset.filter(birth_date__lte=date(youngest, 12, 31))

    def filter_missing(self, queryset, name, value):
        return queryset.filter(missing_q(value)) if value else queryset

    def filter_complete(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(complete_q()) if value else queryset.exclude(complete_q())

    def filter_rolls(self, queryset, name, value):
        if value == "on":
            return queryset.filter(leave_status=LeaveStatus.ON_ROLLS)
        if value == "left":
            return queryset.exclude(leave_status=LeaveStatus.ON_ROLLS)
        return queryset

    def rollup_match(self):
        """When the filters are at most one counted dimension over a subtree, a predicate on
        rollup keys whose counts add up to the list's total (see orgs.rollups), so the total
        needs no scan of the members; else None."""
        if not self.form.is_valid():
            return None
        data = {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "")}
        if data.pop("rolls", "on") != "on":
            return None
        data.pop("org", None)
        if not data:
            return lambda key: key == "members"
        if len(data) != 1:
            return None
        ((field, value),) = data.items()
        if field in ("membership", "standing", "sex", "education", "occupation"):
            return lambda key: key == f"{field}:{value}"
        if field == "ethnicity":
            if value == "minority":
                return lambda key: key.startswith("ethnicity:") and key != f"ethnicity:{HAN}"
            return lambda key: key == f"ethnicity:{value}"
        if field in ("lost_contact", "mobile") and value is True:
            return lambda key: key == field
        if field == COMPLETE and value is True:
            return lambda key: key == COMPLETE
        if field == "age_band":
            oldest, youngest = birth_years_for_band(value, date.today().year)
            low = oldest if oldest is not None else 0
            return lambda key: key.startswith("birth_year:") and low <= int(key[11:]) <= youngest
        return None
