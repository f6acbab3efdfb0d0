"""Pages of the campaign report: thin callers of services, content and selectors.

- `campaign`: the form (organisation, period); with `?org=&start=&end=` the report computed
  live from the records (every figure a link to its records); POST generates and keeps it
  (PDF and .xlsx), inline or in the background.
- `campaign_detail`: a kept report (its progress while it is generated).
- `campaign_pdf` / `campaign_xlsx`: its files again, for whoever may see the organisation;
  each download is recorded in the audit log.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiceng.audit.services import record
from jiceng.reports import progress
from jiceng.sheets.write import XLSX_CONTENT_TYPE
from jiceng.transfer.export_views import attachment
from jiceng.web.forms import add_service_errors
from jiceng.web.scoping import get_visible_or_404

from . import content, selectors, services
from .forms import CampaignForm
from .models import CampaignReport

NAV = "reports"
KEPT_SHOWN = 50


@login_required
def campaign(request):
    user = request.user
    default = selectors.default_org(user)
    report = None
    if request.method == "POST":
        if default is None:  # no role anywhere: nothing this user may report on
            raise PermissionDenied
        form = CampaignForm(request.POST, user=user)
        if form.is_valid():
            try:
                kept = services.campaign_report_request(
                    actor=user,
                    org_id=form.cleaned_data["org"],
                    start=form.cleaned_data["start"],
                    end=form.cleaned_data["end"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return redirect(kept.get_absolute_url())
    elif "org" in request.GET:
        form = CampaignForm(request.GET, user=user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                org = services.check_request(
                    actor=user, org_id=data["org"], start=data["start"], end=data["end"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                scope = content.scope_for(org, data["start"], data["end"])
                report = content.compose(org, data["start"], data["end"], content.compute(scope))
    else:
        start, end = services.default_period()
        form = CampaignForm(
            initial={"org": default.pk if default else None, "start": start, "end": end},
            user=user,
        )
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "reports/campaign.html",
        {
            "nav": NAV,
            "form": form,
            "report": report,
            "may_report": default is not None,
            "kept": selectors.campaign_reports_visible_to(user)[:KEPT_SHOWN],
        },
        status=status,
    )


def _kept(request, report_id: int) -> CampaignReport:
    return get_visible_or_404(request, CampaignReport.objects.select_related("org"), report_id)


@login_required
def campaign_detail(request, report_id: int):
    kept = _kept(request, report_id)
    context = {"nav": NAV, "kept": kept}
    if kept.is_running:
        context["state"] = progress.read(services.progress_key(kept.pk))
        if request.htmx:
            return render(request, "reports/campaign_progress.html", context)
    elif request.htmx:  # finished: reload the whole page to show the report
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if kept.is_done:
        context["report"] = content.compose(
            kept.org, kept.start, kept.end, kept.values(), generated_at=kept.finished_at
        )
    return render(request, "reports/campaign_detail.html", context)


def _download(request, report_id: int, kind: str) -> HttpResponse:
    kept = _kept(request, report_id)
    if not kept.is_done:
        raise Http404(_("This report has not been generated yet"))
    body = bytes(kept.pdf if kind == "pdf" else kept.xlsx)
    record(
        "export",
        request=request,
        obj=kept,
        data={
            "report": "campaign",
            "format": kind,
            "org": kept.org_id,
            "start": str(kept.start),
            "end": str(kept.end),
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
        },
    )
    name = f"{kept.org_name}-{kept.start:%Y%m%d}-{kept.end:%Y%m%d}"
    content_type = "application/pdf" if kind == "pdf" else XLSX_CONTENT_TYPE
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = attachment(
        f"{name}.{kind}", f"campaign-report-{kept.pk}.{kind}"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def campaign_pdf(request, report_id: int):
    return _download(request, report_id, "pdf")


@login_required
def campaign_xlsx(request, report_id: int):
    return _download(request, report_id, "xlsx")
