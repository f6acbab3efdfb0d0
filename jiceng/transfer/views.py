"""Import pages: upload, the job's progress and result, confirm, the annotated file."""

import contextlib
import io
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.audit import services as audit
from jiceng.sheets.read import read_sheets
from jiceng.sheets.write import write_annotated
from jiceng.web.forms import add_service_errors

from . import progress, services
from .export import write_layout
from .forms import UploadForm
from .layout import LAYOUTS
from .models import ImportJob, JobStatus

RUNNING = (JobStatus.QUEUED, JobStatus.CHECKING, JobStatus.IMPORTING)
SHOWN_PROBLEMS = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _own_job(request, pk: int) -> ImportJob:
    """A job is seen only by the person who uploaded it; anyone else gets a 404."""
    job = ImportJob.objects.defer("data").filter(pk=pk, created_by=request.user).first()
    if job is None:
        raise Http404
    return job


@login_required
def import_upload(request):
    if not services.may_import(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = services.job_create(actor=request.user, file_name=upload.name, data=upload.read())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            audit.record(
                "import",
                request=request,
                obj=job,
                data={"stage": "upload", "file": job.file_name, "sha256": job.file_sha256},
            )
            return redirect("transfer:import_job", pk=job.pk)
    jobs = ImportJob.objects.defer("data", "errors", "preview").filter(created_by=request.user)
    return render(
        request,
        "transfer/import_upload.html",
        {"form": form, "jobs": jobs[:20], "nav": "import"},
    )


def _job_context(job: ImportJob) -> dict:
    state = progress.read(job.pk) if job.status in RUNNING else {}
    return {
        "job": job,
        "running": job.status in RUNNING,
        "state": state,
        "problems": job.errors[:SHOWN_PROBLEMS],
        "more_problems": max(job.error_count - SHOWN_PROBLEMS, 0),
        "nav": "import",
    }


@login_required
def import_job(request, pk: int):
    job = _own_job(request, pk)
    context = _job_context(job)
    if request.htmx:
        if not context["running"]:  # finished: reload the whole page to show the result
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
        return render(request, "transfer/_progress.html", context)
    return render(request, "transfer/import_job.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    job = _own_job(request, pk)
    # Already confirmed or no longer ready: the job page says where it stands.
    with contextlib.suppress(ValidationError):
        services.job_confirm(actor=request.user, job=job)
    return redirect("transfer:import_job", pk=job.pk)


@login_required
@require_POST
def import_rerun(request, pk: int):
    job = _own_job(request, pk)
    with contextlib.suppress(ValidationError):  # still running: the page shows it
        services.job_rerun(actor=request.user, job=job)
    return redirect("transfer:import_job", pk=job.pk)


@login_required
def import_annotated(request, pk: int):
    """The uploaded file back, with an error column and the bad cells marked."""
    job = _own_job(request, pk)
    if not job.error_count:
        raise Http404
    body = write_annotated(read_sheets(services.job_file(job), job.file_kind), job.errors)
    stem = job.file_name.rsplit(".", 1)[0]
    response = HttpResponse(body, content_type=XLSX)
    name = quote(f"{stem}-{_('errors')}.xlsx")
    response["Content-Disposition"] = (
        f"attachment; filename=\"errors.xlsx\"; filename*=UTF-8''{name}"
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def import_template(request, kind: str):
    """The blank form (headers only) for members or organisations."""
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise Http404
    buffer = io.BytesIO()
    write_layout(buffer, layout, iter(()))
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = quote(f"{layout.title}.xlsx")
    response["Content-Disposition"] = (
        f"attachment; filename=\"{kind}.xlsx\"; filename*=UTF-8''{name}"
    )
    return response
