"""Web pages of the member registry: thin callers of members.selectors and members.services."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiceng.core import scope
from jiceng.core.fields import prefix_range
from jiceng.core.masking import PERSONAL_FIELDS
from jiceng.orgs.selectors import branch_choices, org_ancestors, orgs_visible_to
from jiceng.web.forms import AutocompleteWidget
from jiceng.web.generic import ObjectDetailView, ObjectListView, ServiceFormView
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import selectors, services
from .filters import MemberFilterSet
from .forms import CREATE_FIELDS, EDIT_FIELDS, MemberForm, StatusForm, UnmaskForm
from .models import Member
from .services import STATUS_FIELDS

AUTOCOMPLETE_LIMIT = 20


class MemberListView(ObjectListView):
    filterset_class = MemberFilterSet
    template_name = "members/member_list.html"
    fragment_template = "members/_member_table.html"

    def get_queryset(self):
        return selectors.members_visible_to(self.request.user)

    def get_count(self, filterset):
        return selectors.member_count(self.request.user, filterset)

    def get_context_data(self, **context):
        form = context["filter_form"]
        org = form.cleaned_data.get("org") if form.is_valid() else None
        for name in ("lost_contact", "mobile"):
            form.fields[name].widget.choices = [
                ("", "---------"),
                ("true", _("yes")),
                ("false", _("no")),
            ]
        picker = AutocompleteWidget(
            source=reverse("orgs:org_autocomplete"),
            attrs={"id": "id_org", "placeholder": _("Any organisation")},
            label_for=lambda pk: org.name if org else "",
        )
        value = org.pk if org else self.request.GET.get("org", "")
        return {
            **context,
            "nav": "members",
            "filter_org": org,
            "org_picker": picker.render("org", value),
        }


class MemberDetailView(ObjectDetailView):
    queryset = Member.objects.select_related("org")
    template_name = "members/member_detail.html"
    context_object_name = "member"

    def get_context_data(self, **context):
        return member_page_context(self.request, self.object)


def status_labels(change) -> tuple[str, str, str]:
    """What a StatusChange row says, in words: (field, old value, new value)."""
    field = Member._meta.get_field(change.field) if change.field in STATUS_FIELDS else None
    if field is None:
        return change.field, change.old_value, change.new_value
    if field.choices:
        names = {str(value): label for value, label in field.choices}
    else:
        names = {"True": gettext("yes"), "False": gettext("no")}
    return (
        str(field.verbose_name),
        str(names.get(change.old_value, change.old_value)),
        str(names.get(change.new_value, change.new_value)),
    )


def member_page_context(request, member: Member, **context) -> dict:
    user = request.user
    return {
        "member": member,
        "nav": "members",
        "ancestors": org_ancestors(user, member.org) + [member.org],
        "history": [
            (change, *status_labels(change))
            for change in scope.restrict(member.status_changes.select_related("actor"), user)
        ],
        "actions": permitted_actions(user, member.org.path),
        "can_unmask": user.has_perm("members.unmask_personal_data"),
        "revealed": {},
        **context,
    }


class MemberFormMixin:
    template_name = "members/member_form.html"

    def get_context_data(self, **context):
        member = self.object
        ancestors = []
        if member is not None:
            ancestors = org_ancestors(self.request.user, member.org) + [member.org]
        return {**context, "nav": "members", "title": self.title, "ancestors": ancestors}

    def get_success_url(self, result):
        return reverse("members:member_detail", args=[result.pk])


class MemberCreateView(MemberFormMixin, ServiceFormView):
    form_class = MemberForm
    action = scope.ADD
    title = _("New member")
    success_message = _("The member has been registered.")

    def setup_object(self):
        super().setup_object()
        if not branch_choices(self.request.user).exists():
            raise PermissionDenied(_("You may not register members"))

    def get_initial(self):
        org = self.request.GET.get("org", "")
        return {"org": int(org)} if org.isdigit() else {}

    def perform(self, form):
        values = {k: v for k, v in form.service_values().items() if k in CREATE_FIELDS}
        return services.member_create(actor=self.request.user, **values)


class MemberEditView(MemberFormMixin, ServiceFormView):
    form_class = MemberForm
    queryset = Member.objects.select_related("org")
    title = _("Edit member")
    success_message = _("The member's record has been saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.object}

    def get_initial(self):
        initial = {f: getattr(self.object, f) for f in EDIT_FIELDS if f not in PERSONAL_FIELDS}
        initial["org"] = self.object.org_id
        return initial

    def perform(self, form):
        changes = form.service_values()
        if not changes:
            return self.object
        return services.member_update(actor=self.request.user, member=self.object, **changes)


class MemberStatusView(MemberFormMixin, ServiceFormView):
    form_class = StatusForm
    queryset = Member.objects.select_related("org")
    title = _("Change status")
    template_name = "members/member_status.html"
    field_map = {"field": "change", "value": "change"}
    success_message = _("The status change has been recorded.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.object}

    def perform(self, form):
        services.member_change_status(
            actor=self.request.user, member=self.object, **form.service_values()
        )
        return self.object


@never_cache  # a revealed ID number, phone or address must not stay in any cache
@login_required
@require_POST
def member_unmask(request, pk: int):
    """Reveal one personal field (HTMX: the value fragment; else the member page)."""
    member = get_visible_or_404(request, Member.objects.select_related("org"), pk)
    if not request.user.has_perm("members.unmask_personal_data"):
        raise PermissionDenied(_("You may not reveal personal data"))
    form = UnmaskForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Not a personal field"))
    field = form.cleaned_data["field"]
    reason = form.cleaned_data["reason"]
    context = {"member": member, "field": field, "can_unmask": True, "reason": reason}
    try:
        value = services.member_unmask(
            actor=request.user,
            member=member,
            field=field,
            reason=reason,
            ip=request.META.get("REMOTE_ADDR"),
        )
    except ValidationError as exc:
        error = " ".join(exc.message_dict.get("reason", exc.messages))
        context.update(is_revealed=False, error=error)
        revealed, errors = {}, {field: error}
    else:
        context.update(is_revealed=True, value=value)
        revealed, errors = {field: value}, {}
    if request.htmx:
        return render(request, "members/_personal_value.html", context)
    page = member_page_context(request, member, revealed=revealed, reveal_error=errors)
    return render(request, "members/member_detail.html", page)


@login_required
def member_autocomplete(request):
    """Options for a member picker (an org's secretary): visible members on the rolls,
    searched like the member list, within `?org=<pk>`'s subtree when given."""
    field = request.GET.get("field", "")
    text = (request.GET.get(f"{field}__search") or request.GET.get("q") or "").strip()
    qs = selectors.members_visible_to(request.user).on_rolls()
    org_pk = request.GET.get("org", "")
    if org_pk.isdigit():
        org = orgs_visible_to(request.user).filter(pk=org_pk).first()
        if org is not None:
            qs = qs.filter(**prefix_range("org__path", org.path))
    if text:
        qs = qs.filter(selectors.search_q(text))
    rows = qs[:AUTOCOMPLETE_LIMIT]
    options = [(m.pk, m.name, m.org.name) for m in rows]
    return render(request, "includes/autocomplete_options.html", {"options": options})
