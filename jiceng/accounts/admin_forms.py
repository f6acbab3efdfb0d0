"""Forms of the administrators' pages. They only collect input: the services validate it."""

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from jiceng.orgs.models import Organization
from jiceng.web.forms import AutocompleteField, AutocompleteWidget, BootstrapForm, DateInput

from . import selectors
from .models import AdminRole, Role, User
from .services import TOP_ORG_FIELDS


class UserCreateForm(BootstrapForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; used to log in"),
    )
    display_name = forms.CharField(
        label=User._meta.get_field("display_name").verbose_name, max_length=60, required=False
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class UserEditForm(BootstrapForm):
    display_name = forms.CharField(
        label=User._meta.get_field("display_name").verbose_name, max_length=60, required=False
    )
    email = forms.CharField(label=_("Email"), max_length=254, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class ConfirmForm(BootstrapForm):
    """A confirmation: nothing to fill in but the box."""

    confirm = forms.BooleanField(label=_("I confirm"))

    def __init__(self, *args, user, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["confirm"].label = label


class RoleGrantForm(BootstrapForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    org = AutocompleteField(
        label=_("Over the organisation (and everything under it)"),
        widget=AutocompleteWidget(source=reverse_lazy("accounts:org_autocomplete")),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org"].widget.label_for = lambda pk: selectors.org_name(user, pk)


class AdminRoleForm(BootstrapForm):
    admin_role = forms.ChoiceField(
        label=_("Administrator role"),
        choices=[
            ("", _("none")),
            (AdminRole.SYSTEM, AdminRole.SYSTEM.label),
            (AdminRole.AUDIT, AdminRole.AUDIT.label),
        ],
        required=False,
        help_text=_(
            "Security administrators are appointed on the server's command line "
            "(jiceng createadmin)."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class UnmaskForm(BootstrapForm):
    allowed = forms.TypedChoiceField(
        label=_("May reveal personal data"),
        choices=[("1", _("yes")), ("0", _("no"))],
        coerce=lambda value: value == "1",
        help_text=_(
            "One field of one member at a time, after giving a reason; every reveal is recorded."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class TopOrgForm(BootstrapForm):
    """A top-level committee (accounts.services.top_org_create)."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = forms.fields_for_model(
            Organization, fields=TOP_ORG_FIELDS, widgets={"founded_on": DateInput()}
        )
        self.style_fields()


class RuleParameterForm(BootstrapForm):
    """A new dated value of a rule parameter (core.ruleset.param_set)."""

    name = forms.ChoiceField(label=_("Parameter"))
    value = forms.CharField(label=_("New value"), max_length=200)
    effective_from = forms.DateField(label=_("In force from"), widget=DateInput())
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        from jiceng.core import ruleset

        super().__init__(*args, **kwargs)
        self.fields["name"].choices = [(p.name, f"{p.name} — {p.help}") for p in ruleset.defined()]
        self.style_fields()
