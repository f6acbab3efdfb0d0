"""Web forms of the service system; the services validate, the forms only parse."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from jiceng.web.forms import AutocompleteField, AutocompleteWidget, BootstrapForm, DateInput

from .models import Channel, Satisfaction


def member_field(label, required=True):
    return AutocompleteField(
        label=label,
        required=required,
        widget=AutocompleteWidget(source=reverse_lazy("members:member_autocomplete")),
        help_text=_("Type part of the name"),
    )


def org_field(label):
    return forms.ModelChoiceField(label=label, queryset=None)


class CentreForm(BootstrapForm):
    name = forms.CharField(label=_("name"), max_length=120)
    address = forms.CharField(label=_("address"), max_length=200)
    opening_hours = forms.CharField(label=_("opening hours"), max_length=120, required=False)
    staff = forms.CharField(label=_("staff"), max_length=200, required=False)
    staff_count = forms.IntegerField(label=_("number of staff"), min_value=0, initial=0)
    opened_on = forms.DateField(label=_("opened on"), required=False, widget=DateInput)
    has_place = forms.BooleanField(label=_("has a place"), required=False)
    place_evidence = forms.CharField(label=_("evidence of the place"), required=False)
    has_sign = forms.BooleanField(label=_("has a sign"), required=False)
    sign_evidence = forms.CharField(label=_("evidence of the sign"), required=False)
    has_system = forms.BooleanField(label=_("has rules and systems"), required=False)
    system_evidence = forms.CharField(label=_("evidence of the systems"), required=False)
    has_funds = forms.BooleanField(label=_("has funds"), required=False)
    funds_evidence = forms.CharField(label=_("evidence of the funds"), required=False)


class ShiftForm(BootstrapForm):
    org = org_field(_("on duty at"))
    cadre = member_field(_("cadre"))
    on = forms.DateField(label=_("date"), widget=DateInput)


class TimesForm(BootstrapForm):
    checked_in_at = forms.DateTimeField(
        label=_("checked in at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    checked_out_at = forms.DateTimeField(
        label=_("checked out at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class ImportForm(BootstrapForm):
    file = forms.FileField(label=_("Spreadsheet (.xlsx, .xls, .csv)"))


class VisitForm(BootstrapForm):
    village = org_field(_("village"))
    visitor = member_field(_("visitor"))
    visited_on = forms.DateField(label=_("visited on"), widget=DateInput)
    household = forms.CharField(label=_("household (head)"), max_length=40)
    address = forms.CharField(label=_("address"), max_length=200, required=False)
    raised = forms.CharField(
        label=_("what was raised"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class RequestForm(BootstrapForm):
    origin = org_field(_("raised in"))
    channel = forms.ChoiceField(label=_("raised"), choices=Channel.choices)
    resident_name = forms.CharField(label=_("resident"), max_length=40)
    resident_phone = forms.CharField(label=_("resident's phone"), max_length=20, required=False)
    subject = forms.CharField(label=_("subject"), max_length=200)
    details = forms.CharField(
        label=_("details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    deadline = forms.DateField(
        label=_("deadline"),
        required=False,
        widget=DateInput,
        help_text=_("Empty: the rule's default"),
    )


class AssignForm(BootstrapForm):
    assignee = member_field(_("assigned to"))
    note = forms.CharField(label=_("note"), required=False)


class EscalateForm(BootstrapForm):
    note = forms.CharField(
        label=_("why it goes up a level"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ResolveForm(BootstrapForm):
    resolution_note = forms.CharField(
        label=_("resolution"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseForm(BootstrapForm):
    satisfaction = forms.ChoiceField(
        label=_("resident's satisfaction"),
        choices=[("", "---------"), *Satisfaction.choices],
        required=False,
    )
    resolution_note = forms.CharField(
        label=_("resolution"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class TeamForm(BootstrapForm):
    village = org_field(_("village served"))
    dispatching_unit = forms.CharField(label=_("dispatching unit"), max_length=120)
    started_on = forms.DateField(label=_("from"), widget=DateInput)
    ended_on = forms.DateField(label=_("until"), required=False, widget=DateInput)


class TeamMemberForm(BootstrapForm):
    member = member_field(_("member"), required=False)
    external_name = forms.CharField(
        label=_("name (not in the registry)"), max_length=40, required=False
    )
    external_unit = forms.CharField(label=_("work unit"), max_length=120, required=False)
    is_leader = forms.BooleanField(label=_("team leader"), required=False)
    is_first_secretary = forms.BooleanField(label=_("first secretary"), required=False)
    started_on = forms.DateField(label=_("from"), widget=DateInput)
    ended_on = forms.DateField(label=_("until"), required=False, widget=DateInput)


class PovertyForm(BootstrapForm):
    village = org_field(_("village"))
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    recorded_on = forms.DateField(label=_("recorded on"), widget=DateInput)
    poor_households = forms.IntegerField(label=_("households registered as poor"), min_value=0)
    poor_people = forms.IntegerField(label=_("people registered as poor"), min_value=0)
    lifted_people = forms.IntegerField(label=_("people lifted out of poverty"), min_value=0)
    funds_government = forms.DecimalField(
        label=_("funds from government (yuan)"), min_value=0, initial=0
    )
    funds_enterprise = forms.DecimalField(
        label=_("funds from enterprises (yuan)"), min_value=0, initial=0
    )
    funds_social = forms.DecimalField(label=_("funds from society (yuan)"), min_value=0, initial=0)


class CourseForm(BootstrapForm):
    org = org_field(_("organiser"))
    title = forms.CharField(label=_("title"), max_length=120)
    starts_on = forms.DateField(label=_("starts on"), widget=DateInput)
    hours = forms.IntegerField(label=_("hours"), min_value=1)


class AttendanceForm(BootstrapForm):
    member = member_field(_("member"))
    completed = forms.BooleanField(label=_("completed"), required=False, initial=True)
