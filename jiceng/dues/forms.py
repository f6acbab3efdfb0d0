from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.web.forms import DateInput

from .models import Category


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m")


class MonthField(forms.DateField):
    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace(day=1) if value else value


class StandardForm(forms.Form):
    category = forms.ChoiceField(label=_("category"), choices=Category.choices)
    income_base = forms.DecimalField(
        label=_("income base (yuan a month)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_(
            "After-tax regular pay less the excluded allowances (FEE-01/02); the pension for "
            "retirees (FEE-05); the previous quarter's average for the self-employed (FEE-04)."
        ),
    )
    amount = forms.DecimalField(
        label=_("monthly amount set by the branch (farmers)"),
        required=False,
        max_digits=6,
        decimal_places=2,
    )
    effective_from = MonthField(label=_("from month"))
    note = forms.CharField(label=_("note"), required=False, max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class ReductionForm(forms.Form):
    from_month = MonthField(label=_("from month"))
    to_month = MonthField(label=_("to month"), required=False)
    amount = forms.DecimalField(
        label=_("reduced monthly amount (yuan)"), max_digits=12, decimal_places=2, min_value=0
    )
    reason = forms.CharField(label=_("reason"), max_length=200)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("decision"),
        choices=[("1", _("approve")), ("0", _("reject"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("decision note"), required=False, max_length=200)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("file (.xlsx or .csv)"))


class PaidOnForm(forms.Form):
    month = MonthField(label=_("month"))
    paid_on = forms.DateField(label=_("paid on"), widget=DateInput, required=False)
