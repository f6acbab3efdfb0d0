"""Web forms of renewals and elections. They only collect input: the services validate it
(and name the rule of every refusal)."""

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jiceng.orgs.forms import member_label_for, org_label_for
from jiceng.orgs.models import UnitType
from jiceng.web.forms import AutocompleteField, AutocompleteWidget, BootstrapForm, DateInput

from .models import Post, VillageRole

CANDIDATE_ROWS = 10
SEAT_ROWS = 9
MAX_ROWS = 40
POST_CHOICES = [("", _("committee member")), (Post.SECRETARY, "书记"), (Post.DEPUTY, "副书记")]


def rows_wanted(request, default: int) -> int:
    raw = request.GET.get("rows") or request.POST.get("rows") or ""
    return min(MAX_ROWS, max(default, int(raw))) if raw.isdigit() else default


class ElectionForm(BootstrapForm):
    """The election meeting's figures and its candidates, one row each:
    member, yes votes, and the post the committee gives them if elected."""

    held_on = forms.DateField(label=_("Meeting date"), widget=DateInput())
    entitled = forms.IntegerField(label=_("Voters entitled to attend (应到)"), min_value=0)
    present = forms.IntegerField(label=_("Voters present (实到)"), min_value=0)
    ballots_issued = forms.IntegerField(label=_("Ballots issued"), min_value=0)
    ballots_returned = forms.IntegerField(label=_("Ballots returned"), min_value=0)
    seats = forms.IntegerField(label=_("Seats to fill"), min_value=1, max_value=MAX_ROWS)
    term_years = forms.IntegerField(
        label=_("Term length (years)"),
        min_value=1,
        max_value=5,
        required=False,
        help_text=_("Leave empty for the default of this kind (ORG-05)"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Where the service's errors about the candidates are shown (above the rows).
    candidates = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, org, rows: int = CANDIDATE_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        source = reverse("members:member_autocomplete") + f"?org={org.pk}"
        label = member_label_for(user)
        for i in range(rows):
            self.fields[f"c{i}_member"] = AutocompleteField(
                label=_("Candidate %(n)d") % {"n": i + 1},
                required=False,
                widget=AutocompleteWidget(source=source, label_for=label),
            )
            self.fields[f"c{i}_votes"] = forms.IntegerField(
                label=_("Yes votes"), required=False, min_value=0
            )
            self.fields[f"c{i}_post"] = forms.ChoiceField(
                label=_("Post if elected"), required=False, choices=POST_CHOICES
            )
        self.style_fields()

    def candidate_rows(self):
        return [
            (self[f"c{i}_member"], self[f"c{i}_votes"], self[f"c{i}_post"])
            for i in range(self.rows)
        ]

    def clean(self):
        data = super().clean()
        for i in range(self.rows):
            member, votes = data.get(f"c{i}_member"), data.get(f"c{i}_votes")
            if member is not None and votes is None:
                self.add_error(f"c{i}_votes", _("Required"))
            if member is None and votes is not None:
                self.add_error(f"c{i}_member", _("Choose the candidate"))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        candidates, secretary, deputies = [], None, []
        for i in range(self.rows):
            member = data.get(f"c{i}_member")
            if member is None:
                continue
            candidates.append({"member": member, "votes": data.get(f"c{i}_votes")})
            post = data.get(f"c{i}_post")
            if post == Post.SECRETARY:
                secretary = member
            elif post == Post.DEPUTY:
                deputies.append(member)
        return {
            "held_on": data["held_on"],
            "entitled": data["entitled"],
            "present": data["present"],
            "ballots_issued": data["ballots_issued"],
            "ballots_returned": data["ballots_returned"],
            "seats": data["seats"],
            "term_years": data.get("term_years"),
            "notes": data.get("notes", ""),
            "candidates": candidates,
            "secretary": secretary,
            "deputies": deputies,
        }


class VillageCommitteeForm(BootstrapForm):
    """The village (residents') committee, one seat a row: a Party member of the village or
    anyone by name."""

    started_on = forms.DateField(label=_("Elected on"), widget=DateInput())
    seats = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, org, rows: int = SEAT_ROWS, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("started_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.rows = rows
        source = reverse("members:member_autocomplete") + f"?org={org.pk}"
        label = member_label_for(user)
        for i in range(rows):
            self.fields[f"s{i}_role"] = forms.ChoiceField(
                label=pgettext_lazy("elections", "Post"),
                required=False,
                choices=[("", "—"), *VillageRole.choices],
            )
            self.fields[f"s{i}_member"] = AutocompleteField(
                label=_("Party member"),
                required=False,
                widget=AutocompleteWidget(source=source, label_for=label),
            )
            self.fields[f"s{i}_name"] = forms.CharField(
                label=_("Name (if not a Party member)"), required=False, max_length=40
            )
        self.style_fields()

    def seat_rows(self):
        return [
            (self[f"s{i}_role"], self[f"s{i}_member"], self[f"s{i}_name"]) for i in range(self.rows)
        ]

    def clean(self):
        data = super().clean()
        for i in range(self.rows):
            role = data.get(f"s{i}_role")
            filled = data.get(f"s{i}_member") is not None or data.get(f"s{i}_name")
            if filled and not role:
                self.add_error(f"s{i}_role", _("Required"))
            if role and not filled:
                self.add_error(f"s{i}_name", _("Choose a member or type a name"))
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        seats = [
            {
                "role": data.get(f"s{i}_role"),
                "member": data.get(f"s{i}_member"),
                "name": data.get(f"s{i}_name", ""),
            }
            for i in range(self.rows)
            if data.get(f"s{i}_role")
        ]
        return {"started_on": data["started_on"], "seats": seats}


class CampaignForm(BootstrapForm):
    name = forms.CharField(label=pgettext_lazy("elections", "Name"), max_length=120)
    org = AutocompleteField(label=_("Organised by"))
    starts_on = forms.DateField(label=_("From"), widget=DateInput())
    ends_on = forms.DateField(label=_("To"), widget=DateInput())
    unit_types = forms.MultipleChoiceField(
        label=_("Unit types renewing"),
        choices=UnitType.choices,
        initial=[UnitType.VILLAGE, UnitType.COMMUNITY],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        widget = self.fields["org"].widget
        widget.source = reverse("orgs:org_autocomplete") + "?mode=parent"
        widget.label_for = org_label_for(user)
        self.fields["unit_types"].widget.attrs = {}


class PostAssignForm(BootstrapForm):
    """A post filled between elections (an appointed secretary, a co-opted member)."""

    member = AutocompleteField(label=_("Member"))
    post = forms.ChoiceField(label=pgettext_lazy("elections", "Post"), choices=Post.choices)
    started_on = forms.DateField(label=_("From"), widget=DateInput())

    def __init__(self, *args, user, org, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("started_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        widget = self.fields["member"].widget
        widget.source = reverse("members:member_autocomplete") + f"?org={org.pk}"
        widget.label_for = member_label_for(user)
        self.style_fields()


class PostEndForm(BootstrapForm):
    ended_on = forms.DateField(label=_("Left the post on"), widget=DateInput())

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("ended_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.style_fields()
