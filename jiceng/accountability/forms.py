"""Web forms: they parse and show; the services validate and write."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiceng.web.forms import BootstrapForm, DateInput

from .models import (
    AssignmentStatus,
    ItemKind,
    ProblemCategory,
    ProblemSource,
    Severity,
    WeakBasis,
)


class _Form(BootstrapForm):
    def __init__(self, *args, user=None, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)


def _text(label, required=True, rows=3):
    return forms.CharField(
        label=label, required=required, widget=forms.Textarea(attrs={"rows": rows})
    )


class ProjectClaimForm(_Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    problem = _text(_("Problem addressed"))
    goals = _text(_("Goals"))
    targets = _text(_("Measurable targets"))
    milestones = _text(_("Milestones"), rows=4)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestones"].help_text = _(
            "One a line: the date, a space, what is done by then (2027-03-31 first survey done)."
        )

    def clean_milestones(self):
        out = []
        for number, line in enumerate(self.cleaned_data["milestones"].splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            when, _sep, what = line.partition(" ")
            try:
                due = date.fromisoformat(when)
            except ValueError:
                raise forms.ValidationError(
                    _("Line %(n)s: start with a date such as 2027-03-31.") % {"n": number}
                ) from None
            if not what.strip():
                raise forms.ValidationError(
                    _("Line %(n)s: say what is done by %(d)s.") % {"n": number, "d": when}
                )
            out.append((what.strip(), due))
        return out


class ProjectReportForm(_Form):
    progress = forms.IntegerField(label=_("Progress (%)"))
    text = _text(_("What was done"))
    evidence = _text(_("Evidence"))
    milestones_done = forms.MultipleChoiceField(
        label=_("Milestones reached"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            self.fields["milestones_done"].choices = [
                (m.pk, f"{m.due_on} {m.title}")
                for m in project.milestones.filter(done_on__isnull=True)
            ]
            self.fields["progress"].initial = project.progress

    def clean_milestones_done(self):
        return [int(v) for v in self.cleaned_data["milestones_done"]]


class ConfirmForm(_Form):
    pass


class ReviewForm(_Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Approve")), ("return", _("Return with comment"))],
        widget=forms.RadioSelect,
    )
    comment = _text(_("Comment"), required=False)


class CloseForm(ReviewForm):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Close (销号)")), ("return", _("Return: not rectified"))],
        widget=forms.RadioSelect,
    )


class LedgerForm(_Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    title = forms.CharField(label=_("Title"), max_length=120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class ProblemForm(_Form):
    source = forms.ChoiceField(label=_("Source"), choices=ProblemSource.choices)
    description = _text(_("Problem"))
    category = forms.ChoiceField(label=_("Category"), choices=ProblemCategory.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    measure = _text(_("Rectification measure"))
    owner = forms.CharField(label=_("Person responsible"), max_length=40)
    found_on = forms.DateField(label=_("Found on"), widget=DateInput(), required=False)
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())


class RectifyForm(_Form):
    evidence = _text(_("Evidence of rectification"))
    rectified_on = forms.DateField(label=_("Rectified on"), widget=DateInput(), required=False)


class TaskForm(_Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = _text(_("Description"))
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    to = forms.ChoiceField(
        label=_("Issued to"),
        choices=[
            ("children", _("the organisations directly under it")),
            ("township", _("every township (street) of its subtree")),
            ("grassroots", _("every grassroots organisation of its subtree")),
        ],
    )


class AssignmentReportForm(_Form):
    status = forms.ChoiceField(label=_("Status"), choices=AssignmentStatus.choices)
    evidence = _text(_("Evidence"), required=False)


class AssessmentStartForm(_Form):
    rubric = forms.ChoiceField(label=_("Rubric"))
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())

    def __init__(self, *args, rubrics=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rubric"].choices = [(r.pk, str(r)) for r in rubrics]
        self.rubrics = {str(r.pk): r for r in rubrics}
        self.style_fields()

    def clean_rubric(self):
        return self.rubrics[self.cleaned_data["rubric"]]


class ScoreForm(_Form):
    """One field per item scored by hand (`item_<id>`); the review adds one checkbox per
    one-vote veto item (`veto_<id>`) and the self-score an evidence box per item."""

    def __init__(self, *args, rows=(), review=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = rows
        for row in rows:
            item = row.item
            if item.rule:
                continue
            if item.kind == ItemKind.VETO:
                if review:
                    self.fields[f"veto_{item.pk}"] = forms.BooleanField(
                        label=f"{item.code} {item.title}",
                        required=False,
                        initial=bool(row.instances),
                    )
                continue
            initial = row.review_score if review else row.self_score
            if review and initial is None:
                initial = row.self_score
            self.fields[f"item_{item.pk}"] = forms.DecimalField(
                label=f"{item.code} {item.title} (0–{item.max_points})",
                required=False,
                initial=initial,
                decimal_places=2,
                max_digits=6,
            )
            if not review:
                self.fields[f"evidence_{item.pk}"] = forms.CharField(
                    label=_("Evidence"), required=False, initial=row.evidence
                )
        self.style_fields()

    def scores(self) -> dict:
        return {
            name.removeprefix("item_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("item_") and value is not None
        }

    def vetoes(self) -> dict:
        return {
            name.removeprefix("veto_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("veto_")
        }

    def evidence(self) -> dict:
        return {
            name.removeprefix("evidence_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("evidence_") and value
        }


class WeakIdentifyForm(_Form):
    basis = forms.ChoiceField(label=_("Identified by"), choices=WeakBasis.choices)
    reason = _text(_("Reason"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year
        self.fields["basis"].initial = WeakBasis.MANUAL


class WeakPlanForm(_Form):
    leader = forms.CharField(label=_("Responsible leader"), max_length=40)
    work_team = forms.CharField(label=_("Work team"), max_length=200)
    first_secretary = forms.CharField(label=_("First secretary"), max_length=40)
    plan = _text(_("Rectification plan"))
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())


class WeakProgressForm(_Form):
    progress = forms.IntegerField(label=_("Progress (%)"))
    note = _text(_("Progress"))
