"""Pages of membership development: dashboard, list, record with its timeline, step form, due
list, export and the person's own view. Thin callers of selectors and services."""

from __future__ import annotations

import hashlib
import tempfile
from collections import Counter

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.db.models.functions import Substr
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache

from jiceng.audit.services import record as audit_record
from jiceng.core import ruleset, scope
from jiceng.core.findings import Level
from jiceng.orgs.models import SEGMENT, Organization
from jiceng.orgs.selectors import branch_choices, org_ancestors, org_roots_for
from jiceng.transfer.export_views import attachment, recorded_filter
from jiceng.web.generic import ObjectDetailView, ObjectListView, ServiceFormView
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import export, findings, selectors, services, steps
from .filters import RecordFilterSet
from .forms import RecordForm, StepForm
from .models import DevelopmentRecord, Stage

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIST_LIMIT = 50


def findings_url(org_pk: int | None) -> str:
    """The platform's warnings page for this subtree and provider, when it exists."""
    try:
        url = reverse("web:findings")
    except NoReverseMatch:
        return ""
    return f"{url}?org={org_pk}&provider=recruitment" if org_pk else url


def _chosen_org(request) -> Organization | None:
    """?org=<pk> if visible (else 404), or the user's top visible organisation."""
    raw = request.GET.get("org", "")
    if raw:
        if not raw.isdigit():
            raise Http404
        return get_visible_or_404(request, Organization.objects.all(), int(raw))
    roots = org_roots_for(request.user)
    return roots[0] if roots else None


def _stages() -> list[tuple[str, str]]:
    return [(str(s.value), str(s.label)) for s in selectors.STAGE_ORDER]


@login_required
def dashboard(request):
    """People per stage, overdue and due-soon items, exceptions, per child organisation."""
    user = request.user
    org = _chosen_org(request)
    context = {"nav": "recruitment", "org": org, "stages": _stages(), "findings_url": ""}
    if org is None:
        return render(request, "recruitment/dashboard.html", context)
    visible = selectors.in_subtree(DevelopmentRecord.objects.restrict(user), org.path)
    counts = Counter(dict(visible.values_list("stage").annotate(n=Count("id")).order_by()))
    width = len(org.path) + SEGMENT
    per_child = (
        visible.exclude(org_id=org.pk)
        .annotate(child=Substr("org__path", 1, width))
        .values_list("child", "stage")
        .annotate(n=Count("id"))
        .order_by()
    )
    table: dict[str, Counter] = {}
    for child, stage, n in per_child:
        table.setdefault(child, Counter())[stage] = n
    children = {
        c.path: c
        for c in Organization.objects.restrict(user).filter(path__in=list(table)).order_by("path")
    }
    today = timezone.localdate()
    items = [f for f in findings.provide(org.path, today)]
    if not permitted_actions(user, org.path):
        # a person seeing only their own record: only their own findings
        mine = set(visible.values_list("pk", flat=True))
        items = [f for f in items if _record_pk(f.url) in mine]
    levels = Counter(f.level for f in items)
    context.update(
        ancestors=org_ancestors(user, org),
        counts=[(value, label, counts.get(value, 0)) for value, label in _stages()],
        total=sum(counts.values()),
        children=[
            (children[path], [table[path].get(v, 0) for v, _label in _stages()])
            for path in sorted(table)
            if path in children
        ],
        overdue=[f for f in items if f.level == Level.OVERDUE][:LIST_LIMIT],
        due_soon=[f for f in items if f.level == Level.DUE_SOON][:LIST_LIMIT],
        levels=levels,
        exceptions=list(selectors.exceptions_in(user, org.path)[:LIST_LIMIT]),
        exception_count=selectors.exceptions_in(user, org.path).count(),
        findings_url=findings_url(org.pk),
        can_add=branch_choices(user).exists(),
    )
    return render(request, "recruitment/dashboard.html", context)


def _record_pk(url: str) -> int | None:
    parts = [p for p in url.split("/") if p]
    return int(parts[-1]) if parts and parts[-1].isdigit() else None


@login_required
def due_list(request):
    """Overdue and due-soon items of a subtree (the in-app reminders)."""
    user = request.user
    org = _chosen_org(request)
    level = request.GET.get("level", "")
    items = []
    if org is not None:
        visible = set(
            selectors.in_subtree(DevelopmentRecord.objects.restrict(user), org.path)
            .filter(stage__in=selectors.open_stage_values())
            .values_list("pk", flat=True)
        )
        items = [
            f
            for f in findings.provide(org.path, timezone.localdate())
            if f.level != Level.EXCEPTION and _record_pk(f.url) in visible
        ]
        if level in (Level.OVERDUE, Level.DUE_SOON):
            items = [f for f in items if f.level == level]
        items.sort(key=lambda f: (f.level != Level.OVERDUE, f.due, f.subject))
    return render(
        request,
        "recruitment/due_list.html",
        {
            "nav": "recruitment",
            "org": org,
            "items": items,
            "level": level,
            "findings_url": findings_url(org.pk if org else None),
        },
    )


class RecordListView(ObjectListView):
    filterset_class = RecordFilterSet
    template_name = "recruitment/record_list.html"
    fragment_template = "recruitment/_record_table.html"

    def get_queryset(self):
        return selectors.records_visible_to(self.request.user).order_by("org__path", "name", "id")

    def get_context_data(self, **context):
        return {**context, "nav": "recruitment", "stages": _stages()}


@method_decorator(never_cache, name="dispatch")
class RecordExportView(RecordListView):
    """The list as .xlsx, each person's current step; recorded in the audit log."""

    def get(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        if not filterset.is_valid():
            return redirect("recruitment:record_list")
        file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
        try:
            rows = export.write(filterset.qs, file)
            file.seek(0)
            digest = hashlib.file_digest(file, "sha256").hexdigest()
            audit_record(
                "export",
                actor=request.user,
                request=request,
                data={
                    "list": "development",
                    "filter": recorded_filter(request, filterset),
                    "rows": rows,
                    "sha256": digest,
                    "unmasked": False,
                },
            )
            file.seek(0)
        except BaseException:
            file.close()
            raise
        response = FileResponse(file, content_type=XLSX)
        day = timezone.localdate().isoformat()
        response["Content-Disposition"] = attachment(
            f"发展党员-{day}.xlsx", f"development-{day}.xlsx"
        )
        return response


def record_context(request, record: DevelopmentRecord, **extra) -> dict:
    user = request.user
    today = timezone.localdate()
    actions = permitted_actions(user, record.org.path)
    nexts = services.next_steps(record)
    return {
        "nav": "recruitment",
        "record": record,
        "ancestors": org_ancestors(user, record.org) + [record.org],
        "timeline": selectors.timeline(user, record),
        "due": selectors.due_for(record, today, ruleset.snapshot(on=today)),
        "next_steps": [(n, steps.title(n)) for n in nexts],
        "can_change": "change" in actions,
        "is_own": record.user_id is not None and record.user_id == user.pk,
        "stage_titles": _stage_steps(record),
        **extra,
    }


def _stage_steps(record: DevelopmentRecord) -> list[tuple[str, list[tuple[int, str, bool]]]]:
    """The five stages with their steps, each marked done or not (the progress bar)."""
    out: dict[str, list] = {}
    for number, spec in steps.STEPS.items():
        label = str(Stage(spec.stage).label) if number < 25 else str(Stage.FULL.label)
        done = record.step >= number or record.stage in (Stage.FULL,) and number <= 24
        out.setdefault(label, []).append((number, str(spec.title), done))
    return list(out.items())


class RecordDetailView(ObjectDetailView):
    queryset = DevelopmentRecord.objects.select_related("org", "member")
    template_name = "recruitment/record_detail.html"
    context_object_name = "record"

    def get_context_data(self, **context):
        context = record_context(self.request, self.object)
        nexts = services.next_steps(self.object)
        if context["can_change"] and nexts:
            number = max(nexts)  # the step that moves the record on (6/21 repeat aside)
            context["next_form"] = StepForm(
                user=self.request.user,
                record=self.object,
                number=number,
                may_except=services.may_except(self.request.user, self.object),
                initial={"on": timezone.localdate()},
            )
            context["next_number"] = number
            context["next_title"] = steps.title(number)
        return context


@login_required
def my_records(request):
    """The person's own records: what was done, and what comes next."""
    records = list(selectors.own_records(request.user))
    if len(records) == 1:
        return redirect(records[0].get_absolute_url())
    return render(request, "recruitment/mine.html", {"nav": "recruitment", "records": records})


class RecordCreateView(ServiceFormView):
    form_class = RecordForm
    action = scope.ADD
    template_name = "recruitment/record_form.html"
    success_message = _("The application has been recorded.")
    field_map = {"user": "username"}

    def setup_object(self):
        super().setup_object()
        if not branch_choices(self.request.user).exists():
            raise PermissionDenied(_("You may not open development records"))

    def get_initial(self):
        org = self.request.GET.get("org", "")
        return {"org": int(org)} if org.isdigit() else {}

    def get_context_data(self, **context):
        return {**context, "nav": "recruitment", "title": _("New application for membership")}

    def perform(self, form):
        return services.record_open(actor=self.request.user, **form.service_values())

    def get_success_url(self, result):
        return result.get_absolute_url()


class StepRecordView(ServiceFormView):
    form_class = StepForm
    queryset = DevelopmentRecord.objects.select_related("org", "member")
    template_name = "recruitment/step_form.html"
    success_message = _("The step has been recorded.")

    def setup_object(self):
        super().setup_object()
        self.number = self.kwargs["number"]
        if self.number not in steps.STEPS or self.number == 1:
            raise Http404

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "record": self.object,
            "number": self.number,
            "may_except": services.may_except(self.request.user, self.object),
        }

    def get_initial(self):
        return {"on": timezone.localdate()}

    def get_context_data(self, **context):
        record = self.object
        return record_context(
            self.request,
            record,
            form=context["form"],
            number=self.number,
            step_title=steps.title(self.number),
            allowed=self.number in services.next_steps(record),
        )

    def perform(self, form):
        return services.step_record(
            actor=self.request.user, record=self.object, number=self.number, **form.service_values()
        )

    def get_success_url(self, result):
        return self.object.get_absolute_url()
