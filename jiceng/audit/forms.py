"""The audit administrator's search form: the filters of `selectors.search`."""

from datetime import datetime, time, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.web.forms import BootstrapForm, DateInput

from .models import EVENTS, Outcome

FILTERS = ("event", "username", "object_type", "object_id", "outcome", "since", "until")


def _start_of(day):
    return timezone.make_aware(datetime.combine(day, time.min))


class AuditSearchForm(BootstrapForm):
    event = forms.ChoiceField(label=_("event"), required=False)
    username = forms.CharField(label=_("username"), max_length=150, required=False)
    object_type = forms.CharField(
        label=_("object type"),
        max_length=64,
        required=False,
        help_text=_("e.g. accounts.user, members.member"),
    )
    object_id = forms.CharField(label=_("object id"), max_length=64, required=False)
    outcome = forms.ChoiceField(
        label=_("outcome"), choices=[("", "---------"), *Outcome.choices], required=False
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To (inclusive)"), required=False, widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].choices = [("", "---------"), *EVENTS.items()]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            raise ValidationError({"until": _("Cannot be before the start date")})
        return data

    def search_filters(self) -> dict:
        """The keyword arguments of selectors.search: dates as aware datetimes, local midnight
        to local midnight (the end date included)."""
        data = self.cleaned_data
        filters = {
            name: (data.get(name) or "").strip()
            for name in ("event", "username", "object_type", "object_id", "outcome")
        }
        if data.get("since"):
            filters["since"] = _start_of(data["since"])
        if data.get("until"):
            filters["until"] = _start_of(data["until"] + timedelta(days=1))
        return {k: v for k, v in filters.items() if v not in (None, "")}

    def recorded(self) -> dict:
        """The filters as the export's audit row keeps them (dates as dates)."""
        data = self.cleaned_data
        return {k: data[k] for k in FILTERS if data.get(k) not in (None, "")}


class VerifyForm(BootstrapForm):
    head = forms.CharField(
        label=_("Expected newest row (optional)"),
        required=False,
        max_length=90,
        help_text=_(
            "SEQ:HASH as noted elsewhere (jiceng audit head): also detects deleted newest rows"
        ),
    )

    def clean_head(self):
        text = (self.cleaned_data.get("head") or "").strip()
        if not text:
            return None
        seq, sep, digest = text.partition(":")
        if not sep or not seq.isdigit() or len(digest) != 64:
            raise ValidationError(_("SEQ:HASH, as printed by jiceng audit head"))
        return int(seq), digest.lower()
