"""Web forms of organisational life: what the pages ask; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.web.forms import BootstrapForm, DateInput

from .models import Kind, LostReason


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class MeetingForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    held_on = forms.DateField(label=_("Held on"), widget=DateInput())
    topic = forms.CharField(label=_("Topic"), max_length=200)
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    host = forms.TypedChoiceField(label=_("Host"), coerce=int, required=False, empty_value=None)
    recorder = forms.TypedChoiceField(
        label=_("Recorder"), coerce=int, required=False, empty_value=None
    )
    minutes = forms.CharField(
        label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    resolutions = forms.CharField(
        label=_("Resolutions"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    has_vote = forms.BooleanField(label=_("A vote was taken"), required=False)
    attachments = MultipleFileField(
        label=_("Photos and PDFs"),
        required=False,
        help_text=_("JPEG, PNG or PDF, at most 10 MB each"),
    )

    def __init__(self, *args, roster=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "---------")] + [(m.pk, m.name) for m in roster]
        self.fields["host"].choices = choices
        self.fields["recorder"].choices = choices
        self.fields["attachments"].widget.attrs["accept"] = ".jpg,.jpeg,.png,.pdf"
        self.style_fields()


class LostContactForm(BootstrapForm):
    searched_on = forms.DateField(label=_("Searched on"), widget=DateInput())
    how = forms.CharField(
        label=_("How the member was searched for"), widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.ChoiceField(label=_("Reason code (LOST-02)"), choices=LostReason.choices)
    found = forms.BooleanField(label=_("The member was found"), required=False)


class PlanItemForm(BootstrapForm):
    planned_on = forms.DateField(label=_("Planned on"), widget=DateInput())
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)


class TrainingForm(BootstrapForm):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    title = forms.CharField(label=_("Course"), max_length=200)
    hours = forms.DecimalField(label=_("Hours"), max_digits=5, decimal_places=1)
    members = forms.TypedMultipleChoiceField(
        label=_("Members"), coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, roster=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = [(m.pk, m.name) for m in roster]
        self.fields["members"].widget.attrs.pop("class", None)
