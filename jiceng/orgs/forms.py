"""Web forms of the organisation tree. They only collect input: the services validate it."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.members.selectors import members_visible_to
from jiceng.web.forms import AutocompleteField, AutocompleteWidget, BootstrapForm, DateInput

from .models import Organization
from .selectors import orgs_visible_to

EDIT_FIELDS = (
    "name",
    "short_name",
    "kind",
    "category",
    "unit_type",
    "unit_name",
    "contact_name",
    "contact_phone",
    "founded_on",
    "term_started_on",
    "term_years",
)
DATE_FIELDS = ("founded_on", "term_started_on")


def org_label_for(user):
    def label(pk):
        return orgs_visible_to(user).filter(pk=pk).values_list("name", flat=True).first()

    return label


def member_label_for(user):
    def label(pk):
        return members_visible_to(user).filter(pk=pk).values_list("name", flat=True).first()

    return label


class OrgForm(BootstrapForm):
    """Create or edit an organisation (orgs.services.org_create / org_update)."""

    def __init__(self, *args, user, org: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = forms.fields_for_model(
            Organization, fields=EDIT_FIELDS, widgets={f: DateInput() for f in DATE_FIELDS}
        )
        secretary_source = reverse("members:member_autocomplete")
        if org is not None:
            secretary_source += f"?org={org.pk}"
        fields["secretary"] = AutocompleteField(
            label=Organization._meta.get_field("secretary").verbose_name,
            required=False,
            widget=AutocompleteWidget(source=secretary_source, label_for=member_label_for(user)),
            help_text=_("A member on the rolls: type a name, pinyin or initials"),
        )
        order = [*EDIT_FIELDS[:6], "secretary", *EDIT_FIELDS[6:]]
        self.fields = {name: fields[name] for name in order}
        self.fields["term_years"].help_text = _("Leave empty for the default of this kind")
        self.style_fields()


class OrgMoveForm(BootstrapForm):
    """Re-home an organisation (orgs.services.org_move)."""

    parent = AutocompleteField(label=_("New parent organisation"))

    def __init__(self, *args, user, org: Organization, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["parent"].widget
        widget.source = reverse("orgs:org_autocomplete") + "?mode=parent"
        widget.label_for = org_label_for(user)


class OrgDissolveForm(BootstrapForm):
    """Dissolve (撤销) an organisation (orgs.services.org_dissolve)."""

    dissolved_on = forms.DateField(label=_("Dissolved on"), widget=DateInput())
    confirm = forms.BooleanField(label=_("I confirm this organisation is to be dissolved"))

    def __init__(self, *args, user, org: Organization, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("dissolved_on", timezone.localdate())
        super().__init__(*args, **kwargs)
