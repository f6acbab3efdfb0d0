"""Web forms: opening a record (step 1) and recording a step, built from steps.STEPS."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.accounts.models import User
from jiceng.core.codes import ETHNICITIES, Education, Occupation
from jiceng.members.models import LeaveStatus, Member
from jiceng.orgs.models import Organization
from jiceng.orgs.selectors import branch_choices
from jiceng.web.forms import BootstrapForm, DateInput

from . import steps


class RecordForm(BootstrapForm):
    name = forms.CharField(label=_("Name"), max_length=40)
    id_number = forms.CharField(label=_("ID number"), max_length=40)
    org = forms.ModelChoiceField(label=_("Branch"), queryset=Organization.objects.none())
    applied_on = forms.DateField(label=_("Application submitted on"), widget=DateInput)
    ethnicity = forms.ChoiceField(label=_("Ethnicity"), choices=ETHNICITIES, initial="01")
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices)
    occupation = forms.ChoiceField(label=_("Occupation category"), choices=Occupation.choices)
    username = forms.CharField(
        label=_("The person's account (optional)"),
        required=False,
        help_text=_("A user name: the person then sees their own record and what comes next."),
    )

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["org"].queryset = branch_choices(user).order_by("path")

    def clean_username(self):
        name = self.cleaned_data["username"].strip()
        if not name:
            return None
        found = User.objects.filter(username=name, is_active=True, admin_role="").first()
        if found is None:
            raise forms.ValidationError(_("No such account"))
        return found

    def service_values(self) -> dict:
        values = dict(self.cleaned_data)
        values["user"] = values.pop("username")
        return values


def _field(item: steps.Item, record, user):
    required = item.required and item.kind != "bool"
    if item.kind == "text":
        return forms.CharField(label=item.label, required=required, max_length=300)
    if item.kind == "int":
        return forms.IntegerField(label=item.label, required=required, min_value=0)
    if item.kind == "bool":
        return forms.BooleanField(label=item.label, required=False)
    if item.kind == "date":
        return forms.DateField(label=item.label, required=required, widget=DateInput)
    if item.kind == "choice":
        return forms.ChoiceField(label=item.label, required=required, choices=item.choices)
    if item.kind == "members":
        qs = (
            Member.objects.restrict(user)
            .filter(org=record.org, leave_status=LeaveStatus.ON_ROLLS)
            .order_by("name")
        )
        return forms.ModelMultipleChoiceField(
            label=item.label,
            required=required,
            queryset=qs,
            widget=forms.CheckboxSelectMultiple,
        )
    if item.kind == "org":
        ancestors = Organization.objects.filter(path__in=record.org.ancestor_paths()[:-1])
        return forms.TypedChoiceField(
            label=item.label,
            required=required,
            coerce=int,
            choices=[(o.pk, o.name) for o in ancestors.order_by("-path")],
        )
    raise AssertionError(item.kind)


class StepForm(BootstrapForm):
    on = forms.DateField(label=_("Date"), widget=DateInput)

    def __init__(self, data=None, *, user, record, number: int, may_except: bool, **kwargs):
        super().__init__(data, **kwargs)
        self.spec = steps.STEPS[number]
        for item in self.spec.items:
            self.fields[item.name] = _field(item, record, user)
        if may_except:
            self.fields["exception_reason"] = forms.CharField(
                label=_("Documented exception: why the rule is not followed (administrators)"),
                required=False,
                max_length=300,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        self.style_fields()

    def service_values(self) -> dict:
        data = {}
        for item in self.spec.items:
            value = self.cleaned_data.get(item.name)
            if item.kind == "members":
                value = [m.pk for m in value or []]
            if value is not None and value != "":
                data[item.name] = value
        return {
            "on": self.cleaned_data["on"],
            "data": data,
            "exception_reason": self.cleaned_data.get("exception_reason", ""),
        }
