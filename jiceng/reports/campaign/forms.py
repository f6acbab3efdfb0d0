from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from jiceng.orgs.forms import org_label_for
from jiceng.web.forms import AutocompleteField, AutocompleteWidget, BootstrapForm, DateInput


class CampaignForm(BootstrapForm):
    """Which subtree and period. Whether the organisation is in the user's scope and the
    period acceptable is the service's to say (services.check_request), beside the field."""

    org = AutocompleteField(label=_("Organisation"))
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("To"), widget=DateInput())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].widget = AutocompleteWidget(
            source=reverse_lazy("orgs:org_autocomplete"), label_for=org_label_for(user)
        )
        self.style_fields()
