"""Pages of the annual statistics and of data quality: thin callers of services, tables,
quality and selectors."""

from __future__ import annotations

import contextlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.audit.services import record
from jiceng.core import findings, scope
from jiceng.members.items import ITEMS
from jiceng.orgs import selectors as org_selectors
from jiceng.orgs.models import Organization
from jiceng.sheets.write import XLSX_CONTENT_TYPE
from jiceng.transfer.export_views import attachment
from jiceng.web.forms import add_service_errors
from jiceng.web.scoping import get_visible_or_404, permitted_actions

from . import exports, progress, quality, selectors, services, tables
from .forms import SnapshotForm
from .models import Snapshot, SnapshotStatus

NAV = "reports"
RUNNING = (SnapshotStatus.QUEUED, SnapshotStatus.BUILDING)


def _xlsx(body: bytes, filename: str, fallback: str) -> HttpResponse:
    response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(filename, fallback)
    response["Cache-Control"] = "no-store"
    return response


# --- snapshots ------------------------------------------------------------------------------------


@login_required
def statistics(request):
    """The snapshots the user may see, and the form to take one."""
    form = SnapshotForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not form.fields["org"].queryset.exists():
            raise PermissionDenied
        if form.is_valid():
            try:
                snapshot = services.snapshot_take(
                    actor=request.user,
                    org=form.cleaned_data["org"],
                    year=form.cleaned_data["year"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(snapshot.get_absolute_url())
    snapshots = selectors.snapshots_visible_to(request.user)[:200]
    return render(
        request,
        "reports/statistics.html",
        {
            "nav": NAV,
            "form": form,
            "may_take": form.fields["org"].queryset.exists(),
            "snapshots": snapshots,
        },
    )


def _snapshot(request, pk: int) -> Snapshot:
    return get_visible_or_404(request, Snapshot.objects.select_related("org", "taken_by"), pk)


@login_required
def snapshot_detail(request, pk: int):
    snapshot = _snapshot(request, pk)
    running = snapshot.status in RUNNING
    context = {
        "nav": NAV,
        "snapshot": snapshot,
        "running": running,
        "state": progress.read(snapshot.pk) if running else {},
        "catalogue": tables.catalogue(),
        "may_rerun": not snapshot.is_done
        and scope.ADD in permitted_actions(request.user, snapshot.org.path),
    }
    if request.htmx:
        if not running:  # finished: reload the whole page to show the tables
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "reports/_progress.html", context)
    return render(request, "reports/snapshot_detail.html", context)


@login_required
@require_POST
def snapshot_rerun(request, pk: int):
    snapshot = get_visible_or_404(request, Snapshot.objects.select_related("org"), pk, scope.ADD)
    with contextlib.suppress(ValidationError):  # done or still running: the page says so
        services.snapshot_rerun(actor=request.user, snapshot=snapshot)
    return redirect(snapshot.get_absolute_url())


def _done_snapshot(request, pk: int) -> Snapshot:
    snapshot = _snapshot(request, pk)
    if not snapshot.is_done:
        raise Http404(_("This snapshot has not been taken yet"))
    return snapshot


def _table_key(key: str) -> str:
    if key not in tables.BY_KEY:
        raise Http404
    return key


@login_required
def snapshot_table(request, pk: int, table: str):
    snapshot = _done_snapshot(request, pk)
    key = _table_key(table)
    node = selectors.snapshot_node(snapshot, request.GET.get("org"))
    built = tables.build(snapshot, key, node)
    return render(
        request,
        "reports/snapshot_table.html",
        {
            "nav": NAV,
            "snapshot": snapshot,
            "node": node,
            "ancestors": selectors.snapshot_ancestors(snapshot, node),
            "table": built,
            "comparison": tables.compare(snapshot, built, node),
            "catalogue": tables.catalogue(),
        },
    )


def _export(request, snapshot: Snapshot, keys: list[str], node) -> HttpResponse:
    built = []
    for key in keys:
        table = tables.build(snapshot, key, node)
        built.append((table, tables.compare(snapshot, table, node)))
    body = exports.tables_xlsx(snapshot, built)
    record(
        "export",
        request=request,
        obj=snapshot,
        data={"tables": keys, "org": node.org_id if node else snapshot.org_id, "bytes": len(body)},
    )
    title = built[0][0].title if len(keys) == 1 else _("Annual statistics")
    name = f"{snapshot.root_name}-{snapshot.year}-{title}.xlsx"
    return _xlsx(body, name, f"statistics-{snapshot.year}.xlsx")


@login_required
def snapshot_table_export(request, pk: int, table: str):
    snapshot = _done_snapshot(request, pk)
    key = _table_key(table)
    return _export(
        request, snapshot, [key], selectors.snapshot_node(snapshot, request.GET.get("org"))
    )


@login_required
def snapshot_export(request, pk: int):
    snapshot = _done_snapshot(request, pk)
    node = selectors.snapshot_node(snapshot, request.GET.get("org"))
    return _export(request, snapshot, list(tables.BY_KEY), node)


# --- data quality ---------------------------------------------------------------------------------


def _quality_root(request) -> Organization | None:
    return selectors.root_for(request.user, request.GET.get("org", ""))


@login_required
def data_quality(request):
    org = _quality_root(request)
    context = {"nav": NAV, "org": org, "items": ITEMS}
    if org is not None:
        whole, rows = quality.completeness(request.user, org)
        context.update(
            whole=whole,
            table_rows=[whole, *rows],
            ancestors=org_selectors.org_ancestors(request.user, org),
        )
    return render(request, "reports/quality.html", context)


@login_required
def data_quality_export(request):
    org = _quality_root(request)
    if org is None:
        raise Http404
    whole, rows = quality.completeness(request.user, org)
    body = exports.quality_xlsx(org, whole, rows)
    record("export", request=request, obj=org, data={"report": "data_quality", "bytes": len(body)})
    return _xlsx(body, f"{org.name}-{_('Data quality')}.xlsx", "data-quality.xlsx")


@login_required
def rule_findings(request):
    org = _quality_root(request)
    context = {"nav": NAV, "org": org}
    if org is not None:
        counts, every = quality.findings_by_rule(org)
        providers = dict(findings.providers())
        context.update(
            counts=[(c, providers.get(c.provider, c.provider)) for c in counts],
            total=len(every),
            levels=findings.LEVEL_LABELS,
            ancestors=org_selectors.org_ancestors(request.user, org),
            children=list(org_selectors.org_children(request.user, org)),
        )
    return render(request, "reports/findings.html", context)


@login_required
def rule_findings_export(request):
    org = _quality_root(request)
    if org is None:
        raise Http404
    counts, every = quality.findings_by_rule(org)
    names = dict(
        Organization.objects.filter(pk__in={f.org_id for f in every}).values_list("pk", "name")
    )
    body = exports.findings_xlsx(org, counts, every, names)
    record("export", request=request, obj=org, data={"report": "findings", "rows": len(every)})
    return _xlsx(body, f"{org.name}-{_('Findings by rule')}.xlsx", "findings.xlsx")
