"""Web pages of the organisation tree: thin callers of orgs.selectors and orgs.services."""

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from jiceng.core import scope
from jiceng.web.generic import ObjectDetailView, ObjectListView, ServiceFormView
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import rules, selectors, services
from .filters import OrgFilterSet
from .forms import EDIT_FIELDS, OrgDissolveForm, OrgForm, OrgMoveForm
from .models import BRANCH_KINDS, Organization, OrgStatus

AUTOCOMPLETE_LIMIT = 20


@login_required
def org_tree(request):
    roots = selectors.org_roots_for(request.user)
    return render(request, "orgs/org_tree.html", {"orgs": roots, "nav": "orgs"})


class OrgListView(ObjectListView):
    """Organisations as a filterable list: what the counts by kind and category link to."""

    filterset_class = OrgFilterSet
    template_name = "orgs/org_list.html"
    fragment_template = "orgs/_org_table.html"

    def get_queryset(self):
        return selectors.orgs_visible_to(self.request.user).select_related(
            "parent", "secretary", "stats"
        )

    def get_context_data(self, **context):
        form = context["filter_form"]
        within = form.cleaned_data.get("within") if form.is_valid() else None
        form.fields["grassroots"].widget.choices = [
            ("", "---------"),
            ("true", _("yes")),
            ("false", _("no")),
        ]
        return {**context, "nav": "orgs", "within": within}


@login_required
def org_children(request, pk: int):
    """The child rows of one tree node (an HTMX fragment): one level, loaded on demand."""
    parent = get_visible_or_404(request, Organization.objects.all(), pk)
    children = selectors.org_children(request.user, parent)
    return render(request, "orgs/_tree_rows.html", {"orgs": children})


@login_required
def org_autocomplete(request):
    """Options for an organisation picker: `mode=branch` branches a member may be placed in,
    `mode=parent` organisations that may receive a sub-organisation, else any visible one."""
    field = request.GET.get("field", "")
    text = (request.GET.get(f"{field}__search") or request.GET.get("q") or "").strip()
    mode = request.GET.get("mode", "")
    user = request.user
    if mode == "branch":
        qs = selectors.branch_choices(user)
    elif mode == "parent":
        qs = selectors.orgs_visible_to(user, scope.ADD).filter(status=OrgStatus.ACTIVE)
        qs = qs.exclude(kind__in=BRANCH_KINDS)
    else:
        qs = selectors.orgs_visible_to(user)
    if text:
        qs = qs.filter(Q(name__contains=text) | Q(short_name__contains=text))
    rows = qs.select_related("parent").order_by("path")[:AUTOCOMPLETE_LIMIT]
    options = [(o.pk, o.name, o.parent.name if o.parent else "") for o in rows]
    return render(request, "includes/autocomplete_options.html", {"options": options})


class OrgDetailView(ObjectDetailView):
    queryset = Organization.objects.select_related("secretary", "parent", "stats")
    template_name = "orgs/org_detail.html"
    context_object_name = "org"

    def get_context_data(self, **context):
        org, user = self.object, self.request.user
        return {
            **context,
            "nav": "orgs",
            "ancestors": selectors.org_ancestors(user, org),
            "children": selectors.org_children(user, org, include_dissolved=True),
            "summary": selectors.subtree_summary(org),
            "renewal_due": rules.renewal_due(org.term_started_on, org.term_years),
            "actions": permitted_actions(user, org.path),
        }


class OrgFormMixin:
    template_name = "orgs/org_form.html"

    def get_context_data(self, **context):
        parent = getattr(self, "parent", None) or (self.object.parent if self.object else None)
        ancestors = []
        anchor = self.object or parent
        if anchor is not None:
            ancestors = selectors.org_ancestors(self.request.user, anchor)
            if self.object is None:
                ancestors.append(parent)
        return {
            **context,
            "nav": "orgs",
            "ancestors": ancestors,
            "parent": parent,
            "title": self.title,
        }

    def get_success_url(self, result):
        return reverse("orgs:org_detail", args=[result.pk])


class OrgCreateView(OrgFormMixin, ServiceFormView):
    """A new sub-organisation of `?parent=<pk>`."""

    form_class = OrgForm
    action = scope.ADD
    field_map = {"parent": "kind"}  # the parent is fixed here: a kind it cannot hold
    title = _("New sub-organisation")
    success_message = _("The organisation has been created.")

    def setup_object(self):
        self.object = None
        pk = self.request.POST.get("parent") or self.request.GET.get("parent")
        if not str(pk or "").isdigit():
            raise Http404(_("Choose the parent organisation first"))
        self.parent = get_visible_or_404(self.request, Organization.objects.all(), pk, scope.ADD)

    def get_initial(self):
        return {"category": self.parent.category, "unit_type": self.parent.unit_type}

    def perform(self, form):
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        return services.org_create(actor=self.request.user, parent=self.parent, **data)


class OrgEditView(OrgFormMixin, ServiceFormView):
    form_class = OrgForm
    queryset = Organization.objects.select_related("parent")
    title = _("Edit organisation")
    success_message = _("The organisation has been saved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "org": self.object}

    def get_initial(self):
        initial = {f: getattr(self.object, f) for f in EDIT_FIELDS}
        initial["secretary"] = self.object.secretary_id
        return initial

    def perform(self, form):
        changes = {f: form.cleaned_data[f] for f in form.changed_data}
        if not changes:
            return self.object
        return services.org_update(actor=self.request.user, org=self.object, **changes)


class OrgMoveView(OrgFormMixin, ServiceFormView):
    form_class = OrgMoveForm
    queryset = Organization.objects.select_related("parent")
    title = _("Move organisation")
    template_name = "orgs/org_move.html"
    success_message = _("The organisation has been moved with everything under it.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "org": self.object}

    def perform(self, form):
        return services.org_move(
            actor=self.request.user, org=self.object, new_parent=form.cleaned_data["parent"]
        )


class OrgDissolveView(OrgFormMixin, ServiceFormView):
    form_class = OrgDissolveForm
    queryset = Organization.objects.select_related("parent")
    action = scope.DELETE
    title = _("Dissolve organisation")
    template_name = "orgs/org_dissolve.html"
    success_message = _("The organisation has been dissolved.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "org": self.object}

    def perform(self, form):
        return services.org_dissolve(
            actor=self.request.user, org=self.object, dissolved_on=form.cleaned_data["dissolved_on"]
        )
