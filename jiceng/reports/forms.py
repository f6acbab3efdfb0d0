from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core import scope
from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgStatus

from .services import FIRST_YEAR


class SnapshotForm(forms.Form):
    org = forms.ModelChoiceField(label=_("Organisation"), queryset=Organization.objects.none())
    year = forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Statistics are taken for leading and grassroots committees, not single branches.
        self.fields["org"].queryset = (
            scope.restrict(Organization.objects.all(), user, scope.ADD)
            .filter(status=OrgStatus.ACTIVE)
            .exclude(kind__in=BRANCH_KINDS)
            .order_by("path")
        )
        self.fields["year"].max_value = timezone.localdate().year
        self.fields["year"].widget.attrs["max"] = timezone.localdate().year
        self.fields["year"].initial = timezone.localdate().year - 1
