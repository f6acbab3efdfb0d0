"""The system and security administrators' pages: accounts, their roles and permissions, and the
top-level committees. Thin callers of accounts.selectors and accounts.services; every page is
behind `AdminRoleRequiredMixin` (deny by default, refusals recorded)."""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from django.views import View

from jiceng.web.generic import ObjectListView, ServiceFormView

from . import admin_forms, selectors, services
from .access import AdminRoleRequiredMixin, admin_role_required
from .filters import UserFilterSet
from .models import AdminRole, RoleAssignment

SYSTEM, SECURITY = (AdminRole.SYSTEM,), (AdminRole.SECURITY,)
READERS = selectors.ACCOUNT_READERS


class UserListView(AdminRoleRequiredMixin, ObjectListView):
    admin_roles = READERS
    filterset_class = UserFilterSet
    template_name = "accounts/user_list.html"
    fragment_template = "accounts/_user_table.html"

    def get_queryset(self):
        return selectors.users_for(self.request.user)

    def get_context_data(self, **context):
        return {
            **context,
            "nav": "users",
            "unmask_ids": selectors.unmask_holders(context["objects"]),
        }


def _target(request, pk):
    user = selectors.user_for(request.user, pk)
    if user is None:
        raise Http404(_("No such account"))
    return user


class UserDetailView(AdminRoleRequiredMixin, View):
    admin_roles = READERS

    def get(self, request, pk):
        target = _target(request, pk)
        actor = request.user
        context = {
            "nav": "users",
            "account": target,
            "assignments": list(target.role_assignments.all()),
            "may_unmask": bool(selectors.unmask_holders([target])),
        }
        if actor.admin_role == AdminRole.SYSTEM:
            context["account_problem"] = services.account_problem(actor, target)
        else:
            problem = services.authorisation_problem(actor, target)
            context["authorisation_problem"] = problem
            if problem is None and not target.admin_role:
                context["grant_form"] = admin_forms.RoleGrantForm(user=actor)
        return render(request, "accounts/user_detail.html", context)


class AccountFormView(AdminRoleRequiredMixin, ServiceFormView):
    """A form about one account (the URL's pk): 404 when there is none, 403 when the actor's
    role may not change it (`problem`); the service checks again."""

    template_name = "accounts/account_form.html"
    title = ""
    intro = ""
    submit_label = _("Save")
    danger = False

    def problem(self, target) -> str | None:
        return None

    def get_object(self):
        target = _target(self.request, self.kwargs["pk"])
        services._check(self.problem(target))
        return target

    def get_success_url(self, result):
        return reverse("accounts:user_detail", args=[self.object.pk])

    def get_context_data(self, **context):
        return {
            **context,
            "nav": "users",
            "account": self.object,
            "title": self.title,
            "intro": self.intro,
            "submit_label": self.submit_label,
            "danger": self.danger,
            "cancel_url": reverse("accounts:user_detail", args=[self.object.pk])
            if self.object
            else reverse("accounts:user_list"),
        }


class SystemAccountFormView(AccountFormView):
    admin_roles = SYSTEM

    def problem(self, target):
        return services.account_problem(self.request.user, target)


class SecurityAccountFormView(AccountFormView):
    admin_roles = SECURITY

    def problem(self, target):
        return services.authorisation_problem(self.request.user, target)


class ShowsPasswordMixin:
    """On success, show the new temporary password once (never stored, never cached) instead
    of redirecting."""

    password: str | None = None

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        if self.password is None:
            return response
        response = render(
            request,
            "accounts/password_shown.html",
            {"nav": "users", "account": self.shown_account, "password": self.password},
        )
        add_never_cache_headers(response)
        return response


class UserCreateView(ShowsPasswordMixin, SystemAccountFormView):
    form_class = admin_forms.UserCreateForm
    title = _("New account")
    intro = _(
        "The account gets a random temporary password, shown once, which the user must change "
        "at the first login. It has no role until the security administrator grants one."
    )
    submit_label = _("Create")
    success_message = _("The account has been created.")

    def get_object(self):
        return None

    def perform(self, form):
        self.shown_account, self.password = services.user_create(
            actor=self.request.user, **form.cleaned_data
        )
        return self.shown_account

    def get_success_url(self, result):
        return reverse("accounts:user_detail", args=[result.pk])


class UserEditView(SystemAccountFormView):
    form_class = admin_forms.UserEditForm
    title = _("Edit account")
    success_message = _("The account has been saved.")

    def get_initial(self):
        return {f: getattr(self.object, f) for f in services.PROFILE_FIELDS}

    def perform(self, form):
        changed = {f: form.cleaned_data[f] for f in form.changed_data}
        return services.user_update(actor=self.request.user, user=self.object, **changed)


class ActiveForm(admin_forms.ConfirmForm):
    active = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1", widget=forms.HiddenInput
    )


class UserActiveView(SystemAccountFormView):
    form_class = ActiveForm
    field_map = {"is_active": "confirm"}

    def setup_object(self):
        super().setup_object()
        enable = not self.object.is_active
        self.title = _("Enable account") if enable else _("Disable account")
        self.intro = (
            _("The user can log in again with the roles the account holds.")
            if enable
            else _(
                "The user is logged out at once and can no longer log in; API tokens stop "
                "working. The account keeps its roles and its history."
            )
        )
        self.submit_label = _("Enable") if enable else _("Disable")
        self.danger = not enable
        self.success_message = (
            _("The account has been enabled.") if enable else _("The account has been disabled.")
        )

    def get_initial(self):
        return {"active": "1" if not self.object.is_active else "0"}

    def perform(self, form):
        return services.user_set_active(
            actor=self.request.user, user=self.object, active=form.cleaned_data["active"]
        )


class UserPasswordView(ShowsPasswordMixin, SystemAccountFormView):
    form_class = admin_forms.ConfirmForm
    title = _("Reset password")
    intro = _(
        "The account gets a new random temporary password, shown once; the user's sessions end "
        "and the user must change the password at the next login."
    )
    submit_label = _("Reset password")
    danger = True

    def perform(self, form):
        self.shown_account = self.object
        self.password = services.user_reset_password(actor=self.request.user, user=self.object)
        return self.object


class RoleGrantView(SecurityAccountFormView):
    form_class = admin_forms.RoleGrantForm
    title = _("Grant a role")
    submit_label = _("Grant")
    success_message = _("The role has been granted.")
    field_map = {"user": "org"}

    def perform(self, form):
        return services.role_grant(
            actor=self.request.user,
            user=self.object,
            role=form.cleaned_data["role"],
            org=form.cleaned_data["org"],
        )


class RoleRevokeView(SecurityAccountFormView):
    form_class = admin_forms.ConfirmForm
    title = _("Revoke a role")
    submit_label = _("Revoke")
    danger = True
    success_message = _("The role has been revoked.")
    field_map = {"role": "confirm"}

    def setup_object(self):
        super().setup_object()
        self.assignment = (
            RoleAssignment.objects.select_related("org")
            .filter(pk=self.kwargs["assignment"], user=self.object)
            .first()
        )
        if self.assignment is None:
            raise Http404(_("No such role"))
        self.intro = f"{self.assignment.get_role_display()} · {self.assignment.org.name}"

    def perform(self, form):
        return services.role_revoke(actor=self.request.user, assignment=self.assignment)


class AdminRoleView(SecurityAccountFormView):
    form_class = admin_forms.AdminRoleForm
    title = _("Administrator role")
    intro = _(
        "An administrator holds no organisation role and no data permission, and sees no "
        "Party data. One account holds at most one administrator role."
    )
    success_message = _("The administrator role has been changed.")

    def get_initial(self):
        return {"admin_role": self.object.admin_role}

    def perform(self, form):
        return services.admin_role_set(
            actor=self.request.user, user=self.object, admin_role=form.cleaned_data["admin_role"]
        )


class UnmaskView(SecurityAccountFormView):
    form_class = admin_forms.UnmaskForm
    title = _("Permission to reveal personal data")
    success_message = _("The permission has been changed.")

    def get_initial(self):
        return {"allowed": "1" if selectors.unmask_holders([self.object]) else "0"}

    def perform(self, form):
        return services.unmask_set(
            actor=self.request.user, user=self.object, allowed=form.cleaned_data["allowed"]
        )


class TopOrgCreateView(AdminRoleRequiredMixin, ServiceFormView):
    admin_roles = SYSTEM
    form_class = admin_forms.TopOrgForm
    template_name = "accounts/top_org_form.html"
    success_message = _("The top-level committee has been created.")

    def get_object(self):
        return None

    def get_context_data(self, **context):
        return {**context, "nav": "top_orgs", "top_orgs": list(selectors.top_orgs())}

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        return services.top_org_create(actor=self.request.user, **data)

    def get_success_url(self, result):
        return reverse("accounts:top_org_create")


@admin_role_required(AdminRole.SECURITY)
def org_autocomplete(request):
    """Options of the security administrator's organisation picker: any active organisation."""
    field = request.GET.get("field", "")
    text = request.GET.get(f"{field}__search") or request.GET.get("q") or ""
    rows = selectors.org_choices(request.user, text)[: selectors.ORG_CHOICES_LIMIT]
    options = [(o.pk, o.name, o.parent.name if o.parent else "") for o in rows]
    return render(request, "includes/autocomplete_options.html", {"options": options})


class RuleParametersView(AdminRoleRequiredMixin, ServiceFormView):
    """The rule-set: every parameter's value today, what is scheduled, its history; a form to
    change one from a date on."""

    admin_roles = SYSTEM
    form_class = admin_forms.RuleParameterForm
    template_name = "accounts/rule_parameters.html"
    success_message = _("The rule parameter has been changed.")

    def get_object(self):
        return None

    def get_context_data(self, **context):
        from django.utils import timezone

        from jiceng.core import ruleset

        today = timezone.localdate()
        now = ruleset.snapshot(today)
        history = ruleset.history()
        rows = [
            {
                "param": p,
                "value": now[p.name],
                "default": p.default,
                "history": history.get(p.name, []),
                "scheduled": [h for h in history.get(p.name, []) if h.effective_from > today],
            }
            for p in ruleset.defined()
        ]
        return {**context, "nav": "rule_parameters", "rows": rows}

    def perform(self, form):
        from jiceng.core import ruleset

        return ruleset.param_set(actor=self.request.user, **form.cleaned_data)

    def get_success_url(self, result):
        return reverse("accounts:rule_parameters")
