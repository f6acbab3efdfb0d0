"""Generic web views: every list, detail and service form is a short declaration on these.

- `ObjectListView`: a scoped queryset, a FilterSet, pagination with the page sizes of
  settings.PAGE_SIZES; an HTMX request gets only the results fragment.
- `ObjectDetailView`: one object through `get_visible_or_404`.
- `ServiceFormView`: a form whose valid data goes to a service; the service's
  ValidationError is shown beside the fields, its PermissionDenied is a 403.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.shortcuts import redirect, render
from django.views import View

from jiceng.core import scope

from .forms import add_service_errors
from .scoping import get_visible_or_404, permitted_actions


def page_size(request) -> int:
    try:
        size = int(request.GET.get("per_page", ""))
    except ValueError:
        return settings.PAGE_SIZES[0]
    return size if size in settings.PAGE_SIZES else settings.PAGE_SIZES[0]


class ObjectListView(LoginRequiredMixin, View):
    filterset_class = None
    template_name = ""
    fragment_template = ""  # the results table alone, for HTMX requests

    def get_queryset(self) -> QuerySet:
        raise NotImplementedError

    def get_count(self, filterset) -> int:
        return filterset.qs.count()

    def get_context_data(self, **context) -> dict:
        return context

    def get_filterset(self):
        """The page's FilterSet over its scoped queryset: what the page lists, and what an
        export of the page writes (transfer.export_views)."""
        return self.filterset_class(
            self.request.GET, queryset=self.get_queryset(), user=self.request.user
        )

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        valid = filterset.is_valid()
        queryset = filterset.qs if valid else filterset.queryset.none()
        paginator = Paginator(queryset, page_size(request))
        paginator.count = self.get_count(filterset) if valid else 0
        page = paginator.get_page(request.GET.get("page"))
        context = self.get_context_data(
            filterset=filterset,
            filter_form=filterset.form,
            page=page,
            paginator=paginator,
            objects=list(page.object_list),
            total=paginator.count,
            page_sizes=settings.PAGE_SIZES,
            per_page=paginator.per_page,
        )
        htmx = getattr(request, "htmx", None)
        fragment = htmx and not htmx.boosted and not htmx.history_restore_request
        template = self.fragment_template if fragment else self.template_name
        return render(request, template, context)


class ObjectDetailView(LoginRequiredMixin, View):
    queryset: QuerySet = None
    template_name = ""
    context_object_name = "object"

    def get_object(self) -> Model:
        return get_visible_or_404(self.request, self.queryset, self.kwargs["pk"], scope.VIEW)

    def get_context_data(self, **context) -> dict:
        return context

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        context = self.get_context_data(
            **{self.context_object_name: self.object, "object": self.object}
        )
        return render(request, self.template_name, context)


class ServiceFormView(LoginRequiredMixin, View):
    """GET shows the form; POST validates it and calls `perform`, which calls a service.

    `queryset` set: the URL's pk names the object, fetched for `action` (404 outside the
    view scope, 403 when visible but not allowed). Services re-check scope themselves.
    """

    form_class = None
    template_name = ""
    queryset: QuerySet | None = None
    action = scope.CHANGE
    field_map: dict[str, str] = {}
    success_message = ""

    object: Model | None = None

    def get_object(self) -> Model | None:
        if self.queryset is None:
            return None
        return get_visible_or_404(self.request, self.queryset, self.kwargs["pk"], self.action)

    def get_initial(self) -> dict:
        return {}

    def get_form_kwargs(self) -> dict:
        return {"user": self.request.user}

    def get_form(self, data=None):
        return self.form_class(data, initial=self.get_initial(), **self.get_form_kwargs())

    def perform(self, form) -> Model:
        raise NotImplementedError

    def get_success_url(self, result: Model) -> str:
        raise NotImplementedError

    def get_context_data(self, **context) -> dict:
        return context

    def render_form(self, form, status: int = 200):
        context = self.get_context_data(form=form, object=self.object)
        return render(self.request, self.template_name, context, status=status)

    def setup_object(self) -> None:
        self.object = self.get_object()

    def get(self, request, *args, **kwargs):
        self.setup_object()
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        self.setup_object()
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                result = self.perform(form)
            except ValidationError as exc:
                add_service_errors(form, exc, self.field_map)
            else:
                if self.success_message:
                    messages.success(request, self.success_message)
                return redirect(self.get_success_url(result))
        return self.render_form(form)


__all__ = [
    "ObjectDetailView",
    "ObjectListView",
    "ServiceFormView",
    "get_visible_or_404",
    "page_size",
    "permitted_actions",
]
