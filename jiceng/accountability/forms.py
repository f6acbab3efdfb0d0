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


class WeakCandidatesForm(_Form):
    """The criteria of the weak-and-lax candidates page (a GET form)."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    below = forms.DecimalField(
        label=_("Assessment score below"), min_value=0, max_digits=6, decimal_places=2
    )
    life_overdue = forms.IntegerField(
        label=_("Overdue organisational-life findings, at least"), min_value=1, max_value=99
    )


RUBRIC_CATEGORIES = 8
RUBRIC_ROWS = 12
RUBRIC_MAX_ROWS = 120


class RubricForm(_Form):
    """A rubric written on one page: up to eight categories (name, maximum points) and one row
    per item (its category's number, code, title, kind, maximum, how it is checked, deduction
    per missing instance, the rule id that scores it from the records). Rows left empty are
    ignored; the service (scoring.rubric_create) checks the rest. `where` maps the service's
    error keys ("categories.0.items.2") back to the row's fields."""

    name = forms.CharField(label=_("Name"), max_length=120)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    org_kind = forms.ChoiceField(label=_("Organisation kind"))

    def __init__(self, *args, rows: int = RUBRIC_ROWS, **kwargs):
        from jiceng.orgs.models import OrgKind

        super().__init__(*args, **kwargs)
        self.fields["org_kind"].choices = OrgKind.choices
        self.rows = rows
        self.where: dict[str, str] = {}
        for i in range(RUBRIC_CATEGORIES):
            self.fields[f"c{i}_name"] = forms.CharField(
                label=_("Category %(n)d") % {"n": i + 1}, required=False, max_length=80
            )
            self.fields[f"c{i}_max"] = forms.DecimalField(
                label=_("Maximum points"), required=False, min_value=0, max_digits=6,
                decimal_places=2,
            )  # fmt: skip
        for j in range(rows):
            self.fields[f"r{j}_cat"] = forms.IntegerField(
                label=_("Category"), required=False, min_value=1, max_value=RUBRIC_CATEGORIES
            )
            self.fields[f"r{j}_code"] = forms.CharField(
                label=_("Code"), required=False, max_length=12
            )
            self.fields[f"r{j}_title"] = forms.CharField(
                label=_("Item"), required=False, max_length=200
            )
            self.fields[f"r{j}_kind"] = forms.ChoiceField(
                label=_("Kind"), required=False, choices=ItemKind.choices
            )
            self.fields[f"r{j}_max"] = forms.DecimalField(
                label=_("Maximum points"), required=False, min_value=0, max_digits=6,
                decimal_places=2,
            )  # fmt: skip
            self.fields[f"r{j}_check"] = forms.CharField(
                label=_("How it is checked"), required=False, max_length=200
            )
            self.fields[f"r{j}_deduction"] = forms.DecimalField(
                label=_("Deduction per missing instance"), required=False, min_value=0,
                max_digits=6, decimal_places=2,
            )  # fmt: skip
            self.fields[f"r{j}_rule"] = forms.CharField(
                label=_("Rule id"), required=False, max_length=12
            )
            self.fields[f"r{j}_subtree"] = forms.BooleanField(
                label=_("Whole subtree"), required=False
            )
        self.style_fields()

    @staticmethod
    def initial_from(specs, *, name: str, year: int, org_kind: str) -> dict:
        """Initial values for a form prefilled with `specs` (rules.CategorySpec)."""
        data = {"name": name, "year": year, "org_kind": org_kind}
        j = 0
        for i, cat in enumerate(specs[:RUBRIC_CATEGORIES]):
            data[f"c{i}_name"], data[f"c{i}_max"] = cat.name, cat.max_points
            for item in cat.items:
                data.update(
                    {
                        f"r{j}_cat": i + 1,
                        f"r{j}_code": item.code,
                        f"r{j}_title": item.title,
                        f"r{j}_kind": item.kind,
                        f"r{j}_max": item.max_points,
                        f"r{j}_check": item.check_method,
                        f"r{j}_deduction": item.deduction,
                        f"r{j}_rule": item.rule,
                        f"r{j}_subtree": item.subtree,
                    }
                )
                j += 1
        return data

    def category_rows(self):
        return [(i + 1, self[f"c{i}_name"], self[f"c{i}_max"]) for i in range(RUBRIC_CATEGORIES)]

    def item_rows(self):
        names = ("cat", "code", "title", "kind", "max", "check", "deduction", "rule", "subtree")
        return [[self[f"r{j}_{n}"] for n in names] for j in range(self.rows)]

    def _filled(self, j: int) -> bool:
        data = self.cleaned_data
        return any(data.get(f"r{j}_{n}") not in (None, "") for n in ("code", "title", "max"))

    def clean(self):
        data = super().clean()
        named = {i + 1 for i in range(RUBRIC_CATEGORIES) if data.get(f"c{i}_name")}
        for i in range(RUBRIC_CATEGORIES):
            if data.get(f"c{i}_name") and data.get(f"c{i}_max") is None:
                self.add_error(f"c{i}_max", _("Give the category's maximum points."))
        for j in range(self.rows):
            if not self._filled(j):
                continue
            cat = data.get(f"r{j}_cat")
            if cat is None or cat not in named:
                self.add_error(f"r{j}_cat", _("The number of a category named above."))
            if data.get(f"r{j}_max") is None:
                self.add_error(f"r{j}_max", _("Required"))
        return data

    def categories(self):
        """The specs for rubric_create, and `where` filled for its errors."""
        from decimal import Decimal

        from .rules import CategorySpec, ItemSpec

        data = self.cleaned_data
        specs, index = [], {}
        for i in range(RUBRIC_CATEGORIES):
            if data.get(f"c{i}_name"):
                index[i + 1] = len(specs)
                self.where[f"categories.{len(specs)}"] = f"c{i}_max"
                specs.append(CategorySpec(data[f"c{i}_name"].strip(), data[f"c{i}_max"], []))
        for j in range(self.rows):
            if not self._filled(j):
                continue
            ci = index[data[f"r{j}_cat"]]
            self.where[f"categories.{ci}.items.{len(specs[ci].items)}"] = f"r{j}_code"
            specs[ci].items.append(
                ItemSpec(
                    code=(data.get(f"r{j}_code") or "").strip(),
                    title=(data.get(f"r{j}_title") or "").strip(),
                    kind=data.get(f"r{j}_kind") or ItemKind.SCORED,
                    max_points=data[f"r{j}_max"],
                    check_method=(data.get(f"r{j}_check") or "").strip(),
                    deduction=data.get(f"r{j}_deduction") or Decimal(0),
                    rule=(data.get(f"r{j}_rule") or "").strip().upper(),
                    subtree=bool(data.get(f"r{j}_subtree")),
                )
            )
        return specs


class RubricCopyForm(_Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)
