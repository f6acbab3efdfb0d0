"""Web forms of the member registry. They only collect input: the services validate it
(ID number check character, birth date against the ID, duplicates, branch and scope)."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.core.codes import ETHNICITIES, Education, Occupation, Sex
from jiceng.core.masking import PERSONAL_FIELDS, mask
from jiceng.orgs.selectors import orgs_visible_to
from jiceng.web.forms import AutocompleteField, BootstrapForm, DateInput

from .models import LeaveStatus, Member, Membership, Standing

CREATE_FIELDS = (
    "name",
    "id_number",
    "sex",
    "birth_date",
    "ethnicity",
    "education",
    "occupation",
    "org",
    "membership",
    "applied_on",
    "join_date",
    "full_member_date",
    "job",
    "phone",
    "address",
    "is_mobile",
    "mobile_destination",
)
# Membership changes go through the status form, so they are dated and kept in the history.
EDIT_FIELDS = tuple(f for f in CREATE_FIELDS if f != "membership")


def _label(name: str):
    return Member._meta.get_field(name).verbose_name


def branch_label_for(user):
    def label(pk):
        return orgs_visible_to(user).filter(pk=pk).values_list("name", flat=True).first()

    return label


class MemberForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    id_number = forms.CharField(
        label=_label("id_number"),
        max_length=40,
        help_text=_("18 characters; full-width digits and a lower-case x are accepted"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    sex = forms.ChoiceField(
        label=_label("sex"), required=False, choices=[("", _("(from the ID number)")), *Sex.choices]
    )
    birth_date = forms.DateField(
        label=_label("birth_date"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to take it from the ID number"),
    )
    ethnicity = forms.ChoiceField(label=_label("ethnicity"), choices=ETHNICITIES, initial="01")
    education = forms.ChoiceField(
        label=_label("education"), choices=[("", "---------"), *Education.choices]
    )
    occupation = forms.ChoiceField(
        label=_label("occupation"), choices=[("", "---------"), *Occupation.choices]
    )
    org = AutocompleteField(label=_label("org"), help_text=_("Type part of the branch's name"))
    membership = forms.ChoiceField(
        label=_label("membership"), choices=Membership.choices, initial=Membership.PROBATIONARY
    )
    applied_on = forms.DateField(label=_label("applied_on"), required=False, widget=DateInput())
    join_date = forms.DateField(label=_label("join_date"), widget=DateInput())
    full_member_date = forms.DateField(
        label=_label("full_member_date"), required=False, widget=DateInput()
    )
    job = forms.CharField(label=_label("job"), max_length=80, required=False)
    phone = forms.CharField(label=_label("phone"), max_length=20, required=False)
    address = forms.CharField(label=_label("address"), max_length=200, required=False)
    is_mobile = forms.BooleanField(label=_label("is_mobile"), required=False)
    mobile_destination = forms.CharField(
        label=_label("mobile_destination"), max_length=120, required=False
    )

    def __init__(self, *args, user, member: Member | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if member is not None:
            del self.fields["membership"]
            # Personal data is never put into a page unmasked: leave empty to keep it.
            for field in PERSONAL_FIELDS:
                self.fields[field].required = False
                self.fields[field].help_text = _("Leave empty to keep the recorded value")
                recorded = getattr(member, field)
                if recorded:
                    self.fields[field].widget.attrs["placeholder"] = mask(field, recorded)
        widget = self.fields["org"].widget
        widget.source = reverse("orgs:org_autocomplete") + "?mode=branch"
        widget.label_for = branch_label_for(user)
        self.member = member

    def service_values(self) -> dict:
        """The changes to hand to member_create / member_update."""
        data = dict(self.cleaned_data)
        if self.member is None:
            return data
        changes = {}
        for field, value in data.items():
            if field in PERSONAL_FIELDS and value in ("", None):
                continue  # personal fields left empty keep the recorded value
            if field in ("sex", "birth_date") and value in ("", None):
                continue
            current = getattr(self.member, "org_id" if field == "org" else field)
            if value != current:
                changes[field] = value
        return changes


class StatusForm(BootstrapForm):
    """A dated change of membership, standing, leaving status or lost contact."""

    CHANGES = [
        (_("Membership"), [(f"membership:{v}", label) for v, label in Membership.choices]),
        (_("Standing"), [(f"standing:{v}", label) for v, label in Standing.choices]),
        (
            _("Leaving the Party"),
            [(f"leave_status:{v}", label) for v, label in LeaveStatus.choices if v],
        ),
        (
            _("Lost contact"),
            [
                ("is_lost_contact:1", _("lost contact")),
                ("is_lost_contact:0", _("contact restored")),
            ],
        ),
    ]

    change = forms.ChoiceField(label=_("Change"), choices=[("", "---------"), *CHANGES])
    effective_on = forms.DateField(label=_("Effective on"), widget=DateInput())
    reason = forms.CharField(label=_("Reason or basis"), max_length=200, required=False)

    def __init__(self, *args, user, member: Member, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("effective_on", timezone.localdate())
        super().__init__(*args, **kwargs)

    def service_values(self) -> dict:
        field, value = self.cleaned_data["change"].split(":", 1)
        if field == "is_lost_contact":
            value = value == "1"
        return {
            "field": field,
            "value": value,
            "effective_on": self.cleaned_data["effective_on"],
            "reason": self.cleaned_data["reason"],
        }


class UnmaskForm(forms.Form):
    field = forms.ChoiceField(choices=[(f, f) for f in PERSONAL_FIELDS])
    reason = forms.CharField(max_length=200, required=False)
